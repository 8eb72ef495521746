package io.replikit.sharding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.typed.ActorSystem;
import akka.cluster.typed.Cluster;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.typesafe.config.Config;
import io.replikit.replication.ReplicaId;
import io.replikit.singleleader.AckPolicy;
import io.replikit.singleleader.Replica;
import io.replikit.singleleader.ReplicaStatus;
import io.replikit.singleleader.SingleLeaderSettings;
import io.replikit.testkit.LoopbackCluster;
import io.replikit.testkit.ShardedNodes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/**
 * Three cluster nodes in one JVM (Artery on loopback) host a keyspace of 4 partitions, each a group of 3 replicas
 * placed by Cluster Sharding; a client on one node routes writes by key. One node then crashes and is downed: the
 * two replicas left of each group are a majority, so every group keeps taking writes, and every acknowledged
 * write (semi-synchronous, one synchronous follower) stays readable.
 */
class ShardedReplicaGroupsTest {
  // bounded waits, generous for a loaded 2-core machine: elections, placement and rejoins take seconds each
  private static final Duration WAIT = Duration.ofSeconds(40);
  private static final int PARTITIONS = 4;
  private static final int REPLICAS = 3;
  @AutoClose
  private final ShardedNodes<ShardedReplicaGroups> nodes =
      new ShardedNodes<>(ShardedReplicaGroupsTest::nodeConfig, WAIT);

  private static Config nodeConfig() {
    return LoopbackCluster.shardedNodeConfig("""
        replikit.single-leader {
          heartbeat-interval = 100ms
          follower-timeout = 500ms
          failover-timeout = 1s
          sync-standby-timeout = 1s
          write-timeout = 5s
        }
        """);
  }

  /**
   * Starts {@code count} nodes joined in one cluster, each hosting keyspace {@code name} (P = 4, R = 3) with
   * semi-synchronous groups (one synchronous follower).
   */
  private ShardedKeyspace startCluster(int count, String name) {
    nodes.start(count);
    ShardedKeyspace keyspace = ShardedKeyspace.fromConfig(name, nodes.config())
        .withPartitions(PARTITIONS).withReplicas(REPLICAS);
    nodes.hostEach(node -> ShardedReplicaGroups.init(node.system(), keyspace,
        SingleLeaderSettings.fromConfig(node.system().settings().config())
            .withAckPolicy(AckPolicy.semiSync(AckPolicy.SyncMethod.FIRST, 1))));
    return keyspace;
  }

