package io.replikit.examples.bench.sharding;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.typed.Cluster;
import akka.cluster.typed.Down;
import akka.cluster.typed.Join;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.replikit.examples.bench.BenchReport;
import io.replikit.examples.bench.BenchSupport;
import io.replikit.examples.bench.Progress;
import io.replikit.persistence.ReplikitJournal;
import io.replikit.sharding.Placement;
import io.replikit.sharding.ShardedKeyspace;
import io.replikit.singleleader.AckPolicy;
import io.replikit.testkit.LoopbackCluster;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

/**
 * Sharded replica groups on a cluster of N actor systems in this JVM (loopback Artery, in-memory H2 journal shared
 * or per node): a keyspace of P partitions, R replicas each, of one family ({@code single-leader} groups of
 * {@link io.replikit.sharding.ShardedReplicaGroups}, {@code leaderless} rings of {@link io.replikit.sharding.ShardedRings},
 * {@code multi-leader} groups of {@link io.replikit.multileader.ShardedMultiLeader}; what differs is behind
 * {@link ShardedTarget}). One writer per partition writes unique keys through the router of node 1 all along; a node
 * joins, then one of the first nodes crashes (its system stops without leaving) and is downed from node 1.
 *
 * <p>Figures: partitions placed (all R replicas answering), replicas per node (max/min) after start, after the join
 * and after the leave; for the join and the leave, {@code rebalance_ms} (the event until every replica is placed,
 * none two of a group on a node, and replicas per node differ by at most one) and {@code serve_again_ms} (the
 * longest time any partition went without an acknowledged write, from the event until placement settled: a
 * single-leader group whose leader moved or died pays a failover); at the end (multi-leader: once every group
 * converged, {@code converged} and {@code converge_ms}) every acknowledged write is read back by key, and one
 * missing is asked of every replica of its group: held by none, it is in {@code writes_lost} (must be 0 for
 * semi-sync and sync groups, for rings at w = r = a majority while a write's holders keep their journal until it is
 * copied, and for multi-leader groups while a leader's journal survives until its writes are forwarded); held by one, in {@code writes_not_readable_by_key} (the router read from a replica that lacks it).
 * {@code partitions_without_leader} (single-leader only): groups with no leader at the end (with per-node
 * journals, a replica moved by the rebalance rejoins without a vote until caught up, so a crash in that window
 * leaves its group without a majority that remembers). Times never fail the run.
 */
public final class ShardingBench {
  private static final Duration SETTLE_LIMIT = Duration.ofSeconds(120);

  /** The families a sharded keyspace can be of, as {@code --family} names them. */
  public static final List<String> FAMILIES = List.of("single-leader", "leaderless", "multi-leader");

  /**
   * What to run: the family, {@code nodes} at start (a node joins later, one leaves), partitions, replicas, ack mode
   * (single-leader only; ignored by the others).
   */
  public record Options(String family, int nodes, int partitions, int replicas, String mode,
      Duration rebalanceInterval, boolean sharedJournal, Duration writeInterval) {
    public Options {
      if (family == null || !FAMILIES.contains(family)) {
        throw new IllegalArgumentException("--family must be one of " + String.join(", ", FAMILIES) + ", was '"
            + family + "'");
      }
      if (writeInterval == null || writeInterval.isNegative()) {
        throw new IllegalArgumentException("--write-interval must be zero or positive, was " + writeInterval);
      }
      if (replicas < 1 || replicas > 9) {
        throw new IllegalArgumentException("--replicas must be 1 to 9, was " + replicas);
      }
      if (nodes < replicas) {
        throw new IllegalArgumentException("--nodes must be at least --replicas (" + replicas + ") so that every "
            + "replica has a node of its own after the leave, was " + nodes);
      }
      if (nodes > 9) {
        throw new IllegalArgumentException("--nodes must be at most 9 (all in this JVM), was " + nodes);
      }
      if (partitions < 1 || partitions > 1000) {
        throw new IllegalArgumentException("--partitions must be 1 to 1000, was " + partitions);
      }
      AckPolicy.parseMode("--mode", mode);
    }
  }

  private ShardingBench() {}

