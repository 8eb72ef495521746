package io.replikit.leaderless.ring;

/**
 * An arc of the ring: the tokens {@code t} with {@code startExclusive < t <= endInclusive} in signed {@code long}
 * order. When {@code startExclusive >= endInclusive} the arc wraps past {@link Long#MAX_VALUE} to
 * {@link Long#MIN_VALUE}; {@code startExclusive == endInclusive} is the whole ring (a ring with one token).
 *
 * <p>Guarantee: the arcs of one {@link Ring} cover every token exactly once. Not survived: a membership change, which
 * splits and merges arcs; ranges of two different rings are not comparable arc by arc.
 */
public record TokenRange(long startExclusive, long endInclusive) {

  /** Whether {@code token} falls in this arc. */
  public boolean contains(long token) {
    if (startExclusive < endInclusive) {
      return token > startExclusive && token <= endInclusive;
    }
    return token > startExclusive || token <= endInclusive;
  }
}
