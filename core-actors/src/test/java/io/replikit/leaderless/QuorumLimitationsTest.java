package io.replikit.leaderless;

import static io.replikit.leaderless.LeaderlessNodes.WAIT;
import static io.replikit.leaderless.LeaderlessNodes.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.persistence.testkit.javadsl.PersistenceTestKit;
import io.replikit.versioning.VersionVector;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The chapter's "Limitations of Quorum Consistency", each played out on five nodes (n = 3): the stale read every
 * edge case allows is shown happening, so that no user mistakes w + r > n for linearizability. (The sloppy-quorum
 * case is played where sloppy quorums live, in the hinted-handoff tests.)
 */
class QuorumLimitationsTest {
  private static final List<String> NODES = List.of("n1", "n2", "n3", "n4", "n5");
  private static final AtomicInteger KEYSPACES = new AtomicInteger();
  private static ActorTestKit kit;

  private LeaderlessNodes cluster;

  @BeforeAll
  static void start() {
    kit = ActorTestKit.create("quorum-limits", LeaderlessNodes.testKitConfig());
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

  private LeaderlessNodes nodes(Keyspace.Conflicts conflicts, Keyspace.ReadRepair readRepair,
      Map<String, LongSupplier> clocks) {
    Keyspace ks = new Keyspace("limits" + KEYSPACES.incrementAndGet(), 3, 2, 2, Duration.ofMillis(800), conflicts,
        readRepair);
    cluster = new LeaderlessNodes(kit, ks, NODES, 42, clocks);
    return cluster;
  }

  /** Writes {@code value} and waits until all three home replicas hold it. */
  private VersionVector writeEverywhere(String key, String value) {
    Coordinator.PutOk ok = cluster.putOk(cluster.outsider(key), key, text(value), VersionVector.empty());
    for (String home : cluster.homes(key)) {
      kit.createTestProbe().awaitAssert(WAIT, () -> {
        assertEquals(List.of(text(value)), cluster.fetch(home, key).set().values(), home);
        return null;
      });
    }
    return ok.context();
  }

  @Test
  void withWPlusRAtMostNAReadAfterAnAcknowledgedWriteMissesIt() {
    nodes(Keyspace.Conflicts.SIBLINGS, Keyspace.ReadRepair.BLOCKING, Map.of());
    String key = "price:1";
    List<String> homes = cluster.homes(key);
    String writer = cluster.outsiders(key).get(0);
    String reader = cluster.outsiders(key).get(1);
    cluster.block(writer, homes.get(1));
    cluster.block(writer, homes.get(2));
    Coordinator.PutOk ok = assertInstanceOf(Coordinator.PutOk.class,
        cluster.put(writer, key, text("9.99"), VersionVector.empty(), 1));
    assertEquals(List.of(homes.get(0)), ok.replicas(), "w = 1: the first home alone acknowledged");

    cluster.block(reader, homes.get(0)); // the read happens to be answered by the other two first
    Coordinator.GetOk read = cluster.getOk(reader, key, 1);
    assertEquals(List.of(), read.values(), "r = 1, w + r = 2 <= n: the read after the acknowledged write missed it");
  }

  @Test
  void lastWriteWinsWithAClockAheadLosesTheLaterAcknowledgedWrite() {
    long ahead = 60_000;
    nodes(Keyspace.Conflicts.LAST_WRITE_WINS, Keyspace.ReadRepair.BLOCKING,
        Map.of("n1", () -> System.currentTimeMillis() + ahead));
    String key = "profile:ada";
    cluster.putOk("n1", key, text("written first, clock a minute fast"), VersionVector.empty());
    Coordinator.PutOk later = cluster.putOk("n2", key, text("written second"), VersionVector.empty());
    assertTrue(later.acknowledged() >= 2, "the second write was acknowledged: " + later);

    Coordinator.GetOk read = cluster.getOk("n3", key, 3);
    assertEquals(List.of(text("written first, clock a minute fast")), read.values(),
        "the timestamp from the fast clock wins, so the acknowledged later write is gone");
    long discarded = 0;
    for (String home : cluster.homes(key)) {
      discarded += cluster.status(home).lwwDiscarded();
    }
    assertTrue(discarded >= 1, "the silent loss is counted: " + discarded);
  }

  @Test
  void theSameSkewedWritesAreBothKeptAsSiblingsWhenConcurrentWritesAreMerged() {
    nodes(Keyspace.Conflicts.SIBLINGS, Keyspace.ReadRepair.BLOCKING,
        Map.of("n1", () -> System.currentTimeMillis() + 60_000));
    String key = "profile:bob";
    cluster.putOk("n1", key, text("written first, clock a minute fast"), VersionVector.empty());
    cluster.putOk("n2", key, text("written second"), VersionVector.empty());
    Coordinator.GetOk read = cluster.getOk("n3", key, 3);
    assertEquals(Set.of(text("written first, clock a minute fast"), text("written second")),
        Set.copyOf(read.values()), "no timestamp decides: both concurrent writes come back");
  }

  @Test
  void aReadConcurrentWithAWriteReturnsTheNewValueAndALaterReadTheOldOne() {
    nodes(Keyspace.Conflicts.SIBLINGS, Keyspace.ReadRepair.OFF, Map.of());
    String key = "flag:7";
    writeEverywhere(key, "old");
    List<String> homes = cluster.homes(key);
    String writer = cluster.outsiders(key).get(0);
    String reader = cluster.outsiders(key).get(1);
    cluster.block(writer, homes.get(1));
    cluster.block(writer, homes.get(2));
    TestProbe<Coordinator.PutReply> write = cluster.putAsync(writer, key, text("new"), VersionVector.empty(), 2);
    kit.createTestProbe().awaitAssert(WAIT, () -> {
      assertTrue(cluster.fetch(homes.get(0), key).set().values().contains(text("new")), "reached the first home");
      return null;
    });

    cluster.block(reader, homes.get(2));
    Coordinator.GetOk first = cluster.getOk(reader, key, 2); // answered by the first two homes
    assertTrue(first.values().contains(text("new")), "the first read sees the write in flight: " + first);

    String secondReader = homes.get(2); // a home coordinates too; its read is answered by itself and the second home
    cluster.block(secondReader, homes.get(0));
    Coordinator.GetOk second = cluster.getOk(secondReader, key, 2);
    assertEquals(List.of(text("old")), second.values(),
        "a read that began after the first one ended returns the older value: not linearizable");

    Coordinator.QuorumFailed outcome = assertInstanceOf(Coordinator.QuorumFailed.class, write.receiveMessage(WAIT));
    assertEquals(1, outcome.answered(), "the concurrent write itself was never acknowledged: " + outcome);
  }

  @Test
  void aWriteThatFailedOnFewerThanWIsNotRolledBackAndLaterReadsMayOrMayNotReturnIt() {
    nodes(Keyspace.Conflicts.SIBLINGS, Keyspace.ReadRepair.BLOCKING, Map.of());
    String key = "balance:3";
    writeEverywhere(key, "100");
    List<String> homes = cluster.homes(key);
    String writer = cluster.outsiders(key).get(0);
    String reader = cluster.outsiders(key).get(1);
    cluster.block(writer, homes.get(1));
    cluster.block(writer, homes.get(2));
    Coordinator.QuorumFailed failed = assertInstanceOf(Coordinator.QuorumFailed.class,
        cluster.put(writer, key, text("0"), VersionVector.empty(), 2));
    assertEquals(1, failed.answered(), failed.toString());
    cluster.transport.heal();
    assertTrue(cluster.fetch(homes.get(0), key).set().values().contains(text("0")),
        "the failed write stays where it succeeded: nothing rolls it back");

    cluster.block(reader, homes.get(0));
    assertEquals(List.of(text("100")), cluster.getOk(reader, key, 2).values(), "a read of the other two: the old value");
    cluster.transport.heal();
    cluster.block(reader, homes.get(2));
    Coordinator.GetOk later = cluster.getOk(reader, key, 2);
    assertTrue(later.values().contains(text("0")), "a read that reaches the first home returns the failed write: "
        + later);
    assertTrue(cluster.fetch(homes.get(1), key).set().values().contains(text("0")),
        "and read repair spreads the write that was reported failed");
  }

  @Test
  void aReplicaRestoredFromAnOlderCopyLeavesTheNewValueOnFewerThanWReplicas() {
    nodes(Keyspace.Conflicts.SIBLINGS, Keyspace.ReadRepair.BLOCKING, Map.of());
    String key = "config:9";
    writeEverywhere(key, "v1");
    List<String> homes = cluster.homes(key);
    String writer = cluster.outsiders(key).get(0);
    String reader = cluster.outsiders(key).get(1);
    cluster.block(writer, homes.get(2));
    VersionVector v1Context = cluster.getOk(writer, key, 2).context();
    Coordinator.PutOk v2 = cluster.putOk(writer, key, text("v2"), v1Context);
    assertEquals(Set.of(homes.get(0), homes.get(1)), Set.copyOf(v2.replicas()), "v2 is on w = 2 replicas");
    cluster.transport.heal();

    // The second home loses its disk and is restored from the third, which still carries v1.
    String restored = homes.get(1);
    PersistenceTestKit.create(kit.system()).clearByPersistenceId("replikit-ll-" + cluster.keyspace.name() + "|"
        + restored);
    cluster.restartReplica(restored);
    assertTrue(cluster.fetch(restored, key).set().isEmpty(), "the journal is gone");
    TestProbe<StorageReplica.StoreReply> copied = kit.createTestProbe();
    cluster.replicas.get(restored).tell(new StorageReplica.Replicate(key, cluster.fetch(homes.get(2), key).set(),
        copied.getRef()));
    assertInstanceOf(StorageReplica.Stored.class, copied.receiveMessage(WAIT));

    cluster.block(reader, homes.get(0));
    Coordinator.GetOk read = cluster.getOk(reader, key, 2);
    assertEquals(List.of(text("v1")), read.values(),
        "w + r > n, yet the acknowledged v2 now lives on one replica and a quorum read misses it");
  }
}