  @Test
  void groupsSpreadOverThreeNodesServeWritesByKeyAndKeepEveryAcknowledgedWriteWhenANodeIsDowned()
      throws Exception {
    ShardedKeyspace keyspace = startCluster(3, "orders");
    ShardedReplicaGroups client = nodes.host(0);

    // every replica is placed, one replica of each group per node, four replicas per node
    Placement placement = nodes.awaitBalanced(client::placement, 3, 4);
    for (int p = 0; p < PARTITIONS; p++) {
      Set<String> hosts = new HashSet<>();
      for (int r = 0; r < REPLICAS; r++) {
        hosts.add(placement.placed().get(keyspace.entityId(p, r)));
      }
      assertEquals(3, hosts.size(), "partition " + p + "'s replicas are on three different nodes: " + hosts);
    }
    assertEquals(null, placement.warning());

    // before a node crashes, every replica votes: a replica moved by a rebalance and still catching up would be a
    // second lost replica in its group (a crash then leaves it no majority that remembers it: not this scenario)
    Map<Integer, ReplicaId> leaders = awaitVotingLeaders(client, keyspace);

    Map<String, Long> acknowledged = new LinkedHashMap<>();
    writeKeys(client.router(), "before-", 40, acknowledged);
    Set<Integer> partitionsWritten = new HashSet<>();
    acknowledged.keySet().forEach(k -> partitionsWritten.add(keyspace.partitionOf(k)));
    assertEquals(PARTITIONS, partitionsWritten.size(), "the keys reach every partition");

    // the node (other than the client's) that hosts the most leaders crashes and is downed
    Map<String, Integer> leadersPerNode = new LinkedHashMap<>();
    leaders.forEach((p, leader) ->
        leadersPerNode.merge(placement.placed().get(keyspace.entityId(p, index(leader))), 1, Integer::sum));
    int victim = 1;
    for (int i = 1; i < 3; i++) {
      String address = nodes.address(i).toString();
      String current = nodes.address(victim).toString();
      if (leadersPerNode.getOrDefault(address, 0) > leadersPerNode.getOrDefault(current, 0)) {
        victim = i;
      }
    }
    String victimAddress = nodes.address(victim).toString();
    Set<String> lostReplicas = new HashSet<>();
    placement.placed().forEach((entity, node) -> {
      if (node.equals(victimAddress)) {
        lostReplicas.add(entity);
      }
    });
    nodes.crash(victim);

    // the two replicas left of each group elect a leader where needed and take writes by key again
    awaitLeaders(client, keyspace, lostReplicas);
    writeKeys(client.router(), "after-", 40, acknowledged);

    for (Map.Entry<String, Long> e : acknowledged.entrySet()) {
      Replica.ReadReply read = client.router().get(e.getKey()).toCompletableFuture().get(20, TimeUnit.SECONDS);
      Replica.Found found = assertInstanceOf(Replica.Found.class, read, e.getKey() + " is readable");
      assertEquals(e.getValue(), found.version(), e.getKey() + " kept the version it was acknowledged at");
      assertEquals(e.getKey(), found.value().asText());
    }

    // with two nodes for three replicas per group, the third replicas wait for a node, and the placement says so
    Placement after = client.placement().toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertEquals(lostReplicas, new HashSet<>(after.unplaced()), "the downed node's replicas are not doubled up");
    assertFalse(after.coLocated());
    assertNotNull(after.warning());
    assertTrue(after.warning().contains("fewer nodes (2) than replicas per group (3)"), after.warning());
  }

  @Test
  void aReplicaPlacedAnewOnAnotherNodeAfterItsNodeWasDownedCatchesUpWithItsGroup() throws Exception {
    ShardedKeyspace keyspace = startCluster(4, "carts");
    ShardedReplicaGroups client = nodes.host(0);
    Placement placement = nodes.awaitBalanced(client::placement, 4, 3);
    awaitVotingLeaders(client, keyspace);
    Map<String, Long> acknowledged = new LinkedHashMap<>();
    writeKeys(client.router(), "before-", 40, acknowledged);

    // the last node crashes and is downed; each of its three replicas has exactly one node without its group
    akka.actor.Address downed = nodes.address(3);
    Set<String> moved = new HashSet<>();
    placement.placed().forEach((entity, node) -> {
      if (node.equals(downed.toString())) {
        moved.add(entity);
      }
    });
    assertEquals(3, moved.size());
    nodes.crash(3);

    // the downed node's replicas are placed on the other nodes, still never two of one group on a node
    Placement again = nodes.awaitBalanced(client::placement, 3, 4);
    for (String entity : moved) {
      assertFalse(again.placed().get(entity).equals(downed.toString()));
    }

    awaitLeaders(client, keyspace, Set.of());
    writeKeys(client.router(), "after-", 20, acknowledged);
    // each re-created replica started from an empty journal on its new node and holds every acknowledged write
    for (String entity : moved) {
      int p = Integer.parseInt(entity.substring(entity.indexOf("-p") + 2, entity.lastIndexOf("-r")));
      int r = Integer.parseInt(entity.substring(entity.lastIndexOf("-r") + 2));
      nodes.await(() -> {
        for (Map.Entry<String, Long> e : acknowledged.entrySet()) {
          if (keyspace.partitionOf(e.getKey()) != p) {
            continue;
          }
          Replica.ReadReply read = client.replica(p, r).<Replica.ReadReply>ask(
              replyTo -> new Replica.Get(e.getKey(), replyTo), Duration.ofSeconds(2)).toCompletableFuture()
              .get(5, TimeUnit.SECONDS);
          Replica.Found found = assertInstanceOf(Replica.Found.class, read, entity + " holds " + e.getKey());
          assertEquals(e.getValue(), found.version(), entity + " holds " + e.getKey() + " at its version");
        }
        // it started empty in a group with a history, so it rejoined without a vote, and votes again once caught up
        ReplicaStatus st = client.replica(p, r).<ReplicaStatus>ask(Replica.GetStatus::new, Duration.ofSeconds(2))
            .toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertFalse(st.rejoining(), entity + " has rejoined: " + st);
        return null;
      });
    }
    // every group votes again, so each may have a replica moved by the next rebalance
    for (int p = 0; p < PARTITIONS; p++) {
      List<akka.cluster.sharding.typed.javadsl.EntityRef<Replica.Command>> members = new ArrayList<>();
      for (int r = 0; r < REPLICAS; r++) {
        members.add(client.replica(p, r));
      }
      assertTrue(client.groups().family().settled(keyspace, members).toCompletableFuture().get(20, TimeUnit.SECONDS),
          "partition " + p + " is settled");
    }
  }

