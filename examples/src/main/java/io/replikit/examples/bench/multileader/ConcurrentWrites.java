package io.replikit.examples.bench.multileader;

import io.replikit.examples.bench.multileader.MultiLeaderWorkload.Write;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Counts the writes to the same key that were concurrent, by what each leader had applied when it took a write, the
 * same for every system and independent of what a system itself flags.
 *
 * <p>Write {@code a}, taken by leader A, and write {@code b}, taken by leader B (A ≠ B), to the same key are
 * concurrent when neither leader had applied the other's write when it applied its own: at B, {@code a} came after
 * {@code b} (or never), and at A, {@code b} came after {@code a} (or never). Otherwise one write causally follows the
 * other (its leader had the other's write when it was taken). This is the happened-before relation of one key's
 * writes seen through the order in which each leader applied them, so it needs only that order (from
 * {@link Visibility}), never a clock. Each pair is counted once; for a hot key written by L leaders at once the
 * count grows with the square of the writes in flight.
 */
final class ConcurrentWrites {

  /** How a leader ordered a write: the position of {@code writeId} in {@code leader}'s applied sequence. */
  @FunctionalInterface
  interface AppliedOrder {
    /** Its position, or {@link Visibility#NEVER} when the leader never applied it. */
    long of(long writeId, int leader);
  }

  /**
   * @param pairs pairs of concurrent writes to the same key
   * @param writesInvolved writes concurrent with at least one other
   */
  record Count(long pairs, int writesInvolved) {}

  private ConcurrentWrites() {}

  static Count count(List<Write> writes, AppliedOrder order) {
    Map<String, TreeMap<Integer, List<Write>>> byKeyAndLeader = new HashMap<>();
    for (Write w : writes) {
      byKeyAndLeader.computeIfAbsent(w.key(), k -> new TreeMap<>())
          .computeIfAbsent(w.leader(), l -> new ArrayList<>()).add(w);
    }
    long pairs = 0;
    Set<Long> involved = new HashSet<>();
    for (TreeMap<Integer, List<Write>> byLeader : byKeyAndLeader.values()) {
      List<Integer> leaders = new ArrayList<>(byLeader.keySet());
      for (int i = 0; i < leaders.size(); i++) {
        for (int j = i + 1; j < leaders.size(); j++) {
          pairs += countPair(leaders.get(i), byLeader.get(leaders.get(i)), leaders.get(j),
              byLeader.get(leaders.get(j)), order, involved);
        }
      }
    }
    return new Count(pairs, involved.size());
  }

  /**
   * Pairs (a, b), a from leader {@code la}, b from leader {@code lb}, with orderB(a) > orderB(b) and
   * orderA(b) > orderA(a): a sweep over one order with a Fenwick tree over the other, twice (once to count each b's
   * partners, once each a's), in O(n log n).
   */
  private static long countPair(int la, List<Write> as, int lb, List<Write> bs, AppliedOrder order,
      Set<Long> involved) {
    long[] aAtA = new long[as.size()];
    long[] aAtB = new long[as.size()];
    for (int i = 0; i < as.size(); i++) {
      aAtA[i] = order.of(as.get(i).id(), la);
      aAtB[i] = order.of(as.get(i).id(), lb);
    }
    long[] bAtA = new long[bs.size()];
    long[] bAtB = new long[bs.size()];
    for (int i = 0; i < bs.size(); i++) {
      bAtA[i] = order.of(bs.get(i).id(), la);
      bAtB[i] = order.of(bs.get(i).id(), lb);
    }
    // each b's partners: the a's applied after b at B (strictly: two writes B never applied are not ordered there),
    // of which those applied at A before b
    long pairs = 0;
    long[] perB = sweep(aAtB, aAtA, bAtB, bAtA);
    for (int i = 0; i < perB.length; i++) {
      pairs += perB[i];
      if (perB[i] > 0) {
        involved.add(bs.get(i).id());
      }
    }
    // each a's partners: the b's applied after a at A, of which those applied at B before a
    long[] perA = sweep(bAtA, bAtB, aAtA, aAtB);
    for (int i = 0; i < perA.length; i++) {
      if (perA[i] > 0) {
        involved.add(as.get(i).id());
      }
    }
    return pairs;
  }

  /**
   * For each query q: how many inserted items have {@code insKey > qKey} and {@code insValue < qValue}.
   */
  private static long[] sweep(long[] insKey, long[] insValue, long[] qKey, long[] qValue) {
    Integer[] ins = new Integer[insKey.length];
    for (int i = 0; i < ins.length; i++) {
      ins[i] = i;
    }
    Integer[] qs = new Integer[qKey.length];
    for (int i = 0; i < qs.length; i++) {
      qs[i] = i;
    }
    Arrays.sort(ins, Comparator.comparingLong((Integer i) -> insKey[i]).reversed());
    Arrays.sort(qs, Comparator.comparingLong((Integer i) -> qKey[i]).reversed());
    long[] values = insValue.clone();
    Arrays.sort(values);
    long[] tree = new long[values.length + 1];
    long[] result = new long[qKey.length];
    int next = 0;
    for (Integer q : qs) {
      // insert every item whose key is strictly greater than this query's
      while (next < ins.length && insKey[ins[next]] > qKey[q]) {
        int rank = lowerBound(values, insValue[ins[next]]) + 1;
        for (int r = rank; r < tree.length; r += r & -r) {
          tree[r]++;
        }
        next++;
      }
      // inserted values strictly below qValue: ranks 1..lowerBound(values, qValue)
      long n = 0;
      for (int r = lowerBound(values, qValue[q]); r > 0; r -= r & -r) {
        n += tree[r];
      }
      result[q] = n;
    }
    return result;
  }

  /** The number of entries of sorted {@code values} that are less than {@code v}. */
  private static int lowerBound(long[] values, long v) {
    int lo = 0;
    int hi = values.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (values[mid] < v) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }
}
