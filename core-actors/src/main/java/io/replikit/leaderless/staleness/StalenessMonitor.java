package io.replikit.leaderless.staleness;

import com.typesafe.config.Config;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.replikit.versioning.DottedVersionVectorSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Continuous staleness measurement of one coordinator's reads ({@link StalenessCheck} says what stale means), and
 * the latencies its requests measured for {@link PbsCalculator}. Thread-safe: the coordinator's request actors
 * report to it from any thread.
 *
 * <p>Meters, tagged {@code keyspace} and {@code node} (Prometheus names with {@code _} for {@code .}):
 * {@code replikit.leaderless.reads.checked} (reads every asked replica answered, so they could be checked),
 * {@code replikit.leaderless.reads.unchecked} (reads that stopped at the timeout with a replica silent, and
 * LOCAL_QUORUM reads, which hear one datacenter only and are never judged),
 * {@code replikit.leaderless.reads.stale}, and the distribution summaries {@code replikit.leaderless.staleness.versions}
 * and {@code replikit.leaderless.staleness.ms} of stale reads (how far behind, see {@link StalenessCheck}).
 *
 * <p>Memory is bounded: quantiles and latencies come from seeded reservoirs of {@code reservoir} entries each, so a
 * snapshot is a uniform sample, not every read. Counters are exact since start; nothing survives a restart.
 */
public final class StalenessMonitor {
  private final String keyspace;
  private final double requestShare;
  private final Counter checked;
  private final Counter unchecked;
  private final Counter stale;
  private final DistributionSummary versions;
  private final DistributionSummary ms;
  private final Timer writeLatency;
  private final Timer readLatency;
  private final Reservoir versionsSample;
  private final Reservoir msSample;
  private final List<Reservoir[]> positions = new ArrayList<>();
  private final int reservoir;
  private final SplittableRandom random;

  /**
   * @param requestShare share of a measured round trip taken as the request leg (see {@link LatencySamples})
   * @param reservoir    entries kept per latency series and per staleness distribution
   */
  public StalenessMonitor(String keyspace, String node, MeterRegistry registry, double requestShare, int reservoir,
      long seed) {
    if (!(requestShare >= 0 && requestShare <= 1)) {
      throw new IllegalArgumentException(
          "replikit.leaderless.staleness.request-share must be between 0 and 1, was " + requestShare);
    }
    if (reservoir < 1) {
      throw new IllegalArgumentException(
          "replikit.leaderless.staleness.reservoir must be at least 1, was " + reservoir);
    }
    MeterRegistry reg = registry == null ? new SimpleMeterRegistry() : registry;
    Tags tags = Tags.of("keyspace", String.valueOf(keyspace), "node", String.valueOf(node));
    this.keyspace = keyspace;
    this.requestShare = requestShare;
    this.reservoir = reservoir;
    this.random = new SplittableRandom(seed);
    this.checked = Counter.builder("replikit.leaderless.reads.checked")
        .description("reads every asked replica answered, checked for staleness").tags(tags).register(reg);
    this.unchecked = Counter.builder("replikit.leaderless.reads.unchecked")
        .description("reads not checked: a replica silent, or a LOCAL_QUORUM read").tags(tags).register(reg);
    this.stale = Counter.builder("replikit.leaderless.reads.stale")
        .description("checked reads that missed an acknowledged write").tags(tags).register(reg);
    this.versions = DistributionSummary.builder("replikit.leaderless.staleness.versions")
        .description("versions a stale read was behind").tags(tags).publishPercentiles(0.5, 0.99).register(reg);
    this.ms = DistributionSummary.builder("replikit.leaderless.staleness.ms").baseUnit("milliseconds")
        .description("how long the oldest write a stale read missed had been there").tags(tags)
        .publishPercentiles(0.5, 0.99).register(reg);
    this.versionsSample = new Reservoir(reservoir);
    this.msSample = new Reservoir(reservoir);
    this.writeLatency = quorumTimer(reg, tags, "write");
    this.readLatency = quorumTimer(reg, tags, "read");
  }

  private static Timer quorumTimer(MeterRegistry reg, Tags tags, String op) {
    return Timer.builder("replikit.leaderless.quorum.latency")
        .description("time from the start of a request at the coordinator to its answer once its quorum answered")
        .tags(tags.and("op", op)).publishPercentiles(0.5, 0.95, 0.99).register(reg);
  }

  /** A write was answered PutOk {@code nanos} after it reached the coordinator. */
  public void writeQuorumReached(long nanos) {
    writeLatency.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
  }

  /** A read was answered GetOk {@code nanos} after it reached the coordinator. */
  public void readQuorumReached(long nanos) {
    readLatency.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
  }

