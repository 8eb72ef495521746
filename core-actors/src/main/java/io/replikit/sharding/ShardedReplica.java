package io.replikit.sharding;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.Terminated;
import akka.actor.typed.javadsl.Behaviors;
import io.replikit.replication.ReplicaId;
import io.replikit.replication.ReplicaTransport;
import io.replikit.serialization.WireMessage;
import io.replikit.sharding.internal.ReplicaSlot;
import io.replikit.singleleader.Replica;
import io.replikit.singleleader.ReplicaGroupSpec;
import io.replikit.singleleader.SingleLeaderSettings;

/**
 * The sharded entity that hosts one replica of a partition's group: it runs a single-leader {@link Replica} as its
 * child, hands it every {@link Replica.Command} that arrives through sharding, and answers {@link WhereAreYou}
 * itself. Replication traffic between the replicas of a group goes through the group's transport, not through
 * sharding. When the child stops for good (its journal kept failing), the entity stops, and the next keep-alive
 * starts it again.
 */
public final class ShardedReplica {
  private ShardedReplica() {}

  /** Asks the entity which node it runs on; answered with a {@link Location}. Reaches only a placed replica. */
  public record WhereAreYou(ActorRef<Location> replyTo) implements Replica.Command, WireMessage {}

  /** Replica {@code replica} of group {@code groupId} (entity {@code entityId}) runs on {@code node}. */
  public record Location(String entityId, String groupId, ReplicaId replica, String node) implements WireMessage {}

  /** Sent by every node's keep-alive: starts the entity if it is not running (wherever sharding places it). */
  public record KeepAlive(String from) implements Replica.Command, WireMessage {}

  static Behavior<Replica.Command> create(ReplicaSlot slot, ReplicaGroupSpec spec, SingleLeaderSettings settings,
      ReplicaTransport transport) {
    return Behaviors.setup(ctx -> {
      String node = akka.cluster.typed.Cluster.get(ctx.getSystem()).selfMember().address().toString();
      ActorRef<Replica.Command> replica =
          ctx.spawn(Replica.create(spec, slot.replicaId(), settings, transport), "replica");
      ctx.watch(replica);
      return Behaviors.receive(Replica.Command.class)
          .onMessage(KeepAlive.class, k -> Behaviors.same())
          .onMessage(WhereAreYou.class, w -> {
            w.replyTo().tell(new Location(slot.entityId(), slot.groupId(), slot.replicaId(), node));
            return Behaviors.same();
          })
          .onMessage(Replica.Command.class, m -> {
            replica.tell(m);
            return Behaviors.same();
          })
          .onSignal(Terminated.class, t -> {
            ctx.getLog().warn("replica {} stopped; its entity stops and is started again by the next keep-alive",
                slot.entityId());
            return Behaviors.stopped();
          })
          .build();
    });
  }
}
