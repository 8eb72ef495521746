package io.replikit.leaderless;

import static io.replikit.leaderless.LeaderlessNodes.WAIT;
import static io.replikit.leaderless.LeaderlessNodes.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import io.replikit.versioning.DottedVersionVectorSet;
import io.replikit.versioning.VersionVector;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Tombstones are collected only once every replica of the key has the delete (a read heard all n answer the same
 * deleted set), and collecting one never lets the deleted value come back, even from a replica's stale copy.
 */
class TombstoneCollectionTest {
  private static final AtomicInteger KEYSPACES = new AtomicInteger();
  private static ActorTestKit kit;

  private LeaderlessNodes cluster;

  @BeforeAll
  static void start() {
    kit = ActorTestKit.create("tombstones", LeaderlessNodes.testKitConfig());
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

  private void nodes() {
    Keyspace ks = new Keyspace("gc" + KEYSPACES.incrementAndGet(), 3, 2, 2, Duration.ofMillis(800),
        Keyspace.Conflicts.SIBLINGS, Keyspace.ReadRepair.BLOCKING);
    cluster = new LeaderlessNodes(kit, ks, List.of("n1", "n2", "n3", "n4", "n5"));
  }

  /** Writes, deletes, and reads with r = n until every home holds the tombstone; returns the value's stale set. */
  private DottedVersionVectorSet writeThenDeleteEverywhere(String key) {
    String via = cluster.outsider(key);
    cluster.putOk(via, key, text("secret"), VersionVector.empty());
    Coordinator.GetOk before = cluster.getOk(via, key, 3);
    DottedVersionVectorSet stale = cluster.fetch(cluster.homes(key).get(0), key).set();
    cluster.putOk(via, key, null, before.context());
    for (String home : cluster.homes(key)) {
      kit.createTestProbe().awaitAssert(WAIT, () -> {
        assertTrue(cluster.fetch(home, key).set().deleted(), home + " holds the tombstone");
        return null;
      });
    }
    return stale;
  }

  @Test
  void aReadThatHearsEveryReplicaHoldTheSameTombstoneCollectsItAndTheValueStaysGone() {
    nodes();
    String key = "doc:1";
    DottedVersionVectorSet stale = writeThenDeleteEverywhere(key);

    Coordinator.GetOk read = cluster.getOk(cluster.outsider(key), key, 2);
    assertTrue(read.deleted(), "the read still sees the delete: " + read);
    for (String home : cluster.homes(key)) {
      kit.createTestProbe().awaitAssert(WAIT, () -> {
        DottedVersionVectorSet set = cluster.fetch(home, key).set();
        assertTrue(set.isEmpty(), home + ": the tombstone was collected: " + set);
        assertFalse(set.context().isEmpty(), home + ": the version stays");
        return null;
      });
    }

    String home = cluster.homes(key).get(1);
    TestProbe<StorageReplica.StoreReply> replay = kit.createTestProbe();
    cluster.replicas.get(home).tell(new StorageReplica.Replicate(key, stale, replay.getRef()));
    assertInstanceOf(StorageReplica.Stored.class, replay.receiveMessage(WAIT));
    assertEquals(List.of(), cluster.fetch(home, key).set().values(), "a stale copy of the value does not come back");
    Coordinator.GetOk after = cluster.getOk(cluster.outsider(key), key, 3);
    assertEquals(List.of(), after.values(), after.toString());
    assertFalse(after.deleted(), "not found rather than deleted once the tombstone is gone: " + after);
  }

  @Test
  void whileOneReplicaDoesNotAnswerTheTombstonesAreKept() {
    nodes();
    String key = "doc:2";
    writeThenDeleteEverywhere(key);
    String silent = cluster.homes(key).get(2);
    cluster.cutOff(silent);
    Coordinator.GetOk read = cluster.getOk(cluster.outsider(key), key, 2);
    assertTrue(read.deleted(), read.toString());
    // the read waits out its 800 ms timeout for the silent replica, then stops: let that pass
    kit.createTestProbe().expectNoMessage(Duration.ofMillis(1200));
    for (String home : cluster.homes(key)) {
      assertTrue(cluster.fetch(home, key).set().deleted(), home + " still holds the tombstone");
    }
  }
}
