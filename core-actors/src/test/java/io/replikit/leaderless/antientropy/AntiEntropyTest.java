package io.replikit.leaderless.antientropy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.typesafe.config.Config;
import io.replikit.leaderless.Coordinator;
import io.replikit.leaderless.Keyspace;
import io.replikit.leaderless.StorageReplica;
import io.replikit.leaderless.ring.Ring;
import io.replikit.leaderless.ring.RingNode;
import io.replikit.replication.ReplicaId;
import io.replikit.testkit.FaultyTransport;
import io.replikit.versioning.DottedVersionVectorSet;
import io.replikit.versioning.VersionVector;
import java.time.Duration;
import java.util.ArrayList;
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
 * Five storage replicas of one keyspace (n = 3, read repair off, so that only anti-entropy can mend a replica) with
 * a coordinator each, through a seeded faulty transport, every message through Jackson: after a partition heals,
 * one round of exchanges makes every replica of every key hold the same siblings; a restarted replica keeps its
 * trees; concurrent siblings and tombstones propagate; a peer that is down or silent is skipped or abandoned.
 */
class AntiEntropyTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final List<String> FIVE = List.of("n1", "n2", "n3", "n4", "n5");
  private static final AtomicInteger KEYSPACES = new AtomicInteger();
  private static ActorTestKit kit;

  private Keyspace keyspace;
  private List<String> nodes;
  private FaultyTransport transport;
  private Ring ring;
  private AntiEntropySettings settings;
  private final Map<String, ActorRef<StorageReplica.Command>> replicas = new LinkedHashMap<>();
  private final Map<String, ActorRef<Coordinator.Command>> coordinators = new LinkedHashMap<>();
  private int restarts;

  @BeforeAll
  static void startKit() {
    Config config = io.replikit.testkit.scenario.ScenarioKit.inMemory("akka.loglevel = INFO");
    kit = ActorTestKit.create("anti-entropy", config);
  }

  @AfterAll
  static void stopKit() {
    kit.shutdownTestKit();
  }

  @AfterEach
  void stopNodes() {
    replicas.values().forEach(r -> kit.stop(r, WAIT));
    coordinators.values().forEach(c -> kit.stop(c, WAIT));
    replicas.clear();
    coordinators.clear();
    transport.close();
  }

  private void start(AntiEntropySettings aae) {
    Map<String, String> oneDc = new LinkedHashMap<>();
    FIVE.forEach(n -> oneDc.put(n, "dc1"));
    start(aae, newKeyspace(), oneDc, 16);
  }

  private static Keyspace newKeyspace() {
    return new Keyspace("aae" + KEYSPACES.incrementAndGet(), 3, 2, 2, Duration.ofSeconds(3),
        Keyspace.Conflicts.SIBLINGS, Keyspace.ReadRepair.OFF);
  }

  /** Nodes (in order) in their datacenters, on a ring of {@code vnodes} virtual nodes each. */
  private void start(AntiEntropySettings aae, Keyspace ks, Map<String, String> datacenterOf, int vnodes) {
    settings = aae;
    keyspace = ks;
    nodes = List.copyOf(datacenterOf.keySet());
    transport = new FaultyTransport(7, FaultyTransport.Faults.NONE);
    List<RingNode> ringNodes = new ArrayList<>();
    datacenterOf.forEach((n, dc) -> ringNodes.add(new RingNode(n, dc)));
    ring = Ring.of(ringNodes, vnodes);
    for (String n : nodes) {
      spawnReplica(n);
      coordinators.put(n, kit.spawn(Coordinator.create(keyspace, ring, n, transport, System::currentTimeMillis),
          keyspace.name() + "-coordinator-" + n));
    }
  }

  private void spawnReplica(String n) {
    replicas.put(n, kit.spawn(StorageReplica.create(keyspace, n, transport, ring, settings),
        keyspace.name() + "-replica-" + n + "-" + (++restarts)));
  }

  private List<String> homes(String key) {
    return keyspace.homes(ring, key).stream().map(RingNode::id).toList();
  }

  private void cutOff(String node) {
    Set<ReplicaId> others = new TreeSet<>((a, b) -> a.value().compareTo(b.value()));
    nodes.stream().filter(n -> !n.equals(node)).forEach(n -> others.add(ReplicaId.of(n)));
    transport.isolate(ReplicaId.of(node), others);
  }

  private Coordinator.PutOk put(String via, String key, String value, VersionVector context) {
    TestProbe<Coordinator.PutReply> probe = kit.createTestProbe();
    coordinators.get(via).tell(new Coordinator.Put(key,
        value == null ? null : JsonNodeFactory.instance.textNode(value), context, new Coordinator.Quorum(2, 0),
        probe.getRef()));
    Coordinator.PutReply reply = probe.receiveMessage(WAIT);
    return assertInstanceOf(Coordinator.PutOk.class, reply, reply.toString());
  }

  private DottedVersionVectorSet fetch(String node, String key) {
    TestProbe<StorageReplica.Fetched> probe = kit.createTestProbe();
    replicas.get(node).tell(new StorageReplica.Fetch(key, probe.getRef()));
    return probe.receiveMessage(WAIT).set();
  }

  private AntiEntropy.RoundDone round(String node) {
    TestProbe<AntiEntropy.RoundDone> probe = kit.createTestProbe();
    replicas.get(node).tell(new AntiEntropy.RunRound(probe.getRef()));
    return probe.receiveMessage(WAIT);
  }

  /** One round on every replica at once (each runs its own exchanges one at a time). */
  private List<AntiEntropy.RoundDone> roundEverywhere() {
    List<TestProbe<AntiEntropy.RoundDone>> probes = new ArrayList<>();
    for (String n : nodes) {
      TestProbe<AntiEntropy.RoundDone> probe = kit.createTestProbe();
      replicas.get(n).tell(new AntiEntropy.RunRound(probe.getRef()));
      probes.add(probe);
    }
    return probes.stream().map(p -> p.receiveMessage(WAIT)).toList();
  }

  private AntiEntropy.Status status(String node) {
    TestProbe<AntiEntropy.Status> probe = kit.createTestProbe();
    replicas.get(node).tell(new AntiEntropy.GetStatus(probe.getRef()));
    return probe.receiveMessage(WAIT);
  }

  private void assertEveryHomeHoldsTheSameSet(List<String> keys) {
    for (String key : keys) {
      List<String> homes = homes(key);
      DottedVersionVectorSet first = fetch(homes.get(0), key);
      assertFalse(first.isEmpty(), key + " is on " + homes.get(0));
      for (String h : homes.subList(1, homes.size())) {
        assertEquals(first, fetch(h, key), key + " on " + h + " vs " + homes.get(0));
      }
    }
  }

  /** Keys whose coordinating (first home) replica is not n5, so that they can be written while n5 is cut off. */
  private List<String> keys(int count) {
    return keysNotMintedBy("n5", count);
  }

  private List<String> keysNotMintedBy(String node, int count) {
    List<String> keys = new ArrayList<>();
    for (int i = 0; keys.size() < count; i++) {
      if (!homes("user:" + i).get(0).equals(node)) {
        keys.add("user:" + i);
      }
    }
    return keys;
  }

  @Test
  void afterHealingOneRoundMakesEveryReplicaOfEveryKeyHoldTheSameSiblings() {
    start(AntiEntropySettings.manual());
    cutOff("n5");
    List<String> keys = keys(60);
    for (String k : keys) {
      put("n1", k, "v-" + k, VersionVector.empty());
    }
    transport.heal();
    List<String> missed = keys.stream().filter(k -> homes(k).contains("n5") && fetch("n5", k).isEmpty()).toList();
    assertTrue(missed.size() > 10, "n5 missed the writes of its keys while cut off: " + missed);

    List<AntiEntropy.RoundDone> done = roundEverywhere();
    assertEveryHomeHoldsTheSameSet(keys);
    long repaired = done.stream().mapToLong(AntiEntropy.RoundDone::keysRepaired).sum();
    assertTrue(repaired >= missed.size(), "each missed key repaired at least once: " + done);
    assertTrue(done.stream().allMatch(d -> d.abandoned() == 0), "no exchange abandoned: " + done);
    AntiEntropy.Status s = status("n5");
    assertTrue(s.ranges() > 0 && s.bytesSent() > 0 && s.exchanges() > 0, s.toString());

    List<AntiEntropy.RoundDone> again = roundEverywhere();
    assertEquals(0, again.stream().mapToLong(AntiEntropy.RoundDone::keysRepaired).sum(),
        "a second round finds nothing: " + again);
  }

  @Test
  void aRestartedReplicaKeepsItsTreesSoAnExchangeWithAnEqualPeerCopiesNothing() {
    start(AntiEntropySettings.manual());
    List<String> keys = keys(40);
    for (String k : keys) {
      put("n2", k, "v-" + k, VersionVector.empty());
    }
    roundEverywhere(); // w = 2: the third replica of some keys may lag; after this round none does
    assertEveryHomeHoldsTheSameSet(keys);

    kit.stop(replicas.get("n3"), WAIT);
    spawnReplica("n3");
    AntiEntropy.RoundDone done = round("n3");
    assertEquals(0, done.keysRepaired(), "its replayed trees equal its peers': " + done);
    assertTrue(done.exchanges() > 0 && done.abandoned() == 0, done.toString());
    assertEquals(done.exchanges(), status("n3").exchanges());
  }

  @Test
  void concurrentSiblingsOnTwoReplicasEndUpAsTheSameSiblingsOnBoth() {
    start(AntiEntropySettings.manual());
    String key = "cart:9";
    List<String> homes = homes(key);
    for (int i = 0; i < 2; i++) { // two blind writes, each coordinated by a different home replica only
      TestProbe<StorageReplica.StoreReply> probe = kit.createTestProbe();
      replicas.get(homes.get(i)).tell(new StorageReplica.CoordinatePut(key, VersionVector.empty(),
          JsonNodeFactory.instance.textNode("item-" + i), 1000 + i, probe.getRef()));
      probe.expectMessageClass(StorageReplica.Stored.class, WAIT);
    }
    assertEquals(1, fetch(homes.get(0), key).values().size());

    round(homes.get(0));
    assertEveryHomeHoldsTheSameSet(List.of(key));
    assertEquals(Set.of("item-0", "item-1"), new TreeSet<>(fetch(homes.get(2), key).values().stream()
        .map(v -> v.asText()).toList()));
  }

  @Test
  void aTombstonePropagatesAndTheValueDoesNotComeBack() {
    start(AntiEntropySettings.manual());
    String key = "session:1";
    List<String> homes = homes(key);
    String stale = homes.get(2);
    String via = nodes.stream().filter(n -> !homes.contains(n)).findFirst().orElseThrow();
    Coordinator.PutOk written = put(via, key, "logged-in", VersionVector.empty());
    roundEverywhere();
    assertEquals(1, fetch(stale, key).values().size());

    cutOff(stale);
    put(via, key, null, written.context()); // the delete reaches the two other homes only
    transport.heal();
    assertEquals(1, fetch(stale, key).values().size(), stale + " still holds the value");

    roundEverywhere();
    for (String h : homes) {
      DottedVersionVectorSet s = fetch(h, key);
      assertTrue(s.deleted() && s.values().isEmpty(), h + " holds the tombstone: " + s);
    }
    roundEverywhere();
    assertTrue(fetch(stale, key).values().isEmpty(), "the old value did not come back");
    TestProbe<Coordinator.GetReply> probe = kit.createTestProbe();
    coordinators.get(via).tell(new Coordinator.Get(key, new Coordinator.Quorum(0, 3), probe.getRef()));
    assertEquals(List.of(), assertInstanceOf(Coordinator.GetOk.class, probe.receiveMessage(WAIT)).values());
  }

  @Test
  void aPeerThatIsDownIsSkippedAndASilentOneIsAbandonedAfterTheTimeout() {
    start(new AntiEntropySettings(false, Duration.ofSeconds(10), Duration.ofMillis(100), 1024, 32, 1e9, 1_000_000));
    transport.markDown(ReplicaId.of("n2"));
    AntiEntropy.RoundDone skipped = round("n1");
    assertTrue(skipped.abandoned() > 0 && skipped.exchanges() > 0, "pairs with n2 skipped: " + skipped);
    transport.heal();

    cutOff("n3"); // reachable as far as the failure detector knows, but its messages are lost
    AntiEntropy.RoundDone silent = round("n1");
    assertTrue(silent.abandoned() > 0 && silent.exchanges() > 0, "exchanges with n3 abandoned: " + silent);
    transport.heal();
    AntiEntropy.RoundDone healed = round("n1");
    assertEquals(0, healed.abandoned(), healed.toString());
  }

  @Test
  void theRepairBudgetDefersKeysBeyondItToALaterExchange() {
    // 2 keys a second with a burst of 2: the first round repairs at most 2 of the missed keys
    start(new AntiEntropySettings(false, Duration.ofSeconds(10), Duration.ofSeconds(5), 1024, 32, 1e-6, 2));
    cutOff("n5");
    List<String> keys = keys(30);
    for (String k : keys) {
      put("n1", k, "v-" + k, VersionVector.empty());
    }
    transport.heal();
    AntiEntropy.RoundDone done = round("n5");
    assertEquals(2, done.keysRepaired(), done.toString());
    assertTrue(status("n5").deferredKeys() > 0, status("n5").toString());
  }

  @Test
  void aBatchMergesLikeOneReplicatePerKeyFeedsTheTreesAndSurvivesARestart() {
    start(AntiEntropySettings.manual());
    JsonNodeFactory f = JsonNodeFactory.instance;
    DottedVersionVectorSet a = DottedVersionVectorSet.empty().update(VersionVector.empty(), f.textNode("a"), "n1", 1);
    DottedVersionVectorSet b = DottedVersionVectorSet.empty().update(VersionVector.empty(), f.textNode("b"), "n2", 2);
    String key = "bulk:1";
    String home = homes(key).get(0);
    TestProbe<StorageReplica.BatchStored> probe = kit.createTestProbe();
    replicas.get(home).tell(new StorageReplica.ReplicateBatch(List.of(new StorageReplica.KeySet(key, a),
        new StorageReplica.KeySet(key, b), new StorageReplica.KeySet("bulk:2", a)), probe.getRef()));
    assertEquals(new StorageReplica.BatchStored(home, 3, 2, null), probe.receiveMessage(WAIT));
    assertEquals(a.sync(b), fetch(home, key), "both sets merged, as two Replicates would");

    replicas.get(home).tell(new StorageReplica.ReplicateBatch(List.of(new StorageReplica.KeySet(key, a)),
        probe.getRef()));
    assertEquals(0, probe.receiveMessage(WAIT).changed(), "nothing new: nothing journaled");
    replicas.get(home).tell(new StorageReplica.ReplicateBatch(List.of(new StorageReplica.KeySet("bulk:3", a),
        new StorageReplica.KeySet("", a)), probe.getRef()));
    StorageReplica.BatchStored refused = probe.receiveMessage(WAIT);
    assertTrue(refused.problem().contains("key is missing or empty") && refused.changed() == 0, refused.toString());
    assertTrue(fetch(home, "bulk:3").isEmpty(), "a refused batch stores none of its keys");

    kit.stop(replicas.get(home), WAIT);
    spawnReplica(home);
    assertEquals(a.sync(b), fetch(home, key), "the batch was journaled");
    roundEverywhere();
    assertEveryHomeHoldsTheSameSet(List.of(key));
  }
  @Test
  void inAKeyspacePlacedPerDatacenterAReplicaThatMissedWritesConvergesAfterOneRound() {
    // two replicas in each of two datacenters of three nodes: a key's replicas are not its first four nodes on the
    // ring, so trees and exchange partners must follow the per-datacenter placement the coordinators write to
    Map<String, String> dcs = new LinkedHashMap<>();
    List.of("a1", "a2", "a3").forEach(n -> dcs.put(n, "dc-a"));
    List.of("b1", "b2", "b3").forEach(n -> dcs.put(n, "dc-b"));
    start(AntiEntropySettings.manual(), newKeyspace().withDatacenters(Map.of("dc-a", 2, "dc-b", 2)), dcs, 16);
    cutOff("b3");
    List<String> keys = new ArrayList<>();
    for (int i = 0; keys.size() < 60; i++) {
      keys.add("user:" + i); // coordinated from dc-a, whose replicas mint first: b3 never has to
    }
    for (String k : keys) {
      put("a1", k, "v-" + k, VersionVector.empty());
    }
    transport.heal();
    List<String> missed = keys.stream().filter(k -> homes(k).contains("b3") && fetch("b3", k).isEmpty()).toList();
    List<String> elsewhere = missed.stream()
        .filter(k -> !ring.preferenceList(k, 4).stream().map(RingNode::id).toList().contains("b3")).toList();
    assertTrue(missed.size() > 10 && !elsewhere.isEmpty(), "b3 missed writes of its keys, some of which it does not "
        + "hold by the first-four-nodes placement: " + missed + ", " + elsewhere);

    List<AntiEntropy.RoundDone> done = roundEverywhere();
    for (String k : keys) {
      assertEquals(4, homes(k).size(), k + " has two replicas in each datacenter");
    }
    assertEveryHomeHoldsTheSameSet(keys);
    assertTrue(done.stream().allMatch(d -> d.abandoned() == 0), "no exchange refused or abandoned: " + done);
    assertEquals(keyspace.rangesOf(ring, "b3").size(), status("b3").ranges(), "b3 keeps a tree per range it holds");
  }

  @Test
  void afterANodeJoinsTheTreesFollowTheNewRangesAndARoundFillsTheNewReplica() {
    Map<String, String> four = new LinkedHashMap<>();
    List.of("n1", "n2", "n3", "n4").forEach(n -> four.put(n, "dc1"));
    start(AntiEntropySettings.manual(), newKeyspace(), four, 16);
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      keys.add("user:" + i);
    }
    for (String k : keys) {
      put("n1", k, "v-" + k, VersionVector.empty());
    }
    List<io.replikit.leaderless.ring.TokenRange> rangesBefore = keyspace.rangesOf(ring, "n1");

    // n5 joins: it starts empty on the new ring, and every replica is told the new ring
    Ring grown = ring.with(new RingNode("n5", "dc1"));
    ring = grown;
    nodes = List.of("n1", "n2", "n3", "n4", "n5");
    spawnReplica("n5");
    for (String n : List.of("n1", "n2", "n3", "n4")) {
      replicas.get(n).tell(new AntiEntropy.UpdateRing(grown));
    }
    List<String> moved = keys.stream().filter(k -> homes(k).contains("n5")).toList();
    assertTrue(moved.size() > 10 && moved.stream().allMatch(k -> fetch("n5", k).isEmpty()),
        "n5 is now a home of keys it does not hold: " + moved);
    assertEquals(keyspace.rangesOf(grown, "n1").size(), status("n1").ranges(), "n1's trees follow its new ranges");
    assertTrue(!keyspace.rangesOf(grown, "n1").equals(rangesBefore), "the join changed n1's ranges");

    List<AntiEntropy.RoundDone> done = roundEverywhere();
    assertTrue(done.stream().allMatch(d -> d.abandoned() == 0), "every pair agrees on the ranges: " + done);
    assertEveryHomeHoldsTheSameSet(keys);
  }

  @Test
  void withAPeriodicIntervalADivergedReplicaConvergesWithoutAnyRoundAsked() {
    Map<String, String> oneDc = new LinkedHashMap<>();
    FIVE.forEach(n -> oneDc.put(n, "dc1"));
    // few virtual nodes: few (range, peer) pairs, so that the round robin comes around quickly
    start(new AntiEntropySettings(true, Duration.ofMillis(20), Duration.ofSeconds(2), 1024, 32, 1e9, 1_000_000),
        newKeyspace(), oneDc, 4);
    cutOff("n5");
    List<String> keys = keys(30);
    for (String k : keys) {
      put("n1", k, "v-" + k, VersionVector.empty());
    }
    transport.heal();
    List<String> missed = keys.stream().filter(k -> homes(k).contains("n5") && fetch("n5", k).isEmpty()).toList();
    assertTrue(missed.size() > 5, "n5 missed the writes of its keys while cut off: " + missed);

    TestProbe<Object> probe = kit.createTestProbe();
    probe.awaitAssert(WAIT, Duration.ofMillis(100), () -> {
      for (String k : missed) {
        assertFalse(fetch("n5", k).isEmpty(), k + " reached n5 by a periodic exchange");
      }
      return null;
    });
    assertEveryHomeHoldsTheSameSet(keys);
    assertTrue(status("n5").enabled(), status("n5").toString());
  }
}
