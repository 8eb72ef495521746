package io.replikit.testkit.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a group holds once a scenario's faults healed and it went quiet: the value(s) a final read of every key
 * returned, and what each replica holds, for the lost-write and convergence checkers.
 *
 * @param finalValues per key, the values (all siblings) a final read returned; empty: absent
 * @param replicas per replica, per key, the values it holds
 * @param holders per key, the replicas that must hold it (leaderless: its home replicas); a key not listed is held
 *     by every replica
 * @param detail how the group settled (for the report)
 */
public record Settled(Map<String, List<JsonNode>> finalValues, Map<String, Map<String, List<JsonNode>>> replicas,
    Map<String, Set<String>> holders, String detail) {
  public Settled {
    finalValues = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(finalValues));
    replicas = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(replicas));
    holders = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(holders));
  }
}
