package io.replikit.leaderless.staleness;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A one-way latency distribution in milliseconds for {@link PbsCalculator}: measured samples, or a parametric
 * what-if. Draws take the caller's random source, so a seeded calculator is reproducible.
 */
public interface Latency {
  /** One draw, in ms (never negative). */
  double sample(SplittableRandom random);

  /** Always {@code ms}. */
  static Latency constant(double ms) {
    requireNonNegative("a constant latency", ms);
    return random -> ms;
  }

  /** Exponential with mean {@code meanMs} (the paper's fits for LinkedIn's SSD and disk latencies are of this kind). */
  static Latency exponential(double meanMs) {
    requireNonNegative("an exponential latency's mean", meanMs);
    return random -> -meanMs * Math.log(1 - random.nextDouble());
  }

  /** Pareto with scale (minimum) {@code minMs} and shape {@code alpha} (a heavy tail: the paper's Yammer fits). */
  static Latency pareto(double minMs, double alpha) {
    requireNonNegative("a Pareto latency's minimum", minMs);
    if (!(alpha > 0)) {
      throw new IllegalArgumentException("a Pareto latency's shape alpha must be > 0, was " + alpha);
    }
    return random -> minMs / Math.pow(1 - random.nextDouble(), 1 / alpha);
  }

  /** One of {@code samplesMs}, uniformly (bootstrapping the measured distribution). */
  static Latency empirical(List<Double> samplesMs) {
    if (samplesMs == null || samplesMs.isEmpty()) {
      throw new IllegalArgumentException("an empirical latency needs at least one sample");
    }
    double[] s = samplesMs.stream().mapToDouble(Double::doubleValue).toArray();
    for (double v : s) {
      requireNonNegative("a latency sample", v);
    }
    return random -> s[random.nextInt(s.length)];
  }

  static Latency empirical(double... samplesMs) {
    return empirical(Arrays.stream(samplesMs).boxed().toList());
  }

  private static void requireNonNegative(String what, double ms) {
    if (!(ms >= 0) || Double.isInfinite(ms)) {
      throw new IllegalArgumentException(what + " must be a finite number of ms >= 0, was " + ms);
    }
  }
}
