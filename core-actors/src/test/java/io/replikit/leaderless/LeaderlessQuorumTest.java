package io.replikit.leaderless;

import static io.replikit.leaderless.LeaderlessNodes.cart;
import static io.replikit.leaderless.LeaderlessNodes.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import io.replikit.versioning.VersionVector;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Five nodes of one leaderless keyspace (n = 3) in one test kit, each with a storage replica and a coordinator,
 * talking through a faulty transport: quorum reads see acknowledged writes, a replica that missed writes is
 * repaired by the next read, too few answers is an error that counts them, concurrent writes come back as
 * siblings, deletes stay deleted, and last-write-wins counts what it throws away.
 */
class LeaderlessQuorumTest {
  private static final List<String> NODES = List.of("n1", "n2", "n3", "n4", "n5");
  private static final AtomicInteger KEYSPACES = new AtomicInteger();
  private static ActorTestKit kit;

  private LeaderlessNodes cluster;

  @BeforeAll
  static void start() {
    kit = ActorTestKit.create("leaderless", LeaderlessNodes.testKitConfig());
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

  private Keyspace start(Keyspace.Conflicts conflicts) {
    Keyspace ks = new Keyspace("ks" + KEYSPACES.incrementAndGet(), 3, 2, 2, Duration.ofMillis(800), conflicts,
        Keyspace.ReadRepair.BLOCKING);
    cluster = new LeaderlessNodes(kit, ks, NODES);
    return ks;
  }

  @Test
  void aQuorumReadFromAnotherNodeSeesAnAcknowledgedWrite() {
    start(Keyspace.Conflicts.SIBLINGS);
    Coordinator.PutOk ok = cluster.putOk("n1", "user:1", text("ada"), VersionVector.empty());
    assertTrue(ok.acknowledged() >= 2, "w = 2: " + ok);
    Coordinator.GetOk read = cluster.getOk("n4", "user:1", 0);
    assertEquals(List.of(text("ada")), read.values());
    assertEquals(ok.context(), read.context(), "the read's version is the write's");
  }

  @Test
  void aReplicaThatMissedAWriteIsRepairedByTheNextReadThatSeesIt() {
    start(Keyspace.Conflicts.SIBLINGS);
    String key = "order:7";
    String stale = cluster.homes(key).get(2);
    cluster.cutOff(stale);
    Coordinator.PutOk ok = cluster.putOk(cluster.outsider(key), key, text("paid"), VersionVector.empty());
    assertEquals(2, ok.acknowledged(), "the two reachable home replicas acknowledge: " + ok);
    cluster.transport.heal();
    assertTrue(cluster.fetch(stale, key).set().isEmpty(), stale + " missed the write");

    Coordinator.GetOk read = cluster.getOk(cluster.outsider(key), key, 3); // r = 3: the read waits for the stale replica too
    assertEquals(List.of(text("paid")), read.values());
    assertEquals(1, read.repaired(), "one stale replica seen and repaired before the answer: " + read);
    assertEquals(List.of(text("paid")), cluster.fetch(stale, key).set().values(), "read repair wrote it back");
  }

  @Test
  void fewerThanWAcknowledgementsIsAnErrorThatSaysHowManyAnswered() {
    start(Keyspace.Conflicts.SIBLINGS);
    String key = "stock:3";
    cluster.cutOff(cluster.homes(key).get(1));
    cluster.cutOff(cluster.homes(key).get(2));
    Coordinator.QuorumFailed failed = assertInstanceOf(Coordinator.QuorumFailed.class,
        cluster.put(cluster.homes(key).get(0), key, text("12"), VersionVector.empty(), 2));
    assertEquals("write", failed.operation());
    assertEquals(2, failed.needed());
    assertEquals(1, failed.answered(), failed.toString());
    assertEquals(3, failed.asked());
    Coordinator.QuorumFailed read = assertInstanceOf(Coordinator.QuorumFailed.class, cluster.get(cluster.homes(key).get(0), key, 2));
    assertEquals(1, read.answered(), read.toString());
    assertTrue(read.detail().contains("1 of 3"), read.detail());
  }

  @Test
  void concurrentCartWritesComeBackAsSiblingsAndTheNextWriteThatSawBothMergesThem() {
    start(Keyspace.Conflicts.SIBLINGS);
    String key = "cart:ada";
    VersionVector seen = cluster.getOk("n1", key, 0).context(); // both clients read the empty cart
    cluster.putOk("n1", key, cart("milk"), seen);
    cluster.putOk("n2", key, cart("eggs"), seen); // written without knowing of the milk: concurrent
    Coordinator.GetOk both = cluster.getOk("n3", key, 0);
    assertTrue(both.conflicted(), "two siblings: " + both);
    assertEquals(Set.of(cart("milk"), cart("eggs")), Set.copyOf(both.values()));

    cluster.putOk("n3", key, cart("eggs", "milk"), both.context()); // the client merged what it saw
    Coordinator.GetOk merged = cluster.getOk("n4", key, 3);
    assertEquals(List.of(cart("eggs", "milk")), merged.values(), "the merge replaced both siblings");
  }

  @Test
  void aDeleteLeavesATombstoneSoAStaleReplicaCannotBringTheValueBack() {
    start(Keyspace.Conflicts.SIBLINGS);
    String key = "session:9";
    cluster.putOk("n1", key, text("open"), VersionVector.empty());
    Coordinator.GetOk before = cluster.getOk("n1", key, 3);
    String stale = cluster.homes(key).get(2);
    cluster.cutOff(stale);
    cluster.putOk(cluster.outsider(key), key, null, before.context()); // the delete reaches two replicas
    cluster.transport.heal();
    assertEquals(List.of(text("open")), cluster.fetch(stale, key).set().values(), stale + " still has the old value");

    Coordinator.GetOk after = cluster.getOk(cluster.outsider(key), key, 3);
    assertTrue(after.deleted(), "deleted: " + after);
    assertEquals(List.of(), after.values(), "the stale value did not come back");
    assertTrue(cluster.fetch(stale, key).set().deleted(), "read repair carried the tombstone to " + stale);
  }

  @Test
  void lastWriteWinsKeepsOneValueAndCountsTheConcurrentWritesItDiscarded() {
    start(Keyspace.Conflicts.LAST_WRITE_WINS);
    String key = "profile:1";
    cluster.putOk("n1", key, text("first"), VersionVector.empty());
    cluster.putOk("n2", key, text("second"), VersionVector.empty()); // blind: concurrent with the first
    Coordinator.GetOk read = cluster.getOk("n3", key, 3);
    assertEquals(1, read.values().size(), "one value survives: " + read);
    long discarded = 0;
    for (String n : cluster.homes(key)) {
      discarded += cluster.status(n).lwwDiscarded();
    }
    assertTrue(discarded >= 1, "the lost concurrent write is counted: " + discarded);
  }
}