  public static BenchReport run(Options o, PrintWriter progress) throws Exception {
    String runId = Long.toString(System.nanoTime(), 36);
    List<ActorSystem<Void>> systems = new ArrayList<>();
    try {
      for (int i = 1; i <= o.nodes(); i++) {
        systems.add(startNode(i, runId, o));
      }
      note(progress, "sharding bench (%s): %d nodes joining one cluster on loopback", o.family(), o.nodes());
      LoopbackCluster.joinAndAwaitUp(systems, Duration.ofSeconds(60));
      ShardedKeyspace keyspace = ShardedKeyspace.fromConfig("bench", systems.get(0).settings().config())
          .withPartitions(o.partitions()).withReplicas(o.replicas());
      return run(o, target(o, keyspace), keyspace, systems, runId, progress);
    } finally {
      BenchSupport.stopAll(systems, progress);
    }
  }

  private static ShardedTarget<?> target(Options o, ShardedKeyspace keyspace) {
    return switch (o.family()) {
      case "leaderless" -> new LeaderlessTarget(keyspace);
      case "multi-leader" -> new MultiLeaderTarget(keyspace);
      default -> new SingleLeaderTarget(keyspace, o.mode());
    };
  }

  /** The phases, the same for every family; {@code systems} are the running nodes (stopped by the caller). */
  private static <A> BenchReport run(Options o, ShardedTarget<A> target, ShardedKeyspace keyspace,
      List<ActorSystem<Void>> systems, String runId, PrintWriter progress) throws Exception {
    Writers<A> writers = null;
    try {
      long t0 = System.nanoTime();
      for (ActorSystem<Void> s : systems) {
        target.host(s);
      }
      Placement start = awaitSettled(target, o.nodes(), progress, "start");
      target.awaitServing(SETTLE_LIMIT);
      writers = new Writers<>(target, keyspace, o.writeInterval(), systems.get(0));
      writers.start();
      writers.awaitEveryPartitionWrote(SETTLE_LIMIT);
      long startMs = ms(System.nanoTime() - t0);
      note(progress, "placed and serving after %d ms: %s", startMs, start.perNode());

      // a node joins
      ActorSystem<Void> joiner = startNode(o.nodes() + 1, runId, o);
      long tJoin = System.nanoTime();
      Cluster.get(joiner).manager().tell(new Join(Cluster.get(systems.get(0)).selfMember().address()));
      systems.add(joiner);
      target.host(joiner);
      writers.markEvent(tJoin);
      Placement afterJoin = awaitSettled(target, o.nodes() + 1, progress, "join");
      Event join = new Event(ms(System.nanoTime() - tJoin), writers.longestGapSinceEvent(), afterJoin);
      note(progress, "join: settled after %d ms, longest write gap %d ms: %s", join.rebalanceMs, join.serveAgainMs,
          afterJoin.perNode());

      // node 2 crashes and is downed
      ActorSystem<Void> victim = systems.remove(1);
      akka.actor.Address address = Cluster.get(victim).selfMember().address();
      long tLeave = System.nanoTime();
      writers.markEvent(tLeave);
      victim.terminate();
      victim.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
      Cluster.get(systems.get(0)).manager().tell(new Down(address));
      Placement afterLeave = awaitSettled(target, o.nodes(), progress, "leave");
      Event leave = new Event(ms(System.nanoTime() - tLeave), writers.longestGapSinceEvent(), afterLeave);
      note(progress, "leave: settled after %d ms, longest write gap %d ms: %s", leave.rebalanceMs, leave.serveAgainMs,
          afterLeave.perNode());

      writers.stop();
      ShardedTarget.Convergence convergence = target.settle(SETTLE_LIMIT);
      if (convergence != null) {
        note(progress, convergence.converged() ? "every group converged after %d ms"
            : "not every group converged within %d ms; checking anyway", convergence.ms());
      }
      Map<String, Written<A>> acknowledged = writers.acknowledged;
      note(progress, "reading back %d acknowledged writes", acknowledged.size());
      long lost = 0;
      long unreadable = 0;
      java.util.concurrent.atomic.AtomicLong checked = new java.util.concurrent.atomic.AtomicLong();
      try (Progress ticker = Progress.of(progress, "read back", "writes checked", checked::get,
          acknowledged.size())) {
        for (Map.Entry<String, Written<A>> e : acknowledged.entrySet()) {
          Written<A> w = e.getValue();
          ShardedTarget.Checked c = target.check(e.getKey(), w.value(), w.ack());
          switch (c.outcome()) {
            case NOT_READABLE_BY_KEY -> {
              if (unreadable < 5) {
                note(progress, "not readable by key: %s acknowledged as %s, the router read %s, but a replica "
                    + "holds it", e.getKey(), w.ack(), c.readBack());
              }
              unreadable++;
            }
            case LOST -> {
              if (lost < 5) {
                note(progress, "lost: %s acknowledged as %s, the router read %s, held by no replica", e.getKey(),
                    w.ack(), c.readBack());
              }
              lost++;
            }
            case READABLE -> { }
          }
          checked.incrementAndGet();
        }
      }
      Integer leaderless = target.partitionsWithoutLeader();
      if (leaderless != null && leaderless > 0) {
        note(progress, "%d partitions have no leader at the end (too few replicas that remember the group's history:"
            + " they wait for one to come back, never electing one that lacks acknowledged writes)", leaderless);
      }
      return new Report(o, target.mode(), start, startMs, join, leave, acknowledged.size(), writers.refused.get(),
          lost, unreadable, leaderless, convergence);
    } finally {
      if (writers != null) {
        writers.stop();
      }
    }
  }

