package io.replikit.multileader;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.typesafe.config.Config;
import io.replikit.replication.ReplicaId;
import io.replikit.testkit.FaultyTransport;
import io.replikit.testkit.scenario.ScenarioKit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/** A multi-leader group on one test kit: leaders started and stopped by name, talking through a faulty transport. */
final class MlGroup implements AutoCloseable {
  static final Duration WAIT = Duration.ofSeconds(15);
  private static final AtomicInteger GROUPS = new AtomicInteger();

  static Config testConfig() {
    return ScenarioKit.inMemory("""
        akka.loglevel = INFO
        replikit.multi-leader.digest-interval = 100ms
        """);
  }

  /** Counts every application of every change, per replica: a change applied twice anywhere is a bug. */
  static final class Recorder implements MultiLeaderObserver {
    final Map<String, Map<String, AtomicInteger>> applied = new ConcurrentHashMap<>();
    final List<ConflictRecord> conflicts = new CopyOnWriteArrayList<>();

    @Override
    public void onApplied(String replica, String origin, long counter, String key) {
      applied.computeIfAbsent(replica, r -> new ConcurrentHashMap<>())
          .computeIfAbsent(origin + ":" + counter, d -> new AtomicInteger()).incrementAndGet();
    }

    @Override
    public void onConflict(ConflictRecord conflict) {
      conflicts.add(conflict);
    }
  }

  final ActorTestKit kit;
  final TopologySpec spec;
  final MultiLeaderSettings settings;
  final ConflictPolicy policy;
  final FaultyTransport transport;
  final Recorder recorder = new Recorder();
  final Map<String, AtomicLong> clockSkew = new ConcurrentHashMap<>();
  private final Map<String, ActorRef<MultiLeaderReplica.Command>> running = new LinkedHashMap<>();

  MlGroup(ActorTestKit kit, TopologySpec.Kind kind, ConflictPolicy policy, long seed, String... members) {
    this(kit, MultiLeaderSettings.fromConfig(kit.system().settings().config()), kind, policy, seed, members);
  }

  MlGroup(ActorTestKit kit, MultiLeaderSettings settings, TopologySpec.Kind kind, ConflictPolicy policy, long seed,
      String... members) {
    this.kit = kit;
    String id = "ml" + GROUPS.incrementAndGet();
    this.spec = kind == TopologySpec.Kind.STAR ? TopologySpec.star(id, members[0],
        java.util.Arrays.copyOfRange(members, 1, members.length))
        : new TopologySpec(id, kind, List.of(members), Map.of());
    this.settings = settings;
    this.policy = policy;
    this.transport = new FaultyTransport(seed, FaultyTransport.Faults.NONE);
  }

  MlGroup startAll() {
    for (String m : spec.members()) {
      start(m);
    }
    return this;
  }

  ActorRef<MultiLeaderReplica.Command> start(String name) {
    return start(name, settings);
  }

  /** Starts {@code name} with other settings than the group's (an option switched on for one restart). */
  ActorRef<MultiLeaderReplica.Command> start(String name, MultiLeaderSettings settings) {
    AtomicLong skew = clockSkew.computeIfAbsent(name, n -> new AtomicLong());
    LongSupplier wall = () -> System.currentTimeMillis() + skew.get();
    ActorRef<MultiLeaderReplica.Command> ref = kit.spawn(MultiLeaderReplica.create(spec, name, settings, policy,
        transport, recorder, wall), spec.groupId() + "-" + name + "-" + GROUPS.incrementAndGet());
    running.put(name, ref);
    return ref;
  }

  /** Its journal is lost, as on a node that never hosted it: the next start recovers nothing. */
  void loseJournal(String name) {
    akka.persistence.testkit.javadsl.PersistenceTestKit.create(kit.system())
        .clearByPersistenceId("replikit-ml-" + spec.groupId() + "|" + name);
  }

  void stop(String name) {
    ActorRef<MultiLeaderReplica.Command> ref = running.remove(name);
    kit.stop(ref, WAIT);
  }

  ActorRef<MultiLeaderReplica.Command> ref(String name) {
    return running.get(name);
  }

  static JsonNode json(String text) {
    return JsonNodeFactory.instance.textNode(text);
  }

  MultiLeaderReplica.Written put(String leader, String key, JsonNode value) {
    TestProbe<MultiLeaderReplica.WriteReply> probe = kit.createTestProbe();
    ref(leader).tell(new MultiLeaderReplica.Put(key, value, probe.getRef()));
    return (MultiLeaderReplica.Written) probe.receiveMessage(WAIT);
  }

  MultiLeaderReplica.Written put(String leader, String key, String value) {
    return put(leader, key, json(value));
  }

  MultiLeaderReplica.Value get(String replica, String key) {
    TestProbe<MultiLeaderReplica.Value> probe = kit.createTestProbe();
    ref(replica).tell(new MultiLeaderReplica.Get(key, probe.getRef()));
    return probe.receiveMessage(WAIT);
  }

  MultiLeaderReplica.Status status(String replica) {
    TestProbe<MultiLeaderReplica.Status> probe = kit.createTestProbe();
    ref(replica).tell(new MultiLeaderReplica.GetStatus(probe.getRef()));
    return probe.receiveMessage(WAIT);
  }

  MultiLeaderReplica.AllValues readAll(String replica) {
    TestProbe<MultiLeaderReplica.AllValues> probe = kit.createTestProbe();
    ref(replica).tell(new MultiLeaderReplica.ReadAll(probe.getRef()));
    return probe.receiveMessage(WAIT);
  }

  /** Waits (bounded) until every running replica has applied the same changes and shows the same values. */
  void awaitConverged() {
    kit.createTestProbe().awaitAssert(WAIT, () -> {
      List<MultiLeaderReplica.AllValues> all = new ArrayList<>();
      for (String r : running.keySet()) {
        all.add(readAll(r));
      }
      MultiLeaderReplica.AllValues first = all.get(0);
      for (MultiLeaderReplica.AllValues other : all) {
        if (!other.applied().equals(first.applied()) || !other.values().equals(first.values())
            || !other.versions().equals(first.versions())) {
          throw new AssertionError(other.servedBy() + " at " + other.applied() + " " + other.values() + " differs from "
              + first.servedBy() + " at " + first.applied() + " " + first.values());
        }
      }
      return null;
    });
  }

  /** Every running replica applied every change exactly once. */
  void assertEachChangeAppliedOnce() {
    for (String r : running.keySet()) {
      Map<String, AtomicInteger> counts = recorder.applied.getOrDefault(r, Map.of());
      for (Map.Entry<String, AtomicInteger> e : counts.entrySet()) {
        if (e.getValue().get() != 1) {
          throw new AssertionError(r + " applied " + e.getKey() + " " + e.getValue().get() + " times");
        }
      }
    }
  }

  ReplicaId id(String name) {
    return ReplicaId.of(name);
  }

  @Override
  public void close() {
    for (ActorRef<MultiLeaderReplica.Command> ref : running.values()) {
      kit.stop(ref, WAIT);
    }
    running.clear();
    transport.close();
  }
}
