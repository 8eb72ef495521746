package io.replikit.examples.bench.leaderless;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.Props;
import akka.actor.typed.SpawnProtocol;
import akka.actor.typed.javadsl.AskPattern;
import akka.actor.typed.javadsl.Behaviors;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.replikit.examples.bench.BenchReport;
import io.replikit.examples.bench.Progress;
import io.replikit.leaderless.Coordinator;
import io.replikit.leaderless.Keyspace;
import io.replikit.leaderless.StorageReplica;
import io.replikit.leaderless.ring.Ring;
import io.replikit.leaderless.ring.RingNode;
import io.replikit.leaderless.staleness.LatencySamples;
import io.replikit.leaderless.staleness.StalenessMonitor;
import io.replikit.testkit.FaultyTransport;
import io.replikit.versioning.VersionVector;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code replikit bench staleness}: how stale reads of a leaderless keyspace (n = 3) really are at each w/r, and
 * what probabilistically bounded staleness (PBS) predicts from the latencies the same run measured. One actor system,
 * {@code nodes} storage replicas and coordinators of one keyspace per w/r, all talking through a seeded
 * {@link FaultyTransport} that holds every message back a random 0..max-delay ms (seeded per link), so that later
 * replicas lag. The workload is {@code pairs} write-then-read pairs, {@code concurrency} of them in flight: a blind
 * write of a fresh key through one coordinator and, {@code readAfterMs} after it was acknowledged, a read of it
 * through another. Staleness is what the reading coordinators measured from version metadata
 * ({@link Coordinator.GetStaleness}); the prediction is {@code LatencySamples.calculator(3, w, r)} at t =
 * readAfterMs, fed with the round trips every coordinator measured. Read repair is off (each key is read once).
 * Figures never fail a run.
 */
public final class StalenessBench {
  private static final Duration ASK = Duration.ofSeconds(30);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
  private static final int N = 3;

  private StalenessBench() {}

  /** One write/read quorum to run. */
  public record Quorum(int w, int r) {
    public Quorum {
      if (w < 1 || w > N || r < 1 || r > N) {
        throw new IllegalArgumentException("w and r must be between 1 and n = " + N + ", were " + w + "/" + r);
      }
    }

    @Override
    public String toString() {
      return w + "/" + r;
    }

    /** {@code "1/1,1/2,2/2"}: each w/r pair. */
    public static List<Quorum> parseList(String value) {
      if (value == null || value.isBlank()) {
        throw new IllegalArgumentException("--wr must list w/r pairs such as 1/1,2/2, was empty");
      }
      List<Quorum> out = new ArrayList<>();
      for (String part : value.split(",")) {
        String[] wr = part.trim().split("/");
        try {
          if (wr.length != 2) {
            throw new NumberFormatException();
          }
          out.add(new Quorum(Integer.parseInt(wr[0].trim()), Integer.parseInt(wr[1].trim())));
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("--wr takes w/r pairs such as 1/1,2/2; '" + part.trim()
              + "' is not one");
        }
      }
      return List.copyOf(out);
    }
  }

  /**
   * @param pairs write-then-read pairs per w/r
   * @param maxDelayMs every message between coordinator and replica is held back a seeded uniform 0..maxDelayMs
   * @param readAfterMs how long after a write's acknowledgement its read is sent (and the t of the prediction)
   * @param trials Monte Carlo trials of the prediction
   */
  public record Options(int nodes, int pairs, int concurrency, List<Quorum> quorums, long seed, int maxDelayMs,
      int readAfterMs, int trials) {
    public Options {
      if (nodes < N + 1) {
        throw new IllegalArgumentException("--nodes must be at least " + (N + 1) + " (n = 3 replicas per key and "
            + "a reader apart from the writer), was " + nodes);
      }
      if (pairs < 1) {
        throw new IllegalArgumentException("--pairs must be at least 1, was " + pairs);
      }
      if (concurrency < 1) {
        throw new IllegalArgumentException("--concurrency must be at least 1, was " + concurrency);
      }
      if (quorums == null || quorums.isEmpty()) {
        throw new IllegalArgumentException("--wr selects no w/r pair");
      }
      if (maxDelayMs < 0 || readAfterMs < 0) {
        throw new IllegalArgumentException("--max-delay-ms and --read-after-ms must be 0 or more, were "
            + maxDelayMs + " and " + readAfterMs);
      }
      if (trials < 100) {
        throw new IllegalArgumentException("--trials must be at least 100, was " + trials);
      }
      quorums = List.copyOf(quorums);
    }
  }

