package io.replikit.sharding;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import io.replikit.cluster.ReceptionistTransport;

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
}
