package io.replikit.versioning;

/**
 * A hybrid logical clock timestamp: physical milliseconds (the highest wall clock seen) and a logical counter that
 * orders events within one millisecond; ties between replicas are broken by replica id. Totally ordered, and
 * consistent with causality (an event that happened after another has a larger timestamp), so it serves
 * last-write-wins; it is never used to decide whether two writes are concurrent (version vectors do that).
 */
public record HlcTimestamp(long millis, int logical, String replica) implements Comparable<HlcTimestamp> {
  @Override
  public int compareTo(HlcTimestamp o) {
    int c = Long.compare(millis, o.millis);
    if (c != 0) {
      return c;
    }
    c = Integer.compare(logical, o.logical);
    return c != 0 ? c : replica.compareTo(o.replica);
  }
}
