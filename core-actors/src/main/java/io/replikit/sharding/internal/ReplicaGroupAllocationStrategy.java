package io.replikit.sharding.internal;

import akka.actor.ActorRef;
import akka.actor.Address;
import akka.cluster.sharding.ShardCoordinator;
import akka.dispatch.Futures;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.collection.immutable.IndexedSeq;
import scala.concurrent.Future;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Cluster Sharding's allocation strategy for sharded replica groups: {@link GroupPlacementRule} applied to the shard
 * regions the coordinator reports (one region per node). A refused replica is answered with a failed allocation,
 * which the coordinator logs and retries when the region asks again; this strategy logs a warning naming the
 * replica once per refusal reason, so that "fewer nodes than replicas" is said, not silently worked around.
 */
public final class ReplicaGroupAllocationStrategy extends ShardCoordinator.AbstractShardAllocationStrategy
    implements ShardCoordinator.ActorSystemDependentAllocationStrategy {
  private static final Logger log = LoggerFactory.getLogger(ReplicaGroupAllocationStrategy.class);
  private final GroupPlacementRule rule;
  private final int maxMovesPerRound;
  private final Map<String, String> refusedLogged = new HashMap<>();
  private Address selfAddress;

  public ReplicaGroupAllocationStrategy(int replicasPerGroup, int maxMovesPerRound) {
    if (maxMovesPerRound < 1) {
      throw new IllegalArgumentException("replikit.sharding.rebalance-max-moves must be at least 1, was "
          + maxMovesPerRound);
    }
    this.rule = new GroupPlacementRule(replicasPerGroup);
    this.maxMovesPerRound = maxMovesPerRound;
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
    Set<String> moves = rule.rebalance(byNode(currentShardAllocations, new HashMap<>()), rebalanceInProgress,
        maxMovesPerRound);
    if (!moves.isEmpty()) {
      log.info("rebalancing replicas {} to even out replicas per node", moves);
    }
    return Futures.successful(moves);
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
