package io.replikit.testkit.scenario;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.AskPattern;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * Asks that end in an answer or in "no answer in time", never in an exception a scenario has to catch (for the
 * {@link ScenarioGroup} of each family).
 */
public final class Asks {
  private Asks() {}

  /** The answer, or empty when none came within {@code timeout} (or {@code ref} is gone). */
  public static <Req, Res> CompletionStage<Optional<Res>> ask(ActorSystem<?> system, ActorRef<Req> ref,
      Function<ActorRef<Res>, Req> message, Duration timeout) {
    if (ref == null) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    return AskPattern.ask(ref, message::apply, timeout, system.scheduler())
        .handle((res, failure) -> failure == null ? Optional.of(res) : Optional.<Res>empty());
  }

  /** As {@link #ask}, waiting for the answer here (for set-up and settling, not for client operations). */
  public static <Req, Res> Optional<Res> askNow(ActorSystem<?> system, ActorRef<Req> ref,
      Function<ActorRef<Res>, Req> message, Duration timeout) {
    return ask(system, ref, message, timeout).toCompletableFuture().join();
  }
}
