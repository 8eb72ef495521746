package io.replikit.leaderless;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.typesafe.config.Config;
import io.replikit.leaderless.ring.Ring;
import io.replikit.leaderless.ring.RingNode;
import io.replikit.replication.ReplicaId;
import io.replikit.testkit.FaultyTransport;
import io.replikit.versioning.VersionVector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.LongSupplier;

/**
 * A leaderless keyspace on a few nodes of one test kit: on each node a storage replica and a coordinator, all
 * talking through one seeded {@link FaultyTransport}. Tests play their scenario through it (put, get, fetch a
 * replica directly, cut a node off, block one link, restart a replica) and stop it in their {@code @AfterEach}.
 */
final class LeaderlessNodes implements AutoCloseable {
  static final Duration WAIT = Duration.ofSeconds(10);

  final ActorTestKit kit;
  final Keyspace keyspace;
  final List<String> nodes;
  final FaultyTransport transport;
  final Ring ring;
  final Map<String, ActorRef<StorageReplica.Command>> replicas = new LinkedHashMap<>();
  final Map<String, ActorRef<Coordinator.Command>> coordinators = new LinkedHashMap<>();
  private int restarts;

  /** A test kit's configuration: every message through Jackson, the persistence test kit as journal. */
  static Config testKitConfig() {
    return io.replikit.testkit.scenario.ScenarioKit.inMemory("akka.loglevel = INFO");
  }

  /** Every node's coordinator stamps writes with {@code clocks.get(node)}, or the system clock when absent. */
  LeaderlessNodes(ActorTestKit kit, Keyspace keyspace, List<String> nodes, long seed,
      Map<String, LongSupplier> clocks) {
    this(kit, keyspace, inOneDatacenter(nodes), seed, clocks);
  }

  /** Nodes in datacenters: {@code datacenterOf} maps each node, in order, to its datacenter. */
  LeaderlessNodes(ActorTestKit kit, Keyspace keyspace, Map<String, String> datacenterOf, long seed,
      Map<String, LongSupplier> clocks) {
    this.kit = kit;
    this.keyspace = keyspace;
    this.nodes = List.copyOf(datacenterOf.keySet());
    this.transport = new FaultyTransport(seed, FaultyTransport.Faults.NONE);
    List<RingNode> ringNodes = new ArrayList<>();
    datacenterOf.forEach((n, dc) -> ringNodes.add(new RingNode(n, dc)));
    this.ring = Ring.of(ringNodes, 16);
    for (String n : this.nodes) {
      replicas.put(n, kit.spawn(StorageReplica.create(keyspace, n, transport), keyspace.name() + "-replica-" + n));
      LongSupplier clock = clocks.getOrDefault(n, System::currentTimeMillis);
      coordinators.put(n, kit.spawn(Coordinator.create(keyspace, ring, n, transport, clock),
          keyspace.name() + "-coordinator-" + n));
    }
    // answered once recovered: a scenario's first request does not meet a replica still starting (on a cold, busy
    // JVM that can take most of a short request timeout)
    this.nodes.forEach(this::status);
  }

  LeaderlessNodes(ActorTestKit kit, Keyspace keyspace, List<String> nodes) {
    this(kit, keyspace, nodes, 42, Map.of());
  }

  private static Map<String, String> inOneDatacenter(List<String> nodes) {
    Map<String, String> m = new LinkedHashMap<>();
    nodes.forEach(n -> m.put(n, "dc1"));
    return m;
  }

  Coordinator.PutReply put(String via, String key, JsonNode value, VersionVector context, int w) {
    TestProbe<Coordinator.PutReply> probe = kit.createTestProbe();
    coordinators.get(via).tell(new Coordinator.Put(key, value, context, new Coordinator.Quorum(w, 0),
        probe.getRef()));
    return probe.receiveMessage(WAIT);
  }

  Coordinator.PutOk putOk(String via, String key, JsonNode value, VersionVector context) {
    return assertInstanceOf(Coordinator.PutOk.class, put(via, key, value, context, 0));
  }

  /** Sends a put without waiting: the probe gets its answer when it comes. */
  TestProbe<Coordinator.PutReply> putAsync(String via, String key, JsonNode value, VersionVector context, int w) {
    TestProbe<Coordinator.PutReply> probe = kit.createTestProbe();
    coordinators.get(via).tell(new Coordinator.Put(key, value, context, new Coordinator.Quorum(w, 0),
        probe.getRef()));
    return probe;
  }

  /** Sends a get without waiting: the probe gets its answer when it comes. */
  TestProbe<Coordinator.GetReply> getAsync(String via, String key, int r) {
    TestProbe<Coordinator.GetReply> probe = kit.createTestProbe();
    coordinators.get(via).tell(new Coordinator.Get(key, new Coordinator.Quorum(0, r), probe.getRef()));
    return probe;
  }

  Coordinator.GetReply get(String via, String key, int r) {
    TestProbe<Coordinator.GetReply> probe = kit.createTestProbe();
    coordinators.get(via).tell(new Coordinator.Get(key, new Coordinator.Quorum(0, r), probe.getRef()));
    return probe.receiveMessage(WAIT);
  }

  Coordinator.GetOk getOk(String via, String key, int r) {
    return assertInstanceOf(Coordinator.GetOk.class, get(via, key, r));
  }

  StorageReplica.Fetched fetch(String node, String key) {
    TestProbe<StorageReplica.Fetched> probe = kit.createTestProbe();
    replicas.get(node).tell(new StorageReplica.Fetch(key, probe.getRef()));
    return probe.receiveMessage(WAIT);
  }

  StorageReplica.Status status(String node) {
    TestProbe<StorageReplica.Status> probe = kit.createTestProbe();
    replicas.get(node).tell(new StorageReplica.GetStatus(probe.getRef()));
    return probe.receiveMessage(WAIT);
  }

  /** The key's home replicas, in preference-list order. */
  List<String> homes(String key) {
    return keyspace.homes(ring, key).stream().map(RingNode::id).toList();
  }

  /** A node that is not a home replica of {@code key}: it coordinates without holding the key. */
  String outsider(String key) {
    return outsiders(key).get(0);
  }

  List<String> outsiders(String key) {
    return nodes.stream().filter(n -> !homes(key).contains(n)).toList();
  }

  /** Cuts {@code node} off from every other node, both ways. */
  void cutOff(String node) {
    Set<ReplicaId> others = new TreeSet<>(Comparator.comparing(ReplicaId::value));
    for (String n : nodes) {
      if (!n.equals(node)) {
        others.add(ReplicaId.of(n));
      }
    }
    transport.isolate(ReplicaId.of(node), others);
  }

  /** Drops every message from {@code from} to {@code to} (one way) until {@link FaultyTransport#heal()}. */
  void block(String from, String to) {
    transport.block(ReplicaId.of(from), ReplicaId.of(to));
  }

  /** Stops {@code node}'s replica and starts it again from its journal. */
  void restartReplica(String node) {
    kit.stop(replicas.get(node), WAIT);
    replicas.put(node, kit.spawn(StorageReplica.create(keyspace, node, transport),
        keyspace.name() + "-replica-" + node + "-" + (++restarts)));
  }

  static JsonNode text(String s) {
    return JsonNodeFactory.instance.textNode(s);
  }

  static JsonNode cart(String... items) {
    ArrayNode a = JsonNodeFactory.instance.arrayNode();
    for (String i : items) {
      a.add(i);
    }
    return a;
  }

  @Override
  public void close() {
    replicas.values().forEach(r -> kit.stop(r, WAIT));
    coordinators.values().forEach(c -> kit.stop(c, WAIT));
    transport.close();
  }
}
