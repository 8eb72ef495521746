package io.replikit.sharding;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.cluster.sharding.typed.javadsl.EntityRef;
import akka.cluster.sharding.typed.javadsl.EntityTypeKey;
import io.replikit.cluster.ReceptionistTransport;
import io.replikit.singleleader.Replica;
import io.replikit.singleleader.ReplicaStatus;
import io.replikit.singleleader.SingleLeaderSettings;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * A sharded keyspace of single-leader groups on this node ({@link ShardedGroups} with this family): {@link #init} registers the keyspace's replicas as a Cluster Sharding entity
 * type ({@code replikit-<keyspace>}), one shard per replica, placed by a strategy that never puts two replicas of
 * one group on one node and evens out replicas per node; it keeps every replica running (a keep-alive every
 * {@code keep-alive-interval}) and gives a {@link KeyRouter}. Call it on every node that should host replicas,
 * with the same keyspace and settings.
 *
 * <p>Survives: the loss of a minority of each group's replicas (a node down or leaving: the others elect a leader
 * if needed and keep taking writes; with semi-sync or sync acknowledgement no acknowledged write is lost).
 * With fewer Up nodes than replicas per group the missing replicas are not placed (a warning is logged, and
 * {@link #placement} says so) until nodes join. A replica placed anew on another node starts from that node's
 * journal: with a journal the nodes share (PostgreSQL) it recovers its own log and votes; with a journal per node it
 * starts empty, and since it may have forgotten what it acknowledged and whom it voted for, it does not vote yet:
 * every replica here runs with {@code rejoin-when-empty}, so an empty replica asks the other voters what they hold
 * and, if the group has a history, rejoins as a non-voting member (no votes, no candidacy, not counted for
 * acknowledgements or the lease) until it holds its leader's log up to a point that leader named; then it votes
 * again. The price: a new group starts only once all its replicas run, and while one rejoins its group needs every
 * other replica for a majority. Does not
 * survive: a majority of a group's nodes lost at once; a network partition without a downing provider (sharding and
 * the groups then wait).
 */
public final class ShardedReplicaGroups {
  private final ShardedGroups<Replica.Command> groups;
  private final KeyRouter router;

  private ShardedReplicaGroups(ActorSystem<?> system, ShardedKeyspace keyspace, SingleLeaderSettings settings) {
    this.groups = ShardedGroups.init(system, keyspace, family(settings));
    this.router = new KeyRouter(system, groups.typeKey(), keyspace);
  }

  /** Starts hosting {@code keyspace}'s replicas on {@code system}'s node (a cluster member). */
  public static ShardedReplicaGroups init(ActorSystem<?> system, ShardedKeyspace keyspace,
      SingleLeaderSettings settings) {
    return new ShardedReplicaGroups(system, keyspace, settings);
  }

  /**
   * The single-leader family: each replica is a {@link Replica} of the partition's group
   * ({@link ShardedKeyspace#groupSpec}) with {@code settings} and {@code rejoin-when-empty} on, since a replica
   * may be placed anew on a node whose journal lacks it and an empty journal must not be taken for a new group.
   */
  public static ShardedFamily<Replica.Command> family(SingleLeaderSettings settings) {
    SingleLeaderSettings rejoining = settings.withRejoinWhenEmpty(true);
    return new ShardedFamily<>() {
      @Override
      public String name() {
        return "single-leader";
      }

      @Override
      public Class<Replica.Command> commandType() {
        return Replica.Command.class;
      }

      @Override
      public Behavior<Replica.Command> replica(ShardedKeyspace keyspace, ReplicaSlot slot,
          ReceptionistTransport transport) {
        return Replica.create(keyspace.groupSpec(slot.partition()), slot.replicaId(), rejoining, transport);
      }

      @Override
      public Replica.Command keepAlive(String from) {
        return new ShardedReplica.KeepAlive(from);
      }

      @Override
      public Replica.Command whereAreYou(ActorRef<ShardedReplica.Location> replyTo) {
        return new ShardedReplica.WhereAreYou(replyTo);
      }

      /** A group is settled when every replica votes: none asking about, nor catching up with, a group it lost. */
      @Override
      public CompletionStage<Boolean> settled(ShardedKeyspace keyspace, List<EntityRef<Replica.Command>> replicas) {
        return ShardedFamily.allOf(replicas.stream()
            .map(r -> r.<ReplicaStatus>ask(Replica.GetStatus::new, keyspace.requestTimeout())
                .thenApply(s -> !s.rejoining()))
            .toList());
      }
    };
  }

  /** The family-independent hosting underneath (placement, keep-alive, entity refs). */
  public ShardedGroups<Replica.Command> groups() {
    return groups;
  }

  public ShardedKeyspace keyspace() {
    return groups.keyspace();
  }

  public EntityTypeKey<Replica.Command> typeKey() {
    return groups.typeKey();
  }

  public KeyRouter router() {
    return router;
  }

  /** The sharded entity of replica {@code replica} of {@code partition}: takes any {@link Replica.Command}. */
  public EntityRef<Replica.Command> replica(int partition, int replica) {
    return groups.replica(partition, replica);
  }

  /** Which node replica {@code replica} of {@code partition} runs on; fails after the request timeout if nowhere. */
  public CompletionStage<ShardedReplica.Location> locate(int partition, int replica) {
    return groups.locate(partition, replica);
  }

  /** Asks every replica where it runs (waits at most the request timeout) and sums up the placement. */
  public CompletionStage<Placement> placement() {
    return groups.placement();
  }
}
