package io.replikit.singleleader;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.typesafe.config.Config;
import io.replikit.replication.LogEntry;
import io.replikit.replication.ReplicaClock;
import io.replikit.replication.ReplicaId;
import io.replikit.testkit.FaultyTransport;
import io.replikit.testkit.scenario.ScenarioKit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** A single-leader group on one test kit, its replicas started and stopped by name, talking through faults. */
final class TestGroup implements AutoCloseable {
  static final Duration WAIT = Duration.ofSeconds(10);
  private static final AtomicInteger GROUPS = new AtomicInteger();

  /** The in-memory journal of Akka's persistence test kit, every message through Jackson, fast timers. */
  static Config testConfig() {
    return ScenarioKit.inMemory("""
        akka.loglevel = INFO
        replikit.single-leader {
          heartbeat-interval = 50ms
          follower-timeout = 300ms
          sync-standby-timeout = 600ms
          resend-after = 150ms
          failover-timeout = 500ms
          write-timeout = 8s
        }
        """);
  }

  /** Records what replicas report to their observer. */
  static final class Recorder implements ReplicaObserver {
    final Map<ReplicaId, List<Long>> applied = new ConcurrentHashMap<>();
    final Map<ReplicaId, List<Long>> snapshots = new ConcurrentHashMap<>();
    final List<String> syncChanges = new CopyOnWriteArrayList<>();
    final List<Long> batchSizes = new CopyOnWriteArrayList<>();
    /** Where leader elections are reported ("leader@epoch"), if a test listens. */
    volatile ActorRef<String> elections;

    @Override
    public void onLeaderElected(ReplicaId leader, long epoch) {
      ActorRef<String> to = elections;
      if (to != null) {
        to.tell(leader.value() + "@" + epoch);
      }
    }

    @Override
    public void onApplied(ReplicaId replica, LogEntry entry) {
      applied.computeIfAbsent(replica, r -> Collections.synchronizedList(new ArrayList<>())).add(entry.position());
    }

    @Override
    public void onSnapshotInstalled(ReplicaId replica, long position) {
      snapshots.computeIfAbsent(replica, r -> new CopyOnWriteArrayList<>()).add(position);
      applied.computeIfAbsent(replica, r -> Collections.synchronizedList(new ArrayList<>())).add(-position);
    }

    @Override
    public void onLeaderAppended(ReplicaId leader, long fromPosition, long toPosition) {
      batchSizes.add(toPosition - fromPosition + 1);
    }

    @Override
    public void onSyncChange(ReplicaId leader, String description) {
      syncChanges.add(description);
    }
  }

  final ActorTestKit kit;
  final ReplicaGroupSpec spec;
  final SingleLeaderSettings settings;
  final FaultyTransport transport;
  final Recorder recorder = new Recorder();
  private final Map<ReplicaId, ActorRef<Replica.Command>> running = new LinkedHashMap<>();
  private final Map<ReplicaId, SingleLeaderSettings> overrides = new ConcurrentHashMap<>();

  TestGroup(ActorTestKit kit, SingleLeaderSettings settings, long seed, String leader, String... followers) {
    this.kit = kit;
    this.spec = ReplicaGroupSpec.of("g" + GROUPS.incrementAndGet(), leader, followers);
    this.settings = settings;
    this.transport = new FaultyTransport(seed, FaultyTransport.Faults.NONE);
  }

  static SingleLeaderSettings settings(ActorTestKit kit) {
    return SingleLeaderSettings.fromConfig(kit.system().settings().config());
  }

  static ReplicaId id(String name) {
    return ReplicaId.of(name);
  }

  /** Starts every replica of the spec and waits (bounded) until the designated leader leads. */
  TestGroup startAll() {
    start(spec.leader().value());
    for (ReplicaId f : spec.followers()) {
      start(f.value());
    }
    kit.createTestProbe().awaitAssert(WAIT, () -> {
      if (!"leader".equals(status(spec.leader().value()).role())) {
        throw new AssertionError(spec.leader() + " does not lead yet");
      }
      return null;
    });
    return this;
  }

  /** Waits (bounded) until exactly one running replica leads, every running voter agrees, and returns it. */
  String awaitLeader() {
    String[] found = new String[1];
    kit.createTestProbe().awaitAssert(WAIT, () -> {
      List<String> leaders = new ArrayList<>();
      long epoch = -1;
      for (ReplicaId id : running.keySet()) {
        ReplicaStatus st = status(id.value());
        if ("leader".equals(st.role())) {
          leaders.add(id.value());
          epoch = st.epoch();
        }
      }
      if (leaders.size() != 1) {
        throw new AssertionError("leaders: " + leaders);
      }
      for (ReplicaId id : running.keySet()) {
        ReplicaStatus st = status(id.value());
        if (!leaders.get(0).equals(st.leader() == null ? null : st.leader().value()) || st.epoch() != epoch) {
          throw new AssertionError(id + " follows " + st.leader() + " in epoch " + st.epoch());
        }
      }
      found[0] = leaders.get(0);
      return null;
    });
    return found[0];
  }

