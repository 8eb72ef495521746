package io.replikit.examples.bench;

import static io.replikit.examples.bench.BenchSupport.millis;
import static io.replikit.examples.bench.BenchSupport.num;
import static io.replikit.examples.bench.BenchSupport.round;

import akka.actor.typed.ActorSystem;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.replikit.examples.support.Poll;
import io.replikit.examples.support.ReplicaHost;
import io.replikit.examples.support.RunningGroup;
import io.replikit.examples.support.WriteLoad;
import io.replikit.replication.LocalTransport;
import io.replikit.replication.ReplicaId;
import io.replikit.testkit.FaultyTransport;
import io.replikit.singleleader.AckPolicy;
import io.replikit.singleleader.ReadConsistency;
import io.replikit.singleleader.Replica;
import io.replikit.singleleader.ReplicaObserver;
import io.replikit.singleleader.SingleLeaderSettings;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Reads from a lagging follower under each consistency a reader can ask for. The group is a leader {@code L}, a
 * follower {@code f1} on a straight link and a follower {@code f2} whose link from the leader holds every message back
 * by {@code lagMillis} (a slow link of the test kit's {@link FaultyTransport}), acknowledging writes asynchronously. A writer puts
 * {@code keys} keys round-robin at {@code writeRate} writes per second for the whole run; readers read those keys
 * from {@code f2}, {@code readers} reads in flight (one per reader session), {@code reads} reads per kind, the kinds
 * one after another:
 *
 * <ul>
 *   <li>{@code plain}: {@link ReadConsistency#any()}.
 *   <li>{@code read_your_writes}: at least the writer's latest acknowledged position when the read starts (the session
 *       token a shared token store would hand a second device).
 *   <li>{@code monotonic}: at least the highest position this reader session has seen.
 *   <li>{@code bounded_staleness}: {@link ReadConsistency#maxStaleness} of {@code stalenessMillis}.
 * </ul>
 *
 * Per kind: latency of every answered read (served or refused), reads refused as {@link Replica.TooStale}, and
 * reads that returned a value older than the newest write of that key acknowledged to the writer before the read was
 * sent (stale), with how long that newer value had been acknowledged (stale age). Times never fail a run.
 */
public final class ReadsUnderLagBench {

  /** How staleness is measured, as printed with the figures. */
  public static final String STALE_METHOD = "a read is stale when the version it returned (its log position) is "
      + "older than the newest write of that key acknowledged to the writer before the read was sent; stale age = "
      + "read start minus when the first newer acknowledged write of that key was acknowledged";

  static final ReplicaId LEADER = ReplicaId.of("L");
  static final ReplicaId FRESH = ReplicaId.of("f1");
  static final ReplicaId LAGGING = ReplicaId.of("f2");
  private static final int MAX_LAG_MILLIS = 1000;

  /** The kinds of reads, in the order they run. */
  public enum Kind {
    PLAIN, READ_YOUR_WRITES, MONOTONIC, BOUNDED_STALENESS;

    public String jsonName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** What to measure; {@code warmUpReads} reads of each kind precede the measured ones. */
  public record Options(int reads, int lagMillis, int stalenessMillis, double writeRate, int readers, int keys,
      String journal, Path dataDir, int warmUpReads) {
    public Options {
      if (reads < 1) {
        throw new IllegalArgumentException("--reads must be at least 1, was " + reads);
      }
      if (lagMillis < 0 || lagMillis > MAX_LAG_MILLIS) {
        throw new IllegalArgumentException("--lag-ms must be between 0 and " + MAX_LAG_MILLIS + " (a longer hold-back "
            + "would approach the failover timeout), was " + lagMillis);
      }
      if (stalenessMillis < 0) {
        throw new IllegalArgumentException("--staleness-ms must be 0 or more, was " + stalenessMillis);
      }
      if (!(writeRate > 0)) {
        throw new IllegalArgumentException("--write-rate must be above 0, was " + writeRate);
      }
      if (readers < 1) {
        throw new IllegalArgumentException("--readers must be at least 1, was " + readers);
      }
      if (keys < 1) {
        throw new IllegalArgumentException("--keys must be at least 1, was " + keys);
      }
      if (warmUpReads < 0) {
        throw new IllegalArgumentException("--warm-up must be 0 or more, was " + warmUpReads);
      }
      BenchSupport.checkJournal(journal);
    }

    /** The warm-up the CLI uses when none is given: a tenth of the measured reads, 50 to 500 per kind. */
    public static int defaultWarmUp(int reads) {
      return Math.max(50, Math.min(500, reads / 10));
    }
  }

  /**
   * One kind's figures.
   *
   * @param served reads answered with data (found or not found)
   * @param refused reads answered {@link Replica.TooStale}
   * @param stale served reads older than the newest write of their key acknowledged before they were sent
   * @param errors reads rejected or unanswered
   */
  public record KindFigures(Kind kind, double p50Millis, double p99Millis, int served, int refused, int stale,
      double staleAgeP99Millis, double staleAgeMaxMillis, int errors) {

    ObjectNode toJson() {
      ObjectNode o = JsonNodeFactory.instance.objectNode();
      o.put("p50_ms", round(p50Millis));
      o.put("p99_ms", round(p99Millis));
      o.put("served", served);
      o.put("refused", refused);
      o.put("stale", stale);
      o.put("stale_age_p99_ms", round(staleAgeP99Millis));
      o.put("stale_age_max_ms", round(staleAgeMaxMillis));
      o.put("errors", errors);
      return o;
    }
  }

  public record Result(Options options, List<KindFigures> kinds, long writesAcknowledged, double writesPerSecond,
      int failedWrites, double laggingP50Millis, double laggingP99Millis, long readWaitMillis)
      implements BenchReport {

    public KindFigures of(Kind kind) {
      return kinds.stream().filter(k -> k.kind() == kind).findFirst()
          .orElseThrow(() -> new IllegalArgumentException("no figures for " + kind));
    }

    public ObjectNode toJson() {
      ObjectNode o = JsonNodeFactory.instance.objectNode();
      o.put("reads", options.reads());
      o.put("warm_up", options.warmUpReads());
      o.put("lag_ms", options.lagMillis());
      o.put("staleness_ms", options.stalenessMillis());
      o.put("write_rate_per_s", options.writeRate());
      o.put("readers", options.readers());
      o.put("keys", options.keys());
      o.put("journal", options.journal());
      o.put("read_from", LAGGING.value());
      o.put("read_wait_ms", readWaitMillis);
      o.put("writes_acknowledged", writesAcknowledged);
      o.put("writes_per_s", round(writesPerSecond));
      o.put("failed_writes", failedWrites);
      o.put("follower_lag_p50_ms", round(laggingP50Millis));
      o.put("follower_lag_p99_ms", round(laggingP99Millis));
      o.put("stale_method", STALE_METHOD);
      ObjectNode ks = o.putObject("kinds");
      for (KindFigures k : kinds) {
        ks.set(k.kind().jsonName(), k.toJson());
      }
      return o;
    }

    public void printTable(PrintWriter out) {
      out.printf(Locale.ROOT, "reads bench: %d reads per kind from %s, held %d ms behind the leader (lag p50 %s ms, "
              + "p99 %s ms as the leader saw it); writer %s writes/s over %d keys; %d reader(s); bounded staleness "
              + "%d ms; journal %s%n", options.reads(), LAGGING.value(), options.lagMillis(), num(laggingP50Millis),
          num(laggingP99Millis), num(writesPerSecond), options.keys(), options.readers(), options.stalenessMillis(),
          options.journal());
      String format = "%-18s %9s %9s %8s %8s %7s %14s %14s%n";
      out.printf(Locale.ROOT, format, "kind", "p50 ms", "p99 ms", "served", "refused", "stale", "stale age p99",
          "stale age max");
      for (KindFigures k : kinds) {
        out.printf(Locale.ROOT, format, k.kind().jsonName(), num(k.p50Millis()), num(k.p99Millis()), k.served(),
            k.refused(), k.stale(), num(k.staleAgeP99Millis()) + "ms", num(k.staleAgeMaxMillis()) + "ms");
      }
      out.printf(Locale.ROOT, "latency: every answered read, served or refused (a refusal comes after the replica's "
          + "wait, at most %d ms)%n", readWaitMillis);
      out.printf(Locale.ROOT, "stale: %s%n", STALE_METHOD);
      for (KindFigures k : kinds) {
        if (k.errors() > 0) {
          out.printf(Locale.ROOT, "reads rejected or unanswered (%s): %d%n", k.kind().jsonName(), k.errors());
        }
      }
      if (failedWrites > 0) {
        out.printf(Locale.ROOT, "writes not acknowledged: %d%n", failedWrites);
      }
    }
  }

  /** The writes of one key acknowledged so far: version (log position) to when it was acknowledged. */
  private static final class KeyHistory {
    final AtomicLong newest = new AtomicLong();
    final ConcurrentSkipListMap<Long, Long> ackedAtNanos = new ConcurrentSkipListMap<>();

    void acknowledged(long version, long nanos) {
      ackedAtNanos.put(version, nanos);
      // bounded: a key's oldest acknowledgements only matter to reads that are seconds stale
      while (ackedAtNanos.size() > 100_000) {
        ackedAtNanos.pollFirstEntry();
      }
      newest.accumulateAndGet(version, Math::max);
    }

    /**
     * When the first write of this key newer than {@code version} and at most {@code upTo} was acknowledged, if it
     * was before {@code startNanos}; -1 if none was.
     */
    long firstNewerAckNanos(long version, long upTo, long startNanos) {
      long first = -1;
      for (Map.Entry<Long, Long> e : ackedAtNanos.subMap(version, false, upTo, true).entrySet()) {
        if (e.getValue() <= startNanos && (first < 0 || e.getValue() < first)) {
          first = e.getValue();
        }
      }
      return first;
    }
  }

  private final Options options;
  private final PrintWriter progress;
  private final List<String> keyNames = new ArrayList<>();
  private final List<KeyHistory> histories = new ArrayList<>();
  /** The writer's newest acknowledged position: the session token a read-your-writes read carries. */
  private final AtomicLong token = new AtomicLong();
  /** Where the lagging follower's lag samples go right now; swapped per phase, so warm-up samples are dropped. */
  private volatile Histogram lagSink = new ConcurrentHistogram(3);

  private ReadsUnderLagBench(Options options, PrintWriter progress) {
    this.options = options;
    this.progress = progress;
    for (int k = 0; k < options.keys(); k++) {
      keyNames.add("acct-" + k);
      histories.add(new KeyHistory());
    }
  }

  /** Runs the bench; progress notes go to {@code progress} (stderr in the CLI, so that stdout stays JSON). */
  public static Result run(Options options, PrintWriter progress) {
    return new ReadsUnderLagBench(options, progress).run();
  }

  private Result run() {
    ActorSystem<ReplicaHost.Command> system = BenchSupport.startSystem(options.journal(), options.dataDir(),
        "bench-reads");
    FaultyTransport transport = new FaultyTransport(new LocalTransport(), 1, FaultyTransport.Faults.NONE);
    transport.slow(LEADER, LAGGING, Duration.ofMillis(options.lagMillis()));
    try {
      SingleLeaderSettings settings = SingleLeaderSettings.fromConfig(system.settings().config())
          .withAckPolicy(AckPolicy.async());
      ReplicaObserver observer = new ReplicaObserver() {
        @Override
        public void onFollowerApplied(ReplicaId leader, ReplicaId follower, long position, long lagNanos) {
          if (follower.equals(LAGGING)) {
            lagSink.recordValue(Math.max(0, lagNanos / 1000));
          }
        }
      };
      RunningGroup group = BenchSupport.startGroup(system, "reads-" + System.currentTimeMillis(), LEADER,
          List.of(FRESH, LAGGING), settings, transport, observer);
      try {
        return measure(group, settings.readWaitTimeout().toMillis());
      } finally {
        group.stopAll();
      }
    } finally {
      transport.close();
      BenchSupport.shutdown(system, progress);
    }
  }

  private Result measure(RunningGroup group, long readWaitMillis) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    // every key exists before anyone reads, on the lagging follower too
    for (int k = 0; k < keyNames.size(); k++) {
      ObjectNode value = f.objectNode();
      value.put("seq", -1 - k);
      Replica.WriteReply reply = group.put(keyNames.get(k), value);
      if (reply instanceof Replica.Written w) {
        acknowledged(k, w.version());
      } else {
        throw new IllegalStateException("writing " + keyNames.get(k) + " before the run failed: " + reply);
      }
    }
    BenchSupport.awaitCaughtUp(group, progress);

    note("writer: %.0f writes/s over %d keys; %s held %d ms behind", options.writeRate(), options.keys(),
        LAGGING.value(), options.lagMillis());
    AtomicBoolean stop = new AtomicBoolean();
    AtomicReference<WriteLoad.Outcome> written = new AtomicReference<>();
    Thread writer = new Thread(() -> written.set(WriteLoad.run(Integer.MAX_VALUE, stop::get, 16,
        options.writeRate(), i -> {
          int k = i % keyNames.size();
          ObjectNode value = f.objectNode();
          value.put("seq", i);
          value.put("payload", "an account document of a typical small size");
          return group.putAsync(keyNames.get(k), value).thenApply(reply -> {
            if (reply instanceof Replica.Written w) {
              acknowledged(k, w.version());
            }
            return reply;
          });
        }, nanos -> {})), "replikit-bench-writer");
    writer.setDaemon(true);
    long writerStart = System.nanoTime();
    writer.start();
    List<KindFigures> figures = new ArrayList<>();
    try {
      // let the lag settle: the lagging follower has received the writer's first writes
      long firstWrite = token.get() + 1;
      Poll.within(Duration.ofMillis(options.lagMillis() * 3L + 5000),
          () -> group.status(LAGGING).appliedPosition() >= firstWrite);
      if (options.warmUpReads() > 0) {
        note("warm-up: %d reads of each kind", options.warmUpReads());
        for (Kind kind : Kind.values()) {
          readKind(group, kind, options.warmUpReads(), "warm-up " + kind.jsonName());
        }
      }
      Histogram lag = new ConcurrentHistogram(3);
      lagSink = lag;
      for (Kind kind : Kind.values()) {
        KindFigures k = readKind(group, kind, options.reads(), kind.jsonName());
        note("  %s: p50 %.3f ms, p99 %.3f ms, %d refused, %d stale", kind.jsonName(), k.p50Millis(), k.p99Millis(),
            k.refused(), k.stale());
        figures.add(k);
      }
      lagSink = new ConcurrentHistogram(3);
      stop.set(true);
      writer.join(TimeUnit.SECONDS.toMillis(60));
      WriteLoad.Outcome outcome = written.get();
      long acknowledged = outcome == null ? 0 : outcome.written();
      double perSecond = outcome == null ? 0 : outcome.writtenPerSecond();
      int failed = outcome == null ? 0 : outcome.failed();
      if (outcome == null) {
        note("  the writer did not stop within 60 s (%.1f s after it started)",
            (System.nanoTime() - writerStart) / 1e9);
      } else if (failed > 0) {
        note("  %d writes were not acknowledged (first: %s)", failed, outcome.firstFailure());
      }
      return new Result(options, figures, acknowledged, perSecond, failed, millis(lag, 50), millis(lag, 99),
          readWaitMillis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while measuring reads", e);
    } finally {
      stop.set(true);
    }
  }

  private void acknowledged(int key, long version) {
    // the token first: a reader that sees this version as the key's newest then finds a token at least as high
    token.accumulateAndGet(version, Math::max);
    histories.get(key).acknowledged(version, System.nanoTime());
  }

  /** {@code reads} reads of {@code kind} from the lagging follower, one in flight per reader session. */
  private KindFigures readKind(RunningGroup group, Kind kind, int reads, String phase) {
    Histogram latency = new ConcurrentHistogram(3);
    Histogram staleAge = new ConcurrentHistogram(3);
    AtomicInteger remaining = new AtomicInteger(reads);
    AtomicInteger next = new AtomicInteger();
    AtomicInteger served = new AtomicInteger();
    AtomicInteger refused = new AtomicInteger();
    AtomicInteger stale = new AtomicInteger();
    AtomicInteger errors = new AtomicInteger();
    int sessions = Math.min(options.readers(), reads);
    CountDownLatch done = new CountDownLatch(sessions);

    final class Reader {
      /** The highest position this session has seen (monotonic reads). */
      long seen;

      void readNext() {
        if (remaining.getAndDecrement() <= 0) {
          done.countDown();
          return;
        }
        int k = next.getAndIncrement() % keyNames.size();
        String key = keyNames.get(k);
        KeyHistory history = histories.get(k);
        // the key's newest acknowledged version first, then the token: the token is then at least that version
        long newestAcked = history.newest.get();
        ReadConsistency consistency = switch (kind) {
          case PLAIN -> ReadConsistency.any();
          case READ_YOUR_WRITES -> ReadConsistency.atLeast(token.get());
          case MONOTONIC -> ReadConsistency.atLeast(seen);
          case BOUNDED_STALENESS -> ReadConsistency.maxStaleness(Duration.ofMillis(options.stalenessMillis()));
        };
        long start = System.nanoTime();
        group.readAsync(LAGGING, key, consistency).whenComplete((reply, error) -> {
          long end = System.nanoTime();
          long version = -1;
          if (error == null && reply instanceof Replica.Found found) {
            version = found.version();
            seen = Math.max(seen, found.appliedPosition());
          } else if (error == null && reply instanceof Replica.NotFound nf) {
            version = 0;
            seen = Math.max(seen, nf.appliedPosition());
          }
          if (version >= 0) {
            served.incrementAndGet();
            latency.recordValue(Math.max(0, (end - start) / 1000));
            if (version < newestAcked) {
              stale.incrementAndGet();
              long firstNewer = history.firstNewerAckNanos(version, newestAcked, start);
              if (firstNewer >= 0) {
                staleAge.recordValue(Math.max(0, (start - firstNewer) / 1000));
              }
            }
          } else if (error == null && reply instanceof Replica.TooStale) {
            refused.incrementAndGet();
            latency.recordValue(Math.max(0, (end - start) / 1000));
          } else {
            errors.incrementAndGet();
          }
          readNext();
        });
      }
    }

    try (Progress p = Progress.of(progress, phase, "reads answered",
        () -> served.get() + refused.get() + errors.get(), reads)) {
      for (int s = 0; s < sessions; s++) {
        new Reader().readNext();
      }
      // each read ends within its ask timeout; this bound is only against a bench that hangs
      if (!done.await(RunningGroup.ASK_TIMEOUT.toSeconds() * 2 + (long) reads * 5, TimeUnit.SECONDS)) {
        note("  %s: reads still outstanding after the time allowed; reporting what came back", kind.jsonName());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reading", e);
    }
    return new KindFigures(kind, millis(latency, 50), millis(latency, 99), served.get(), refused.get(), stale.get(),
        millis(staleAge, 99), staleAge.getTotalCount() == 0 ? 0 : staleAge.getMaxValue() / 1000.0, errors.get());
  }

  private void note(String format, Object... args) {
    BenchSupport.note(progress, format, args);
  }
}
