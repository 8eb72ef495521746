package io.replikit.crdt;

import java.util.Map;
import org.pcollections.TreePMap;

/**
 * A grow-only counter: per replica, how much that replica has added; the value is the sum, the merge the
 * entry-wise maximum. An increment's delta is the acting replica's new entry. Never loses an increment, whatever
 * the delivery order. Cannot go down (use {@link PNCounter}) and cannot be reset; one entry per replica that ever
 * incremented stays forever. Serialized as {@code {"crdt": "g-counter", "counts": {"r1": 3}}}.
 */
public record GCounter(Map<String, Long> counts) implements Crdt<GCounter> {
  private static final GCounter EMPTY = new GCounter(TreePMap.empty());

  public GCounter {
    counts = canonical(counts);
  }

  // Sorted, without zero entries, so that equal counters are equal records.
  private static Map<String, Long> canonical(Map<String, Long> counts) {
    if (counts == null) {
      return TreePMap.empty();
    }
    boolean zeros = false;
    for (Map.Entry<String, Long> e : counts.entrySet()) {
      if (e.getValue() == null || e.getValue() < 0) {
        throw new IllegalArgumentException("counter entry " + e.getKey() + " = " + e.getValue());
      }
      zeros |= e.getValue() == 0;
    }
    if (counts instanceof TreePMap && !zeros) {
      return counts;
    }
    TreePMap<String, Long> m = TreePMap.empty();
    for (Map.Entry<String, Long> e : counts.entrySet()) {
      if (e.getValue() > 0) {
        m = m.plus(e.getKey(), e.getValue());
      }
    }
    return m;
  }

  public static GCounter empty() {
    return EMPTY;
  }

  /** The delta that adds {@code amount} (not negative) on behalf of {@code replica}. */
  public GCounter increment(String replica, long amount) {
    if (amount < 0) {
      throw new IllegalArgumentException("a grow-only counter cannot add " + amount);
    }
    return new GCounter(Map.of(replica, Math.addExact(get(replica), amount)));
  }

  /** What {@code replica} has added. */
  public long get(String replica) {
    return counts.getOrDefault(replica, 0L);
  }

  public long value() {
    long sum = 0;
    for (long c : counts.values()) {
      sum = Math.addExact(sum, c);
    }
    return sum;
  }

  @Override
  public GCounter merge(GCounter other) {
    TreePMap<String, Long> m = (TreePMap<String, Long>) counts;
    for (Map.Entry<String, Long> e : other.counts.entrySet()) {
      if (e.getValue() > m.getOrDefault(e.getKey(), 0L)) {
        m = m.plus(e.getKey(), e.getValue());
      }
    }
    return m == counts ? this : new GCounter(m);
  }
}
