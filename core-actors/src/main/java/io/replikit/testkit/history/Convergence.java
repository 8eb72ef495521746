package io.replikit.testkit.history;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Convergence: after the faults healed and the system went quiet, every replica holds the same values (and the same
 * siblings, compared as sets) for every key. A key a replica lacks counts as absent.
 */
public final class Convergence {
  private Convergence() {}

  public static final String NAME = "convergence";

  /** {@code replicas}: per replica, per key, the values it holds; every replica holds every key. */
  public static Verdict check(Map<String, Map<String, List<JsonNode>>> replicas) {
    return check(replicas, Map.of());
  }

  /**
   * As {@link #check(Map)}, where a key listed in {@code holders} is compared only among the replicas named there
   * (a leaderless key lives on its n home replicas, not on every node); keys not listed, among all replicas.
   */
  public static Verdict check(Map<String, Map<String, List<JsonNode>>> replicas, Map<String, Set<String>> holders) {
    Set<String> keys = new TreeSet<>();
    replicas.values().forEach(m -> keys.addAll(m.keySet()));
    keys.addAll(holders.keySet());
    List<String> anomalies = new ArrayList<>();
    for (String key : keys) {
      Set<Set<JsonNode>> distinct = new HashSet<>();
      StringBuilder who = new StringBuilder();
      Set<String> among = holders.get(key);
      for (Map.Entry<String, Map<String, List<JsonNode>>> r : replicas.entrySet()) {
        if (among != null && !among.contains(r.getKey())) {
          continue;
        }
        Set<JsonNode> values = new HashSet<>(r.getValue().getOrDefault(key, List.of()));
        distinct.add(values);
        who.append(' ').append(r.getKey()).append('=').append(values);
      }
      if (distinct.size() > 1) {
        anomalies.add("key " + key + " diverged:" + who);
      }
    }
    return Verdict.of(NAME, anomalies, replicas.size() + " replicas, " + keys.size() + " keys");
  }
}
