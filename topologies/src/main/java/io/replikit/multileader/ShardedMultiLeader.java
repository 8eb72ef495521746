package io.replikit.multileader;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.cluster.sharding.typed.javadsl.EntityRef;
import akka.cluster.sharding.typed.javadsl.EntityTypeKey;
import io.replikit.cluster.ReceptionistTransport;
import io.replikit.serialization.WireMessage;
import io.replikit.sharding.Placement;
import io.replikit.sharding.ReplicaSlot;
import io.replikit.sharding.ShardedFamily;
import io.replikit.sharding.ShardedGroups;
import io.replikit.sharding.ShardedKeyspace;
import io.replikit.sharding.ShardedReplica;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * A sharded keyspace of multi-leader groups on this node ({@link ShardedGroups} with the multi-leader family): each
 * of the keyspace's partitions is a multi-leader group ({@code <keyspace>-p<partition>}) of its replica slots
 * {@code r0..r<R-1>}, all leaders, wired all-to-all unless another topology is given, each on its own node, with the
 * conflict policy given; {@link #router()} routes by key to the key's home replica. Call {@link #init} on every node
 * that should host replicas, with the same keyspace, settings, policy and topology.
 *
 * <p>Every replica runs with {@code incarnate-when-empty} on: sharding places a replica anew on a node whose journal
 * (one per node, the default) does not hold it, and there it starts empty under the same id. It then writes under a
 * fresh incarnation of its id, so its new writes are never taken by its peers for changes they already have, and
 * anti-entropy brings it the group's history (its own earlier changes too). Survives: nodes joining and leaving
 * (every replica is a leader, so a group takes writes at any replica still running; the router falls over to the
 * next slot). The conflict policy is code: give every node the same one. Does not survive: the loss of a replica's node (or its move to a node without its journal) before the
 * writes it acknowledged reached another replica (they are acknowledged once its own journal holds them and
 * forwarded right after); a network partition without a downing provider (sharding waits). Each incarnation adds an
 * entry to the group's version vectors for good.
 */
public final class ShardedMultiLeader {
  /** The multi-leader family's location query: answered by the entity that hosts the replica. */
  public record WhereAreYou(ActorRef<ShardedReplica.Location> replyTo)
      implements MultiLeaderReplica.Command, ShardedReplica.LocationQuery, WireMessage {}

  /** The multi-leader family's keep-alive, sent by every node: starts the entity if it is not running. */
  public record KeepAlive(String from)
      implements MultiLeaderReplica.Command, ShardedReplica.KeepAliveSignal, WireMessage {}

  private final ShardedGroups<MultiLeaderReplica.Command> groups;
  private final MultiLeaderKeyRouter router;

  private ShardedMultiLeader(ActorSystem<?> system, ShardedKeyspace keyspace, MultiLeaderSettings settings,
      ConflictPolicy policy, TopologySpec.Kind topology) {
    ShardedFamily<MultiLeaderReplica.Command> family = family(settings, policy, topology);
    topology(keyspace, 0, topology); // a bad topology is refused here, not when the first replica starts
    this.groups = ShardedGroups.init(system, keyspace, family);
    this.router = new MultiLeaderKeyRouter(groups);
  }

  /** Starts hosting {@code keyspace}'s all-to-all groups on {@code system}'s node (a cluster member). */
  public static ShardedMultiLeader init(ActorSystem<?> system, ShardedKeyspace keyspace,
      MultiLeaderSettings settings, ConflictPolicy policy) {
    return init(system, keyspace, settings, policy, TopologySpec.Kind.ALL_TO_ALL);
  }

  /**
   * Starts hosting {@code keyspace}'s groups wired as {@code topology} (all-to-all, circular in slot order, or a
   * star rooted at {@code r0}; a tree needs parents, so it is refused) on {@code system}'s node.
   */
  public static ShardedMultiLeader init(ActorSystem<?> system, ShardedKeyspace keyspace,
      MultiLeaderSettings settings, ConflictPolicy policy, TopologySpec.Kind topology) {
    return new ShardedMultiLeader(system, keyspace, settings, policy, topology);
  }

  /**
   * The multi-leader family for {@link ShardedGroups}: replica {@code slot} is leader {@code r<i>} of
   * {@link #topology} for its partition, with {@code settings} and {@code incarnate-when-empty} on, and
   * {@code policy}; it reaches the other replicas through the group's transport.
   */
  public static ShardedFamily<MultiLeaderReplica.Command> family(MultiLeaderSettings settings, ConflictPolicy policy,
      TopologySpec.Kind topology) {
    if (settings == null || policy == null || topology == null) {
      throw new IllegalArgumentException("a sharded multi-leader keyspace needs settings, a conflict policy and a "
          + "topology; got " + settings + ", " + policy + ", " + topology);
    }
    MultiLeaderSettings incarnating = settings.withIncarnateWhenEmpty(true);
    return new ShardedFamily<>() {
      @Override
      public String name() {
        return "multi-leader";
      }

      @Override
      public Class<MultiLeaderReplica.Command> commandType() {
        return MultiLeaderReplica.Command.class;
      }

      @Override
      public Behavior<MultiLeaderReplica.Command> replica(ShardedKeyspace keyspace, ReplicaSlot slot,
          ReceptionistTransport transport) {
        return MultiLeaderReplica.create(topology(keyspace, slot.partition(), topology), slot.replicaId().value(),
            incarnating, policy, transport);
      }

      @Override
      public MultiLeaderReplica.Command keepAlive(String from) {
        return new KeepAlive(from);
      }

      @Override
      public MultiLeaderReplica.Command whereAreYou(ActorRef<ShardedReplica.Location> replyTo) {
        return new WhereAreYou(replyTo);
      }
    };
  }

  /** The group of {@code partition}: leaders {@code r0..r<R-1>} wired as {@code kind} (a star's root is r0). */
  public static TopologySpec topology(ShardedKeyspace keyspace, int partition, TopologySpec.Kind kind) {
    List<String> members = new ArrayList<>();
    for (int r = 0; r < keyspace.replicas(); r++) {
      members.add(ReplicaSlot.replicaId(r).value());
    }
    String group = keyspace.groupId(partition);
    switch (kind) {
      case ALL_TO_ALL:
        return TopologySpec.allToAll(group, members.toArray(String[]::new));
      case CIRCULAR:
        return TopologySpec.circular(group, members.toArray(String[]::new));
      case STAR:
        return TopologySpec.star(group, members.get(0), members.subList(1, members.size()).toArray(String[]::new));
      default:
        throw new IllegalArgumentException("keyspace '" + keyspace.name() + "': topology " + kind + " is not "
            + "available for sharded groups (a tree needs each member's parent); use ALL_TO_ALL, CIRCULAR or STAR");
    }
  }

  /** The family-independent hosting underneath (placement, keep-alive, entity refs). */
  public ShardedGroups<MultiLeaderReplica.Command> groups() {
    return groups;
  }

  public ShardedKeyspace keyspace() {
    return groups.keyspace();
  }

  public EntityTypeKey<MultiLeaderReplica.Command> typeKey() {
    return groups.typeKey();
  }

  public MultiLeaderKeyRouter router() {
    return router;
  }

  /** The sharded entity of replica {@code replica} of {@code partition}: takes any {@link MultiLeaderReplica.Command}. */
  public EntityRef<MultiLeaderReplica.Command> replica(int partition, int replica) {
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
