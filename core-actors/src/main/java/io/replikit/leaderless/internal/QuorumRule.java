package io.replikit.leaderless.internal;

import io.replikit.leaderless.Coordinator;
import io.replikit.leaderless.ring.RingNode;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * When a request has heard from enough replicas: w (or r) of all the replicas asked, a majority of the coordinator's
 * datacenter's replicas (LOCAL_QUORUM), or a majority of every datacenter's (EACH_QUORUM). Pure: the request actors
 * ask it after every answer, and it says in words what is missing when the timeout comes.
 */
final class QuorumRule {
  private final Coordinator.Level level;
  private final int count;
  /** Replicas asked, per datacenter. */
  private final Map<String, Integer> asked;
  /** Answers needed, per datacenter (for COUNT: the single entry "" with the count). */
  private final Map<String, Integer> needed;
  private final Map<String, String> dcOf;

  private QuorumRule(Coordinator.Level level, int count, Map<String, Integer> asked, Map<String, Integer> needed,
      Map<String, String> dcOf) {
    this.level = level;
    this.count = count;
    this.asked = asked;
    this.needed = needed;
    this.dcOf = dcOf;
  }

  /** w or r answers from any of {@code replicas}. */
  static QuorumRule count(int count, List<RingNode> replicas) {
    return new QuorumRule(Coordinator.Level.COUNT, count, Map.of("", replicas.size()), Map.of("", count),
        dcOf(replicas));
  }

  /**
   * The rule of {@code level} over {@code replicas} (every replica the request asks), for a coordinator in
   * {@code localDc}; {@code count} is w or r for {@link Coordinator.Level#COUNT}. Throws
   * {@link IllegalArgumentException} naming the problem when the level cannot be met by these replicas at all.
   */
  static QuorumRule of(Coordinator.Level level, int count, List<RingNode> replicas, String localDc) {
    if (level == Coordinator.Level.COUNT) {
      return count(count, replicas);
    }
    Map<String, Integer> perDc = new TreeMap<>();
    for (RingNode r : replicas) {
      perDc.merge(r.datacenter(), 1, Integer::sum);
    }
    Map<String, Integer> needed = new TreeMap<>();
    if (level == Coordinator.Level.LOCAL_QUORUM) {
      Integer local = localDc == null ? null : perDc.get(localDc);
      if (local == null) {
        throw new IllegalArgumentException("LOCAL_QUORUM needs replicas in the coordinator's datacenter "
            + (localDc == null ? "(the coordinator's node is not on the ring)" : localDc) + "; the key's replicas are in "
            + perDc.keySet());
      }
      needed.put(localDc, local / 2 + 1);
    } else {
      perDc.forEach((dc, n) -> needed.put(dc, n / 2 + 1));
    }
    int total = needed.values().stream().mapToInt(Integer::intValue).sum();
    return new QuorumRule(level, total, perDc, needed, dcOf(replicas));
  }

  private static Map<String, String> dcOf(List<RingNode> replicas) {
    Map<String, String> m = new LinkedHashMap<>();
    replicas.forEach(r -> m.put(r.id(), r.datacenter()));
    return m;
  }

  /** Whether the answers of {@code answered} (node ids) meet the rule. */
  boolean met(Collection<String> answered) {
    if (level == Coordinator.Level.COUNT) {
      return countKnown(answered) >= count;
    }
    Map<String, Integer> got = perDc(answered);
    for (Map.Entry<String, Integer> e : needed.entrySet()) {
      if (got.getOrDefault(e.getKey(), 0) < e.getValue()) {
        return false;
      }
    }
    return true;
  }

  /** Answers the rule needs in all (w or r for COUNT; the sum of the datacenters' majorities otherwise). */
  int needed() {
    return count;
  }

  /** Answers that count toward the rule (for LOCAL_QUORUM only the local datacenter's). */
  int counted(Collection<String> answered) {
    if (level == Coordinator.Level.COUNT) {
      return countKnown(answered);
    }
    Map<String, Integer> got = perDc(answered);
    int sum = 0;
    for (Map.Entry<String, Integer> e : needed.entrySet()) {
      sum += Math.min(got.getOrDefault(e.getKey(), 0), e.getValue());
    }
    return sum;
  }

  /** What was heard against what is needed, in words: "dc1 1 of 3 (needs 2), dc2 2 of 3 (needs 2)". */
  String progress(Collection<String> answered) {
    if (level == Coordinator.Level.COUNT) {
      return countKnown(answered) + " of " + asked.get("") + " replicas (needs " + count + ")";
    }
    Map<String, Integer> got = perDc(answered);
    StringBuilder b = new StringBuilder(level.name()).append(": ");
    String sep = "";
    for (Map.Entry<String, Integer> e : needed.entrySet()) {
      b.append(sep).append(e.getKey()).append(' ').append(got.getOrDefault(e.getKey(), 0)).append(" of ")
          .append(asked.get(e.getKey())).append(" (needs ").append(e.getValue()).append(')');
      sep = ", ";
    }
    return b.toString();
  }

  /** The datacenters whose answers the rule waits for (every datacenter asked for COUNT). */
  Set<String> datacenters() {
    return level == Coordinator.Level.COUNT ? Set.copyOf(dcOf.values()) : needed.keySet();
  }

  private int countKnown(Collection<String> answered) {
    int n = 0;
    for (String a : answered) {
      if (dcOf.containsKey(a)) {
        n++;
      }
    }
    return n;
  }

  private Map<String, Integer> perDc(Collection<String> answered) {
    Map<String, Integer> got = new TreeMap<>();
    for (String a : answered) {
      String dc = dcOf.get(a);
      if (dc != null) {
        got.merge(dc, 1, Integer::sum);
      }
    }
    return got;
  }
}