  /**
   * One w/r: pairs sent, writes and reads that failed, reads the coordinators checked (every replica answered) and
   * could not check, stale ones and their share, the stale reads' mean distance (versions, ms), and PBS's
   * predicted share of stale reads (NaN when nothing was measured).
   */
  public record Row(Quorum quorum, int pairs, long failedWrites, long failedReads, long checked, long unchecked,
      long stale, double measuredStaleShare, double meanVersionsBehind, double meanMsBehind,
      double predictedStaleShare, double seconds, double[] medianMs) {}

  public record Report(Options options, List<Row> rows) implements BenchReport {
    @Override
    public ObjectNode toJson() {
      ObjectNode o = JSON.objectNode();
      o.put("bench", "leaderless-staleness");
      o.put("nodes", options.nodes());
      o.put("n", N);
      o.put("pairs", options.pairs());
      o.put("concurrency", options.concurrency());
      o.put("max_delay_ms", options.maxDelayMs());
      o.put("read_after_ms", options.readAfterMs());
      o.put("seed", options.seed());
      o.put("trials", options.trials());
      ArrayNode runs = o.putArray("runs");
      for (Row r : rows) {
        ObjectNode j = runs.addObject();
        j.put("w", r.quorum().w());
        j.put("r", r.quorum().r());
        j.put("pairs", r.pairs());
        j.put("failed_writes", r.failedWrites());
        j.put("failed_reads", r.failedReads());
        j.put("reads_checked", r.checked());
        j.put("reads_unchecked", r.unchecked());
        j.put("reads_stale", r.stale());
        j.put("measured_stale_share", r.measuredStaleShare());
        j.put("mean_versions_behind", r.meanVersionsBehind());
        j.put("mean_ms_behind", r.meanMsBehind());
        if (Double.isNaN(r.predictedStaleShare())) {
          j.putNull("predicted_stale_share");
        } else {
          j.put("predicted_stale_share", r.predictedStaleShare());
        }
        j.put("seconds", r.seconds());
        ObjectNode medians = j.putObject("median_ms");
        String[] names = {"W", "A", "R", "S"};
        for (int i = 0; i < names.length; i++) {
          medians.put(names[i], r.medianMs()[i]);
        }
      }
      return o;
    }

    @Override
    public void printTable(PrintWriter out) {
      out.printf(Locale.ROOT, "leaderless staleness: %d nodes, n = 3, %d write-then-read pairs per w/r (%d in flight),"
          + " messages delayed 0..%d ms, reads %d ms after the acknowledgement, seed %d%n", options.nodes(),
          options.pairs(), options.concurrency(), options.maxDelayMs(), options.readAfterMs(), options.seed());
      out.printf(Locale.ROOT, "%-5s %8s %9s %8s %7s %10s %10s %10s %9s%n", "w/r", "checked", "unchecked", "stale",
          "failed", "measured", "predicted", "versions", "ms");
      for (Row r : rows) {
        out.printf(Locale.ROOT, "%-5s %8d %9d %8d %7d %10.4f %10s %10.2f %9.1f%n", r.quorum(), r.checked(),
            r.unchecked(), r.stale(), r.failedWrites() + r.failedReads(), r.measuredStaleShare(),
            Double.isNaN(r.predictedStaleShare()) ? "n/a" : String.format(Locale.ROOT, "%.4f",
                r.predictedStaleShare()), r.meanVersionsBehind(), r.meanMsBehind());
      }
      out.println("measured: share of checked reads that missed an acknowledged write, and the stale reads' mean "
          + "versions and ms behind; predicted: PBS P(stale) at t = read-after-ms from the measured latencies");
    }
  }

  /** A parent for one w/r's actors, so that they stop together. */
  private interface Group {}

