package io.replikit.leaderless.staleness;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Probabilistically bounded staleness (t-visibility) by Monte Carlo over the WARS model of Bailis et al.: predicts
 * the probability that a read started {@code t} ms after a write committed returns that write (or a newer one),
 * for a given n, w and r, when no other write happens in between.
 *
 * <p>The model, per trial: every replica i draws W_i, A_i, R_i, S_i; the write is sent to all n at time 0 and
 * commits when the w-th acknowledgement arrives at the coordinator ({@code commit} = w-th smallest W_i + A_i); the
 * read is sent to all n at {@code commit + t}; replica i answers with the write iff it arrived first
 * ({@code W_i <= commit + t + R_i}); the read returns the newest of the first r responses (ordered by R_i + S_i), so it
 * is consistent iff one of them has the write. Per trial that gives the smallest consistent t,
 * {@code max(0, min over the first r of (W_i - R_i) - commit)}, and P(consistent at t) is the share of trials whose
 * smallest t is at most t: exactly monotone in t, and 1 at t = 0 whenever r + w > n (the first r and the w that
 * acknowledged overlap).
 *
 * <p>Replicas are iid as in the paper ({@link #iid}), or each has its own distributions ({@link #perReplica}), or
 * the write reaches them one after the other as Replikit's leaderless coordinator sends it ({@link
 * #coordinatedWrite}: the first replica mints the write's dot and the others are sent it only after it answered).
 * Fed with the paper's model, measurements of that write path predict too few stale reads: later replicas' write
 * latency is then correlated with the commit time, which iid draws lose.
 *
 * <p>What it does not model: concurrent writes, failures and timeouts, read repair or anti-entropy (both only make
 * reads fresher), nor correlation between a replica's latencies (each draw is independent).
 */
public final class PbsCalculator {
  private final List<Wars> replicas;
  private final int w;
  private final int r;
  private final boolean coordinated;

  private PbsCalculator(List<Wars> replicas, int w, int r, boolean coordinated) {
    int n = replicas.size();
    if (n < 1) {
      throw new IllegalArgumentException("n must be at least 1, was " + n);
    }
    if (w < 1 || w > n) {
      throw new IllegalArgumentException("w must be between 1 and n = " + n + ", was " + w);
    }
    if (r < 1 || r > n) {
      throw new IllegalArgumentException("r must be between 1 and n = " + n + ", was " + r);
    }
    for (Wars wars : replicas) {
      if (wars == null) {
        throw new IllegalArgumentException("every replica needs its WARS latencies");
      }
    }
    this.replicas = List.copyOf(replicas);
    this.w = w;
    this.r = r;
    this.coordinated = coordinated;
  }

  /** The paper's model: n replicas with the same latency distributions. */
  public static PbsCalculator iid(int n, int w, int r, Wars latencies) {
    if (n < 1) {
      throw new IllegalArgumentException("n must be at least 1, was " + n);
    }
    return new PbsCalculator(Collections.nCopies(n, latencies), w, r, false);
  }

  /** n = {@code replicas.size()}, replica i with its own distributions. */
  public static PbsCalculator perReplica(List<Wars> replicas, int w, int r) {
    if (replicas == null) {
      throw new IllegalArgumentException("the replicas' latencies are missing");
    }
    return new PbsCalculator(replicas, w, r, false);
  }

  /**
   * Replikit's leaderless write path: replica 0 applies the write first (it mints the dot) and the others are sent it
   * only when replica 0's acknowledgement reached the coordinator, so replica i > 0 gets the write at
   * {@code W_0 + A_0 + W_i}, W_i being its own request leg. The read side is as in the paper.
   */
  public static PbsCalculator coordinatedWrite(List<Wars> replicas, int w, int r) {
    if (replicas == null) {
      throw new IllegalArgumentException("the replicas' latencies are missing");
    }
    return new PbsCalculator(replicas, w, r, true);
  }

  /**
   * {@code trials} seeded trials; {@code probabilities.get(i)} is P(consistent) at {@code timesMs.get(i)} ms after
   * commit.
   */
  public Prediction predict(List<Double> timesMs, int trials, long seed) {
    if (trials < 1) {
      throw new IllegalArgumentException("trials must be at least 1, was " + trials);
    }
    if (timesMs == null) {
      throw new IllegalArgumentException("the times after commit are missing");
    }
    double[] t = smallestConsistentTimes(trials, seed);
    List<Double> p = new ArrayList<>(timesMs.size());
    for (Double time : timesMs) {
      if (time == null || !(time >= 0)) {
        throw new IllegalArgumentException("a time after commit must be >= 0 ms, was " + time);
      }
      p.add(countAtMost(t, time) / (double) trials);
    }
    return new Prediction(replicas.size(), w, r, trials, List.copyOf(timesMs), List.copyOf(p), t);
  }

  private double[] smallestConsistentTimes(int trials, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    int n = replicas.size();
    double[] wi = new double[n];
    double[] ri = new double[n];
    double[] acked = new double[n];
    Integer[] order = new Integer[n];
    double[] responded = new double[n];
    double[] out = new double[trials];
    for (int trial = 0; trial < trials; trial++) {
      for (int i = 0; i < n; i++) {
        Wars l = replicas.get(i);
        wi[i] = l.w().sample(random);
        acked[i] = wi[i] + l.a().sample(random);
        ri[i] = l.r().sample(random);
        responded[i] = ri[i] + l.s().sample(random);
        order[i] = i;
      }
      if (coordinated) {
        for (int i = 1; i < n; i++) {
          wi[i] += acked[0];
          acked[i] += acked[0];
        }
      }
      double[] sortedAcks = acked.clone();
      Arrays.sort(sortedAcks);
      double commit = sortedAcks[w - 1];
      Arrays.sort(order, (x, y) -> Double.compare(responded[x], responded[y]));
      double best = Double.POSITIVE_INFINITY;
      for (int k = 0; k < r; k++) {
        int i = order[k];
        best = Math.min(best, wi[i] - ri[i]);
      }
      out[trial] = Math.max(0, best - commit);
    }
    Arrays.sort(out);
    return out;
  }

  private static int countAtMost(double[] sorted, double t) {
    int lo = 0;
    int hi = sorted.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (sorted[mid] <= t) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /** The curve of one run: P(consistent) at each asked time, and the smallest t for any target. */
  public static final class Prediction {
    private final int n;
    private final int w;
    private final int r;
    private final int trials;
    private final List<Double> timesMs;
    private final List<Double> probabilities;
    private final double[] sortedSmallestT;

    Prediction(int n, int w, int r, int trials, List<Double> timesMs, List<Double> probabilities,
        double[] sortedSmallestT) {
      this.n = n;
      this.w = w;
      this.r = r;
      this.trials = trials;
      this.timesMs = timesMs;
      this.probabilities = probabilities;
      this.sortedSmallestT = sortedSmallestT;
    }

    public int n() {
      return n;
    }

    public int w() {
      return w;
    }

    public int r() {
      return r;
    }

    public int trials() {
      return trials;
    }

    public List<Double> timesMs() {
      return timesMs;
    }

    /** P(consistent read) at each of {@link #timesMs()}. */
    public List<Double> probabilities() {
      return probabilities;
    }

    /** P(consistent) at any {@code t} ms after commit (from the same trials). */
    public double probabilityAt(double t) {
      return countAtMost(sortedSmallestT, t) / (double) trials;
    }

    /**
     * The smallest t (ms after commit) at which P(consistent) >= {@code target} in these trials, e.g. 0.999; 0 when
     * reads are that consistent at once.
     */
    public double timeFor(double target) {
      if (!(target > 0 && target <= 1)) {
        throw new IllegalArgumentException("the target probability must be in (0, 1], was " + target);
      }
      int k = (int) Math.ceil(target * trials - 1e-9) - 1;
      return sortedSmallestT[Math.max(0, Math.min(trials - 1, k))];
    }
  }
}
