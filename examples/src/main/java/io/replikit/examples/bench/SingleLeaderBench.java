package io.replikit.examples.bench;

import akka.actor.typed.ActorSystem;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.replikit.examples.support.Poll;
import io.replikit.examples.support.ReplicaHost;
import io.replikit.examples.support.RunningGroup;
import io.replikit.examples.support.WriteLoad;
import io.replikit.persistence.ReplikitJournal;
import io.replikit.replication.LocalTransport;
import io.replikit.replication.ReplicaId;
import io.replikit.singleleader.AckLevel;
import io.replikit.singleleader.AckPolicy;
import io.replikit.singleleader.ReplicaGroupSpec;
import io.replikit.singleleader.ReplicaObserver;
import io.replikit.singleleader.ReplicaStatus;
import io.replikit.singleleader.SingleLeaderSettings;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Throughput, acknowledgement latency and follower lag of one single-leader group, next to an unreplicated
 * baseline (the same leader with no followers on the same journal) measured in the same run.
 *
 * <p>Phase 1 measures the maximum rate: a closed loop keeps {@code concurrency} writes outstanding. Phase 2 paces
 * writes at half the rate phase 1 reached and measures follower lag at that rate, as a service that is not
 * saturated would see it. Every group gets a warm-up first. Times never fail a run: the figures are the output.
 */
public final class SingleLeaderBench {

  /** What to measure. {@code dataDir} is used by the h2-file journal only. */
  public record Options(AckPolicy.Mode mode, int followers, int writes, AckLevel level, int concurrency,
      String journal, Path dataDir) {
    public Options {
      if (followers < 0) {
        throw new IllegalArgumentException("--followers must be 0 or more, was " + followers);
      }
      if (writes < 1) {
        throw new IllegalArgumentException("--writes must be at least 1, was " + writes);
      }
      if (concurrency < 1) {
        throw new IllegalArgumentException("--concurrency must be at least 1, was " + concurrency);
      }
      if (mode == AckPolicy.Mode.SEMI_SYNC && followers < 1) {
        throw new IllegalArgumentException("--followers must be at least 1 for --mode semi-sync, was " + followers);
      }
      if (!ReplikitJournal.H2_MEMORY.equals(journal) && !ReplikitJournal.H2_FILE.equals(journal)) {
        throw new IllegalArgumentException("--journal must be h2-memory or h2-file, was '" + journal + "'");
      }
    }
  }

  /** Figures of one group's max-rate phase; lag figures are null without followers. */
  public record Figures(double writesPerSecond, double ackP50Millis, double ackP99Millis, Double lagP50Millis,
      Double lagP99Millis, int failedWrites) {}

  /** Figures of the paced phase. */
  public record HalfRate(int writes, double writesPerSecond, Double lagP50Millis, Double lagP99Millis,
      int failedWrites) {}

  public record Result(Options options, Figures replicated, HalfRate halfRate, Figures baseline)
      implements BenchReport {

    public ObjectNode toJson() {
      JsonNodeFactory f = JsonNodeFactory.instance;
      ObjectNode o = f.objectNode();
      o.put("mode", modeName(options.mode()));
      o.put("followers", options.followers());
      o.put("writes", options.writes());
      o.put("level", options.level().name().toLowerCase(Locale.ROOT));
      o.put("journal", options.journal());
      o.put("concurrency", options.concurrency());
      o.put("writes_per_s", round(replicated.writesPerSecond()));
      o.put("ack_p50_ms", round(replicated.ackP50Millis()));
      o.put("ack_p99_ms", round(replicated.ackP99Millis()));
      o.put("lag_p50_ms", round(replicated.lagP50Millis()));
      o.put("lag_p99_ms", round(replicated.lagP99Millis()));
      o.put("failed_writes", replicated.failedWrites() + halfRate.failedWrites());
      o.put("half_rate_writes", halfRate.writes());
      o.put("half_rate_writes_per_s", round(halfRate.writesPerSecond()));
      o.put("half_rate_lag_p50_ms", round(halfRate.lagP50Millis()));
      o.put("half_rate_lag_p99_ms", round(halfRate.lagP99Millis()));
      ObjectNode b = o.putObject("baseline");
      b.put("writes_per_s", round(baseline.writesPerSecond()));
      b.put("ack_p50_ms", round(baseline.ackP50Millis()));
      b.put("ack_p99_ms", round(baseline.ackP99Millis()));
      return o;
    }

    /** A short table for people. */
    public void printTable(PrintWriter out) {
      out.printf(Locale.ROOT, "single-leader bench: %s, %d follower(s), %d writes, level %s, %d in flight, "
          + "journal %s%n", modeName(options.mode()), options.followers(), options.writes(),
          options.level().name().toLowerCase(Locale.ROOT), options.concurrency(), options.journal());
      String format = "%-26s %10s %11s %11s %11s %11s%n";
      out.printf(Locale.ROOT, format, "", "writes/s", "ack p50 ms", "ack p99 ms", "lag p50 ms", "lag p99 ms");
      out.printf(Locale.ROOT, format, "replicated, max rate", num(replicated.writesPerSecond()),
          num(replicated.ackP50Millis()), num(replicated.ackP99Millis()), num(replicated.lagP50Millis()),
          num(replicated.lagP99Millis()));
      out.printf(Locale.ROOT, format, "replicated, half rate", num(halfRate.writesPerSecond()), "", "",
          num(halfRate.lagP50Millis()), num(halfRate.lagP99Millis()));
      out.printf(Locale.ROOT, format, "baseline (no followers)", num(baseline.writesPerSecond()),
          num(baseline.ackP50Millis()), num(baseline.ackP99Millis()), "-", "-");
      if (replicated.failedWrites() + halfRate.failedWrites() + baseline.failedWrites() > 0) {
        out.printf(Locale.ROOT, "failed writes: replicated %d, half rate %d, baseline %d%n",
            replicated.failedWrites(), halfRate.failedWrites(), baseline.failedWrites());
      }
    }
  }