  private record SpawnChild<T>(Behavior<T> behavior, String name, ActorRef<ActorRef<T>> replyTo) implements Group {}

  private enum StopGroup implements Group { INSTANCE }

  @SuppressWarnings("unchecked")
  private static Behavior<Group> group() {
    return Behaviors.setup(ctx -> Behaviors.receive(Group.class)
        .onMessage(SpawnChild.class, s -> {
          spawnTyped(ctx, (SpawnChild<Object>) s);
          return Behaviors.same();
        })
        .onMessageEquals(StopGroup.INSTANCE, Behaviors::stopped)
        .build());
  }

  private static <T> void spawnTyped(akka.actor.typed.javadsl.ActorContext<Group> ctx, SpawnChild<T> s) {
    s.replyTo().tell(ctx.spawn(s.behavior(), s.name()));
  }

  public static Report run(Options o, PrintWriter progress) throws InterruptedException {
    Config config = ConfigFactory.parseString("""
        akka.loglevel = WARNING
        akka.actor.serialize-messages = off
        akka.persistence.journal.plugin = "akka.persistence.journal.inmem"
        akka.persistence.journal.inmem.test-serialization = off
        akka.persistence.snapshot-store.plugin = ""
        """).withFallback(ConfigFactory.load());
    ActorSystem<SpawnProtocol.Command> system = ActorSystem.create(SpawnProtocol.create(), "staleness-bench",
        config);
    try {
      List<Row> rows = new ArrayList<>();
      for (int i = 0; i < o.quorums().size(); i++) {
        Quorum q = o.quorums().get(i);
        progress.printf(Locale.ROOT, "w/r %s: %d pairs%n", q, o.pairs());
        progress.flush();
        rows.add(runOne(system, o, q, i, progress));
      }
      return new Report(o, rows);
    } finally {
      system.terminate();
      try {
        system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        progress.println("the actor system did not shut down within 30 s: " + e);
      }
    }
  }

  private static Row runOne(ActorSystem<SpawnProtocol.Command> system, Options o, Quorum q, int index,
      PrintWriter progress) throws InterruptedException {
    Keyspace ks = new Keyspace("staleness-" + index + "-w" + q.w() + "r" + q.r(), N, q.w(), q.r(), REQUEST_TIMEOUT,
        Keyspace.Conflicts.SIBLINGS, Keyspace.ReadRepair.OFF);
    FaultyTransport transport = new FaultyTransport(o.seed() * 1_000 + index,
        new FaultyTransport.Faults(0, 0, o.maxDelayMs() > 0 ? 1.0 : 0, Duration.ofMillis(o.maxDelayMs())));
    List<String> nodes = new ArrayList<>();
    List<RingNode> ringNodes = new ArrayList<>();
    for (int i = 1; i <= o.nodes(); i++) {
      nodes.add("n" + i);
      ringNodes.add(new RingNode("n" + i, "dc1"));
    }
    Ring ring = Ring.of(ringNodes, 16);
    ActorRef<Group> group = spawn(system, group(), ks.name());
    try {
      List<ActorRef<StorageReplica.Command>> replicas = new ArrayList<>();
      List<ActorRef<Coordinator.Command>> coordinators = new ArrayList<>();
      List<ActorRef<Coordinator.Command>> warmers = new ArrayList<>();
      for (int i = 0; i < nodes.size(); i++) {
        String node = nodes.get(i);
        replicas.add(spawnIn(system, group, StorageReplica.create(ks, node, transport), "replica-" + node));
        // replies go straight to the request actors, undelayed: the whole round trip is the request leg (1.0)
        StalenessMonitor monitor = new StalenessMonitor(ks.name(), node, null, 1.0, 4096, o.seed() + i);
        coordinators.add(spawnIn(system, group, Coordinator.create(ks, ring, node, transport,
            System::currentTimeMillis, monitor), "coordinator-" + node));
        warmers.add(spawnIn(system, group, Coordinator.create(ks, ring, node, transport), "warm-up-" + node));
      }
      for (ActorRef<StorageReplica.Command> r : replicas) { // answered once recovered
        AskPattern.<StorageReplica.Command, StorageReplica.Fetched>ask(r, reply -> new StorageReplica.Fetch("ready",
            reply), ASK, system.scheduler()).toCompletableFuture().join();
      }
      Random random = new Random(o.seed() + index);
      int warmUp = Math.min(200, Math.max(10, o.pairs() / 10));
      // warm up (JIT, journal) through coordinators that report nowhere, so the measured latencies are not the first
      ClosedLoop.run(warmUp, o.concurrency(), Long.MAX_VALUE, i -> false, i -> pair(system, warmers, nodes.size(),
          random, "warm-" + i, o.readAfterMs(), new AtomicLong(), new AtomicLong()), progress, "w/r " + q
          + " warm-up", "write-then-read pairs");

      AtomicLong failedWrites = new AtomicLong();
      AtomicLong failedReads = new AtomicLong();
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(30);
      ClosedLoop.Result result = ClosedLoop.run(o.pairs(), o.concurrency(), deadline, i -> false,
          i -> pair(system, coordinators, nodes.size(), random, "key-" + i, o.readAfterMs(), failedWrites,
              failedReads), progress, "w/r " + q, "write-then-read pairs");
      long reads = result.completed() - failedWrites.get();
      AtomicLong judged = new AtomicLong();
      List<Coordinator.Staleness> all;
      try (Progress p = Progress.of(progress, "w/r " + q + " judging", "reads judged", judged::get, reads)) {
        all = awaitReadsDone(system, coordinators, reads, judged);
      }
      return row(o, q, result, failedWrites.get(), failedReads.get(), all);
    } finally {
      group.tell(StopGroup.INSTANCE);
      transport.close();
    }
  }

