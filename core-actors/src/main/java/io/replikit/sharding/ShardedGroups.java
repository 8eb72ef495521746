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
 * A sharded keyspace of any family on this node: {@link #init} registers the keyspace's replicas as a Cluster
 * Sharding entity type ({@code replikit-<keyspace>}), one shard per replica, placed by a strategy that never puts two
 * replicas of one group on one node and evens out replicas per node, and keeps every replica running (a keep-alive
 * every {@code keep-alive-interval}). Call it on every node that should host replicas, with the same keyspace and
 * family. Each family adds its own router by key on top ({@link ShardedReplicaGroups} for single-leader groups).
 *
 * <p>Survives: nodes joining and leaving (replicas are placed anew; what a replica placed on a node without its
 * journal may and may not do is its family's rule, see {@link ShardedFamily}). With fewer Up nodes than replicas per
 * group the missing replicas are not placed (a warning is logged, and {@link #placement} says so) until nodes
 * join. Does not survive: a network partition without a downing provider (sharding then waits).
 *
 * @param <C> the commands of the family's replica
 */
public final class ShardedGroups<C> {
  private final ActorSystem<?> system;
  private final ShardedKeyspace keyspace;
  private final ShardedFamily<C> family;
  private final EntityTypeKey<C> typeKey;
  private final ClusterSharding sharding;
  private final Map<String, ReceptionistTransport> transports = new ConcurrentHashMap<>();

  private ShardedGroups(ActorSystem<?> system, ShardedKeyspace keyspace, ShardedFamily<C> family) {
    this.system = system;
    this.keyspace = keyspace;
    this.family = family;
    this.typeKey = EntityTypeKey.create(family.commandType(), "replikit-" + keyspace.name());
    this.sharding = ClusterSharding.get(system);
    sharding.init(Entity.of(typeKey, ctx -> entity(ctx.getEntityId()))
        .withMessageExtractor(new OneShardPerReplica<C>())
        .withAllocationStrategy(new ReplicaGroupAllocationStrategy(keyspace.replicas(), keyspace.rebalanceMaxMoves(),
            this::groupSettled))
        // replication traffic bypasses sharding, so an idle-looking replica is busy: never passivate
        .withSettings(ClusterShardingSettings.create(system).withNoPassivationStrategy()));
    system.systemActorOf(keepAlive(), "replikit-sharding-keepalive-" + keyspace.name(), Props.empty());
  }

  /** Starts hosting {@code keyspace}'s replicas of {@code family} on {@code system}'s node (a cluster member). */
  public static <C> ShardedGroups<C> init(ActorSystem<?> system, ShardedKeyspace keyspace, ShardedFamily<C> family) {
    return new ShardedGroups<>(system, keyspace, family);
  }

  public ShardedKeyspace keyspace() {
    return keyspace;
  }

  public ShardedFamily<C> family() {
    return family;
  }

  public EntityTypeKey<C> typeKey() {
    return typeKey;
  }

  public ActorSystem<?> system() {
    return system;
  }

  /** The sharded entity of replica {@code replica} of {@code partition}: takes any command of the family. */
  public EntityRef<C> replica(int partition, int replica) {
    return sharding.entityRefFor(typeKey, keyspace.entityId(partition, replica));
  }

  /** Which node replica {@code replica} of {@code partition} runs on; fails after the request timeout if nowhere. */
  public CompletionStage<ShardedReplica.Location> locate(int partition, int replica) {
    return replica(partition, replica).ask(family::whereAreYou, keyspace.requestTimeout());
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

  /** Whether the group of {@code slot} is settled ({@link ShardedFamily#settled}), for the rebalancing. */
  private CompletionStage<Boolean> groupSettled(ReplicaSlot slot) {
    List<EntityRef<C>> members = new ArrayList<>();
    for (int r = 0; r < keyspace.replicas(); r++) {
      members.add(replica(slot.partition(), r));
    }
    return family.settled(keyspace, members);
  }

  private int upMembers() {
    return (int) StreamSupport.stream(
            akka.cluster.Cluster.get(system.classicSystem()).state().getMembers().spliterator(), false)
        .filter(m -> m.status() == MemberStatus.up()).count();
  }

  private Behavior<C> entity(String entityId) {
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
    return ShardedReplica.host(s, family.commandType(), family.replica(keyspace, s, transport));
  }

  private enum Tick implements akka.actor.NoSerializationVerificationNeeded { INSTANCE }

  private Behavior<Tick> keepAlive() {
    String self = akka.cluster.Cluster.get(system.classicSystem()).selfAddress().toString();
    return Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(Tick.INSTANCE, java.time.Duration.ZERO, keyspace.keepAliveInterval());
      return Behaviors.receiveMessage(t -> {
        for (int p = 0; p < keyspace.partitions(); p++) {
          for (int r = 0; r < keyspace.replicas(); r++) {
            replica(p, r).tell(family.keepAlive(self));
          }
        }
        return Behaviors.same();
      });
    });
  }

  /** Entity id = shard id: each replica is its own shard, so the allocation rule sees its group and slot. */
  private static final class OneShardPerReplica<C> extends ShardingMessageExtractor<ShardingEnvelope<C>, C> {
    @Override
    public String entityId(ShardingEnvelope<C> envelope) {
      return envelope.entityId();
    }

    @Override
    public String shardId(String entityId) {
      return entityId;
    }

    @Override
    public C unwrapMessage(ShardingEnvelope<C> envelope) {
      return envelope.message();
    }
  }
}
