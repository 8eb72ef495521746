package io.replikit.versioning;

import java.util.function.LongSupplier;

/**
 * A hybrid logical clock (Kulkarni et al., 2014) of one replica. {@link #now} stamps a local event; {@link #observe}
 * moves the clock past a timestamp received from another replica, so that causally later events get larger
 * timestamps even when wall clocks disagree. Not thread-safe: one per actor. The wall clock is given from outside,
 * so tests can skew it.
 */
public final class HybridLogicalClock {
  private final String replica;
  private final LongSupplier wallMillis;
  private long millis;
  private int logical;

  public HybridLogicalClock(String replica, LongSupplier wallMillis) {
    this.replica = replica;
    this.wallMillis = wallMillis;
  }

  /** A timestamp for a local event, larger than every timestamp this clock issued or observed. */
  public HlcTimestamp now() {
    long wall = wallMillis.getAsLong();
    if (wall > millis) {
      millis = wall;
      logical = 0;
    } else {
      logical++;
    }
    return new HlcTimestamp(millis, logical, replica);
  }

  /** Moves this clock past {@code remote} (an event that happened before what this replica does next). */
  public void observe(HlcTimestamp remote) {
    long wall = wallMillis.getAsLong();
    long max = Math.max(Math.max(millis, remote.millis()), wall);
    if (max == millis && max == remote.millis()) {
      logical = Math.max(logical, remote.logical()) + 1;
    } else if (max == millis) {
      logical++;
    } else if (max == remote.millis()) {
      logical = remote.logical() + 1;
    } else {
      logical = 0;
    }
    millis = max;
  }
}