  /**
   * Writes {@code key} through a seeded coordinator and, {@code readAfterMs} after the acknowledgement, reads it
   * through another; completes true when both succeeded.
   */
  private static CompletionStage<Boolean> pair(ActorSystem<?> system, List<ActorRef<Coordinator.Command>> via,
      int nodes, Random random, String key, int readAfterMs, AtomicLong failedWrites, AtomicLong failedReads) {
    int writer;
    int reader;
    synchronized (random) {
      writer = random.nextInt(nodes);
      reader = (writer + 1 + random.nextInt(nodes - 1)) % nodes;
    }
    CompletableFuture<Coordinator.PutReply> put = ClosedLoop.plain(
        AskPattern.<Coordinator.Command, Coordinator.PutReply>ask(via.get(writer), reply -> new Coordinator.Put(key,
            JSON.textNode("v"), VersionVector.empty(), Coordinator.Quorum.DEFAULT, reply), ASK, system.scheduler()));
    return put.thenComposeAsync(p -> {
      if (!(p instanceof Coordinator.PutOk)) {
        failedWrites.incrementAndGet();
        return CompletableFuture.completedFuture(false);
      }
      CompletableFuture<Boolean> read = new CompletableFuture<>();
      Runnable get = () -> ClosedLoop.plain(AskPattern.<Coordinator.Command, Coordinator.GetReply>ask(via.get(reader),
          reply -> new Coordinator.Get(key, Coordinator.Quorum.DEFAULT, reply), ASK, system.scheduler()))
          .whenComplete((g, e) -> {
            boolean ok = e == null && g instanceof Coordinator.GetOk;
            if (!ok) {
              failedReads.incrementAndGet();
            }
            read.complete(ok);
          });
      if (readAfterMs == 0) {
        get.run();
      } else {
        system.scheduler().scheduleOnce(Duration.ofMillis(readAfterMs), get, system.executionContext());
      }
      return read;
    }, ClosedLoop.DIRECT);
  }

  /** Polls every coordinator until the reads sent were all judged (a read is judged once every replica answered). */
  private static List<Coordinator.Staleness> awaitReadsDone(ActorSystem<?> system,
      List<ActorRef<Coordinator.Command>> coordinators, long reads, AtomicLong judgedSoFar)
      throws InterruptedException {
    long deadline = System.nanoTime() + REQUEST_TIMEOUT.multipliedBy(3).toNanos();
    while (true) {
      List<Coordinator.Staleness> all = new ArrayList<>();
      for (ActorRef<Coordinator.Command> c : coordinators) {
        all.add(AskPattern.<Coordinator.Command, Coordinator.Staleness>ask(c, Coordinator.GetStaleness::new, ASK,
            system.scheduler()).toCompletableFuture().join());
      }
      long judged = all.stream().mapToLong(s -> s.checked() + s.unchecked()).sum();
      judgedSoFar.set(judged);
      if (judged >= reads || System.nanoTime() > deadline) {
        return all;
      }
      Thread.sleep(50); // a poll interval, not a wait for an outcome: the loop ends on the counts
    }
  }