  /** How long the paced phase aims to run, and the fewest writes it sends. */
  private static final double HALF_RATE_SECONDS = 5;
  private static final int HALF_RATE_MIN_WRITES = 200;
  private static final Duration CATCH_UP = Duration.ofSeconds(60);

  private final Options options;
  private final PrintWriter progress;
  private final AtomicInteger groups = new AtomicInteger();
  /** Where lag samples go right now; swapped per phase, so warm-up samples are dropped. */
  private volatile Histogram lagSink = new ConcurrentHistogram(3);

  private SingleLeaderBench(Options options, PrintWriter progress) {
    this.options = options;
    this.progress = progress;
  }

  /** Runs the bench; progress notes go to {@code progress} (stderr in the CLI, so that stdout stays JSON). */
  public static Result run(Options options, PrintWriter progress) {
    return new SingleLeaderBench(options, progress).run();
  }

  private Result run() {
    // a file of its own under the data directory, so that bench runs do not grow the demo's journal
    Config base = ConfigFactory.parseString("replikit.journal.h2-file.name = \"bench\"")
        .withFallback(ConfigFactory.load());
    Config config = ReplikitJournal.H2_FILE.equals(options.journal())
        ? ReplikitJournal.h2File(options.dataDir(), base)
        // a name of its own: in-memory databases are shared by name within a JVM
        : ReplikitJournal.h2InMemory("bench-" + System.nanoTime(), base);
    ActorSystem<ReplicaHost.Command> system = ActorSystem.create(ReplicaHost.create(), "replikit-bench", config);
    try {
      ReplikitJournal.createSchemaBlocking(system, Duration.ofSeconds(30));
      SingleLeaderSettings defaults = SingleLeaderSettings.fromConfig(system.settings().config());
      SingleLeaderSettings settings = defaults.withAckLevel(options.level()).withAckPolicy(policy(options.mode()));

      // The JVM warms up on a throwaway group of the measured shape: otherwise whichever group is measured first
      // pays for the JIT, and the comparison with the baseline says more about the order than about replication.
      int jvmWarmUp = Math.max(3000, Math.min(20_000, options.writes()));
      note("warm-up: %d writes on a throwaway %s group with %d follower(s)", jvmWarmUp, modeName(options.mode()),
          options.followers());
      RunningGroup throwaway = start(system, settings, options.followers());
      try {
        load(throwaway, jvmWarmUp, 0, new ConcurrentHistogram(3), "warm-up");
      } finally {
        throwaway.stopAll();
      }

      note("baseline: leader alone, %d writes", options.writes());
      Figures baseline;
      RunningGroup alone = start(system, defaults.withAckLevel(options.level()).withAckPolicy(AckPolicy.async()), 0);
      try {
        baseline = maxRate(alone, 0);
      } finally {
        alone.stopAll();
      }

      note("replicated: %s with %d follower(s), %d writes", modeName(options.mode()), options.followers(),
          options.writes());
      RunningGroup group = start(system, settings, options.followers());
      try {
        Figures replicated = maxRate(group, options.followers());
        HalfRate half = halfRate(group, options.followers(), replicated.writesPerSecond());
        return new Result(options, replicated, half, baseline);
      } finally {
        group.stopAll();
      }
    } finally {
      system.terminate();
      try {
        system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        note("the actor system did not shut down within 30 s: %s", e);
      }
    }
  }