  record Event(long rebalanceMs, long serveAgainMs, Placement placement) {}

  /** Waits until every replica that can be placed is, none two of a group on a node, and per node within one. */
  private static Placement awaitSettled(ShardedTarget<?> client, int nodes, PrintWriter progress, String phase)
      throws Exception {
    long deadline = System.nanoTime() + SETTLE_LIMIT.toNanos();
    Placement p = null;
    java.util.concurrent.atomic.AtomicReference<Placement> seen = new java.util.concurrent.atomic.AtomicReference<>();
    try (Progress ticker = Progress.every(progress, phase + ": placement", () -> {
      Placement last = seen.get();
      return last == null ? "asking the replicas where they run"
          : last.placed().size() + "/" + (last.placed().size() + last.unplaced().size()) + " replicas placed on "
              + last.nodes() + " nodes, per node " + last.perNode().values();
    })) {
      while (System.nanoTime() < deadline) {
        p = client.placement().toCompletableFuture().get(60, TimeUnit.SECONDS);
        seen.set(p);
        boolean allPlaced = p.unplaced().isEmpty() && p.nodes() == nodes;
        if (allPlaced && !p.coLocated() && p.perNode().size() == p.nodes() && p.maxPerNode() - p.minPerNode() <= 1) {
          return p;
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
      }
    }
    throw new IllegalStateException(phase + ": placement did not settle within " + SETTLE_LIMIT.toSeconds()
        + " s; last seen: " + p);
  }

  /** An acknowledged write: the value written and what identifies the write. */
  record Written<A>(JsonNode value, A ack) {}

  /** One closed-loop writer per partition, each writing unique keys of its partition through the router. */
  static final class Writers<A> {
    final ShardedTarget<A> target;
    final ShardedKeyspace keyspace;
    final int partitions;
    final Map<String, Written<A>> acknowledged = new ConcurrentHashMap<>();
    final java.util.concurrent.atomic.AtomicLong refused = new java.util.concurrent.atomic.AtomicLong();
    final AtomicBoolean running = new AtomicBoolean(true);
    final AtomicLongArray lastAck;
    final AtomicLongArray longestGap;
    final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();

    final Duration interval;
    final ActorSystem<?> system;

    Writers(ShardedTarget<A> target, ShardedKeyspace keyspace, Duration interval, ActorSystem<?> system) {
      this.target = target;
      this.keyspace = keyspace;
      this.interval = interval;
      this.system = system;
      this.partitions = keyspace.partitions();
      this.lastAck = new AtomicLongArray(partitions);
      this.longestGap = new AtomicLongArray(partitions);
    }

    void start() {
      long now = System.nanoTime();
      for (int p = 0; p < partitions; p++) {
        lastAck.set(p, now);
        inFlight.incrementAndGet();
        next(p, 0);
      }
    }

    private String key(int partition, int n) {
      // key names are searched once per (partition, n): k-<partition>-<n>-<salt> with the salt that hashes there
      for (int salt = 0; ; salt++) {
        String k = "k-" + partition + "-" + n + "-" + salt;
        if (keyspace.partitionOf(k) == partition) {
          return k;
        }
      }
    }

    private void next(int partition, int n) {
      if (!running.get()) {
        inFlight.decrementAndGet();
        return;
      }
      String key = key(partition, n);
      JsonNode value = JsonNodeFactory.instance.numberNode(n);
      target.write(key, value).whenComplete((ack, error) -> {
        long now = System.nanoTime();
        if (ack != null && ack.isPresent()) {
          acknowledged.put(key, new Written<>(value, ack.get()));
          long prev = lastAck.getAndSet(partition, now);
          longestGap.accumulateAndGet(partition, now - prev, Math::max);
        } else {
          refused.incrementAndGet();
        }
        if (interval.isZero()) {
          next(partition, n + 1);
        } else {
          system.scheduler().scheduleOnce(interval, () -> next(partition, n + 1), system.executionContext());
        }
      });
    }

    /** From now on gaps are measured anew; a partition that has not written since {@code t} counts from t. */
    void markEvent(long t) {
      for (int p = 0; p < partitions; p++) {
        longestGap.set(p, 0);
        lastAck.accumulateAndGet(p, t, Math::max);
      }
    }

    /** The longest time any partition went without an acknowledged write since the last event, until now. */
    long longestGapSinceEvent() {
      long now = System.nanoTime();
      long longest = 0;
      for (int p = 0; p < partitions; p++) {
        longest = Math.max(longest, Math.max(longestGap.get(p), now - lastAck.get(p)));
      }
      return ms(longest);
    }

    void awaitEveryPartitionWrote(Duration limit) {
      long deadline = System.nanoTime() + limit.toNanos();
      while (System.nanoTime() < deadline) {
        long written = acknowledged.keySet().stream().map(keyspace::partitionOf).distinct().count();
        if (written == partitions) {
          return;
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
      }
      throw new IllegalStateException("not every partition acknowledged a write within " + limit.toSeconds() + " s");
    }

    void stop() {
      running.set(false);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (inFlight.get() > 0 && System.nanoTime() < deadline) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
      }
    }
  }

  private static ActorSystem<Void> startNode(int i, String runId, Options o) {
    Config base = LoopbackCluster.nodeConfig("""
        akka.loglevel = WARNING
        # Akka's own stdout logger runs while a system starts and stops: it printed warnings before --json's object
        akka.stdout-loglevel = OFF
        akka.actor.default-dispatcher.fork-join-executor { parallelism-min = 2, parallelism-max = 2 }
        akka.remote.artery.advanced { inbound-lanes = 1, outbound-lanes = 1 }
        akka.cluster.sharding.rebalance-interval = %dms
        # a crashed node's shards are placed again this long after it is downed (SBR's stable-after by default)
        akka.cluster.down-removal-margin = 1s
        akka.coordinated-shutdown.run-by-actor-system-terminate = off
        """.formatted(o.rebalanceInterval().toMillis())).withFallback(ConfigFactory.load());
    // shared: every node uses one in-memory H2 database (as nodes would share a PostgreSQL), so a replica placed
    // on another node recovers its own journal; per-node: a moved replica starts empty there and catches up
    Config config = ReplikitJournal.h2InMemory("sharding-bench-" + runId + (o.sharedJournal() ? "" : "-n" + i), base);
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "replikit-sharding-bench", config);
    ReplikitJournal.createSchemaBlocking(system, Duration.ofSeconds(30));
    return system;
  }

