package io.replikit.sharding.internal;

import io.replikit.sharding.ReplicaSlot;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * Where the replicas of sharded replica groups go, without actors: every shard is one replica slot
 * ({@link ReplicaSlot}), and no node ever hosts two replicas of one group, so that losing a node costs each group
 * at most one replica. Among the nodes allowed, a replica goes to the one hosting fewest shards (ties: the smallest
 * node name, so that every coordinator decides alike). With fewer nodes than replicas per group a replica is
 * <b>refused</b>, not doubled up on a node: its group runs with fewer replicas (a majority while at most a minority
 * is missing) until a node joins.
 *
 * <p>Rebalancing moves replicas from the most to the least loaded nodes until hosted counts differ by at most one,
 * at most one replica per group per round and none of a group that is missing a replica, so that a group keeps a
 * majority while its replicas move; with {@link #rebalanceSettled}, none of a group whose replicas are not all
 * settled either (one still catching up after an earlier move: moving a second would leave a group of three one
 * crash away from having no majority that remembers it). It does not know load other than shard counts (a busy
 * group counts as one shard per replica like an idle one).
 */
public final class GroupPlacementRule {
  private final int replicasPerGroup;

  public GroupPlacementRule(int replicasPerGroup) {
    if (replicasPerGroup < 1) {
      throw new IllegalArgumentException("replicas per group must be at least 1, was " + replicasPerGroup);
    }
    this.replicasPerGroup = replicasPerGroup;
  }

  public int replicasPerGroup() {
    return replicasPerGroup;
  }

  /** The outcome of {@link #allocate}. */
  public sealed interface Allocation {}

  /** The shard goes to {@code node}. */
  public record Placed(String node) implements Allocation {}

  /** The shard goes nowhere now; {@code reason} says why and what would change it. */
  public record Refused(String reason) implements Allocation {}

  /**
   * Where {@code shard} goes, given the shards each active node hosts now ({@code allocations}: every node that
   * may host shards, with an empty collection if it hosts none).
   */
  public Allocation allocate(String shard, Map<String, ? extends Collection<String>> allocations) {
    Optional<ReplicaSlot> parsed = ReplicaSlot.parse(shard);
    if (parsed.isEmpty()) {
      return new Refused("shard id '" + shard + "' is not a replica slot '<keyspace>-p<partition>-r<replica>'");
    }
    ReplicaSlot slot = parsed.get();
    if (slot.replica() >= replicasPerGroup) {
      return new Refused("shard '" + shard + "' names replica " + slot.replica() + " but groups have "
          + replicasPerGroup + " replicas (r0 to r" + (replicasPerGroup - 1) + ")");
    }
    if (allocations.isEmpty()) {
      return new Refused("no node hosts replicas yet");
    }
    TreeMap<String, ? extends Collection<String>> nodes = new TreeMap<>(allocations);
    for (Map.Entry<String, ? extends Collection<String>> n : nodes.entrySet()) {
      if (n.getValue().contains(shard)) {
        return new Placed(n.getKey());
      }
    }
    String best = null;
    int bestLoad = Integer.MAX_VALUE;
    for (Map.Entry<String, ? extends Collection<String>> n : nodes.entrySet()) {
      if (!hostsGroup(n.getValue(), slot) && n.getValue().size() < bestLoad) {
        best = n.getKey();
        bestLoad = n.getValue().size();
      }
    }
    if (best == null) {
      return new Refused("replica " + shard + " is not placed: each of the " + nodes.size() + " nodes already hosts a"
          + " replica of group " + slot.groupId() + " (" + nodes.size() + " nodes for " + replicasPerGroup
          + " replicas per group); it is placed when a node joins, and its group runs without it until then");
    }
    return new Placed(best);
  }

  /**
   * The shards to move now, at most {@code maxMoves}: first replicas sharing a node with another replica of their
   * group (never made by {@link #allocate}, but possible in state left by another strategy), then replicas of the
   * most loaded nodes while hosted counts differ by more than one. Nothing while a previous round is in progress.
   * Each move is one {@link #allocate} would complete to a node at least two shards lighter than the source.
   */
  public Set<String> rebalance(Map<String, ? extends Collection<String>> allocations, Set<String> inProgress,
      int maxMoves) {
    return rebalance(allocations, inProgress, maxMoves, Set.of());
  }

  /**
   * {@link #rebalance(Map, Set, int)} moving no replica of the groups in {@code heldGroups} (group ids): groups
   * that cannot afford to lose a replica's state now, for one of theirs is still catching up after a move.
   */
  public Set<String> rebalance(Map<String, ? extends Collection<String>> allocations, Set<String> inProgress,
      int maxMoves, Set<String> heldGroups) {
    if (!inProgress.isEmpty() || maxMoves < 1) {
      return Set.of();
    }
    TreeMap<String, TreeSet<String>> sim = new TreeMap<>();
    Map<String, Integer> placedPerGroup = new HashMap<>();
    for (Map.Entry<String, ? extends Collection<String>> n : allocations.entrySet()) {
      sim.put(n.getKey(), new TreeSet<>(n.getValue()));
      for (String s : n.getValue()) {
        ReplicaSlot.parse(s).ifPresent(slot -> placedPerGroup.merge(slot.groupId(), 1, Integer::sum));
      }
    }
    Set<String> movedGroups = new HashSet<>(heldGroups);
    Set<String> moves = new LinkedHashSet<>();
    while (moves.size() < maxMoves) {
      Move m = coLocated(sim, movedGroups);
      if (m == null) {
        m = balancing(sim, movedGroups, placedPerGroup);
      }
      if (m == null) {
        break;
      }
      sim.get(m.from).remove(m.shard);
      sim.get(m.to).add(m.shard);
      movedGroups.add(m.group);
      moves.add(m.shard);
    }
    return moves;
  }

  /**
   * {@link #rebalance(Map, Set, int, Set)} moving only replicas of settled groups: {@code settled} says, for the slot
   * a move would take, whether every replica of its group is settled (holds what the group needs of it; see
   * {@code ShardedFamily#settled}); it must always complete (false when unsure). A move of an unsettled group is
   * dropped and its group held back, and the round is planned again without it, at most {@code maxMoves + 1}
   * times, so that one stuck group does not stop every other group's moves.
   */
  public CompletionStage<Set<String>> rebalanceSettled(Map<String, ? extends Collection<String>> allocations,
      Set<String> inProgress, int maxMoves, Function<ReplicaSlot, CompletionStage<Boolean>> settled) {
    return plan(allocations, inProgress, maxMoves, settled, new HashSet<>(), new HashSet<>(), maxMoves + 1);
  }

  private CompletionStage<Set<String>> plan(Map<String, ? extends Collection<String>> allocations,
      Set<String> inProgress, int maxMoves, Function<ReplicaSlot, CompletionStage<Boolean>> settled,
      Set<String> held, Set<String> settledGroups, int plansLeft) {
    Set<String> moves = rebalance(allocations, inProgress, maxMoves, held);
    Map<String, ReplicaSlot> toAsk = new TreeMap<>();
    for (String shard : moves) {
      ReplicaSlot.parse(shard).filter(s -> !settledGroups.contains(s.groupId()))
          .ifPresent(s -> toAsk.put(s.groupId(), s));
    }
    if (toAsk.isEmpty()) {
      return CompletableFuture.completedFuture(moves);
    }
    List<CompletableFuture<Boolean>> answers = new ArrayList<>();
    for (ReplicaSlot s : toAsk.values()) {
      answers.add(settled.apply(s).toCompletableFuture().exceptionally(e -> false));
    }
    return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).thenCompose(v -> {
      int i = 0;
      boolean newlyHeld = false;
      for (String group : toAsk.keySet()) {
        if (answers.get(i++).join()) {
          settledGroups.add(group);
        } else {
          held.add(group);
          newlyHeld = true;
        }
      }
      if (!newlyHeld) {
        return CompletableFuture.completedFuture(moves);
      }
      if (plansLeft <= 1) {
        Set<String> kept = new LinkedHashSet<>();
        for (String shard : moves) {
          if (ReplicaSlot.parse(shard).map(s -> settledGroups.contains(s.groupId())).orElse(false)) {
            kept.add(shard);
          }
        }
        return CompletableFuture.completedFuture(kept);
      }
      return plan(allocations, inProgress, maxMoves, settled, held, settledGroups, plansLeft - 1);
    });
  }

  private record Move(String shard, String group, String from, String to) {}

  private Move coLocated(TreeMap<String, TreeSet<String>> sim, Set<String> movedGroups) {
    for (Map.Entry<String, TreeSet<String>> n : sim.entrySet()) {
      Set<String> groups = new HashSet<>();
      for (String s : n.getValue()) {
        Optional<ReplicaSlot> slot = ReplicaSlot.parse(s);
        if (slot.isEmpty() || groups.add(slot.get().groupId()) || movedGroups.contains(slot.get().groupId())) {
          continue;
        }
        String to = simulate(sim, n.getKey(), s);
        if (to != null) {
          return new Move(s, slot.get().groupId(), n.getKey(), to);
        }
      }
    }
    return null;
  }

  private Move balancing(TreeMap<String, TreeSet<String>> sim, Set<String> movedGroups,
      Map<String, Integer> placedPerGroup) {
    if (sim.size() < 2) {
      return null;
    }
    int min = sim.values().stream().mapToInt(Set::size).min().orElse(0);
    List<String> heavy = new ArrayList<>(sim.keySet());
    heavy.sort(Comparator.comparingInt((String n) -> -sim.get(n).size()).thenComparing(Comparator.naturalOrder()));
    for (String from : heavy) {
      int load = sim.get(from).size();
      if (load - min <= 1) {
        return null;
      }
      for (String s : sim.get(from)) {
        Optional<ReplicaSlot> slot = ReplicaSlot.parse(s);
        if (slot.isEmpty() || movedGroups.contains(slot.get().groupId())
            || placedPerGroup.getOrDefault(slot.get().groupId(), 0) < replicasPerGroup) {
          continue;
        }
        String to = simulate(sim, from, s);
        if (to != null && sim.get(to).size() <= load - 2) {
          return new Move(s, slot.get().groupId(), from, to);
        }
      }
    }
    return null;
  }

  /** Where {@link #allocate} would put {@code shard} once it left {@code from}; null if nowhere else. */
  private String simulate(TreeMap<String, TreeSet<String>> sim, String from, String shard) {
    Map<String, Collection<String>> without = new TreeMap<>(sim);
    TreeSet<String> rest = new TreeSet<>(sim.get(from));
    rest.remove(shard);
    without.put(from, rest);
    if (allocate(shard, without) instanceof Placed p && !p.node().equals(from)) {
      return p.node();
    }
    return null;
  }

  private static boolean hostsGroup(Collection<String> shards, ReplicaSlot slot) {
    String group = slot.groupId();
    for (String s : shards) {
      Optional<ReplicaSlot> other = ReplicaSlot.parse(s);
      if (other.isPresent() && other.get().groupId().equals(group) && other.get().keyspace().equals(slot.keyspace())) {
        return true;
      }
    }
    return false;
  }
}
