package io.replikit.examples.support;

import akka.Done;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import io.replikit.singleleader.Replica;

/**
 * The guardian of the example programs: it spawns replicas on request and stops them on request, answering only
 * once the replica has terminated. Only a parent may stop a typed actor, and a replica must be gone before a new
 * incarnation with the same persistence id recovers, hence this small parent instead of {@code SpawnProtocol}.
 */
public final class ReplicaHost {
  private ReplicaHost() {}

  public interface Command {}

  /** Spawns {@code behavior} as a child named {@code name}; answers with its reference. */
  public record Start(String name, Behavior<Replica.Command> behavior, ActorRef<ActorRef<Replica.Command>> replyTo)
      implements Command {}

  /** Stops the child {@code replica}; answers once it has terminated (at once if it already had). */
  public record Stop(ActorRef<Replica.Command> replica, ActorRef<Done> replyTo) implements Command {}

  private record Stopped(ActorRef<Done> replyTo) implements Command {}

  public static Behavior<Command> create() {
    return Behaviors.setup(ctx -> Behaviors.receive(Command.class)
        .onMessage(Start.class, start -> {
          start.replyTo().tell(ctx.spawn(start.behavior(), start.name()));
          return Behaviors.same();
        })
        .onMessage(Stop.class, stop -> {
          ctx.watchWith(stop.replica(), new Stopped(stop.replyTo()));
          ctx.stop(stop.replica());
          return Behaviors.same();
        })
        .onMessage(Stopped.class, stopped -> {
          stopped.replyTo().tell(Done.getInstance());
          return Behaviors.same();
        })
        .build());
  }
}
