package io.replikit.singleleader;

import java.time.Duration;

/**
 * What a read asks of the replica that serves it, for reads that stay correct under replication lag.
 *
 * @param minPosition serve only once this replica has applied the log up to this position (0: any). A session
 *     token from a write gives read-your-writes; the highest position a session has seen gives monotonic reads.
 * @param maxStalenessMillis serve only if this replica is known to have held everything its leader had no longer
 *     than this many milliseconds ago (negative: any staleness). Measured without comparing clocks: a follower
 *     takes the leader's latest message as sent one round trip (which the leader measures and tells it) before it
 *     arrived, so a slow link counts in full and the bound errs on the safe side; a follower that has not yet
 *     learnt a round trip, or a leader without a majority lease, refuses such reads.
 * @param maxWait how long the replica may wait to meet the two bounds before refusing with
 *     {@link Replica.TooStale} (null: the group's {@code read-wait-timeout}; never longer than it)
 */
public record ReadConsistency(long minPosition, long maxStalenessMillis, Duration maxWait) {
  private static final ReadConsistency ANY = new ReadConsistency(0, -1, Duration.ZERO);

  /** No bound: whatever this replica holds now (may be arbitrarily stale). */
  public static ReadConsistency any() {
    return ANY;
  }

  /** Only state that includes {@code position} (read-your-writes, monotonic reads). */
  public static ReadConsistency atLeast(long position) {
    return new ReadConsistency(position, -1, null);
  }

  /** Only state no older than {@code staleness} (bounded staleness). */
  public static ReadConsistency maxStaleness(Duration staleness) {
    return new ReadConsistency(0, staleness.toMillis(), null);
  }

  public ReadConsistency withMinPosition(long position) {
    return new ReadConsistency(position, maxStalenessMillis, maxWait);
  }

  public ReadConsistency withMaxWait(Duration wait) {
    return new ReadConsistency(minPosition, maxStalenessMillis, wait);
  }

  /** Whether this read asks nothing of the replica. */
  public boolean unbounded() {
    return minPosition <= 0 && maxStalenessMillis < 0;
  }
}