  private static Row row(Options o, Quorum q, ClosedLoop.Result result, long failedWrites, long failedReads,
      List<Coordinator.Staleness> all) {
    long checked = 0;
    long unchecked = 0;
    long stale = 0;
    double versionsTotal = 0;
    double msTotal = 0;
    List<LatencySamples> samples = new ArrayList<>();
    for (Coordinator.Staleness s : all) {
      checked += s.checked();
      unchecked += s.unchecked();
      stale += s.stale();
      versionsTotal += s.versionsMean() * s.stale();
      msTotal += s.msMean() * s.stale();
      samples.add(s.latencies());
    }
    LatencySamples pooled = pool(samples);
    double predicted;
    try {
      predicted = 1 - pooled.calculator(N, q.w(), q.r())
          .predict(List.of((double) o.readAfterMs()), o.trials(), o.seed()).probabilities().get(0);
    } catch (IllegalStateException e) { // nothing measured (every request failed)
      predicted = Double.NaN;
    }
    return new Row(q, result.sent(), failedWrites, failedReads, checked, unchecked, stale,
        checked == 0 ? 0 : stale / (double) checked, stale == 0 ? 0 : versionsTotal / stale,
        stale == 0 ? 0 : msTotal / stale, predicted, result.seconds(), medians(pooled));
  }

  /** Every coordinator's series, position by position, in one sample (each is a uniform sample of its own). */
  static LatencySamples pool(List<LatencySamples> samples) {
    List<LatencySamples.Position> out = new ArrayList<>();
    double share = samples.isEmpty() ? 1.0 : samples.get(0).requestShare();
    for (int i = 0; ; i++) {
      List<Double> w = new ArrayList<>();
      List<Double> a = new ArrayList<>();
      List<Double> r = new ArrayList<>();
      List<Double> s = new ArrayList<>();
      boolean any = false;
      for (LatencySamples ls : samples) {
        if (i < ls.positions().size()) {
          any = true;
          LatencySamples.Position p = ls.positions().get(i);
          w.addAll(p.w());
          a.addAll(p.a());
          r.addAll(p.r());
          s.addAll(p.s());
        }
      }
      if (!any) {
        return new LatencySamples(share, out);
      }
      out.add(new LatencySamples.Position(w, a, r, s));
    }
  }

  /** Medians of W, A, R and S over every position (NaN when not measured). */
  private static double[] medians(LatencySamples samples) {
    List<List<Double>> series = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    for (LatencySamples.Position p : samples.positions()) {
      series.get(0).addAll(p.w());
      series.get(1).addAll(p.a());
      series.get(2).addAll(p.r());
      series.get(3).addAll(p.s());
    }
    double[] out = new double[4];
    for (int i = 0; i < 4; i++) {
      List<Double> sorted = series.get(i).stream().sorted().toList();
      out[i] = sorted.isEmpty() ? Double.NaN : Math.round(sorted.get(sorted.size() / 2) * 100) / 100.0;
    }
    return out;
  }

  private static <T> ActorRef<T> spawn(ActorSystem<SpawnProtocol.Command> system, Behavior<T> b, String name) {
    return AskPattern.<SpawnProtocol.Command, ActorRef<T>>ask(system,
        reply -> new SpawnProtocol.Spawn<>(b, name, Props.empty(), reply), ASK, system.scheduler())
        .toCompletableFuture().join();
  }

  private static <T> ActorRef<T> spawnIn(ActorSystem<?> system, ActorRef<Group> group, Behavior<T> b, String name) {
    return AskPattern.<Group, ActorRef<T>>ask(group, reply -> new SpawnChild<>(b, name, reply), ASK,
        system.scheduler()).toCompletableFuture().join();
  }
}
