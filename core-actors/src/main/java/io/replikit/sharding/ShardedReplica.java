package io.replikit.sharding;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.Terminated;
import akka.actor.typed.javadsl.Behaviors;
import io.replikit.replication.ReplicaId;
import io.replikit.serialization.WireMessage;
import io.replikit.singleleader.Replica;

/**
 * The sharded entity that hosts one replica of a partition's group, of any family: it runs the family's replica as
 * its child, hands it every command that arrives through sharding, and answers {@link LocationQuery} and
 * {@link KeepAliveSignal} itself. Replication traffic between the replicas of a group goes through the group's
 * transport, not through sharding. When the child stops for good (its journal kept failing), the entity stops, and
 * the next keep-alive starts it again.
 */
public final class ShardedReplica {
  private ShardedReplica() {}

  /** A family's "which node do you run on?" command: answered by the entity with a {@link Location}. */
  public interface LocationQuery {
    ActorRef<Location> replyTo();
  }

  /** A family's keep-alive command: it only makes sharding start the entity; the entity drops it. */
  public interface KeepAliveSignal {}

  /** The single-leader family's location query. Reaches only a placed replica. */
  public record WhereAreYou(ActorRef<Location> replyTo) implements Replica.Command, LocationQuery, WireMessage {}

  /** Replica {@code replica} of group {@code groupId} (entity {@code entityId}) runs on {@code node}. */
  public record Location(String entityId, String groupId, ReplicaId replica, String node) implements WireMessage {}

  /** The single-leader family's keep-alive, sent by every node: starts the entity if it is not running. */
  public record KeepAlive(String from) implements Replica.Command, KeepAliveSignal, WireMessage {}

  static <C> Behavior<C> host(ReplicaSlot slot, Class<C> type, Behavior<C> replicaBehavior) {
    return Behaviors.setup(ctx -> {
      String node = akka.cluster.typed.Cluster.get(ctx.getSystem()).selfMember().address().toString();
      ActorRef<C> replica = ctx.spawn(replicaBehavior, "replica");
      ctx.watch(replica);
      return Behaviors.receive(type)
          .onMessage(type, m -> {
            if (m instanceof LocationQuery q) {
              if (q.replyTo() != null) {
                q.replyTo().tell(new Location(slot.entityId(), slot.groupId(), slot.replicaId(), node));
              }
            } else if (!(m instanceof KeepAliveSignal)) {
              replica.tell(m);
            }
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
