package io.replikit.sharding.internal;

import io.replikit.sharding.ReplicaSlot;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * The allocation rule of sharded replica groups, driven the way Akka's shard coordinator drives it: shards
 * allocated one by one in an arbitrary (seeded) order, rebalance rounds whose shards are taken away and then
 * allocated again, nodes joining and leaving.
 */
class GroupPlacementRuleTest {

  private static List<String> slots(int partitions, int replicas) {
    List<String> all = new ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      for (int r = 0; r < replicas; r++) {
        all.add(new ReplicaSlot("ks", p, r).entityId());
      }
    }
    return all;
  }

  private static TreeMap<String, TreeSet<String>> nodes(int n) {
    TreeMap<String, TreeSet<String>> nodes = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      nodes.put("node-" + i, new TreeSet<>());
    }
    return nodes;
  }

  /** Allocates {@code shards} in order; returns those refused. */
  private static List<String> allocateAll(GroupPlacementRule rule, Map<String, TreeSet<String>> nodes,
      List<String> shards) {
    List<String> refused = new ArrayList<>();
    for (String s : shards) {
      GroupPlacementRule.Allocation a = rule.allocate(s, nodes);
      if (a instanceof GroupPlacementRule.Placed p) {
        nodes.get(p.node()).add(s);
      } else {
        refused.add(s);
      }
      assertNoGroupTwiceOnANode(nodes);
    }
    return refused;
  }

  /** Runs rebalance rounds as the coordinator does until one moves nothing; returns every shard moved. */
  private static List<String> rebalanceUntilQuiet(GroupPlacementRule rule, Map<String, TreeSet<String>> nodes,
      int maxMoves) {
    List<String> moved = new ArrayList<>();
    for (int round = 0; round < 10_000; round++) {
      Set<String> moves = rule.rebalance(nodes, Set.of(), maxMoves);
      if (moves.isEmpty()) {
        return moved;
      }
      assertTrue(moves.size() <= maxMoves, "a round moves at most " + maxMoves + ": " + moves);
      Set<String> groups = new HashSet<>();
      for (String s : moves) {
        assertTrue(groups.add(ReplicaSlot.parse(s).orElseThrow().groupId()), "one replica per group per round: "
            + moves);
        nodes.values().forEach(shards -> shards.remove(s));
      }
      assertEquals(List.of(), allocateAll(rule, nodes, new ArrayList<>(moves)), "a moved replica finds a node");
      moved.addAll(moves);
    }
    throw new AssertionError("rebalancing did not settle");
  }

  private static void assertNoGroupTwiceOnANode(Map<String, TreeSet<String>> nodes) {
    for (Map.Entry<String, TreeSet<String>> n : nodes.entrySet()) {
      Set<String> groups = new HashSet<>();
      for (String s : n.getValue()) {
        assertTrue(groups.add(ReplicaSlot.parse(s).orElseThrow().groupId()),
            n.getKey() + " hosts two replicas of one group: " + n.getValue());
      }
    }
  }

  private static int spread(Map<String, TreeSet<String>> nodes) {
    int max = nodes.values().stream().mapToInt(Set::size).max().orElse(0);
    int min = nodes.values().stream().mapToInt(Set::size).min().orElse(0);
    return max - min;
  }

  private static Map<String, String> where(Map<String, TreeSet<String>> nodes) {
    Map<String, String> where = new HashMap<>();
    nodes.forEach((n, shards) -> shards.forEach(s -> where.put(s, n)));
    return where;
  }

  @Property(tries = 300)
  void noNodeEverHostsTwoReplicasOfOneGroupAndAReplicaIsRefusedOnlyWhenEveryNodeHasItsGroup(
      @ForAll @IntRange(min = 1, max = 7) int nodeCount, @ForAll @IntRange(min = 1, max = 25) int partitions,
      @ForAll @IntRange(min = 1, max = 5) int replicas, @ForAll long seed) {
    GroupPlacementRule rule = new GroupPlacementRule(replicas);
    TreeMap<String, TreeSet<String>> nodes = nodes(nodeCount);
    List<String> order = slots(partitions, replicas);
    Collections.shuffle(order, new Random(seed));
    List<String> refused = allocateAll(rule, nodes, order);
    assertEquals(Math.max(0, replicas - nodeCount) * partitions, refused.size(),
        "exactly the replicas without a node of their own are refused");
    for (int p = 0; p < partitions; p++) {
      int placed = 0;
      for (TreeSet<String> shards : nodes.values()) {
        for (String s : shards) {
          placed += ReplicaSlot.parse(s).orElseThrow().partition() == p ? 1 : 0;
        }
      }
      assertEquals(Math.min(replicas, nodeCount), placed, "replicas of partition " + p + " placed");
    }
  }

  @Property(tries = 300)
  void withAtLeastAsManyNodesAsReplicasEveryReplicaIsPlacedAndRebalancingEvensNodesToWithinOne(
      @ForAll @IntRange(min = 1, max = 5) int replicas, @ForAll @IntRange(min = 0, max = 4) int extraNodes,
      @ForAll @IntRange(min = 1, max = 25) int partitions, @ForAll @IntRange(min = 1, max = 4) int maxMoves,
      @ForAll long seed) {
    GroupPlacementRule rule = new GroupPlacementRule(replicas);
    TreeMap<String, TreeSet<String>> nodes = nodes(replicas + extraNodes);
    List<String> order = slots(partitions, replicas);
    Collections.shuffle(order, new Random(seed));
    assertEquals(List.of(), allocateAll(rule, nodes, order));
    rebalanceUntilQuiet(rule, nodes, maxMoves);
    assertTrue(spread(nodes) <= 1, "replicas per node differ by at most one: " + nodes);
    assertEquals(partitions * replicas, where(nodes).size());
  }

  @Property(tries = 300)
  void aJoiningNodeReceivesEveryMovedReplicaAndNoMoreThanItsShare(
      @ForAll @IntRange(min = 1, max = 5) int replicas, @ForAll @IntRange(min = 0, max = 3) int extraNodes,
      @ForAll @IntRange(min = 1, max = 25) int partitions, @ForAll long seed) {
    GroupPlacementRule rule = new GroupPlacementRule(replicas);
    TreeMap<String, TreeSet<String>> nodes = nodes(replicas + extraNodes);
    List<String> order = slots(partitions, replicas);
    Collections.shuffle(order, new Random(seed));
    allocateAll(rule, nodes, order);
    rebalanceUntilQuiet(rule, nodes, 2);
    Map<String, String> before = where(nodes);

    nodes.put("node-joined", new TreeSet<>());
    List<String> moved = rebalanceUntilQuiet(rule, nodes, 2);
    Map<String, String> after = where(nodes);
    int total = partitions * replicas;
    int share = (total + nodes.size() - 1) / nodes.size();
    assertTrue(moved.size() <= share, moved.size() + " moves for a share of " + share);
    for (Map.Entry<String, String> e : after.entrySet()) {
      if (!e.getValue().equals(before.get(e.getKey()))) {
        assertEquals("node-joined", e.getValue(), e.getKey() + " moved between old nodes");
      }
    }
    assertTrue(spread(nodes) <= 1, "balanced after the join: " + nodes);
    assertNoGroupTwiceOnANode(nodes);
  }

  @Property(tries = 300)
  void whenANodeLeavesOnlyItsReplicasArePlacedAgainAndTheRestStayUntilRebalancing(
      @ForAll @IntRange(min = 1, max = 5) int replicas, @ForAll @IntRange(min = 1, max = 3) int extraNodes,
      @ForAll @IntRange(min = 1, max = 25) int partitions, @ForAll @IntRange(min = 0, max = 7) int leaving,
      @ForAll long seed) {
    GroupPlacementRule rule = new GroupPlacementRule(replicas);
    TreeMap<String, TreeSet<String>> nodes = nodes(replicas + extraNodes);
    List<String> order = slots(partitions, replicas);
    Random random = new Random(seed);
    Collections.shuffle(order, random);
    allocateAll(rule, nodes, order);
    rebalanceUntilQuiet(rule, nodes, 2);
    Map<String, String> before = where(nodes);

    String gone = "node-" + (leaving % nodes.size());
    List<String> orphans = new ArrayList<>(nodes.remove(gone));
    Collections.shuffle(orphans, random);
    assertEquals(List.of(), allocateAll(rule, nodes, orphans), "R nodes remain: every replica has a node");
    Map<String, String> after = where(nodes);
    for (Map.Entry<String, String> e : before.entrySet()) {
      if (!e.getValue().equals(gone)) {
        assertEquals(e.getValue(), after.get(e.getKey()), e.getKey() + " stays where it was");
      }
    }
    List<String> moved = rebalanceUntilQuiet(rule, nodes, 2);
    assertTrue(moved.size() <= orphans.size(), "rebalancing after a leave moves at most as many replicas as left ("
        + orphans.size() + "), moved " + moved);
    assertTrue(spread(nodes) <= 1, "balanced after the leave: " + nodes);
  }

  @Test
  void withTwoNodesForThreeReplicasTheThirdReplicaIsRefusedNamingTheGroupAndTheCounts() {
    GroupPlacementRule rule = new GroupPlacementRule(3);
    Map<String, List<String>> nodes = Map.of("a", List.of("ks-p0-r0"), "b", List.of("ks-p0-r1"));
    GroupPlacementRule.Refused refused =
        assertInstanceOf(GroupPlacementRule.Refused.class, rule.allocate("ks-p0-r2", nodes));
    assertTrue(refused.reason().contains("ks-p0") && refused.reason().contains("2 nodes for 3 replicas"),
        refused.reason());
    assertEquals(new GroupPlacementRule.Placed("a"), rule.allocate("ks-p1-r0", nodes), "ties go to the first name");
  }

  @Test
  void badShardIdsAreRefusedWithAClearReason() {
    GroupPlacementRule rule = new GroupPlacementRule(3);
    Map<String, List<String>> nodes = Map.of("a", List.of());
    assertTrue(((GroupPlacementRule.Refused) rule.allocate("orders", nodes)).reason().contains("not a replica slot"));
    assertTrue(((GroupPlacementRule.Refused) rule.allocate("ks-p0-r3", nodes)).reason().contains("r0 to r2"));
  }

  @Test
  void rebalancingNeverMovesAReplicaOfAGroupThatIsAlreadyMissingOne() {
    GroupPlacementRule rule = new GroupPlacementRule(3);
    // ks-p0 has only two replicas placed (one is being placed or has no node); a, b, c, d are uneven
    Map<String, List<String>> nodes = new TreeMap<>(Map.of(
        "a", List.of("ks-p0-r0", "ks-p1-r0", "ks-p2-r0"),
        "b", List.of("ks-p0-r1", "ks-p1-r1", "ks-p2-r1"),
        "c", List.of("ks-p1-r2", "ks-p2-r2"),
        "d", List.of()));
    Set<String> moves = rule.rebalance(nodes, Set.of(), 5);
    assertFalse(moves.stream().anyMatch(s -> s.startsWith("ks-p0-")), "moved: " + moves);
    assertFalse(moves.isEmpty());
    assertEquals(Set.of(), rule.rebalance(nodes, Set.of("ks-p1-r0"), 5), "one round at a time");
  }

  @Test
  void aRebalanceMovesNoReplicaOfAGroupWhoseReplicasAreNotAllSettledAndMovesAnotherGroupInstead() throws Exception {
    GroupPlacementRule rule = new GroupPlacementRule(3);
    // a holds four replicas, d none: one move evens them out, and either group on a may take it
    Map<String, List<String>> nodes = new TreeMap<>(Map.of(
        "a", List.of("ks-p0-r0", "ks-p1-r0", "ks-p2-r0", "ks-p3-r0"),
        "b", List.of("ks-p0-r1", "ks-p1-r1", "ks-p2-r1", "ks-p3-r1"),
        "c", List.of("ks-p0-r2", "ks-p1-r2", "ks-p2-r2", "ks-p3-r2"),
        "d", List.of()));
    Set<String> unheld = rule.rebalance(nodes, Set.of(), 1);
    assertEquals(1, unheld.size(), "one move: " + unheld);
    String first = ReplicaSlot.parse(unheld.iterator().next()).orElseThrow().groupId();

    // the group the plain round would move has a replica catching up: another group moves instead
    List<String> asked = new ArrayList<>();
    Set<String> moves = rule.rebalanceSettled(nodes, Set.of(), 1, slot -> {
      asked.add(slot.groupId());
      return java.util.concurrent.CompletableFuture.completedFuture(!slot.groupId().equals(first));
    }).toCompletableFuture().get();
    assertEquals(1, moves.size(), "moved: " + moves);
    String moved = ReplicaSlot.parse(moves.iterator().next()).orElseThrow().groupId();
    assertFalse(moved.equals(first), "the unsettled group " + first + " keeps its replicas: " + moves);
    assertEquals(List.of(first, moved), asked, "each group asked once");

    // nothing settled, or the question failing: nothing moves, and the planning ends
    assertEquals(Set.of(), rule.rebalanceSettled(nodes, Set.of(), 2,
        slot -> java.util.concurrent.CompletableFuture.completedFuture(false)).toCompletableFuture().get());
    assertEquals(Set.of(), rule.rebalanceSettled(nodes, Set.of(), 2,
        slot -> java.util.concurrent.CompletableFuture.<Boolean>failedFuture(new RuntimeException("silent")))
        .toCompletableFuture().get());
    // every group settled: the plain round's moves
    assertEquals(rule.rebalance(nodes, Set.of(), 2), rule.rebalanceSettled(nodes, Set.of(), 2,
        slot -> java.util.concurrent.CompletableFuture.completedFuture(true)).toCompletableFuture().get());
  }
}
