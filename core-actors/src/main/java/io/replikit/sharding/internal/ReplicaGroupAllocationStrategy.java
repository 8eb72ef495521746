package io.replikit.sharding.internal;

import akka.actor.ActorRef;
import akka.actor.Address;
import akka.cluster.sharding.ShardCoordinator;
import akka.dispatch.Futures;
import io.replikit.sharding.ReplicaSlot;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.collection.immutable.IndexedSeq;
import scala.concurrent.Future;
import scala.jdk.javaapi.CollectionConverters;
import scala.jdk.javaapi.FutureConverters;

/**
 * Cluster Sharding's allocation strategy for sharded replica groups: {@link GroupPlacementRule} applied to the shard
 * regions the coordinator reports (one region per node). A refused replica is answered with a failed allocation,
 * which the coordinator logs and retries when the region asks again; this strategy logs a warning naming the
 * replica once per refusal reason, so that "fewer nodes than replicas" is said, not silently worked around.
 * Rebalancing asks the replicas of each group it would move whether they are settled
 * ({@link GroupPlacementRule#rebalanceSettled}) and holds back groups that are not, saying so once per group.
 */
public final class ReplicaGroupAllocationStrategy extends ShardCoordinator.AbstractShardAllocationStrategy
    implements ShardCoordinator.ActorSystemDependentAllocationStrategy {
  private static final Logger log = LoggerFactory.getLogger(ReplicaGroupAllocationStrategy.class);
  private final GroupPlacementRule rule;
  private final int maxMovesPerRound;
  private final Map<String, String> refusedLogged = new HashMap<>();
  private final Function<ReplicaSlot, CompletionStage<Boolean>> settledProbe;
  private final Set<String> heldLogged = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean planning = new AtomicBoolean();
  private Address selfAddress;

  /** Rebalancing without asking whether groups are settled (every group counts as settled). */
  public ReplicaGroupAllocationStrategy(int replicasPerGroup, int maxMovesPerRound) {
    this(replicasPerGroup, maxMovesPerRound, null);
  }

  /**
   * {@code groupSettled}: whether the group of a replica slot is settled ({@code ShardedFamily#settled}); a rebalance
   * moves a replica only while its group is. A failure counts as not settled.
   */
  public ReplicaGroupAllocationStrategy(int replicasPerGroup, int maxMovesPerRound,
      Function<ReplicaSlot, CompletionStage<Boolean>> groupSettled) {
    if (maxMovesPerRound < 1) {
      throw new IllegalArgumentException("replikit.sharding.rebalance-max-moves must be at least 1, was "
          + maxMovesPerRound);
    }
    this.rule = new GroupPlacementRule(replicasPerGroup);
    this.maxMovesPerRound = maxMovesPerRound;
    this.settledProbe = groupSettled;
  }

  /** The refusal of a replica's placement: the message says which replica and why. */
  public static final class PlacementRefused extends RuntimeException {
    public PlacementRefused(String message) {
      super(message, null, false, false); // an expected state, not a bug: no stack trace in the coordinator's log
    }
  }

  @Override
  public void start(akka.actor.ActorSystem system) {
    selfAddress = akka.cluster.Cluster.get(system).selfAddress();
  }

  @Override
  public Future<ActorRef> allocateShard(ActorRef requester, String shardId,
      Map<ActorRef, IndexedSeq<String>> currentShardAllocations) {
    Map<String, ActorRef> regions = new HashMap<>();
    Map<String, List<String>> byNode = byNode(currentShardAllocations, regions);
    GroupPlacementRule.Allocation decision = rule.allocate(shardId, byNode);
    if (decision instanceof GroupPlacementRule.Placed p) {
      if (refusedLogged.remove(shardId) != null) {
        log.info("replica {} placed on {} after waiting for a node", shardId, p.node());
      }
      return Futures.successful(regions.get(p.node()));
    }
    String reason = ((GroupPlacementRule.Refused) decision).reason();
    if (!reason.equals(refusedLogged.put(shardId, reason))) {
      log.warn(reason);
    }
    return Futures.failed(new PlacementRefused(reason));
  }

  @Override
  public Future<java.util.Set<String>> rebalance(Map<ActorRef, IndexedSeq<String>> currentShardAllocations,
      Set<String> rebalanceInProgress) {
    Map<String, List<String>> byNode = byNode(currentShardAllocations, new HashMap<>());
    if (settledProbe == null) {
      return Futures.successful(logged(rule.rebalance(byNode, rebalanceInProgress, maxMovesPerRound)));
    }
    if (!planning.compareAndSet(false, true)) {
      // the previous round's questions are still out (the coordinator ticks on regardless): this round waits
      return Futures.successful(Set.of());
    }
    CompletableFuture<Set<String>> moves = rule.rebalanceSettled(byNode, rebalanceInProgress, maxMovesPerRound,
        this::groupSettled).toCompletableFuture()
        .whenComplete((m, e) -> planning.set(false));
    return FutureConverters.asScala(moves.thenApply(this::logged));
  }

  private Set<String> logged(Set<String> moves) {
    if (!moves.isEmpty()) {
      log.info("rebalancing replicas {} to even out replicas per node", moves);
    }
    return moves;
  }

  /** Whether {@code slot}'s group is settled; logs a group held back once, until it settles. */
  private CompletionStage<Boolean> groupSettled(ReplicaSlot slot) {
    CompletableFuture<Boolean> asked;
    try {
      asked = settledProbe.apply(slot).toCompletableFuture();
    } catch (RuntimeException e) {
      asked = CompletableFuture.failedFuture(e); // never let a family's bug escape into the shard coordinator
    }
    return asked.exceptionally(e -> false).thenApply(settled -> {
      if (settled) {
        if (heldLogged.remove(slot.groupId())) {
          log.info("group {} is settled again: its replicas may be moved to even out replicas per node",
              slot.groupId());
        }
      } else if (heldLogged.add(slot.groupId())) {
        log.info("not moving replicas of group {} to even out replicas per node: not all its replicas are settled "
            + "(one still catching up after a move, or silent); a move now could cost the group its majority",
            slot.groupId());
      }
      return settled;
    });
  }

  private Map<String, List<String>> byNode(Map<ActorRef, IndexedSeq<String>> current, Map<String, ActorRef> regions) {
    Map<String, List<String>> byNode = new HashMap<>();
    for (Map.Entry<ActorRef, IndexedSeq<String>> e : current.entrySet()) {
      String node = nodeOf(e.getKey());
      regions.put(node, e.getKey());
      byNode.put(node, new ArrayList<>(CollectionConverters.asJava(e.getValue())));
    }
    return byNode;
  }

  /** A region's node; the coordinator's own region has a local address, which names no node. */
  private String nodeOf(ActorRef region) {
    Address a = region.path().address();
    return (a.hasLocalScope() && selfAddress != null ? selfAddress : a).toString();
  }
}