  /** Runs {@code name} with other settings than the group's (a replica of another software version). */
  TestGroup withSettings(String name, SingleLeaderSettings s) {
    overrides.put(id(name), s);
    return this;
  }

  /** The running replicas in start order. */
  Map<ReplicaId, ActorRef<Replica.Command>> replicas() {
    return new LinkedHashMap<>(running);
  }

  ActorRef<Replica.Command> start(String name) {
    SingleLeaderSettings own = overrides.getOrDefault(id(name), settings);
    ActorRef<Replica.Command> ref = kit.spawn(
        Replica.create(spec, id(name), own, transport, recorder, ReplicaClock.system()),
        spec.groupId() + "-" + name + "-" + GROUPS.incrementAndGet());
    running.put(id(name), ref);
    return ref;
  }

  void stop(String name) {
    ActorRef<Replica.Command> ref = running.remove(id(name));
    TestProbe<Object> watcher = kit.createTestProbe();
    kit.stop(ref, WAIT);
    watcher.expectTerminated(ref, WAIT);
  }

  ActorRef<Replica.Command> ref(String name) {
    return running.get(id(name));
  }

  static JsonNode json(String text) {
    return JsonNodeFactory.instance.textNode(text);
  }


  TestProbe<Replica.WriteReply> put(String replica, String key, String value, WriteOptions options) {
    TestProbe<Replica.WriteReply> probe = kit.createTestProbe();
    ref(replica).tell(Replica.put(key, json(value), options, probe.getRef()));
    return probe;
  }

  /** The running replica that leads now (the designated one unless a test changed that). */
  String leader() {
    for (ReplicaId id : running.keySet()) {
      if ("leader".equals(status(id.value()).role())) {
        return id.value();
      }
    }
    return awaitLeader();
  }

  Replica.WriteReply putAndWait(String key, String value) {
    return put(leader(), key, value, WriteOptions.defaults()).receiveMessage(WAIT);
  }

  Replica.ReadReply get(String replica, String key) {
    TestProbe<Replica.ReadReply> probe = kit.createTestProbe();
    ref(replica).tell(new Replica.Get(key, probe.getRef()));
    return probe.receiveMessage(WAIT);
  }

  ReplicaStatus status(String replica) {
    TestProbe<ReplicaStatus> probe = kit.createTestProbe();
    ref(replica).tell(new Replica.GetStatus(probe.getRef()));
    return probe.receiveMessage(WAIT);
  }

  /** Runs a transaction at the leader and waits for its answer. */
  Replica.WriteReply transact(List<io.replikit.store.Statement> statements) {
    TestProbe<Replica.WriteReply> probe = kit.createTestProbe();
    ref(leader()).tell(Replica.transact(statements, probe.getRef()));
    return probe.receiveMessage(WAIT);
  }

  Replica.AllItems readAll(String replica) {
    TestProbe<Replica.AllItems> probe = kit.createTestProbe();
    ref(replica).tell(new Replica.ReadAll(probe.getRef()));
    return probe.receiveMessage(WAIT);
  }

  /** Waits (bounded) until {@code replica} holds exactly what the leader holds, at the same position. */
  void awaitEqualToLeader(String replica) {
    kit.createTestProbe().awaitAssert(WAIT, () -> {
      Replica.AllItems leader = readAll(awaitLeader());
      Replica.AllItems other = readAll(replica);
      if (leader.appliedPosition() != other.appliedPosition() || !leader.items().equals(other.items())) {
        throw new AssertionError(replica + " at " + other.appliedPosition() + " with " + other.items().size()
            + " keys differs from leader at " + leader.appliedPosition() + " with " + leader.items().size() + " keys");
      }
      return null;
    });
  }

  /** Waits (bounded) until {@code replica} has applied everything the leader has. */
  void awaitCaughtUp(String replica) {
    kit.createTestProbe().awaitAssert(WAIT, () -> {
      long leaderLast = status(leader()).lastPosition();
      long at = status(replica).appliedPosition();
      if (at != leaderLast) {
        throw new AssertionError(replica + " applied " + at + ", leader is at " + leaderLast);
      }
      return null;
    });
  }

  @Override
  public void close() {
    for (ActorRef<Replica.Command> ref : running.values()) {
      kit.stop(ref, WAIT);
    }
    running.clear();
    transport.close();
  }
}
