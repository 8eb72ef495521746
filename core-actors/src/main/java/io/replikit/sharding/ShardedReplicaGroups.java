package io.replikit.sharding;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.Props;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.MemberStatus;
import akka.cluster.sharding.typed.ClusterShardingSettings;
import akka.cluster.sharding.typed.ShardingEnvelope;
import akka.cluster.sharding.typed.ShardingMessageExtractor;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.Entity;
import akka.cluster.sharding.typed.javadsl.EntityRef;
import akka.cluster.sharding.typed.javadsl.EntityTypeKey;
import io.replikit.cluster.ReceptionistTransport;
import io.replikit.sharding.internal.ReplicaGroupAllocationStrategy;
import io.replikit.sharding.internal.ReplicaSlot;
import io.replikit.singleleader.Replica;
import io.replikit.singleleader.SingleLeaderSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.StreamSupport;

/**
 * A sharded keyspace on this node: {@link #init} registers the keyspace's replicas as a Cluster Sharding entity
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
  private final ActorSystem<?> system;
  private final ShardedKeyspace keyspace;
  private final EntityTypeKey<Replica.Command> typeKey;
  private final ClusterSharding sharding;
  private final KeyRouter router;
  private final Map<String, ReceptionistTransport> transports = new ConcurrentHashMap<>();

  private ShardedReplicaGroups(ActorSystem<?> system, ShardedKeyspace keyspace, SingleLeaderSettings settings) {
    this.system = system;
    this.keyspace = keyspace;
    this.typeKey = EntityTypeKey.create(Replica.Command.class, "replikit-" + keyspace.name());
    this.sharding = ClusterSharding.get(system);
    // a replica may be placed anew on a node whose journal lacks it: an empty journal must not be taken for a new group
    SingleLeaderSettings rejoining = settings.withRejoinWhenEmpty(true);
    sharding.init(Entity.of(typeKey, ctx -> entity(ctx.getEntityId(), rejoining))
        .withMessageExtractor(new OneShardPerReplica())
        .withAllocationStrategy(new ReplicaGroupAllocationStrategy(keyspace.replicas(), keyspace.rebalanceMaxMoves()))
        // replication traffic bypasses sharding, so an idle-looking replica is busy: never passivate
        .withSettings(ClusterShardingSettings.create(system).withNoPassivationStrategy()));
    this.router = new KeyRouter(system, typeKey, keyspace);
    system.systemActorOf(keepAlive(), "replikit-sharding-keepalive-" + keyspace.name(), Props.empty());
  }

  /** Starts hosting {@code keyspace}'s replicas on {@code system}'s node (a cluster member). */
  public static ShardedReplicaGroups init(ActorSystem<?> system, ShardedKeyspace keyspace,
      SingleLeaderSettings settings) {
    return new ShardedReplicaGroups(system, keyspace, settings);
  }

  public ShardedKeyspace keyspace() {
    return keyspace;
  }

  public EntityTypeKey<Replica.Command> typeKey() {
    return typeKey;
  }

  public KeyRouter router() {
    return router;
  }

  /** The sharded entity of replica {@code replica} of {@code partition}: takes any {@link Replica.Command}. */
  public EntityRef<Replica.Command> replica(int partition, int replica) {
    return sharding.entityRefFor(typeKey, keyspace.entityId(partition, replica));
  }

  /** Which node replica {@code replica} of {@code partition} runs on; fails after the request timeout if nowhere. */
  public CompletionStage<ShardedReplica.Location> locate(int partition, int replica) {
    return replica(partition, replica).ask(ShardedReplica.WhereAreYou::new, keyspace.requestTimeout());
  }

  /** Asks every replica where it runs (waits at most the request timeout) and sums up the placement. */
  public CompletionStage<Placement> placement() {
    List<CompletableFuture<Optional<ShardedReplica.Location>>> asks = new ArrayList<>();
    for (int p = 0; p < keyspace.partitions(); p++) {
      for (int r = 0; r < keyspace.replicas(); r++) {
        asks.add(locate(p, r).thenApply(Optional::of).exceptionally(e -> Optional.empty()).toCompletableFuture());
      }
    }
    return CompletableFuture.allOf(asks.toArray(CompletableFuture[]::new)).thenApply(v -> {
      Map<String, String> placed = new TreeMap<>();
      Map<String, Integer> perNode = new TreeMap<>();
      List<String> unplaced = new ArrayList<>();
      int i = 0;
      for (int p = 0; p < keyspace.partitions(); p++) {
        for (int r = 0; r < keyspace.replicas(); r++) {
          Optional<ShardedReplica.Location> l = asks.get(i++).join();
          if (l.isPresent()) {
            placed.put(l.get().entityId(), l.get().node());
            perNode.merge(l.get().node(), 1, Integer::sum);
          } else {
            unplaced.add(keyspace.entityId(p, r));
          }
        }
      }
      int nodes = upMembers();
      String warning = null;
      if (nodes < keyspace.replicas()) {
        warning = "fewer nodes (" + nodes + ") than replicas per group (" + keyspace.replicas() + "): "
            + unplaced.size() + " replicas are not placed until nodes join; each group runs with the others";
      } else if (!unplaced.isEmpty()) {
        warning = unplaced.size() + " replicas did not answer within " + keyspace.requestTimeout().toMillis()
            + " ms (being placed or moved): " + unplaced;
      }
      return new Placement(keyspace.name(), nodes, keyspace.replicas(), placed, unplaced, perNode, warning);
    });
  }

  private int upMembers() {
    return (int) StreamSupport.stream(
            akka.cluster.Cluster.get(system.classicSystem()).state().getMembers().spliterator(), false)
        .filter(m -> m.status() == MemberStatus.up()).count();
  }

  private Behavior<Replica.Command> entity(String entityId, SingleLeaderSettings settings) {
    Optional<ReplicaSlot> slot = ReplicaSlot.parse(entityId)
        .filter(s -> s.keyspace().equals(keyspace.name()) && s.partition() < keyspace.partitions()
            && s.replica() < keyspace.replicas());
    if (slot.isEmpty()) {
      return Behaviors.setup(ctx -> {
        ctx.getLog().error("entity id '{}' is not a replica of keyspace {} ({} partitions, {} replicas): stopped",
            entityId, keyspace.name(), keyspace.partitions(), keyspace.replicas());
        return Behaviors.stopped();
      });
    }
    ReplicaSlot s = slot.get();
    ReceptionistTransport transport =
        transports.computeIfAbsent(s.groupId(), g -> ReceptionistTransport.create(system, g));
    return ShardedReplica.create(s, keyspace.groupSpec(s.partition()), settings, transport);
  }

  private enum Tick implements akka.actor.NoSerializationVerificationNeeded { INSTANCE }

  private Behavior<Tick> keepAlive() {
    String self = akka.cluster.Cluster.get(system.classicSystem()).selfAddress().toString();
    return Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(Tick.INSTANCE, java.time.Duration.ZERO, keyspace.keepAliveInterval());
      return Behaviors.receiveMessage(t -> {
        for (int p = 0; p < keyspace.partitions(); p++) {
          for (int r = 0; r < keyspace.replicas(); r++) {
            replica(p, r).tell(new ShardedReplica.KeepAlive(self));
          }
        }
        return Behaviors.same();
      });
    });
  }

  /** Entity id = shard id: each replica is its own shard, so the allocation rule sees its group and slot. */
  private static final class OneShardPerReplica
      extends ShardingMessageExtractor<ShardingEnvelope<Replica.Command>, Replica.Command> {
    @Override
    public String entityId(ShardingEnvelope<Replica.Command> envelope) {
      return envelope.entityId();
    }

    @Override
    public String shardId(String entityId) {
      return entityId;
    }

    @Override
    public Replica.Command unwrapMessage(ShardingEnvelope<Replica.Command> envelope) {
      return envelope.message();
    }
  }
}
