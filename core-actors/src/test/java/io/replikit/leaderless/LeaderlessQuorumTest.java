package io.replikit.leaderless;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import akka.persistence.testkit.PersistenceTestKitPlugin;
import akka.persistence.testkit.PersistenceTestKitSnapshotPlugin;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.typesafe.config.ConfigFactory;
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
import java.util.TreeSet;
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
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final List<String> NODES = List.of("n1", "n2", "n3", "n4", "n5");
  private static final AtomicInteger KEYSPACES = new AtomicInteger();
  private static ActorTestKit kit;

  private FaultyTransport transport;
  private Ring ring;
  private final Map<String, ActorRef<StorageReplica.Command>> replicas = new LinkedHashMap<>();
  private final Map<String, ActorRef<Coordinator.Command>> coordinators = new LinkedHashMap<>();

  @BeforeAll
  static void start() {
    kit = ActorTestKit.create("leaderless", ConfigFactory.parseString("""
        akka.actor.serialize-messages = on
        akka.loglevel = INFO
        akka.loggers = ["akka.event.slf4j.Slf4jLogger"]
        akka.logging-filter = "akka.event.slf4j.Slf4jLoggingFilter"
        """)
        .withFallback(PersistenceTestKitPlugin.getInstance().config())
        .withFallback(PersistenceTestKitSnapshotPlugin.config())
        .withFallback(ConfigFactory.load()));
  }

  @AfterAll
  static void stop() {
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

  private Keyspace start(Keyspace.Conflicts conflicts) {
    Keyspace ks = new Keyspace("ks" + KEYSPACES.incrementAndGet(), 3, 2, 2, Duration.ofMillis(800), conflicts,
        Keyspace.ReadRepair.BLOCKING);
    transport = new FaultyTransport(42, FaultyTransport.Faults.NONE);
    List<RingNode> nodes = new ArrayList<>();
    for (String n : NODES) {
      nodes.add(new RingNode(n, "dc1"));
    }
    ring = Ring.of(nodes, 16);
    for (String n : NODES) {
      replicas.put(n, kit.spawn(StorageReplica.create(ks, n, transport), ks.name() + "-replica-" + n));
      coordinators.put(n, kit.spawn(Coordinator.create(ks, ring, n, transport), ks.name() + "-coordinator-" + n));
    }
    return ks;
  }

  private Coordinator.PutReply put(String via, String key, JsonNode value, VersionVector context, int w) {
    TestProbe<Coordinator.PutReply> probe = kit.createTestProbe();
    coordinators.get(via).tell(new Coordinator.Put(key, value, context, new Coordinator.Quorum(w, 0),
        probe.getRef()));
    return probe.receiveMessage(WAIT);
  }

  private Coordinator.PutOk putOk(String via, String key, JsonNode value, VersionVector context) {
    return assertInstanceOf(Coordinator.PutOk.class, put(via, key, value, context, 0));
  }

  private Coordinator.GetReply get(String via, String key, int r) {
    TestProbe<Coordinator.GetReply> probe = kit.createTestProbe();
    coordinators.get(via).tell(new Coordinator.Get(key, new Coordinator.Quorum(0, r), probe.getRef()));
    return probe.receiveMessage(WAIT);
  }

  private Coordinator.GetOk getOk(String via, String key, int r) {
    return assertInstanceOf(Coordinator.GetOk.class, get(via, key, r));
  }

  private StorageReplica.Fetched fetch(String node, String key) {
    TestProbe<StorageReplica.Fetched> probe = kit.createTestProbe();
    replicas.get(node).tell(new StorageReplica.Fetch(key, probe.getRef()));
    return probe.receiveMessage(WAIT);
  }

  private List<String> homes(String key) {
    return ring.preferenceList(key, 3).stream().map(RingNode::id).toList();
  }

  /** A node that is not a home replica of {@code key}: it coordinates without holding the key. */
  private String outsider(String key) {
    return NODES.stream().filter(n -> !homes(key).contains(n)).findFirst().orElseThrow();
  }

  private void cutOff(String node) {
    Set<ReplicaId> others = new TreeSet<>(java.util.Comparator.comparing(ReplicaId::value));
    for (String n : NODES) {
      if (!n.equals(node)) {
        others.add(ReplicaId.of(n));
      }
    }
    transport.isolate(ReplicaId.of(node), others);
  }

  private static JsonNode text(String s) {
    return JsonNodeFactory.instance.textNode(s);
  }

  private static JsonNode cart(String... items) {
    ArrayNode a = JsonNodeFactory.instance.arrayNode();
    for (String i : items) {
      a.add(i);
    }
    return a;
  }

  @Test
  void aQuorumReadFromAnotherNodeSeesAnAcknowledgedWrite() {
    start(Keyspace.Conflicts.SIBLINGS);
    Coordinator.PutOk ok = putOk("n1", "user:1", text("ada"), VersionVector.empty());
    assertTrue(ok.acknowledged() >= 2, "w = 2: " + ok);
    Coordinator.GetOk read = getOk("n4", "user:1", 0);
    assertEquals(List.of(text("ada")), read.values());
    assertEquals(ok.context(), read.context(), "the read's version is the write's");
  }

  @Test
  void aReplicaThatMissedAWriteIsRepairedByTheNextReadThatSeesIt() {
    start(Keyspace.Conflicts.SIBLINGS);
    String key = "order:7";
    String stale = homes(key).get(2);
    cutOff(stale);
    Coordinator.PutOk ok = putOk(outsider(key), key, text("paid"), VersionVector.empty());
    assertEquals(2, ok.acknowledged(), "the two reachable home replicas acknowledge: " + ok);
    transport.heal();
    assertTrue(fetch(stale, key).set().isEmpty(), stale + " missed the write");

    Coordinator.GetOk read = getOk(outsider(key), key, 3); // r = 3: the read waits for the stale replica too
    assertEquals(List.of(text("paid")), read.values());
    assertEquals(1, read.repaired(), "one stale replica seen and repaired before the answer: " + read);
    assertEquals(List.of(text("paid")), fetch(stale, key).set().values(), "read repair wrote it back");
  }

  @Test
  void fewerThanWAcknowledgementsIsAnErrorThatSaysHowManyAnswered() {
    start(Keyspace.Conflicts.SIBLINGS);
    String key = "stock:3";
    cutOff(homes(key).get(1));
    cutOff(homes(key).get(2));
    Coordinator.QuorumFailed failed = assertInstanceOf(Coordinator.QuorumFailed.class,
        put(homes(key).get(0), key, text("12"), VersionVector.empty(), 2));
    assertEquals("write", failed.operation());
    assertEquals(2, failed.needed());
    assertEquals(1, failed.answered(), failed.toString());
    assertEquals(3, failed.asked());
    Coordinator.QuorumFailed read = assertInstanceOf(Coordinator.QuorumFailed.class, get(homes(key).get(0), key, 2));
    assertEquals(1, read.answered(), read.toString());
    assertTrue(read.detail().contains("1 of 3"), read.detail());
  }

  @Test
  void concurrentCartWritesComeBackAsSiblingsAndTheNextWriteThatSawBothMergesThem() {
    start(Keyspace.Conflicts.SIBLINGS);
    String key = "cart:ada";
    VersionVector seen = getOk("n1", key, 0).context(); // both clients read the empty cart
    putOk("n1", key, cart("milk"), seen);
    putOk("n2", key, cart("eggs"), seen); // written without knowing of the milk: concurrent
    Coordinator.GetOk both = getOk("n3", key, 0);
    assertTrue(both.conflicted(), "two siblings: " + both);
    assertEquals(Set.of(cart("milk"), cart("eggs")), Set.copyOf(both.values()));

    putOk("n3", key, cart("eggs", "milk"), both.context()); // the client merged what it saw
    Coordinator.GetOk merged = getOk("n4", key, 3);
    assertEquals(List.of(cart("eggs", "milk")), merged.values(), "the merge replaced both siblings");
  }

  @Test
  void aDeleteLeavesATombstoneSoAStaleReplicaCannotBringTheValueBack() {
    start(Keyspace.Conflicts.SIBLINGS);
    String key = "session:9";
    putOk("n1", key, text("open"), VersionVector.empty());
    Coordinator.GetOk before = getOk("n1", key, 3);
    String stale = homes(key).get(2);
    cutOff(stale);
    putOk(outsider(key), key, null, before.context()); // the delete reaches two replicas
    transport.heal();
    assertEquals(List.of(text("open")), fetch(stale, key).set().values(), stale + " still has the old value");

    Coordinator.GetOk after = getOk(outsider(key), key, 3);
    assertTrue(after.deleted(), "deleted: " + after);
    assertEquals(List.of(), after.values(), "the stale value did not come back");
    assertTrue(fetch(stale, key).set().deleted(), "read repair carried the tombstone to " + stale);
  }

  @Test
  void lastWriteWinsKeepsOneValueAndCountsTheConcurrentWritesItDiscarded() {
    start(Keyspace.Conflicts.LAST_WRITE_WINS);
    String key = "profile:1";
    putOk("n1", key, text("first"), VersionVector.empty());
    putOk("n2", key, text("second"), VersionVector.empty()); // blind: concurrent with the first
    Coordinator.GetOk read = getOk("n3", key, 3);
    assertEquals(1, read.values().size(), "one value survives: " + read);
    long discarded = 0;
    for (String n : homes(key)) {
      TestProbe<StorageReplica.Status> probe = kit.createTestProbe();
      replicas.get(n).tell(new StorageReplica.GetStatus(probe.getRef()));
      discarded += probe.receiveMessage(WAIT).lwwDiscarded();
    }
    assertTrue(discarded >= 1, "the lost concurrent write is counted: " + discarded);
  }
}
