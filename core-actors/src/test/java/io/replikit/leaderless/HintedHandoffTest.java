package io.replikit.leaderless;

import static io.replikit.leaderless.LeaderlessNodes.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import akka.persistence.testkit.javadsl.PersistenceTestKit;
import io.replikit.leaderless.handoff.HintedHandoff;
import io.replikit.leaderless.internal.KeyStored;
import io.replikit.leaderless.ring.Placement;
import io.replikit.leaderless.ring.Ring;
import io.replikit.leaderless.ring.RingNode;
import io.replikit.replication.ReplicaId;
import io.replikit.testkit.FaultyTransport;
import io.replikit.versioning.VersionVector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Five nodes of one leaderless keyspace (n = 3) with sloppy quorums: a home replica is down, a stand-in takes the
 * write as a hint, and hands it back, exactly once, when the home returns; hints survive the stand-in's restart and
 * expire after the hint window; without a sloppy quorum the same outage refuses the write; a write acknowledged by
 * stand-ins is missed by a strict read of the homes until the handoff (the chapter's first limitation); a home that
 * never answers does not stop a write when enough other homes are up (minting falls over).
 */
class HintedHandoffTest {
  private static final List<String> NODES = List.of("n1", "n2", "n3", "n4", "n5");
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final AtomicInteger KEYSPACES = new AtomicInteger();
  private static ActorTestKit kit;
  private static PersistenceTestKit journal;

  private final AtomicLong clock = new AtomicLong(1_000_000);
  private Keyspace keyspace;
  private FaultyTransport transport;
  private Ring ring;
  private final Map<String, ActorRef<StorageReplica.Command>> replicas = new LinkedHashMap<>();
  private final Map<String, ActorRef<Coordinator.Command>> coordinators = new LinkedHashMap<>();
  private final List<ActorRef<?>> extra = new ArrayList<>();
  private int restarts;

  @BeforeAll
  static void start() {
    kit = ActorTestKit.create("handoff", LeaderlessNodes.testKitConfig());
    journal = PersistenceTestKit.create(kit.system());
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  @AfterEach
  void stopNodes() {
    replicas.values().forEach(r -> kit.stop(r, WAIT));
    coordinators.values().forEach(c -> kit.stop(c, WAIT));
    extra.forEach(a -> kit.stop(a, WAIT));
    if (transport != null) {
      transport.close();
    }
  }

  private void startNodes(boolean sloppy, Duration hintWindow) {
    // a generous timeout: a cold JVM on a shared machine must not look like a down replica (minting falls over at
    // three quarters of it, 2.25 s)
    keyspace = new Keyspace("hh" + KEYSPACES.incrementAndGet(), 3, 2, 2, Duration.ofMillis(3000),
        Keyspace.Conflicts.SIBLINGS, Keyspace.ReadRepair.BLOCKING).withSloppyQuorum(sloppy).withHintWindow(hintWindow)
        .withHandoffInterval(Duration.ofMillis(100));
    transport = new FaultyTransport(7, FaultyTransport.Faults.NONE);
    ring = Ring.of(NODES.stream().map(n -> new RingNode(n, "dc1")).toList(), 16);
    for (String n : NODES) {
      replicas.put(n, kit.spawn(StorageReplica.create(keyspace, n, transport, clock::get),
          keyspace.name() + "-replica-" + n));
      coordinators.put(n, kit.spawn(Coordinator.create(keyspace, ring, n, transport),
          keyspace.name() + "-coordinator-" + n));
    }
    for (String n : NODES) { // ready: each replica and its hint store answer once recovered
      fetch(n, "warm-up");
      hints(n);
    }
  }

  private List<String> homes(String key) {
    return ring.preferenceList(key, 3).stream().map(RingNode::id).toList();
  }

  private List<String> outsiders(String key) {
    return NODES.stream().filter(n -> !homes(key).contains(n)).toList();
  }

  /** Plays a home crashing: the failure detector marks it down and no message reaches it or leaves it. */
  private void crash(String node) {
    transport.markDown(ReplicaId.of(node));
    transport.isolate(ReplicaId.of(node), NODES.stream().map(ReplicaId::of).collect(Collectors.toSet()));
  }

  /** The node standing in for {@code home} while it is down, as the coordinators place it. */
  private String standInFor(String key, String home) {
    return ring.sloppyPreferenceList(key, 3, n -> transport.reachable(ReplicaId.of(n))).stream()
        .filter(p -> home.equals(p.homeFor())).map(p -> p.node().id()).findFirst().orElseThrow();
  }

  private Coordinator.PutReply put(String via, String key, String value, int w) {
    TestProbe<Coordinator.PutReply> probe = kit.createTestProbe();
    coordinators.get(via).tell(new Coordinator.Put(key, text(value), VersionVector.empty(),
        new Coordinator.Quorum(w, 0), probe.getRef()));
    return probe.receiveMessage(WAIT);
  }

  private Coordinator.PutOk putOk(String via, String key, String value, int w) {
    Coordinator.PutReply reply = put(via, key, value, w);
    return assertInstanceOf(Coordinator.PutOk.class, reply, () -> "the write is acknowledged: " + reply);
  }

  private Coordinator.GetOk get(ActorRef<Coordinator.Command> coordinator, String key, int r) {
    TestProbe<Coordinator.GetReply> probe = kit.createTestProbe();
    coordinator.tell(new Coordinator.Get(key, new Coordinator.Quorum(0, r), probe.getRef()));
    return assertInstanceOf(Coordinator.GetOk.class, probe.receiveMessage(WAIT));
  }

  private StorageReplica.Fetched fetch(String node, String key) {
    TestProbe<StorageReplica.Fetched> probe = kit.createTestProbe();
    replicas.get(node).tell(new StorageReplica.Fetch(key, probe.getRef()));
    return probe.receiveMessage(WAIT);
  }

  private HintedHandoff.HintStatus hints(String node) {
    TestProbe<HintedHandoff.HintStatus> probe = kit.createTestProbe();
    replicas.get(node).tell(new HintedHandoff.GetHintStatus(probe.getRef()));
    return probe.receiveMessage(WAIT);
  }

  private long journalWritesOf(String node, String key) {
    return journal.persistedInStorage("replikit-ll-" + keyspace.name() + "|" + node).stream()
        .filter(e -> e instanceof KeyStored ks && ks.key().equals(key)).count();
  }

  private void restartReplica(String node) {
    kit.stop(replicas.get(node), WAIT);
    replicas.put(node, kit.spawn(StorageReplica.create(keyspace, node, transport, clock::get),
        keyspace.name() + "-replica-" + node + "-" + (++restarts)));
  }

  @Test
  void aStandInAcknowledgesTheWriteOfADownHomeAndHandsItBackExactlyOnce() {
    startNodes(true, Duration.ofHours(3));
    String key = "cart:1";
    String down = homes(key).get(2);
    crash(down);
    String standIn = standInFor(key, down);
    assertTrue(outsiders(key).contains(standIn), "the stand-in is not a home of the key");

    // w = n: only the stand-in's acknowledgement lets the write succeed with a home down
    Coordinator.PutOk ok = putOk(homes(key).get(0), key, "book", 3);
    assertEquals(3, ok.acknowledged(), ok.toString());
    assertTrue(ok.replicas().contains(standIn), "the stand-in counted toward w: " + ok);
    assertEquals(Map.of(down, 1), hints(standIn).waiting(), "one hint waits at the stand-in for the down home");
    assertTrue(fetch(standIn, key).set().isEmpty(), "a hinted key is not the stand-in's own key");
    assertTrue(fetch(down, key).set().isEmpty(), "the down home missed the write");

    // the home returns; every message is now delivered twice, the handoff's included
    transport.setFaults(new FaultyTransport.Faults(0, 1.0, 0, Duration.ZERO));
    transport.heal();
    kit.createTestProbe().awaitAssert(WAIT, () -> {
      HintedHandoff.HintStatus s = hints(standIn);
      assertEquals(Map.of(), s.waiting(), "the hint is gone once the home acknowledged it");
      assertEquals(1, s.handedOff());
      return null;
    });
    StorageReplica.Fetched atHome = fetch(down, key);
    assertEquals(List.of(text("book")), atHome.set().values(), "the home holds the value");
    assertEquals(ok.context(), atHome.set().context(), "the write's own version, not a copy of it");
    assertTrue(transport.stats().get("duplicated") > 0, "the handoff was duplicated: " + transport.stats());
    assertEquals(1, journalWritesOf(down, key), "the home merged the hint once, duplicates wrote nothing");
  }

  @Test
  void theCoordinatorCountsTheWritesAcknowledgedWithAStandIn() {
    startNodes(true, Duration.ofHours(3));
    String key = "cart:7";
    String via = homes(key).get(0);
    putOk(via, key, "all homes up", 3);
    assertEquals(0, coordinatorStatus(via).sloppyWrites(), "every home acknowledged: not sloppy");

    String down = homes(key).get(2);
    crash(down);
    Coordinator.PutOk ok = putOk(via, key, "a home down", 3);
    assertTrue(ok.replicas().contains(standInFor(key, down)), ok.toString());
    putOk(via, "other:" + key, "elsewhere", 1); // minted and acknowledged by a home alone
    Coordinator.Status s = coordinatorStatus(via);
    assertEquals(1, s.sloppyWrites(), "the write a stand-in acknowledged is counted once: " + s);
    assertEquals(3, s.writes(), s.toString());
  }

  private Coordinator.Status coordinatorStatus(String node) {
    TestProbe<Coordinator.Status> probe = kit.createTestProbe();
    coordinators.get(node).tell(new Coordinator.GetStatus(probe.getRef()));
    return probe.receiveMessage(WAIT);
  }

  @Test
  void aHintSurvivesTheStandInsRestartAndIsStillHandedOff() {
    startNodes(true, Duration.ofHours(3));
    String key = "profile:9";
    String down = homes(key).get(1);
    crash(down);
    String standIn = standInFor(key, down);
    putOk(homes(key).get(0), key, "ada", 3);

    restartReplica(standIn);
    assertEquals(Map.of(down, 1), hints(standIn).waiting(), "the hint was recovered from the stand-in's journal");

    transport.heal();
    kit.createTestProbe().awaitAssert(WAIT, () -> {
      assertEquals(List.of(text("ada")), fetch(down, key).set().values());
      assertEquals(Map.of(), hints(standIn).waiting());
      return null;
    });
    assertEquals(1, hints(standIn).handedOff());
  }

  @Test
  void aHintOlderThanTheHintWindowIsDroppedAndCounted() {
    startNodes(true, Duration.ofHours(1));
    String key = "session:4";
    String down = homes(key).get(2);
    crash(down);
    String standIn = standInFor(key, down);
    putOk(homes(key).get(0), key, "x", 3);
    assertEquals(Map.of(down, 1), hints(standIn).waiting());

    clock.addAndGet(Duration.ofMinutes(61).toMillis()); // the home stayed away longer than the window
    kit.createTestProbe().awaitAssert(WAIT, () -> {
      HintedHandoff.HintStatus s = hints(standIn);
      assertEquals(Map.of(), s.waiting());
      assertEquals(1, s.expired(), "the dropped hint is counted");
      return null;
    });
    assertEquals(0, hints(standIn).handedOff(), "an expired hint is never handed off");
  }

  @Test
  void aSloppyReadAsksTheStandInWhichAnswersWithItsHint() {
    startNodes(true, Duration.ofHours(3));
    String key = "cart:2";
    String down = homes(key).get(0);
    crash(down);
    String standIn = standInFor(key, down);
    putOk(homes(key).get(1), key, "pen", 3);
    // r = n with a home down: only the stand-in's answer (its hint) makes the third
    Coordinator.GetOk read = get(coordinators.get(homes(key).get(2)), key, 3);
    assertEquals(Set.of(text("pen")), Set.copyOf(read.values()));
    assertEquals(3, read.answered());
    assertEquals(Map.of(down, 1), hints(standIn).waiting(), "read repair leaves the hint to the handoff");
  }

  @Test
  void withoutSloppyQuorumTheSameOutageFailsTheWrite() {
    startNodes(false, Duration.ofHours(3));
    String key = "cart:1";
    String down = homes(key).get(2);
    crash(down);
    Coordinator.QuorumFailed failed = assertInstanceOf(Coordinator.QuorumFailed.class,
        put(homes(key).get(0), key, "book", 3));
    assertEquals(3, failed.needed());
    assertEquals(2, failed.answered(), "only the two reachable homes acknowledged: " + failed);
    for (String n : outsiders(key)) {
      assertEquals(0, hints(n).total(), "no stand-in was used at " + n);
    }
  }

  @Test
  void aWriteAcknowledgedByStandInsIsMissedByAStrictReadOfTheHomesUntilTheHandoff() {
    startNodes(true, Duration.ofHours(3));
    String key = "order:42";
    List<String> homes = homes(key);
    // the failure detector wrongly believes two homes are down: they are up and answer reads
    transport.markDown(ReplicaId.of(homes.get(1)));
    transport.markDown(ReplicaId.of(homes.get(2)));
    Coordinator.PutOk ok = putOk(homes.get(0), key, "paid", 2);
    assertTrue(keyspace.strictQuorum(), "w + r > n");

    // a strict reader (no sloppy quorum) reads the homes; the one home that has the write is slow to answer it
    String reader = outsiders(key).get(0);
    ActorRef<Coordinator.Command> strict = kit.spawn(Coordinator.create(keyspace.withSloppyQuorum(false), ring, reader,
        transport), keyspace.name() + "-strict-reader");
    extra.add(strict);
    transport.block(ReplicaId.of(reader), ReplicaId.of(homes.get(0)));
    Coordinator.GetOk stale = get(strict, key, 2);
    assertEquals(List.of(), stale.values(), "w + r > n, yet the read quorum misses the acknowledged write: " + ok);

    transport.markUp(ReplicaId.of(homes.get(1)));
    transport.markUp(ReplicaId.of(homes.get(2)));
    kit.createTestProbe().awaitAssert(WAIT, () -> {
      assertEquals(List.of(text("paid")), get(strict, key, 2).values(), "handed off, the homes have it");
      return null;
    });
  }

  @Test
  void aHomeThatNeverAnswersDoesNotStopTheWriteMintingFallsOver() {
    startNodes(false, Duration.ofHours(3));
    String key = "user:5";
    List<String> homes = homes(key);
    String via = outsiders(key).get(0);
    transport.block(ReplicaId.of(via), ReplicaId.of(homes.get(0))); // registered, reachable, never gets the put
    Coordinator.PutOk ok = putOk(via, key, "ok", 2);
    assertEquals(Set.copyOf(homes.subList(1, 3)), Set.copyOf(ok.replicas()), ok.toString());
    assertEquals(ok.context(), fetch(homes.get(1), key).set().context(), "the reply's context is the minted write's");
  }

  @Test
  void aShortFallOverAfterAsksTheNextHomeLongBeforeTheDefaultWould() {
    startNodes(false, Duration.ofHours(3));
    keyspace = keyspace.withFallOverAfter(Duration.ofMillis(100));
    String key = "user:8";
    List<String> homes = homes(key);
    String via = outsiders(key).get(0);
    ActorRef<Coordinator.Command> quick = kit.spawn(Coordinator.create(keyspace, ring, via, transport),
        keyspace.name() + "-quick-fall-over");
    extra.add(quick);
    // slow, not down: far below the default deadline (2.25 s), far above the configured 100 ms
    transport.slow(ReplicaId.of(via), ReplicaId.of(homes.get(0)), Duration.ofMillis(1200));
    TestProbe<Coordinator.PutReply> probe = kit.createTestProbe();
    quick.tell(new Coordinator.Put(key, text("v"), VersionVector.empty(), new Coordinator.Quorum(2, 0),
        probe.getRef()));
    assertInstanceOf(Coordinator.PutOk.class, probe.receiveMessage(WAIT));
    kit.createTestProbe().awaitAssert(WAIT, () -> {
      Coordinator.GetOk read = get(coordinators.get(homes.get(1)), key, 3);
      assertEquals(List.of(text("v"), text("v")), read.values(), "the next home minted too, as configured");
      return null;
    });
  }

  @Test
  void aMintingThatWasOnlySlowLeavesSiblingsOfTheSameValueNothingLost() {
    startNodes(false, Duration.ofHours(3));
    String key = "user:6";
    List<String> homes = homes(key);
    String via = outsiders(key).get(0);
    transport.slow(ReplicaId.of(via), ReplicaId.of(homes.get(0)), Duration.ofMillis(2600)); // > minting deadline
    Coordinator.PutOk ok = putOk(via, key, "v", 2);
    kit.createTestProbe().awaitAssert(WAIT, () -> {
      Coordinator.GetOk read = get(coordinators.get(homes.get(1)), key, 3);
      assertEquals(List.of(text("v"), text("v")), read.values(), "two dots for one put: the same value twice");
      assertTrue(Set.of(VersionVector.Order.AFTER, VersionVector.Order.EQUAL).contains(
          read.context().compare(ok.context())), "the reply's context is covered by what is stored");
      return null;
    });
  }
}
