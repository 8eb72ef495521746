package io.replikit.versioning;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import org.pcollections.TreePMap;

/**
 * A version vector: per replica, how many of its changes are included (a replica absent counts 0). Immutable.
 * Comparing two vectors tells whether one happened before the other or they are concurrent, which is how
 * conflicts are detected without trusting any clock. Serialized as a JSON object {@code {"r1": 3, "r2": 1}}.
 */
public final class VersionVector {
  private static final VersionVector EMPTY = new VersionVector(TreePMap.empty());

  /** How two vectors relate. */
  public enum Order { BEFORE, AFTER, EQUAL, CONCURRENT }

  private final TreePMap<String, Long> counters;

  private VersionVector(TreePMap<String, Long> counters) {
    this.counters = counters;
  }

  public static VersionVector empty() {
    return EMPTY;
  }

  /** A vector from {@code counters}; zero entries are dropped, negative ones refused. */
  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  public static VersionVector of(Map<String, Long> counters) {
    TreePMap<String, Long> m = TreePMap.empty();
    for (Map.Entry<String, Long> e : counters.entrySet()) {
      if (e.getValue() == null || e.getValue() < 0) {
        throw new IllegalArgumentException("version vector entry " + e.getKey() + " = " + e.getValue()
            + " is not a count");
      }
      if (e.getValue() > 0) {
        m = m.plus(e.getKey(), e.getValue());
      }
    }
    return new VersionVector(m);
  }

  /** How many changes of {@code replica} this vector includes. */
  public long get(String replica) {
    return counters.getOrDefault(replica, 0L);
  }

  /** This vector with {@code replica}'s entry one higher: the vector of that replica's next change. */
  public VersionVector increment(String replica) {
    return new VersionVector(counters.plus(replica, get(replica) + 1));
  }

  /** This vector with {@code replica}'s entry raised to {@code counter} (never lowered). */
  public VersionVector with(String replica, long counter) {
    return counter <= get(replica) ? this : new VersionVector(counters.plus(replica, counter));
  }

  /** Whether this vector includes the change {@code dot}. */
  public boolean covers(Dot dot) {
    return get(dot.replica()) >= dot.counter();
  }

  /** The entry-wise maximum: everything either vector includes. */
  public VersionVector merge(VersionVector other) {
    TreePMap<String, Long> m = counters;
    for (Map.Entry<String, Long> e : other.counters.entrySet()) {
      if (e.getValue() > m.getOrDefault(e.getKey(), 0L)) {
        m = m.plus(e.getKey(), e.getValue());
      }
    }
    return m == counters ? this : new VersionVector(m);
  }

  /** How this vector relates to {@code other}. */
  public Order compare(VersionVector other) {
    boolean less = false;
    boolean greater = false;
    TreeSet<String> ids = new TreeSet<>(counters.keySet());
    ids.addAll(other.counters.keySet());
    for (String id : ids) {
      long a = get(id);
      long b = other.get(id);
      if (a < b) {
        less = true;
      } else if (a > b) {
        greater = true;
      }
    }
    if (less && greater) {
      return Order.CONCURRENT;
    }
    return less ? Order.BEFORE : greater ? Order.AFTER : Order.EQUAL;
  }

  /** Whether this vector includes everything {@code other} does. */
  public boolean dominates(VersionVector other) {
    Order o = compare(other);
    return o == Order.AFTER || o == Order.EQUAL;
  }

  public boolean concurrentWith(VersionVector other) {
    return compare(other) == Order.CONCURRENT;
  }

  @JsonValue
  public Map<String, Long> toMap() {
    return new TreeMap<>(counters);
  }

  public boolean isEmpty() {
    return counters.isEmpty();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof VersionVector v && counters.equals(v.counters);
  }

  @Override
  public int hashCode() {
    return Objects.hash(counters);
  }

  @Override
  public String toString() {
    return counters.toString();
  }
}
