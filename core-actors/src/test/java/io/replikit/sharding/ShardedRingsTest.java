package io.replikit.sharding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.cluster.typed.Cluster;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.typesafe.config.Config;
import io.replikit.leaderless.Coordinator;
import io.replikit.leaderless.Keyspace;
import io.replikit.leaderless.StorageReplica;
import io.replikit.leaderless.antientropy.AntiEntropy;
import io.replikit.leaderless.antientropy.AntiEntropySettings;
import io.replikit.replication.ReplicaId;
import io.replikit.testkit.LoopbackCluster;
import io.replikit.testkit.ShardedNodes;
import io.replikit.versioning.VersionVector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/**
 * Four cluster nodes in one JVM (Artery on loopback, a journal per node) host a keyspace of 4 partitions, each a
 * leaderless ring of 3 replicas (n = 3, w = 2, r = 2) placed by Cluster Sharding; a client on one node routes
 * blind writes by key. One node then crashes and is downed: its three replicas are placed anew on the other nodes,
 * where they start with empty journals. Blind writes of keys the moved replicas minted before are minted by them
 * again, and every acknowledged write, the earlier ones included, stays readable: a moved replica writes under a new
 * incarnation instead of reissuing the dots its peers hold.
 */
class ShardedRingsTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final int PARTITIONS = 4;
  private static final int REPLICAS = 3;
  @AutoClose
  private final ShardedNodes<ShardedRings> nodes = new ShardedNodes<>(ShardedRingsTest::nodeConfig, WAIT);

  private static Config nodeConfig() {
    return LoopbackCluster.shardedNodeConfig("""
        replikit.leaderless {
          n = 3
          w = 2
          r = 2
          request-timeout = 2s
          # periodic anti-entropy stays on but does not tick during the test: a moved replica refilled before the
          # writes below would continue its old counters, and the test would no longer see an empty replica mint
          anti-entropy {
            interval = 1h
            segments = 1024
            fan-out = 32
          }
        }
        """);
  }

  private ShardedKeyspace startCluster(int count, String name) {
    nodes.start(count);
    ShardedKeyspace keyspace = ShardedKeyspace.fromConfig(name, nodes.config()).withPartitions(PARTITIONS)
        .withReplicas(REPLICAS);
    nodes.hostEach(node -> {
      Config c = node.system().settings().config();
      return ShardedRings.init(node.system(), keyspace, Keyspace.fromConfig(name, c),
          AntiEntropySettings.fromConfig(c));
    });
    return keyspace;
  }

  @Test
  void ringsSpreadOverFourNodesKeepEveryAcknowledgedWriteWhenANodeIsDownedAndItsReplicasMoveEmpty()
      throws Exception {
    ShardedKeyspace keyspace = startCluster(4, "baskets");
    ShardedRings client = nodes.host(0);
    RingRouter router = client.router();
    Placement placement = nodes.awaitBalanced(client::placement, 4, 3);
    // replicas run, but a coordinator reaches another node's replica only once the Receptionist's listing of it
    // arrived there (a write sent before is QuorumFailed): wait until every ring takes a write on all three
    AtomicInteger warmups = new AtomicInteger();
    for (int p = 0; p < PARTITIONS; p++) {
      int partition = p;
      nodes.await(() -> {
        String key = "warm-up-" + warmups.incrementAndGet() + "-";
        for (int i = 0; keyspace.partitionOf(key) != partition; i++) {
          key = "warm-up-" + warmups.get() + "-" + i;
        }
        String k = key;
        assertInstanceOf(Coordinator.PutOk.class, router.put(k, VersionVector.empty(), text(k),
            new Coordinator.Quorum(3, 0)).toCompletableFuture().get(20, TimeUnit.SECONDS), k);
        return null;
      });
    }

    // the last node will crash: its replicas are the ones that move; some keys of each are minted by them
    String victim = nodes.address(3).toString();
    Map<Integer, ReplicaId> moved = new LinkedHashMap<>();
    placement.placed().forEach((entity, node) -> {
      if (node.equals(victim)) {
        ReplicaSlot slot = ReplicaSlot.parse(entity).orElseThrow();
        moved.put(slot.partition(), slot.replicaId());
      }
    });
    assertEquals(3, moved.size(), "three partitions lose a replica: " + moved);
    List<String> mintedByMoved = new ArrayList<>();
    moved.forEach((p, r) -> mintedByMoved.addAll(keysOf(client, keyspace, "minted-", p, r, 2)));
    Map<String, Set<JsonNode>> acknowledged = new LinkedHashMap<>();
    List<String> keys = new ArrayList<>(mintedByMoved);
    for (int i = 0; i < 24; i++) {
      keys.add("basket-" + i);
    }
    for (String key : keys) {
      acknowledged.put(key, new HashSet<>());
    }
    writeBlind(router, keys, "@1", acknowledged);
    Set<Integer> partitionsWritten = new HashSet<>();
    keys.forEach(k -> partitionsWritten.add(keyspace.partitionOf(k)));
    assertEquals(PARTITIONS, partitionsWritten.size(), "the keys reach every partition");
    // every write is on all three replicas before the crash (r = 3 heard them all), so the crash loses no copy
    for (String key : keys) {
      Coordinator.GetOk all = assertInstanceOf(Coordinator.GetOk.class, router.get(key, new Coordinator.Quorum(0, 3))
          .toCompletableFuture().get(20, TimeUnit.SECONDS), key);
      assertEquals(acknowledged.get(key), Set.copyOf(all.values()), key + " on every replica");
    }

    nodes.crash(3);

    // the downed node's replicas are placed on the other nodes, still never two of one ring on a node
    nodes.awaitBalanced(client::placement, 3, 4);

    // each moved replica runs on a node that never held its journal and mints again (a fresh key's blind write
    // comes back with a context of its dot only)
    AtomicInteger probes = new AtomicInteger();
    for (Map.Entry<Integer, ReplicaId> m : moved.entrySet()) {
      nodes.await(() -> {
        String probe = keysOf(client, keyspace, "probe-" + probes.incrementAndGet() + "-", m.getKey(), m.getValue(),
            1).get(0);
        Coordinator.PutOk ok = assertInstanceOf(Coordinator.PutOk.class, router.put(probe, VersionVector.empty(),
            text(probe)).toCompletableFuture().get(20, TimeUnit.SECONDS), probe);
        Set<String> minters = ok.context().toMap().keySet();
        assertEquals(1, minters.size(), probe + ": " + ok);
        String minter = minters.iterator().next();
        assertTrue(minter.equals(m.getValue().value()) || minter.startsWith(m.getValue().value() + "~"),
            probe + " minted by the moved " + m.getValue() + " of partition " + m.getKey() + ": " + ok);
        return null;
      });
    }

    // blind writes of the keys the moved replicas minted before: minted by them again, from empty journals
    writeBlind(router, mintedByMoved, "@2", acknowledged);
    for (Map.Entry<String, Set<JsonNode>> e : acknowledged.entrySet()) {
      Coordinator.GetOk read = assertInstanceOf(Coordinator.GetOk.class,
          router.get(e.getKey()).toCompletableFuture().get(20, TimeUnit.SECONDS), e.getKey());
      assertEquals(e.getValue(), Set.copyOf(read.values()),
          e.getKey() + ": every acknowledged blind write is readable (concurrent ones as siblings)");
    }

    for (Map.Entry<Integer, ReplicaId> m : moved.entrySet()) {
      int r = Integer.parseInt(m.getValue().value().substring(1));
      StorageReplica.Status status = client.replica(m.getKey(), r).<StorageReplica.Status>ask(
          ShardedRings.GetReplicaStatus::new, Duration.ofSeconds(5)).toCompletableFuture().get(10, TimeUnit.SECONDS);
      assertTrue(status.mintsAs().startsWith(m.getValue().value() + "~"),
          "the moved replica started an incarnation: " + status);
      // the reads repaired it (blocking read repair): it holds every key of its partition now
      nodes.await(() -> {
        for (Map.Entry<String, Set<JsonNode>> e : acknowledged.entrySet()) {
          if (keyspace.partitionOf(e.getKey()) == m.getKey()) {
            StorageReplica.Fetched f = client.replica(m.getKey(), r).<StorageReplica.Fetched>ask(
                replyTo -> new ShardedRings.FetchKey(e.getKey(), replyTo), Duration.ofSeconds(5))
                .toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertEquals(e.getValue(), Set.copyOf(f.set().values()), "moved replica holds " + e.getKey());
          }
        }
        return null;
      });
    }

    // a moved replica refills from its peers on its own (a round with every peer at once): once none of a ring's
    // replicas is refilling, the ring is settled and a rebalance may move another of its replicas
    ShardedFamily<Coordinator.Command> family = ShardedRings.family(Keyspace.fromConfig("baskets",
        nodes.config()), AntiEntropySettings.manual());
    for (Map.Entry<Integer, ReplicaId> m : moved.entrySet()) {
      int partition = m.getKey();
      int r = Integer.parseInt(m.getValue().value().substring(1));
      List<akka.cluster.sharding.typed.javadsl.EntityRef<Coordinator.Command>> ring = new ArrayList<>();
      for (int i = 0; i < REPLICAS; i++) {
        ring.add(client.replica(partition, i));
      }
      nodes.await(() -> {
        StorageReplica.Status status = client.replica(partition, r).<StorageReplica.Status>ask(
            ShardedRings.GetReplicaStatus::new, Duration.ofSeconds(5)).toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertFalse(status.refilling(), "the moved replica of partition " + partition + " refilled: " + status);
        assertTrue(family.settled(keyspace, ring).toCompletableFuture().get(20, TimeUnit.SECONDS),
            "partition " + partition + " is settled once no replica refills");
        return null;
      });
    }
  }

  @Test
  void aTemplateThatCannotBePlacedOnAPartitionIsRefusedNamingTheKeyspace() {
    ShardedKeyspace keyspace = new ShardedKeyspace("small", 2, 2, Duration.ofSeconds(1), Duration.ofSeconds(1), 2,
        1);
    Keyspace three = Keyspace.of("small", 3, 3, 1);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ShardedRings.family(three, AntiEntropySettings.manual()).replica(keyspace,
            new ReplicaSlot("small", 0, 0), null));
    assertTrue(e.getMessage().contains("'small'") && e.getMessage().contains("w = 3"), e.getMessage());
    IllegalArgumentException sloppy = assertThrows(IllegalArgumentException.class,
        () -> ShardedRings.family(Keyspace.of("small", 2, 1, 1).withSloppyQuorum(true), AntiEntropySettings.manual())
            .replica(keyspace, new ReplicaSlot("small", 0, 0), null));
    assertTrue(sloppy.getMessage().contains("sloppy"), sloppy.getMessage());
  }

  /** {@code count} keys named {@code prefix<i>} of {@code partition} whose writes {@code replica} mints. */
  private static List<String> keysOf(ShardedRings rings, ShardedKeyspace keyspace, String prefix, int partition,
      ReplicaId replica, int count) {
    List<String> out = new ArrayList<>();
    for (int i = 0; out.size() < count; i++) {
      String key = prefix + i;
      if (keyspace.partitionOf(key) == partition && rings.firstHome(key).equals(replica)) {
        out.add(key);
      }
    }
    return out;
  }

  private static void writeBlind(RingRouter router, List<String> keys, String suffix,
      Map<String, Set<JsonNode>> acknowledged) throws Exception {
    List<CompletableFuture<Coordinator.PutReply>> writes = new ArrayList<>();
    for (String key : keys) {
      writes.add(router.put(key, VersionVector.empty(), text(key + suffix)).toCompletableFuture());
    }
    for (int i = 0; i < keys.size(); i++) {
      Coordinator.PutReply reply = writes.get(i).get(30, TimeUnit.SECONDS);
      assertInstanceOf(Coordinator.PutOk.class, reply, keys.get(i) + ": " + reply);
      acknowledged.get(keys.get(i)).add(text(keys.get(i) + suffix));
    }
  }

  private static JsonNode text(String s) {
    return JsonNodeFactory.instance.textNode(s);
  }
}