  private static void writeKeys(KeyRouter router, String prefix, int count, Map<String, Long> acknowledged)
      throws Exception {
    List<CompletableFuture<Replica.WriteReply>> writes = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String key = prefix + i;
      writes.add(router.put(key, JsonNodeFactory.instance.textNode(key)).toCompletableFuture());
    }
    for (int i = 0; i < count; i++) {
      Replica.WriteReply reply = writes.get(i).get(30, TimeUnit.SECONDS);
      acknowledged.put(prefix + i, assertInstanceOf(Replica.Written.class, reply, prefix + i + ": " + reply)
          .version());
    }
  }

  /** {@link #awaitLeaders}, and every replica votes (none asking about or catching up with its group). */
  private Map<Integer, ReplicaId> awaitVotingLeaders(ShardedReplicaGroups client, ShardedKeyspace keyspace)
      throws Exception {
    return awaitLeaders(client, keyspace, Set.of(), true);
  }

  /** Waits until each group has exactly one leader that all its placed replicas (but {@code gone}) follow. */
  private Map<Integer, ReplicaId> awaitLeaders(ShardedReplicaGroups client, ShardedKeyspace keyspace,
      Set<String> gone) throws Exception {
    return awaitLeaders(client, keyspace, gone, false);
  }

  private Map<Integer, ReplicaId> awaitLeaders(ShardedReplicaGroups client, ShardedKeyspace keyspace,
      Set<String> gone, boolean voting) throws Exception {
    return nodes.await(() -> {
      Map<Integer, ReplicaId> leaders = new LinkedHashMap<>();
      for (int p = 0; p < PARTITIONS; p++) {
        List<CompletableFuture<Optional<ReplicaStatus>>> asks = new ArrayList<>();
        for (int r = 0; r < REPLICAS; r++) {
          if (!gone.contains(keyspace.entityId(p, r))) {
            asks.add(client.replica(p, r).<ReplicaStatus>ask(Replica.GetStatus::new, Duration.ofSeconds(1))
                .thenApply(Optional::of).exceptionally(e -> Optional.empty()).toCompletableFuture());
          }
        }
        List<ReplicaStatus> statuses = new ArrayList<>();
        for (CompletableFuture<Optional<ReplicaStatus>> a : asks) {
          statuses.add(a.get(5, TimeUnit.SECONDS).orElseThrow(() -> new AssertionError("a replica is silent")));
        }
        List<ReplicaId> leading = statuses.stream().filter(s -> "leader".equals(s.role()))
            .map(ReplicaStatus::replica).toList();
        // every replica's view in the message: the last failure is all a CI log shows of a group that did not settle
        String views = statuses.stream().map(s -> s.replica() + ":" + s.role() + "/epoch " + s.epoch() + "/leader "
            + s.leader() + "/at " + s.lastPosition() + (s.rejoining() ? "/rejoining" : "")).toList().toString();
        assertEquals(1, leading.size(), "partition " + p + " leaders: " + leading + " " + views);
        for (ReplicaStatus s : statuses) {
          assertEquals(leading.get(0), s.leader(), s.replica() + " of partition " + p + " follows the leader " + views);
          if (voting) {
            assertFalse(s.rejoining(), s.replica() + " of partition " + p + " votes " + views);
          }
        }
        leaders.put(p, leading.get(0));
      }
      return leaders;
    });
  }

  private static int index(ReplicaId id) {
    return Integer.parseInt(id.value().substring(1));
  }

}
