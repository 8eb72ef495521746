package io.replikit.leaderless.antientropy;

/**
 * A token bucket: {@code perSecond} tokens a second, at most {@code capacity} saved up. Anti-entropy takes one token
 * per key it repairs, so repair traffic stays under a fixed rate whatever the difference, and client traffic is
 * served first. Time comes from outside (nanoseconds), so tests are deterministic. Not thread-safe.
 */
public final class TokenBucket {
  private final double perSecond;
  private final double capacity;
  private double tokens;
  private long lastNanos;

  public TokenBucket(double perSecond, double capacity, long nowNanos) {
    if (!(perSecond > 0) || !(capacity >= 1)) {
      throw new IllegalArgumentException("a token bucket needs a rate > 0 and a capacity >= 1, was " + perSecond
          + "/s and " + capacity);
    }
    this.perSecond = perSecond;
    this.capacity = capacity;
    this.tokens = capacity;
    this.lastNanos = nowNanos;
  }

  /** Takes up to {@code wanted} tokens and answers how many it got (0..wanted). */
  public int take(int wanted, long nowNanos) {
    if (nowNanos > lastNanos) {
      tokens = Math.min(capacity, tokens + (nowNanos - lastNanos) / 1e9 * perSecond);
      lastNanos = nowNanos;
    }
    int got = (int) Math.min(wanted, Math.floor(tokens));
    tokens -= got;
    return Math.max(got, 0);
  }
}
