package io.replikit.multileader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.Address;
import akka.actor.testkit.typed.javadsl.ActorTestKit;
import io.replikit.testkit.LoopbackCluster;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import akka.cluster.typed.Cluster;
import akka.cluster.typed.Down;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.replikit.cluster.ReceptionistTransport;
import io.replikit.replication.ReplicaId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Four cluster nodes in one JVM (each its own ActorSystem, Artery TCP on loopback, its own journal), one leader of a
 * multi-leader group on each, finding each other through the Receptionist: one node goes away for good and is
 * downed, and the survivors re-wire their topology around it from real cluster membership (no
 * {@code FaultyTransport.markDown} here).
 */
class ClusterTopologyTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final List<String> NODES = List.of("n1", "n2", "n3", "n4");

  private final Map<String, ActorTestKit> nodes = new LinkedHashMap<>();
  private final Map<String, ActorRef<MultiLeaderReplica.Command>> replicas = new LinkedHashMap<>();
  private final Map<String, ReceptionistTransport> transports = new LinkedHashMap<>();
  private final Counter inOrder = new Counter();
  private final Counter afterPersist = new Counter();

  /** Counts the applications of each change ({@code origin:counter}) per replica, through both observer hooks. */
  private static final class Counter {
    final Map<String, Map<String, AtomicInteger>> byReplica = new ConcurrentHashMap<>();

    void count(String replica, String origin, long counter) {
      byReplica.computeIfAbsent(replica, r -> new ConcurrentHashMap<>())
          .computeIfAbsent(origin + ":" + counter, d -> new AtomicInteger()).incrementAndGet();
    }

    Map<String, AtomicInteger> of(String replica) {
      return byReplica.getOrDefault(replica, Map.of());
    }
  }

  private final MultiLeaderObserver observer = new MultiLeaderObserver() {
    @Override
    public void onApplied(String replica, String origin, long counter, String key) {
      afterPersist.count(replica, origin, counter);
    }

    @Override
    public void onAppliedInOrder(String replica, String origin, long counter, String key, JsonNode value,
        boolean conflict) {
      inOrder.count(replica, origin, counter);
    }
  };

  @AfterEach
  void stopNodes() {
    for (ActorTestKit kit : nodes.values()) {
      kit.shutdownTestKit();
    }
  }

  private static Config nodeConfig() {
    return LoopbackCluster.nodeConfig("""
        replikit.multi-leader.digest-interval = 100ms
        """)
        .withFallback(akka.persistence.testkit.PersistenceTestKitPlugin.getInstance().config())
        .withFallback(akka.persistence.testkit.PersistenceTestKitSnapshotPlugin.config())
        .withFallback(ConfigFactory.load());
  }

  @Test
  void whenANodeOfARingLeavesForGoodTheSurvivorsWireAroundItAndConvergeWithEachChangeAppliedOnce() throws Exception {
    TopologySpec spec = TopologySpec.circular("ring", NODES.toArray(String[]::new));
    startCluster(spec);
    writeAtEvery(NODES, "before", 5);
    awaitConverged(NODES);

    // n2's last writes are acknowledged by its own journal; whether they got further than n3 is up to the race
    writeAtEvery(List.of("n2"), "last", 5);
    leaveForGood("n2", "n1");
    List<String> survivors = List.of("n1", "n3", "n4");

    awaitNeighbours(Map.of("n1", Set.of("n3", "n4"), "n3", Set.of("n4", "n1"), "n4", Set.of("n1", "n3")));
    writeAtEvery(survivors, "after", 5);
    Map<String, JsonNode> values = awaitConverged(survivors);
    assertWritesPresent(values, NODES, "before", 5);
    assertWritesPresent(values, survivors, "after", 5);
    assertEachChangeAppliedOnce(survivors);
  }

  @Test
  void whenTheRootOfAStarLeavesForGoodTheLeavesWireToANewRootAndConvergeWithEachChangeAppliedOnce()
      throws Exception {
    TopologySpec spec = TopologySpec.star("star", "n1", "n2", "n3", "n4");
    startCluster(spec);
    awaitNeighbours(Map.of("n1", Set.of("n2", "n3", "n4"), "n2", Set.of("n1"), "n3", Set.of("n1"),
        "n4", Set.of("n1")));
    writeAtEvery(NODES, "before", 5);
    awaitConverged(NODES);

    writeAtEvery(List.of("n1"), "last", 5);
    leaveForGood("n1", "n2");
    List<String> survivors = List.of("n2", "n3", "n4");

    // the first live member in the spec's order becomes the root
    awaitNeighbours(Map.of("n2", Set.of("n3", "n4"), "n3", Set.of("n2"), "n4", Set.of("n2")));
    writeAtEvery(survivors, "after", 5);
    Map<String, JsonNode> values = awaitConverged(survivors);
    assertWritesPresent(values, NODES, "before", 5);
    assertWritesPresent(values, survivors, "after", 5);
    assertEachChangeAppliedOnce(survivors);
  }

  private void startCluster(TopologySpec spec) {
    for (String name : NODES) {
      nodes.put(name, ActorTestKit.create("replikit", nodeConfig()));
    }
    LoopbackCluster.joinAndAwaitUp(nodes.values().stream().map(ActorTestKit::system).toList(), WAIT);
    for (Map.Entry<String, ActorTestKit> n : nodes.entrySet()) {
      ActorTestKit kit = n.getValue();
      MultiLeaderSettings settings = MultiLeaderSettings.fromConfig(kit.system().settings().config());
      ReceptionistTransport transport = ReceptionistTransport.create(kit.system(), spec.groupId());
      transports.put(n.getKey(), transport);
      replicas.put(n.getKey(), kit.spawn(MultiLeaderReplica.create(spec, n.getKey(), settings,
          ConflictPolicy.lastWriteWins(), transport, observer, System::currentTimeMillis),
          spec.groupId() + "-" + n.getKey()));
    }
    // every node's Receptionist lists every replica before the first write (else the first forwards are lost and
    // only anti-entropy would bring them)
    Set<ReplicaId> all = new HashSet<>();
    NODES.forEach(m -> all.add(ReplicaId.of(m)));
    nodes.get("n1").createTestProbe().awaitAssert(WAIT, () -> {
      for (Map.Entry<String, ReceptionistTransport> t : transports.entrySet()) {
        assertEquals(all, t.getValue().known(), t.getKey() + " lists");
      }
      return null;
    });
  }

  /** The node's actor system stops (as on a crash of that node), and a survivor downs it. */
  private void leaveForGood(String node, String downedBy) {
    Address address = Cluster.get(nodes.get(node).system()).selfMember().address();
    nodes.remove(node).shutdownTestKit();
    replicas.remove(node);
    transports.remove(node);
    Cluster.get(nodes.get(downedBy).system()).manager().tell(new Down(address));
    nodes.get(downedBy).createTestProbe().awaitAssert(WAIT, () -> {
      for (Map.Entry<String, ActorTestKit> n : nodes.entrySet()) {
        boolean member = StreamSupport.stream(Cluster.get(n.getValue().system()).state().getMembers().spliterator(),
            false).anyMatch(m -> m.address().equals(address));
        assertTrue(!member, node + " was removed from the cluster as " + n.getKey() + " sees it");
      }
      return null;
    });
  }

  private void writeAtEvery(List<String> leaders, String prefix, int perLeader) {
    for (int i = 0; i < perLeader; i++) {
      for (String leader : leaders) {
        TestProbe<MultiLeaderReplica.WriteReply> reply = nodes.get(leader).createTestProbe();
        String key = prefix + "-" + leader + "-" + i;
        replicas.get(leader).tell(new MultiLeaderReplica.Put(key, JsonNodeFactory.instance.textNode(key),
            reply.getRef()));
        MultiLeaderReplica.Written w =
            assertInstanceOf(MultiLeaderReplica.Written.class, reply.receiveMessage(WAIT), leader + " takes " + key);
        assertEquals(leader, w.origin());
      }
    }
  }

  private MultiLeaderReplica.Status status(String node) {
    TestProbe<MultiLeaderReplica.Status> probe = nodes.get(node).createTestProbe();
    replicas.get(node).tell(new MultiLeaderReplica.GetStatus(probe.getRef()));
    return probe.receiveMessage(WAIT);
  }

  private MultiLeaderReplica.AllValues readAll(String node) {
    TestProbe<MultiLeaderReplica.AllValues> probe = nodes.get(node).createTestProbe();
    replicas.get(node).tell(new MultiLeaderReplica.ReadAll(probe.getRef()));
    return probe.receiveMessage(WAIT);
  }

  private void awaitNeighbours(Map<String, Set<String>> expected) {
    nodes.get(expected.keySet().iterator().next()).createTestProbe().awaitAssert(WAIT, () -> {
      for (Map.Entry<String, Set<String>> e : expected.entrySet()) {
        assertEquals(e.getValue(), Set.copyOf(status(e.getKey()).neighbours()), e.getKey() + "'s neighbours");
      }
      return null;
    });
  }

  /**
   * Waits (bounded) until {@code among} have applied the same changes (so a change of the failed node that reached
   * one of them reached all) and show the same values; returns them.
   */
  private Map<String, JsonNode> awaitConverged(List<String> among) {
    List<Map<String, JsonNode>> out = new ArrayList<>();
    nodes.get(among.get(0)).createTestProbe().awaitAssert(WAIT, () -> {
      MultiLeaderReplica.AllValues first = readAll(among.get(0));
      for (String n : among) {
        MultiLeaderReplica.AllValues other = readAll(n);
        if (!other.applied().equals(first.applied()) || !other.values().equals(first.values())
            || !other.versions().equals(first.versions())) {
          throw new AssertionError(n + " at " + other.applied() + " differs from " + among.get(0) + " at "
              + first.applied());
        }
      }
      out.clear();
      out.add(first.values());
      return null;
    });
    return out.get(0);
  }

  private static void assertWritesPresent(Map<String, JsonNode> values, List<String> leaders, String prefix,
      int perLeader) {
    for (String leader : leaders) {
      for (int i = 0; i < perLeader; i++) {
        String key = prefix + "-" + leader + "-" + i;
        assertEquals(JsonNodeFactory.instance.textNode(key), values.get(key), key + " reached every survivor");
      }
    }
  }

  /**
   * Every survivor applied every change exactly once (both observer hooks), and every change it applied is one
   * every other survivor applied.
   */
  private void assertEachChangeAppliedOnce(List<String> survivors) {
    Set<String> first = null;
    for (String r : survivors) {
      for (Counter c : List.of(inOrder, afterPersist)) {
        for (Map.Entry<String, AtomicInteger> e : c.of(r).entrySet()) {
          assertEquals(1, e.getValue().get(), r + " applied " + e.getKey() + " once");
        }
      }
      Set<String> changes = inOrder.of(r).keySet();
      assertEquals(changes, afterPersist.of(r).keySet(), r + ": both hooks saw the same changes");
      assertEquals(status(r).applied().toMap().values().stream().mapToLong(Long::longValue).sum(),
          changes.size(), r + " applied as many changes as its version vector counts");
      if (first == null) {
        first = Set.copyOf(changes);
      } else {
        assertEquals(first, Set.copyOf(changes), r + " applied the same changes as " + survivors.get(0));
      }
    }
  }
}
