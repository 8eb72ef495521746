package io.replikit.examples.serve;

import io.replikit.singleleader.ReadConsistency;
import java.time.Duration;
import java.util.Map;

/**
 * The consistency a read asks for in its query parameters: {@code min-position=N} (serve only once the replica has
 * applied position N: read-your-writes and monotonic reads, usually from a token), {@code max-staleness-ms=N}
 * (bounded staleness: refuse data older than N ms), {@code wait-ms=N} (how long the replica may wait to meet them
 * before the read moves on to the leader or is refused; the replica never waits longer than its
 * {@code replikit.single-leader.read-wait-timeout}).
 *
 * @param minPosition the position the query asks for (0: none)
 * @param maxStalenessMillis the staleness bound (-1: none)
 * @param waitMillis the wait (null: the replica's {@code read-wait-timeout})
 */
public record ReadOptions(long minPosition, long maxStalenessMillis, Long waitMillis) {
  public static final String MIN_POSITION = "min-position";
  public static final String MAX_STALENESS_MS = "max-staleness-ms";
  public static final String WAIT_MS = "wait-ms";
  /** The longest {@code wait-ms} accepted; the replica caps it further at its read-wait-timeout. */
  public static final long MAX_WAIT_MS = 60_000;

  private static final ReadOptions NONE = new ReadOptions(0, -1, null);

  public static ReadOptions none() {
    return NONE;
  }

  /**
   * Reads the three parameters from {@code query} (others are left to the caller).
   *
   * @throws IllegalArgumentException naming the parameter and what was wrong with it
   */
  public static ReadOptions parse(Map<String, String> query) {
    long min = query.containsKey(MIN_POSITION) ? number(MIN_POSITION, query.get(MIN_POSITION), Long.MAX_VALUE) : 0;
    long staleness = query.containsKey(MAX_STALENESS_MS)
        ? number(MAX_STALENESS_MS, query.get(MAX_STALENESS_MS), Long.MAX_VALUE) : -1;
    Long wait = query.containsKey(WAIT_MS) ? number(WAIT_MS, query.get(WAIT_MS), MAX_WAIT_MS) : null;
    return new ReadOptions(min, staleness, wait);
  }

  private static long number(String name, String text, long max) {
    String t = text == null ? "" : text.trim();
    long value;
    try {
      value = Long.parseLong(t);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be a whole number from 0 to " + max + ", was '" + text
          + "'");
    }
    if (value < 0 || value > max) {
      throw new IllegalArgumentException(name + " must be a whole number from 0 to " + max + ", was " + value);
    }
    return value;
  }

  /** The replica's consistency for a read that must also reach {@code floor} (from a token or a user's writes). */
  public ReadConsistency consistency(long floor) {
    return new ReadConsistency(Math.max(minPosition, floor), maxStalenessMillis,
        waitMillis == null ? null : Duration.ofMillis(waitMillis));
  }
}
