package io.replikit.sharding;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.cluster.sharding.typed.javadsl.EntityRef;
import io.replikit.cluster.ReceptionistTransport;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * What {@link ShardedGroups} needs to know of a replication family to host its replica groups on Cluster Sharding:
 * the type of the commands a replica takes from clients, how to make one replica of a partition's group, and the
 * two sharding messages ({@link ShardedReplica.KeepAliveSignal}, {@link ShardedReplica.LocationQuery}) as commands
 * of that type, so that they reach the entity through sharding like any request.
 *
 * <p>The family's replica talks to the other replicas of its group through {@code transport} (never through
 * sharding), and must be safe to start on a node whose journal does not hold it (sharding moves replicas): a
 * replica that starts empty must not reuse identities it may have used before its journal was lost (the
 * single-leader family rejoins without a vote; the leaderless and multi-leader families write under a new
 * incarnation).
 *
 * @param <C> the commands of the family's replica
 */
public interface ShardedFamily<C> {
  /** A short name for logs and status: {@code single-leader}, {@code leaderless}, {@code multi-leader}. */
  String name();

  Class<C> commandType();

  /** Replica {@code slot} of {@code keyspace}, started on this node; its group is {@code slot.groupId()}. */
  Behavior<C> replica(ShardedKeyspace keyspace, ReplicaSlot slot, ReceptionistTransport transport);

  /** A keep-alive from {@code from} as a command of this family: it must implement {@link ShardedReplica.KeepAliveSignal}. */
  C keepAlive(String from);

  /** A location query as a command of this family: it must implement {@link ShardedReplica.LocationQuery}. */
  C whereAreYou(ActorRef<ShardedReplica.Location> replyTo);

  /**
   * Whether the group whose replicas are {@code replicas} (every slot of one partition of {@code keyspace}, in slot
   * order) is settled: each replica holds what the group needs of it, so that moving one of them now costs the group
   * no more than that one replica's state. A rebalance moves a replica only while its group is settled (answered
   * within the keyspace's request timeout; a failure or a silent replica counts as not settled), because with
   * per-node journals a move loses the moved replica's journal: a second move before the first replica caught up
   * would leave a group of three one crash away from having no majority that remembers its history. Moves forced by
   * a node leaving do not ask.
   *
   * <p>The default: every replica runs (answers a location query). The single-leader family: every replica votes
   * (none rejoining after a lost journal). The leaderless family: no replica refilling (each placed without its
   * journal has completed an anti-entropy round with every peer since).
   */
  default CompletionStage<Boolean> settled(ShardedKeyspace keyspace, List<EntityRef<C>> replicas) {
    return allOf(replicas.stream()
        .map(r -> r.ask(this::whereAreYou, keyspace.requestTimeout()).thenApply(location -> true))
        .toList());
  }

  /** True once every answer is true; false as soon as one is false or fails (a helper for {@link #settled}). */
  static CompletionStage<Boolean> allOf(List<? extends CompletionStage<Boolean>> answers) {
    List<CompletableFuture<Boolean>> all = answers.stream()
        .map(a -> a.toCompletableFuture().exceptionally(e -> false)).toList();
    return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
        .thenApply(v -> all.stream().allMatch(CompletableFuture::join));
  }
}
