package io.replikit.leaderless.internal;

import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import io.replikit.leaderless.Coordinator;
import io.replikit.leaderless.Keyspace;
import io.replikit.leaderless.ring.Placement;
import io.replikit.leaderless.ring.Ring;
import io.replikit.leaderless.ring.RingNode;
import io.replikit.replication.ReplicaId;
import io.replikit.leaderless.staleness.StalenessMonitor;
import io.replikit.replication.ReplicaTransport;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/** Takes client requests and runs each as its own short-lived request actor ({@link PutRequest}, {@link GetRequest}). */
public final class CoordinatorBehavior {
  private CoordinatorBehavior() {}

  /** Counters the request actors add to. */
  static final class Counters {
    final AtomicLong writes = new AtomicLong();
    final AtomicLong reads = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final AtomicLong readRepairs = new AtomicLong();
    /** Writes acknowledged with at least one stand-in among the acknowledgements. */
    final AtomicLong sloppyWrites = new AtomicLong();
    /** Staleness of reads and request latencies; see io.replikit.leaderless.staleness. */
    StalenessMonitor staleness;
    LongSupplier wallMillis = System::currentTimeMillis;
  }

  public static Behavior<Coordinator.Command> create(Keyspace keyspace, Ring ring, String self,
      ReplicaTransport transport, LongSupplier wallMillis, StalenessMonitor monitor) {
    return Behaviors.setup(ctx -> {
      Counters counters = new Counters();
      counters.wallMillis = wallMillis;
      counters.staleness = monitor != null ? monitor
          : StalenessMonitor.fromConfig(ctx.getSystem().settings().config(), keyspace.name(), self, null);
      return running(ctx, keyspace, ring, self, transport, wallMillis, counters);
    });
  }

  private static Behavior<Coordinator.Command> running(ActorContext<Coordinator.Command> ctx, Keyspace keyspace,
      Ring ring, String self, ReplicaTransport transport, LongSupplier wallMillis, Counters counters) {
    return Behaviors.receive(Coordinator.Command.class)
        .onMessage(Coordinator.Put.class, put -> {
          if (put.replyTo() == null) {
            return Behaviors.same();
          }
          Coordinator.Quorum q = put.quorum() == null ? Coordinator.Quorum.DEFAULT : put.quorum();
          int w = quorum(q.w(), keyspace.w());
          List<Placement> targets = targets(keyspace, ring, put.key(), transport);
          List<RingNode> replicas = nodes(targets);
          Planned plan = plan(put.key(), q.level(), w, keyspace.n(), "w", replicas, ring, self);
          if (plan.problem() != null) {
            counters.failed.incrementAndGet();
            put.replyTo().tell(new Coordinator.QuorumFailed("write", put.key(), w, 0, 0, plan.problem()));
            return Behaviors.same();
          }
          counters.writes.incrementAndGet();
          ctx.spawnAnonymous(PutRequest.create(keyspace, put, plan.rule(), localFirst(targets, plan.localDc()), self,
              transport, wallMillis.getAsLong(), counters));
          return Behaviors.same();
        })
        .onMessage(Coordinator.Get.class, get -> {
          if (get.replyTo() == null) {
            return Behaviors.same();
          }
          Coordinator.Quorum q = get.quorum() == null ? Coordinator.Quorum.DEFAULT : get.quorum();
          int r = quorum(q.r(), keyspace.r());
          List<Placement> targets = targets(keyspace, ring, get.key(), transport);
          List<RingNode> replicas = nodes(targets);
          Planned plan = plan(get.key(), q.level(), r, keyspace.n(), "r", replicas, ring, self);
          if (plan.problem() != null) {
            counters.failed.incrementAndGet();
            get.replyTo().tell(new Coordinator.QuorumFailed("read", get.key(), r, 0, 0, plan.problem()));
            return Behaviors.same();
          }
          counters.reads.incrementAndGet();
          if (q.level() == Coordinator.Level.LOCAL_QUORUM) {
            // a local read: the remote datacenters are neither asked nor waited for
            replicas = replicas.stream().filter(n -> n.datacenter().equals(plan.localDc())).toList();
          }
          ctx.spawnAnonymous(GetRequest.create(keyspace, get, plan.rule(), replicas, self, transport, counters,
              hintsFor(targets)));
          return Behaviors.same();
        })
        .onMessage(Coordinator.UpdateRing.class, u -> u.ring() == null ? Behaviors.same()
            : running(ctx, keyspace, u.ring(), self, transport, wallMillis, counters))
        .onMessage(Coordinator.GetStatus.class, s -> {
          s.replyTo().tell(new Coordinator.Status(keyspace.name(), self, counters.writes.get(), counters.reads.get(),
              counters.failed.get(), counters.readRepairs.get(), counters.sloppyWrites.get()));
          return Behaviors.same();
        })
        .onMessage(Coordinator.GetStaleness.class, s -> {
          StalenessMonitor.Snapshot m = counters.staleness.snapshot();
          s.replyTo().tell(new Coordinator.Staleness(keyspace.name(), self, m.checked(), m.unchecked(), m.stale(),
              m.staleShare(), m.versionsP50(), m.versionsP99(), m.msP50(), m.msP99(), m.versionsMean(), m.msMean(),
              counters.staleness.latencies()));
          return Behaviors.same();
        })
        .build();
  }