  private static long ms(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(nanos);
  }

  static void note(PrintWriter progress, String format, Object... args) {
    progress.printf(Locale.ROOT, format + "%n", args);
    progress.flush();
  }

  static final class Report implements BenchReport {
    private final Options o;
    private final String mode;
    private final Placement start;
    private final long startMs;
    private final Event join;
    private final Event leave;
    private final long acknowledged;
    private final long refused;
    private final long lost;
    private final long unreadable;
    private final Integer leaderless;
    private final ShardedTarget.Convergence convergence;

    Report(Options o, String mode, Placement start, long startMs, Event join, Event leave, long acknowledged,
        long refused, long lost, long unreadable, Integer leaderless, ShardedTarget.Convergence convergence) {
      this.o = o;
      this.mode = mode;
      this.start = start;
      this.startMs = startMs;
      this.join = join;
      this.leave = leave;
      this.acknowledged = acknowledged;
      this.refused = refused;
      this.lost = lost;
      this.unreadable = unreadable;
      this.leaderless = leaderless;
      this.convergence = convergence;
    }

    private static long partitionsPlaced(Placement p, int partitions, int replicas) {
      Map<String, Integer> perGroup = new java.util.HashMap<>();
      p.placed().keySet().forEach(e -> perGroup.merge(e.substring(0, e.lastIndexOf("-r")), 1, Integer::sum));
      return perGroup.values().stream().filter(n -> n == replicas).count();
    }

