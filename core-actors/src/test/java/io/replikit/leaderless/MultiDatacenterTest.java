package io.replikit.leaderless;

import static io.replikit.leaderless.LeaderlessNodes.WAIT;
import static io.replikit.leaderless.LeaderlessNodes.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import com.typesafe.config.ConfigFactory;
import io.replikit.replication.ReplicaId;
import io.replikit.versioning.VersionVector;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two datacenters of four nodes each, three replicas of every key in each: writes reach both datacenters,
 * LOCAL_QUORUM waits only for the coordinator's own datacenter (and keeps working while the other is cut off, at the
 * price of stale reads there), EACH_QUORUM waits for a majority in both and says which one is missing.
 */
class MultiDatacenterTest {
  private static final Map<String, String> NODES = new LinkedHashMap<>();
  private static final AtomicInteger KEYSPACES = new AtomicInteger();
  private static ActorTestKit kit;

  static {
    for (String n : List.of("a1", "a2", "a3", "a4")) {
      NODES.put(n, "dc-a");
    }
    for (String n : List.of("b1", "b2", "b3", "b4")) {
      NODES.put(n, "dc-b");
    }
  }

  private LeaderlessNodes cluster;

  @BeforeAll
  static void start() {
    kit = ActorTestKit.create("multi-dc", LeaderlessNodes.testKitConfig());
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  @AfterEach
  void stopNodes() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private LeaderlessNodes nodes(Map<String, Integer> perDc) {
    Keyspace ks = new Keyspace("dc" + KEYSPACES.incrementAndGet(), 3, 2, 2, Duration.ofMillis(800),
        Keyspace.Conflicts.SIBLINGS, Keyspace.ReadRepair.BLOCKING).withDatacenters(perDc);
    cluster = new LeaderlessNodes(kit, ks, NODES, 42, Map.of());
    return cluster;
  }

  private void cutTheDatacentersApart() {
    Set<ReplicaId> a = new TreeSet<>(Comparator.comparing(ReplicaId::value));
    Set<ReplicaId> b = new TreeSet<>(Comparator.comparing(ReplicaId::value));
    NODES.forEach((n, dc) -> (dc.equals("dc-a") ? a : b).add(ReplicaId.of(n)));
    cluster.transport.partition(a, b);
  }

  private Coordinator.PutReply put(String via, String key, String value, Coordinator.Quorum quorum) {
    TestProbe<Coordinator.PutReply> probe = kit.createTestProbe();
    cluster.coordinators.get(via).tell(new Coordinator.Put(key, text(value), VersionVector.empty(), quorum,
        probe.getRef()));
    return probe.receiveMessage(WAIT);
  }

  private Coordinator.GetReply get(String via, String key, Coordinator.Quorum quorum) {
    TestProbe<Coordinator.GetReply> probe = kit.createTestProbe();
    cluster.coordinators.get(via).tell(new Coordinator.Get(key, quorum, probe.getRef()));
    return probe.receiveMessage(WAIT);
  }

  @Test
  void aLocalQuorumReadIsCountedUncheckedNotJudgedOnOneDatacentersAnswers() {
    nodes(Map.of("dc-a", 3, "dc-b", 3));
    String key = "user:7";
    // dc-a never gets the write: acknowledged by dc-b's replicas alone (w = 2 anywhere)
    cutTheDatacentersApart();
    assertInstanceOf(Coordinator.PutOk.class, put("b1", key, "far", Coordinator.Quorum.DEFAULT));
    cluster.transport.heal();
    Coordinator.GetOk local = assertInstanceOf(Coordinator.GetOk.class,
        get("a1", key, Coordinator.Quorum.LOCAL_QUORUM));
    assertEquals(List.of(), local.values(), "dc-a's replicas missed the write: the local read is stale");
    Coordinator.Staleness s = kit.createTestProbe().awaitAssert(WAIT, () -> {
      TestProbe<Coordinator.Staleness> probe = kit.createTestProbe();
      cluster.coordinators.get("a1").tell(new Coordinator.GetStaleness(probe.getRef()));
      Coordinator.Staleness now = probe.receiveMessage(WAIT);
      assertEquals(1, now.unchecked(), "the local read is counted unchecked: " + now);
      return now;
    });
    // judged on dc-a's answers alone it would have passed as fresh: none of them holds the write
    assertEquals(0, s.checked(), s.toString());
    assertEquals(0, s.stale(), s.toString());
    assertTrue(s.latencies().positions().stream().allMatch(p -> p.r().isEmpty()),
        "its positions are not the writes': no read latency sampled " + s.latencies());
  }

  @Test
  void everyKeyHasItsShareOfReplicasInEachDatacenterAndAWriteReachesThemAll() {
    nodes(Map.of("dc-a", 3, "dc-b", 3));
    String key = "user:1";
    List<String> homes = cluster.homes(key);
    assertEquals(6, homes.size());
    assertEquals(3, homes.stream().filter(h -> NODES.get(h).equals("dc-a")).count(), homes.toString());

    assertInstanceOf(Coordinator.PutOk.class, put("a1", key, "ada", Coordinator.Quorum.LOCAL_QUORUM));
    for (String home : homes) {
      kit.createTestProbe().awaitAssert(WAIT, () -> {
        assertEquals(List.of(text("ada")), cluster.fetch(home, key).set().values(), home);
        return null;
      });
    }
  }

  @Test
  void withTheDatacentersCutApartLocalQuorumKeepsWorkingAndEachQuorumSaysWhichDatacenterIsMissing() {
    nodes(Map.of("dc-a", 3, "dc-b", 3));
    String key = "order:5";
    cutTheDatacentersApart();

    Coordinator.PutOk local = assertInstanceOf(Coordinator.PutOk.class,
        put("a2", key, "placed", Coordinator.Quorum.LOCAL_QUORUM));
    assertTrue(local.replicas().stream().allMatch(r -> NODES.get(r).equals("dc-a")), local.toString());

    Coordinator.QuorumFailed each = assertInstanceOf(Coordinator.QuorumFailed.class,
        put("a2", key, "paid", Coordinator.Quorum.EACH_QUORUM));
    assertEquals(4, each.needed(), "a majority of 3 in each of two datacenters: " + each);
    assertEquals(2, each.answered(), "only dc-a's majority counts: " + each);
    assertTrue(each.detail().contains("dc-b 0 of 3 (needs 2)"), each.detail());

    Coordinator.QuorumFailed count = assertInstanceOf(Coordinator.QuorumFailed.class,
        put("a2", key, "paid", new Coordinator.Quorum(4, 0)));
    assertEquals(3, count.answered(), "w = 4 of 6 anywhere: dc-a's three are not enough: " + count);

    Coordinator.GetOk localRead = assertInstanceOf(Coordinator.GetOk.class,
        get("a3", key, Coordinator.Quorum.LOCAL_QUORUM));
    assertTrue(localRead.values().contains(text("placed")), localRead.toString());
    assertTrue(localRead.answered() <= 3, "a local read asks only its datacenter: " + localRead);

    Coordinator.GetOk staleThere = assertInstanceOf(Coordinator.GetOk.class,
        get("b1", key, Coordinator.Quorum.LOCAL_QUORUM));
    assertEquals(List.of(), staleThere.values(), "dc-b's local quorum has not seen dc-a's writes yet");
    assertInstanceOf(Coordinator.QuorumFailed.class, get("b1", key, Coordinator.Quorum.EACH_QUORUM));

    cluster.transport.heal();
    Coordinator.GetOk both = assertInstanceOf(Coordinator.GetOk.class,
        get("b1", key, Coordinator.Quorum.EACH_QUORUM));
    assertTrue(both.values().contains(text("placed")), "a majority of each datacenter overlaps the write: " + both);
  }

  @Test
  void localQuorumFromADatacenterWithoutReplicasOfTheKeyspaceIsRefusedByName() {
    nodes(Map.of("dc-a", 3, "dc-b", 0));
    Coordinator.QuorumFailed failed = assertInstanceOf(Coordinator.QuorumFailed.class,
        put("b1", "k", "v", Coordinator.Quorum.LOCAL_QUORUM));
    assertTrue(failed.detail().contains("LOCAL_QUORUM") && failed.detail().contains("dc-b"), failed.detail());
    assertInstanceOf(Coordinator.PutOk.class, put("b1", "k", "v", Coordinator.Quorum.EACH_QUORUM),
        "EACH_QUORUM over the datacenters that hold replicas");
  }

  @Test
  void replicasPerDatacenterComeFromConfigurationAndMustAddUpToN() {
    Keyspace ks = Keyspace.fromConfig("carts", ConfigFactory.parseString(
        "replikit.leaderless.datacenters { dc-east = 3, dc-west = 2 }").withFallback(ConfigFactory.load()));
    assertEquals(5, ks.n());
    assertEquals(Map.of("dc-east", 3, "dc-west", 2), ks.datacenters());
    assertTrue(Keyspace.fromConfig("plain", ConfigFactory.load()).datacenters().isEmpty());

    IllegalArgumentException sum = assertThrows(IllegalArgumentException.class, () -> new Keyspace("x", 3, 2, 2,
        Duration.ofSeconds(1), Keyspace.Conflicts.SIBLINGS, Keyspace.ReadRepair.BLOCKING, Map.of("a", 1, "b", 1)));
    assertTrue(sum.getMessage().contains("n must be their sum"), sum.getMessage());
    IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
        () -> Keyspace.of("y", 3, 2, 2).withDatacenters(Map.of("a", 4, "b", -1)));
    assertTrue(negative.getMessage().contains("b = -1"), negative.getMessage());
    IllegalArgumentException level = assertThrows(IllegalArgumentException.class,
        () -> Coordinator.Level.parse("level", "quorum-ish"));
    assertTrue(level.getMessage().contains("quorum-ish"), level.getMessage());
    assertEquals(Coordinator.Level.LOCAL_QUORUM, Coordinator.Level.parse("level", "local-quorum"));
  }
}
