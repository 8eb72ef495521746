package io.replikit.multileader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.cluster.typed.Cluster;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.replikit.sharding.Placement;
import io.replikit.sharding.ShardedKeyspace;
import io.replikit.testkit.LoopbackCluster;
import io.replikit.testkit.ShardedNodes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/**
 * Three cluster nodes in one JVM (Artery on loopback, a journal per node) host a keyspace of 4 partitions, each a
 * multi-leader group of 3 replicas placed by Cluster Sharding; a client on the first node writes by key through the
 * router, each key to its home replica. A fourth node joins and three replicas move to it, where they start with an
 * empty journal; then a node crashes and is downed and its three replicas are placed on the nodes without their
 * group, empty again. Every acknowledged write, including those taken by the moved replicas, ends on every replica
 * of its group.
 */
class ShardedMultiLeaderTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final int PARTITIONS = 4;
  private static final int REPLICAS = 3;
  @AutoClose
  private final ShardedNodes<ShardedMultiLeader> nodes = new ShardedNodes<>(ShardedMultiLeaderTest::nodeConfig, WAIT);

  private static Config nodeConfig() {
    return LoopbackCluster.shardedNodeConfig("""
        replikit.multi-leader.digest-interval = 100ms
        # a joining node gets its replicas within a second or two (Akka's default round is every 10s)
        akka.cluster.sharding.rebalance-interval = 500ms
        """);
  }

  private ShardedMultiLeader host(ActorTestKit node, ShardedKeyspace keyspace) {
    MultiLeaderSettings settings = MultiLeaderSettings.fromConfig(node.system().settings().config());
    return ShardedMultiLeader.init(node.system(), keyspace, settings, ConflictPolicy.lastWriteWins());
  }

  @Test
  void everyAcknowledgedWriteEndsOnEveryReplicaOfItsGroupWhileReplicasMoveToNodesWithoutTheirJournal()
      throws Exception {
    nodes.start(3);
    ShardedKeyspace keyspace = ShardedKeyspace.fromConfig("profiles", nodes.config())
        .withPartitions(PARTITIONS).withReplicas(REPLICAS);
    nodes.hostEach(node -> host(node, keyspace));
    ShardedMultiLeader client = nodes.host(0);
    MultiLeaderKeyRouter router = client.router();

    Placement placement = awaitPlacement(client, 3, 4);
    assertEquals(3, placement.perNode().size(), "replicas on all three nodes: " + placement.perNode());

    // writes by key, each to its home; the keys reach every replica slot of every partition
    Map<String, MultiLeaderReplica.Written> acknowledged = new LinkedHashMap<>();
    write(router, keysHomedAt(router, "before-", allSlots(), 2), acknowledged);
    for (Map.Entry<String, MultiLeaderReplica.Written> e : acknowledged.entrySet()) {
      assertEquals("r" + router.homeOf(e.getKey()), e.getValue().origin().split("~")[0],
          e.getKey() + " was written at its home replica");
    }
    awaitEveryReplicaHolds(client, acknowledged);
    Map<String, String> writesAs = writesAs(client);

    // a fourth node joins: three replicas (one of three groups) move to it and start there with an empty journal
    ActorTestKit fourth = nodes.join();
    nodes.hostEach(node -> host(node, keyspace));
    Placement joined = awaitPlacement(client, 4, 3);
    String fourthAddress = Cluster.get(fourth.system()).selfMember().address().toString();
    Set<String> movedToFourth = entitiesOn(joined, fourthAddress);
    assertEquals(3, movedToFourth.size(), "the new node took its share: " + joined.perNode());

    // the moved replicas take writes (their keys' home) under a new incarnation, and those reach their peers
    Map<String, String> afterJoin = writesAs(client);
    for (String entity : movedToFourth) {
      assertNotEquals(writesAs.get(entity), afterJoin.get(entity), entity + " started anew on the fourth node");
    }
    Map<String, MultiLeaderReplica.Written> throughMoved = new LinkedHashMap<>();
    write(router, keysHomedAt(router, "moved-", movedToFourth, 2), throughMoved);
    for (Map.Entry<String, MultiLeaderReplica.Written> e : throughMoved.entrySet()) {
      String entity = keyspace.entityId(keyspace.partitionOf(e.getKey()), router.homeOf(e.getKey()));
      assertEquals(afterJoin.get(entity), e.getValue().origin(), e.getKey() + " written by moved " + entity);
    }
    acknowledged.putAll(throughMoved);
    awaitEveryReplicaHolds(client, acknowledged);

    // the second node crashes and is downed: each of its replicas goes to the one node without its group
    akka.actor.Address downed = nodes.address(1);
    Set<String> lost = entitiesOn(joined, downed.toString());
    nodes.crash(1);
    Placement again = awaitPlacement(client, 3, 4);
    for (String entity : lost) {
      assertNotEquals(downed.toString(), again.placed().get(entity), entity + " placed anew");
    }

    Map<String, MultiLeaderReplica.Written> afterDown = new LinkedHashMap<>();
    write(router, keysHomedAt(router, "after-", allSlots(), 1), afterDown);
    Map<String, String> afterCrash = writesAs(client);
    for (String entity : lost) {
      assertNotEquals(afterJoin.get(entity), afterCrash.get(entity), entity + " started anew");
    }
    acknowledged.putAll(afterDown);
    awaitEveryReplicaHolds(client, acknowledged);
    for (Map.Entry<String, MultiLeaderReplica.Written> e : acknowledged.entrySet()) {
      MultiLeaderReplica.Value v = router.get(e.getKey()).toCompletableFuture().get(10, TimeUnit.SECONDS);
      assertEquals(e.getKey(), v.value().asText(), e.getKey() + " read through the router");
    }
  }

  @Test
  void aTreeIsRefusedWithTheReasonAndAStarIsRootedAtTheFirstSlot() {
    ShardedKeyspace keyspace = ShardedKeyspace.fromConfig("k", ConfigFactory.load()).withPartitions(2)
        .withReplicas(3);
    IllegalArgumentException tree = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> ShardedMultiLeader.topology(keyspace, 0, TopologySpec.Kind.TREE));
    assertTrue(tree.getMessage().contains("a tree needs each member's parent"), tree.getMessage());
    TopologySpec star = ShardedMultiLeader.topology(keyspace, 1, TopologySpec.Kind.STAR);
    assertEquals("k-p1", star.groupId());
    assertEquals(List.of("r0", "r1", "r2"), star.members());
    assertEquals(Map.of("r1", "r0", "r2", "r0"), star.configuredParents());
  }

  private static Set<String> allSlots() {
    Set<String> all = new TreeSet<>();
    for (int p = 0; p < PARTITIONS; p++) {
      for (int r = 0; r < REPLICAS; r++) {
        all.add("profiles-p" + p + "-r" + r);
      }
    }
    return all;
  }

  /** {@code perSlot} keys (named {@code prefix<i>}) whose partition and home replica are each of {@code slots}. */
  private static List<String> keysHomedAt(MultiLeaderKeyRouter router, String prefix, Set<String> slots,
      int perSlot) {
    Map<String, Integer> wanted = new HashMap<>();
    slots.forEach(s -> wanted.put(s, perSlot));
    List<String> keys = new ArrayList<>();
    for (int i = 0; !wanted.isEmpty(); i++) {
      String key = prefix + i;
      String slot = router.keyspace().entityId(router.keyspace().partitionOf(key), router.homeOf(key));
      Integer left = wanted.get(slot);
      if (left != null) {
        keys.add(key);
        if (left == 1) {
          wanted.remove(slot);
        } else {
          wanted.put(slot, left - 1);
        }
      }
    }
    return keys;
  }

  private static void write(MultiLeaderKeyRouter router, List<String> keys,
      Map<String, MultiLeaderReplica.Written> acknowledged) throws Exception {
    List<CompletableFuture<MultiLeaderReplica.WriteReply>> writes = new ArrayList<>();
    for (String key : keys) {
      writes.add(router.put(key, JsonNodeFactory.instance.textNode(key)).toCompletableFuture());
    }
    for (int i = 0; i < keys.size(); i++) {
      MultiLeaderReplica.WriteReply reply = writes.get(i).get(30, TimeUnit.SECONDS);
      acknowledged.put(keys.get(i), assertInstanceOf(MultiLeaderReplica.Written.class, reply, keys.get(i) + ": "
          + reply));
    }
  }

  private static Set<String> entitiesOn(Placement placement, String node) {
    Set<String> out = new TreeSet<>();
    placement.placed().forEach((entity, at) -> {
      if (at.equals(node)) {
        out.add(entity);
      }
    });
    return out;
  }

  /** Waits until every replica is placed on {@code nodeCount} nodes, {@code perNode} each, no group doubled up. */
  private Placement awaitPlacement(ShardedMultiLeader client, int nodeCount, int perNode) throws Exception {
    Placement p = nodes.awaitBalanced(client::placement, nodeCount, perNode);
    assertEquals(null, p.warning());
    return p;
  }

  /** Entity id to the origin its replica writes as now. */
  private Map<String, String> writesAs(ShardedMultiLeader client) throws Exception {
    Map<String, String> out = new TreeMap<>();
    for (int p = 0; p < PARTITIONS; p++) {
      for (int r = 0; r < REPLICAS; r++) {
        MultiLeaderReplica.Status s = client.replica(p, r).<MultiLeaderReplica.Status>ask(
            MultiLeaderReplica.GetStatus::new, Duration.ofSeconds(5)).toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertNotNull(s.writesAs());
        out.put(client.keyspace().entityId(p, r), s.writesAs());
      }
    }
    return out;
  }

  /** Waits (bounded) until every replica of every group holds each acknowledged write's value. */
  private void awaitEveryReplicaHolds(ShardedMultiLeader client, Map<String, MultiLeaderReplica.Written> acknowledged)
      throws Exception {
    ShardedKeyspace keyspace = client.keyspace();
    nodes.await(() -> {
      for (int p = 0; p < PARTITIONS; p++) {
        for (int r = 0; r < REPLICAS; r++) {
          MultiLeaderReplica.AllValues all = client.replica(p, r).<MultiLeaderReplica.AllValues>ask(
              MultiLeaderReplica.ReadAll::new, Duration.ofSeconds(2)).toCompletableFuture().get(5, TimeUnit.SECONDS);
          for (String key : acknowledged.keySet()) {
            if (keyspace.partitionOf(key) == p) {
              JsonNode v = all.values().get(key);
              assertEquals(key, v == null ? null : v.asText(), keyspace.entityId(p, r) + " (served by "
                  + all.servedBy() + ", applied " + all.applied() + ") holds " + key);
            }
          }
        }
      }
      return null;
    });
  }
}