  private static int quorum(int asked, int keyspaceDefault) {
    return asked == 0 ? keyspaceDefault : asked;
  }

  /**
   * The one place that decides where a request for {@code key} goes: its home replicas (its first n nodes on the
   * ring, or each datacenter's share of them), or with a sloppy quorum the homes that are reachable and, for each
   * home that is not, the next reachable node of the ring standing in for it ({@link Placement#homeFor()}: it keeps
   * the write as a hint for that home).
   */
  static List<Placement> targets(Keyspace keyspace, Ring ring, String key, ReplicaTransport transport) {
    if (key == null || key.isEmpty()) {
      return List.of();
    }
    if (keyspace.sloppyQuorum()) {
      Predicate<String> up = node -> transport.reachable(ReplicaId.of(node));
      return keyspace.perDatacenter() ? ring.sloppyPreferenceList(key, keyspace.datacenters(), up)
          : ring.sloppyPreferenceList(key, keyspace.n(), up);
    }
    List<RingNode> homes = keyspace.homes(ring, key);
    return homes.stream().map(h -> new Placement(h, null)).toList();
  }

  private static List<RingNode> nodes(List<Placement> targets) {
    return targets.stream().map(Placement::node).toList();
  }

  /** Stand-in node id to the home it holds hints for. */
  private static Map<String, String> hintsFor(List<Placement> targets) {
    Map<String, String> m = new HashMap<>();
    targets.stream().filter(Placement::isHint).forEach(p -> m.put(p.node().id(), p.homeFor()));
    return m;
  }

  /** The rule a request waits by, or the problem that makes the request impossible as asked. */
  private record Planned(QuorumRule rule, String localDc, String problem) {}

  private static Planned plan(String key, Coordinator.Level level, int quorum, int n, String which,
      List<RingNode> replicas, Ring ring, String self) {
    if (key == null || key.isEmpty()) {
      return new Planned(null, null, "the key is missing or empty");
    }
    String localDc = ring.nodes().stream().filter(node -> node.id().equals(self)).map(RingNode::datacenter)
        .findFirst().orElse(null);
    if (level == Coordinator.Level.COUNT && (quorum < 1 || quorum > n)) {
      return new Planned(null, localDc, which + " must be between 1 and n = " + n + ", was " + quorum);
    }
    try {
      return new Planned(QuorumRule.of(level, quorum, replicas, localDc), localDc, null);
    } catch (IllegalArgumentException e) {
      return new Planned(null, localDc, e.getMessage());
    }
  }

  /**
   * The replicas with those of the coordinator's datacenter first (stable otherwise): the first reachable one mints
   * a write's dot, and a local one answers sooner.
   */
  private static List<Placement> localFirst(List<Placement> replicas, String localDc) {
    if (localDc == null) {
      return replicas;
    }
    List<Placement> ordered = new java.util.ArrayList<>(replicas.size());
    replicas.stream().filter(p -> p.node().datacenter().equals(localDc)).forEach(ordered::add);
    replicas.stream().filter(p -> !p.node().datacenter().equals(localDc)).forEach(ordered::add);
    return ordered;
  }
}
