package io.replikit.leaderless;

import static io.replikit.leaderless.LeaderlessNodes.WAIT;
import static io.replikit.leaderless.LeaderlessNodes.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.persistence.testkit.javadsl.PersistenceTestKit;
import io.replikit.leaderless.antientropy.AntiEntropySettings;
import io.replikit.leaderless.ring.Ring;
import io.replikit.leaderless.ring.RingNode;
import io.replikit.replication.ReplicaId;
import io.replikit.testkit.FaultyTransport;
import io.replikit.versioning.VersionVector;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A storage replica restarts under its node id with an empty journal (its disk lost, or a sharded replica placed on
 * a node without its journal) and takes a blind write of a key it had minted before. Without incarnations it mints
 * the same dot again and its peers keep only one of the two acknowledged writes; with them both stay as siblings.
 */
class EmptyJournalIncarnationTest {
  private static final List<String> NODES = List.of("n1", "n2", "n3");
  private static final AtomicInteger KEYSPACES = new AtomicInteger();
  private static ActorTestKit kit;
  private final List<ActorRef<?>> started = new ArrayList<>();
  private FaultyTransport transport;

  @BeforeAll
  static void start() {
    kit = ActorTestKit.create("empty-journal", LeaderlessNodes.testKitConfig());
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  @AfterEach
  void stopActors() {
    started.forEach(a -> kit.stop(a, WAIT));
    started.clear();
    if (transport != null) {
      transport.close();
    }
  }

  /** Three replicas and a coordinator on n1; {@code incarnations} null: replicas without the option. */
  private final class Cluster {
    final Keyspace keyspace = Keyspace.of("incarnations-" + KEYSPACES.incrementAndGet(), 3, 2, 2);
    final Ring ring = Ring.of(NODES.stream().map(n -> new RingNode(n, "dc1")).toList(), 16);
    final Map<String, ActorRef<StorageReplica.Command>> replicas = new LinkedHashMap<>();
    final ActorRef<Coordinator.Command> coordinator;
    final Supplier<String> incarnations;
    int restarts;

    Cluster(Supplier<String> incarnations) {
      this.incarnations = incarnations;
      transport = new FaultyTransport(7, FaultyTransport.Faults.NONE);
      NODES.forEach(this::startReplica);
      coordinator = kit.spawn(Coordinator.create(keyspace, ring, "n1", transport), keyspace.name() + "-c");
      started.add(coordinator);
    }

    void startReplica(String node) {
      Behavior<StorageReplica.Command> b = incarnations == null
          ? StorageReplica.create(keyspace, node, transport)
          : StorageReplica.create(keyspace, node, transport, ring, AntiEntropySettings.manual(), incarnations);
      ActorRef<StorageReplica.Command> ref = kit.spawn(b, keyspace.name() + "-" + node + "-" + (restarts++));
      replicas.put(node, ref);
      started.add(ref);
      status(node); // recovered before the first request
    }

    void restartEmpty(String node) {
      ActorRef<StorageReplica.Command> old = replicas.get(node);
      kit.stop(old, WAIT);
      started.remove(old);
      PersistenceTestKit.create(kit.system()).clearByPersistenceId("replikit-ll-" + keyspace.name() + "|" + node);
      startReplica(node);
    }

    void restartFromJournal(String node) {
      ActorRef<StorageReplica.Command> old = replicas.get(node);
      kit.stop(old, WAIT);
      started.remove(old);
      startReplica(node);
    }

    StorageReplica.Status status(String node) {
      TestProbe<StorageReplica.Status> probe = kit.createTestProbe();
      replicas.get(node).tell(new StorageReplica.GetStatus(probe.getRef()));
      return probe.receiveMessage(WAIT);
    }

    Coordinator.PutOk put(String key, String value, VersionVector context) {
      TestProbe<Coordinator.PutReply> probe = kit.createTestProbe();
      coordinator.tell(new Coordinator.Put(key, text(value), context, new Coordinator.Quorum(3, 0), probe.getRef()));
      return assertInstanceOf(Coordinator.PutOk.class, probe.receiveMessage(WAIT));
    }

    Coordinator.GetOk read(String key) {
      TestProbe<Coordinator.GetReply> probe = kit.createTestProbe();
      coordinator.tell(new Coordinator.Get(key, new Coordinator.Quorum(0, 3), probe.getRef()));
      return assertInstanceOf(Coordinator.GetOk.class, probe.receiveMessage(WAIT));
    }

    String minterOf(String key) {
      return keyspace.homes(ring, key).get(0).id(); // every home is reachable: the first one mints
    }
  }

  private static Supplier<String> seeded() {
    AtomicInteger next = new AtomicInteger();
    return () -> "inc" + next.incrementAndGet();
  }

  @Test
  void aBlindWriteThroughAReplicaThatRestartedEmptyIsKeptBesideTheWriteItMintedBefore() {
    Cluster c = new Cluster(seeded());
    String key = "cart:ada";
    String minter = c.minterOf(key);
    String before = c.status(minter).mintsAs();
    c.put(key, "v1", VersionVector.empty());

    c.restartEmpty(minter);
    c.put(key, "v2", VersionVector.empty());
    Coordinator.GetOk read = c.read(key);
    assertEquals(Set.of(text("v1"), text("v2")), Set.copyOf(read.values()),
        "two acknowledged blind writes are concurrent: both are kept");

    String after = c.status(minter).mintsAs();
    assertTrue(before.startsWith(minter + "~"), "a replica that started empty mints under an incarnation: " + before);
    assertNotEquals(before, after, "the empty restart started a new incarnation");
  }

  @Test
  void aReplicaWhoseJournalHasEventsKeepsItsIdentityAcrossRestarts() {
    Cluster c = new Cluster(seeded());
    String key = "cart:bob";
    String minter = c.minterOf(key);
    Coordinator.PutOk first = c.put(key, "v1", VersionVector.empty());
    String before = c.status(minter).mintsAs();
    c.restartFromJournal(minter);
    assertEquals(before, c.status(minter).mintsAs(), "recovered from its journal: the same incarnation");
    Coordinator.PutOk second = c.put(key, "v2", first.context());
    assertEquals(2, second.context().get(before), "its counter goes on from its journal");
    assertEquals(List.of(text("v2")), c.read(key).values(), "the write on the read's context replaced v1");
  }

  @Test
  void withoutIncarnationsTheReplicaReissuesItsDotAndTheEarlierAcknowledgedWriteIsLost() {
    // the fault the option exists for, as replicas created without it still have it
    Cluster c = new Cluster(null);
    String key = "cart:cy";
    String minter = c.minterOf(key);
    assertEquals(minter, c.status(minter).mintsAs());
    c.put(key, "v1", VersionVector.empty());
    c.restartEmpty(minter);
    c.put(key, "v2", VersionVector.empty());
    assertEquals(List.of(text("v2")), c.read(key).values(), "v1 was acknowledged by all three, and is gone");
  }

  @Test
  void aReplicaThatRestartedEmptyRefillsFromEveryPeerAndStaysRefillingUntilItHasHeardThemAll() {
    Duration refill = Duration.ofSeconds(20);
    Cluster c = new Cluster(seeded());
    TestProbe<Object> waiter = kit.createTestProbe();
    // a fresh ring: each replica starts an incarnation, and completes a round with its peers at once
    waiter.awaitAssert(refill, () -> {
      NODES.forEach(n -> assertFalse(c.status(n).refilling(), n + " of a fresh ring has refilled"));
      return null;
    });
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      keys.add("cart:" + i);
      c.put("cart:" + i, "v" + i, VersionVector.empty()); // w = 3: on every replica
    }

    transport.markDown(ReplicaId.of("n3"));
    c.restartEmpty("n1");
    // n2 answers, n3 does not: every key arrives, yet the round left n3's pairs abandoned
    waiter.awaitAssert(refill, () -> {
      assertEquals(keys.size(), c.status("n1").keys(), "n1 copied every key from n2");
      return null;
    });
    assertTrue(c.status("n1").refilling(), "n1 has not compared its ranges with n3: still refilling");

    c.restartFromJournal("n1");
    assertTrue(c.status("n1").refilling(), "refilling is journaled: a restart keeps it");

    transport.markUp(ReplicaId.of("n3"));
    waiter.awaitAssert(refill, () -> {
      assertFalse(c.status("n1").refilling(), "a round with n2 and n3 both answering ends the refill");
      return null;
    });
    assertEquals(keys.size(), c.status("n1").keys());
    c.restartFromJournal("n1");
    assertFalse(c.status("n1").refilling(), "the refill's end is journaled too");
  }
}
