package io.replikit.sharding;

import java.util.List;
import java.util.Map;

/**
 * Where the replicas of a sharded keyspace run, as the replicas themselves answered: {@code nodes} the cluster's Up
 * members, {@code placed} entity id to node, {@code unplaced} the replicas that did not answer within the request
 * timeout (not placed, or on a node that just left), {@code perNode} replicas hosted by each node that hosts any.
 * {@code warning} says in words what is wrong (fewer nodes than replicas per group, replicas missing), or is null.
 */
public record Placement(String keyspace, int nodes, int replicasPerGroup, Map<String, String> placed,
    List<String> unplaced, Map<String, Integer> perNode, String warning) {

  public Placement {
    placed = Map.copyOf(placed);
    unplaced = List.copyOf(unplaced);
    perNode = Map.copyOf(perNode);
  }

  /** Most replicas on one node (0 if none placed). */
  public int maxPerNode() {
    return perNode.values().stream().mapToInt(Integer::intValue).max().orElse(0);
  }

  /** Fewest replicas on one Up node: 0 if some Up node hosts none. */
  public int minPerNode() {
    int min = perNode.values().stream().mapToInt(Integer::intValue).min().orElse(0);
    return perNode.size() < nodes ? 0 : min;
  }

  /** Whether some node hosts two replicas of one group (never, by the allocation rule). */
  public boolean coLocated() {
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (Map.Entry<String, String> e : placed.entrySet()) {
      String group = e.getKey().substring(0, e.getKey().lastIndexOf("-r"));
      if (!seen.add(group + "@" + e.getValue())) {
        return true;
      }
    }
    return false;
  }
}