  /** From {@code replikit.leaderless.staleness} in {@code config}. */
  public static StalenessMonitor fromConfig(Config config, String keyspace, String node, MeterRegistry registry) {
    Config c = config.getConfig("replikit.leaderless.staleness");
    return new StalenessMonitor(keyspace, node, registry, c.getDouble("request-share"), c.getInt("reservoir"),
        c.getLong("seed"));
  }

  /**
   * A read stopped. {@code complete}: every asked replica answered (otherwise it is only counted unchecked).
   * Returns the verdict (FRESH for an unchecked read).
   */
  public StalenessCheck.Verdict readDone(int w, long readStartMillis, DottedVersionVectorSet answered,
      Collection<DottedVersionVectorSet> seen, boolean complete) {
    StalenessCheck.Verdict v = complete && answered != null
        ? StalenessCheck.check(w, readStartMillis, answered, seen) : null;
    synchronized (this) { // counts and samples change together, so a snapshot never sees one without the other
      if (v == null) {
        unchecked.increment();
        return StalenessCheck.Verdict.FRESH;
      }
      checked.increment();
      if (v.stale()) {
        stale.increment();
        versions.record(v.versionsBehind());
        ms.record(v.msBehind());
        versionsSample.add(v.versionsBehind(), random);
        msSample.add(v.msBehind(), random);
      }
    }
    return v;
  }

  /** A read's round trip to the replica at {@code position}. */
  public synchronized void readAnswered(int position, double roundTripMs) {
    Reservoir[] p = position(position);
    p[2].add(roundTripMs * requestShare, random);
    p[3].add(roundTripMs * (1 - requestShare), random);
  }

  /**
   * A write's acknowledgement from the replica at {@code position}, {@code roundTripMs} after that replica was sent
   * its message (for position 0 the write itself, for the others the write replica 0 answered).
   */
  public synchronized void writeAcknowledged(int position, double roundTripMs) {
    Reservoir[] p = position(position);
    p[0].add(roundTripMs * requestShare, random);
    p[1].add(roundTripMs * (1 - requestShare), random);
  }

  private Reservoir[] position(int position) {
    while (positions.size() <= position) {
      positions.add(new Reservoir[] {new Reservoir(reservoir), new Reservoir(reservoir), new Reservoir(reservoir),
          new Reservoir(reservoir)});
    }
    return positions.get(position);
  }

  public synchronized LatencySamples latencies() {
    List<LatencySamples.Position> out = new ArrayList<>();
    for (Reservoir[] p : positions) {
      out.add(new LatencySamples.Position(p[0].values(), p[1].values(), p[2].values(), p[3].values()));
    }
    return new LatencySamples(requestShare, out);
  }

  /** What {@code Coordinator.Staleness} reports. */
  public synchronized Snapshot snapshot() {
    long c = (long) checked.count();
    long s = (long) stale.count();
    return new Snapshot(keyspace, c, (long) unchecked.count(), s, c == 0 ? 0 : s / (double) c,
        versionsSample.quantile(0.5), versionsSample.quantile(0.99), msSample.quantile(0.5),
        msSample.quantile(0.99), s == 0 ? 0 : versions.totalAmount() / s, s == 0 ? 0 : ms.totalAmount() / s);
  }

  /**
   * Counts since start, quantiles of the stale reads' sample, and the exact means over every stale read since start
   * (all 0 when none was stale).
   */
  public record Snapshot(String keyspace, long checked, long unchecked, long stale, double staleShare,
      double versionsP50, double versionsP99, double msP50, double msP99, double versionsMean, double msMean) {}

  /** Algorithm R: a uniform sample of at most {@code capacity} of everything added. Guarded by the monitor. */
  private static final class Reservoir {
    final double[] values;
    long seen;

    Reservoir(int capacity) {
      values = new double[capacity];
    }

    void add(double v, SplittableRandom random) {
      if (seen < values.length) {
        values[(int) seen] = v;
      } else {
        long j = random.nextLong(seen + 1);
        if (j < values.length) {
          values[(int) j] = v;
        }
      }
      seen++;
    }

    List<Double> values() {
      int size = (int) Math.min(seen, values.length);
      List<Double> out = new ArrayList<>(size);
      for (int i = 0; i < size; i++) {
        out.add(values[i]);
      }
      return out;
    }

    double quantile(double q) {
      int size = (int) Math.min(seen, values.length);
      if (size == 0) {
        return 0;
      }
      double[] sorted = Arrays.copyOf(values, size);
      Arrays.sort(sorted);
      return sorted[Math.max(0, (int) Math.ceil(q * size) - 1)];
    }
  }
}
