package io.replikit.testkit.scenario;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import io.replikit.replication.ReplicaId;
import io.replikit.testkit.FaultyTransport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * How a scenario group's clients reach replicas, and how a replica pauses: a paused replica's replication messages
 * are held by the {@link FaultyTransport} and its client requests here, as a paused process leaves them unread in its
 * sockets, and both are let through in order when it resumes. A client's own timeout runs from the moment it asks,
 * held or not. Thread-safe.
 */
public final class ClientGate {
  private final ActorSystem<?> system;
  private final FaultyTransport transport;
  private final Map<String, List<Runnable>> held = new HashMap<>();

  public ClientGate(ActorSystem<?> system, FaultyTransport transport) {
    this.system = system;
    this.transport = transport;
  }

  /** Pauses {@code replica}: its messages both ways and the requests sent to it wait for {@link #resume}. */
  public void pause(String replica) {
    synchronized (this) {
      held.putIfAbsent(replica, new ArrayList<>());
    }
    transport.pause(ReplicaId.of(replica));
  }

  public void resume(String replica) {
    transport.resume(ReplicaId.of(replica));
    List<Runnable> queue;
    synchronized (this) {
      queue = held.remove(replica);
    }
    if (queue != null) {
      queue.forEach(Runnable::run);
    }
  }

  public synchronized boolean paused(String replica) {
    return held.containsKey(replica);
  }

  /**
   * A client's request to {@code replica} (whose actor is {@code ref}; null when its node is down: no answer): the
   * answer, or empty when none came within {@code timeout}.
   */
  public <Req, Res> CompletionStage<Optional<Res>> ask(String replica, ActorRef<Req> ref,
      Function<ActorRef<Res>, Req> message, Duration timeout) {
    if (ref == null) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    CompletableFuture<Optional<Res>> done = new CompletableFuture<>();
    Runnable request = () -> Asks.ask(system, ref, message, timeout).thenAccept(done::complete);
    boolean queued = false;
    synchronized (this) {
      List<Runnable> queue = held.get(replica);
      if (queue != null) {
        queue.add(request);
        queued = true;
      }
    }
    if (!queued) {
      request.run();
    }
    done.completeOnTimeout(Optional.empty(), Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS);
    return done;
  }
}