    private ObjectNode event(Event e) {
      ObjectNode n = JsonNodeFactory.instance.objectNode();
      n.put("nodes", e.placement().nodes());
      n.put("rebalance_ms", e.rebalanceMs());
      n.put("serve_again_ms", e.serveAgainMs());
      n.put("replicas_per_node_max", e.placement().maxPerNode());
      n.put("replicas_per_node_min", e.placement().minPerNode());
      return n;
    }

    @Override
    public ObjectNode toJson() {
      ObjectNode root = JsonNodeFactory.instance.objectNode();
      root.put("family", o.family());
      root.put("nodes", o.nodes());
      root.put("partitions", o.partitions());
      root.put("replicas", o.replicas());
      root.put("mode", mode);
      root.put("rebalance_interval_ms", o.rebalanceInterval().toMillis());
      root.put("journal", o.sharedJournal() ? "shared" : "per-node");
      root.put("write_interval_ms", o.writeInterval().toMillis());
      root.put("partitions_placed", partitionsPlaced(start, o.partitions(), o.replicas()));
      root.put("replicas_per_node_max", start.maxPerNode());
      root.put("replicas_per_node_min", start.minPerNode());
      root.put("placed_and_serving_ms", startMs);
      root.set("join", event(join));
      root.set("leave", event(leave));
      root.put("acknowledged", acknowledged);
      root.put("not_acknowledged", refused);
      root.put("writes_lost", lost);
      root.put("writes_not_readable_by_key", unreadable);
      // null where the family has no leaders (leaderless, multi-leader) or needs no convergence before reading
      root.put("partitions_without_leader", leaderless);
      root.put("converged", convergence == null ? null : convergence.converged());
      root.put("converge_ms", convergence == null ? null : convergence.ms());
      return root;
    }

    @Override
    public void printTable(PrintWriter out) {
      out.printf(Locale.ROOT, "sharding bench (%s): %d nodes, %d partitions x %d replicas, %s, rebalance every %d "
          + "ms, %s journal%n", o.family(), o.nodes(), o.partitions(), o.replicas(), mode,
          o.rebalanceInterval().toMillis(), o.sharedJournal() ? "shared" : "per-node");
      out.printf(Locale.ROOT, "start: %d/%d partitions placed, replicas per node %d..%d, serving after %d ms%n",
          partitionsPlaced(start, o.partitions(), o.replicas()), o.partitions(), start.minPerNode(),
          start.maxPerNode(), startMs);
      out.printf(Locale.ROOT, "%-6s %6s %13s %15s %9s%n", "event", "nodes", "rebalance ms", "serve again ms",
          "per node");
      for (var e : List.of(Map.entry("join", join), Map.entry("leave", leave))) {
        Event v = e.getValue();
        out.printf(Locale.ROOT, "%-6s %6d %13d %15d %4d..%d%n", e.getKey(), v.placement().nodes(), v.rebalanceMs(),
            v.serveAgainMs(), v.placement().minPerNode(), v.placement().maxPerNode());
      }
      if (convergence != null) {
        out.printf(Locale.ROOT, "%s after writes stopped: %d ms%n",
            convergence.converged() ? "every group converged" : "NOT every group converged", convergence.ms());
      }
      out.printf(Locale.ROOT, "writes acknowledged %d, not acknowledged %d, lost %d, not readable by key %d; "
          + "partitions without a leader %s%n", acknowledged, refused, lost, unreadable,
          leaderless == null ? "n/a" : leaderless.toString());
    }
  }
}