  private RunningGroup start(ActorSystem<ReplicaHost.Command> system, SingleLeaderSettings settings, int followers) {
    List<String> names = new ArrayList<>();
    for (int i = 1; i <= followers; i++) {
      names.add("f" + i);
    }
    String groupId = "bench-" + groups.incrementAndGet() + "-" + System.currentTimeMillis();
    ReplicaGroupSpec spec = new ReplicaGroupSpec(groupId, ReplicaId.of("L"),
        names.stream().map(ReplicaId::of).toList());
    RunningGroup group = new RunningGroup(system, spec, settings, new LocalTransport(), new ReplicaObserver() {
      @Override
      public void onFollowerApplied(ReplicaId leader, ReplicaId follower, long position, long lagNanos) {
        lagSink.recordValue(Math.max(0, lagNanos / 1000));
      }
    }).startAll();
    Poll.until(Duration.ofSeconds(30), "every follower of " + groupId + " streams", () -> {
      List<ReplicaStatus.FollowerStatus> fs = group.status(group.leader()).followers();
      boolean streaming = fs.size() == followers && fs.stream().allMatch(f -> f.state().equals("streaming"));
      boolean syncChosen = settings.ackPolicy().mode() != AckPolicy.Mode.SEMI_SYNC
          || fs.stream().anyMatch(f -> f.syncState().equals("sync"));
      return streaming && syncChosen;
    });
    return group;
  }

  /** Warm-up, then the closed-loop phase. */
  private Figures maxRate(RunningGroup group, int followers) {
    int warmUp = Math.max(500, Math.min(5000, options.writes() / 4));
    lagSink = new ConcurrentHistogram(3);
    load(group, warmUp, 0, new ConcurrentHistogram(3), "warm-up");
    awaitCaughtUp(group);

    Histogram ack = new ConcurrentHistogram(3);
    Histogram lag = new ConcurrentHistogram(3);
    lagSink = lag;
    WriteLoad.Outcome outcome = load(group, options.writes(), 0, ack, "max rate");
    awaitCaughtUp(group);
    lagSink = new ConcurrentHistogram(3);
    note("  %.0f writes/s, ack p50 %.3f ms, p99 %.3f ms", outcome.writtenPerSecond(), millis(ack, 50),
        millis(ack, 99));
    return new Figures(outcome.writtenPerSecond(), millis(ack, 50), millis(ack, 99),
        followers == 0 ? null : millis(lag, 50), followers == 0 ? null : millis(lag, 99), outcome.failed());
  }

  private HalfRate halfRate(RunningGroup group, int followers, double maxRate) {
    double rate = Math.max(1, maxRate / 2);
    int writes = (int) Math.min(options.writes(), Math.max(HALF_RATE_MIN_WRITES, rate * HALF_RATE_SECONDS));
    note("half rate: %d writes paced at %.0f/s", writes, rate);
    Histogram lag = new ConcurrentHistogram(3);
    lagSink = lag;
    WriteLoad.Outcome outcome = load(group, writes, rate, new ConcurrentHistogram(3), "half rate");
    awaitCaughtUp(group);
    lagSink = new ConcurrentHistogram(3);
    note("  lag p50 %.3f ms, p99 %.3f ms", millis(lag, 50), millis(lag, 99));
    return new HalfRate(writes, outcome.writtenPerSecond(), followers == 0 ? null : millis(lag, 50),
        followers == 0 ? null : millis(lag, 99), outcome.failed());
  }

  private WriteLoad.Outcome load(RunningGroup group, int writes, double rate, Histogram ack, String phase) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    java.util.concurrent.atomic.AtomicLong done = new java.util.concurrent.atomic.AtomicLong();
    WriteLoad.Outcome outcome;
    try (Progress p = Progress.of(progress, phase, "writes acknowledged", done::get, writes)) {
      outcome = WriteLoad.run(writes, () -> false, options.concurrency(), rate, i -> {
        ObjectNode value = f.objectNode();
        value.put("seq", i);
        value.put("payload", "benchmark value of a typical small document");
        return group.putAsync("key-" + (i % 10_000), value);
      }, nanos -> {
        ack.recordValue(Math.max(0, nanos / 1000));
        done.incrementAndGet();
      });
    }
    if (outcome.failed() > 0) {
      note("  %s: %d of %d writes were not acknowledged (first: %s)", phase, outcome.failed(), outcome.sent(),
          outcome.firstFailure());
    }
    return outcome;
  }

  private void awaitCaughtUp(RunningGroup group) {
    if (!Poll.within(CATCH_UP, group::allCaughtUp)) {
      note("  followers did not catch up within %d s; measuring on", CATCH_UP.toSeconds());
    }
  }

  private void note(String format, Object... args) {
    progress.printf(Locale.ROOT, format + "%n", args);
    progress.flush();
  }

  static AckPolicy policy(AckPolicy.Mode mode) {
    switch (mode) {
      case SYNC:
        return AckPolicy.sync();
      case SEMI_SYNC:
        return AckPolicy.semiSync(AckPolicy.SyncMethod.FIRST, 1);
      default:
        return AckPolicy.async();
    }
  }

  public static String modeName(AckPolicy.Mode mode) {
    return mode.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  private static double millis(Histogram h, double percentile) {
    return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(percentile) / 1000.0;
  }

  private static Double round(Double v) {
    return v == null ? null : Math.round(v * 1000) / 1000.0;
  }

  private static String num(Double v) {
    return v == null ? "-" : String.format(Locale.ROOT, v >= 100 ? "%.0f" : "%.3f", v);
  }
}
