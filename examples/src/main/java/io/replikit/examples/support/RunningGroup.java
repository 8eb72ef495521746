package io.replikit.examples.support;

import akka.Done;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.AskPattern;
import com.fasterxml.jackson.databind.JsonNode;
import io.replikit.replication.ReplicaClock;
import io.replikit.replication.ReplicaId;
import io.replikit.replication.ReplicaTransport;
import io.replikit.singleleader.ReadConsistency;
import io.replikit.singleleader.Replica;
import io.replikit.singleleader.ReplicaGroupSpec;
import io.replikit.singleleader.ReplicaObserver;
import io.replikit.singleleader.ReplicaStatus;
import io.replikit.singleleader.SingleLeaderSettings;
import io.replikit.singleleader.WriteOptions;
import io.replikit.store.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One single-leader group running under a {@link ReplicaHost}: replicas started and stopped by name, and the
 * questions the example programs ask them, each with a timeout.
 */
public final class RunningGroup {
  /** Longer than the default write timeout (10 s), so that a slow write is answered "not confirmed", not lost. */
  public static final Duration ASK_TIMEOUT = Duration.ofSeconds(30);

  private final ActorSystem<ReplicaHost.Command> system;
  private final ReplicaGroupSpec spec;
  private final SingleLeaderSettings settings;
  private final ReplicaTransport transport;
  private final ReplicaObserver observer;
  private final Map<ReplicaId, ActorRef<Replica.Command>> running = new LinkedHashMap<>();
  private final Map<ReplicaId, Integer> incarnations = new LinkedHashMap<>();

  public RunningGroup(ActorSystem<ReplicaHost.Command> system, ReplicaGroupSpec spec, SingleLeaderSettings settings,
      ReplicaTransport transport, ReplicaObserver observer) {
    this.system = system;
    this.spec = spec;
    this.settings = settings;
    this.transport = transport;
    this.observer = observer;
  }

  public ReplicaGroupSpec spec() {
    return spec;
  }

  public ReplicaId leader() {
    return spec.leader();
  }

  /** Every replica started and not stopped, the leader first, in start order. */
  public synchronized List<ReplicaId> replicas() {
    return new ArrayList<>(running.keySet());
  }

  public RunningGroup startAll() {
    start(spec.leader());
    for (ReplicaId f : spec.followers()) {
      start(f);
    }
    return this;
  }

  /** Starts {@code id}; it recovers from its journal (nothing, the first time) and then leads or follows. */
  public ActorRef<Replica.Command> start(ReplicaId id) {
    int incarnation;
    synchronized (this) {
      incarnation = incarnations.merge(id, 1, Integer::sum);
    }
    // a fresh actor name per incarnation: a stopped actor's name may stay reserved for a moment
    String name = spec.groupId() + "-" + id.value() + "-" + incarnation;
    ActorRef<Replica.Command> ref = await(AskPattern.ask(system,
        reply -> new ReplicaHost.Start(name,
            Replica.create(spec, id, settings, transport, observer, ReplicaClock.system()), reply),
        ASK_TIMEOUT, system.scheduler()), "starting " + id);
    synchronized (this) {
      running.put(id, ref);
    }
    return ref;
  }

  /** Stops {@code id} and returns once it has terminated. */
  public void stop(ReplicaId id) {
    ActorRef<Replica.Command> ref;
    synchronized (this) {
      ref = running.remove(id);
    }
    if (ref == null) {
      return;
    }
    await(AskPattern.<ReplicaHost.Command, Done>ask(system, reply -> new ReplicaHost.Stop(ref, reply), ASK_TIMEOUT,
        system.scheduler()), "stopping " + id);
  }

  public void stopAll() {
    List<ReplicaId> ids = replicas();
    // followers first, so that none of them logs a lost leader while the group goes down
    for (int i = ids.size() - 1; i >= 0; i--) {
      stop(ids.get(i));
    }
  }

  public synchronized ActorRef<Replica.Command> ref(ReplicaId id) {
    ActorRef<Replica.Command> ref = running.get(id);
    if (ref == null) {
      throw new IllegalArgumentException("replica " + id + " of group " + spec.groupId() + " is not running");
    }
    return ref;
  }

  /** Sends a write to the leader; the stage completes with its reply. */
  public CompletionStage<Replica.WriteReply> writeAsync(Replica.Write write) {
    ActorRef<Replica.Command> leader = ref(spec.leader());
    return AskPattern.ask(leader, reply -> new Replica.Write(write.change(), write.expectedVersion(),
        write.options() == null ? WriteOptions.defaults() : write.options(), reply), ASK_TIMEOUT,
        system.scheduler());
  }

  public CompletionStage<Replica.WriteReply> putAsync(String key, JsonNode value) {
    return writeAsync(Replica.put(key, value, null));
  }

  public Replica.WriteReply put(String key, JsonNode value) {
    return await(putAsync(key, value), "writing " + key);
  }

  public Replica.WriteReply putIfVersion(String key, JsonNode value, long expectedVersion) {
    return await(writeAsync(Replica.putIfVersion(key, value, expectedVersion, null)), "writing " + key);
  }

  public Replica.WriteReply delete(String key) {
    return await(writeAsync(Replica.delete(key, null)), "deleting " + key);
  }

  public CompletionStage<Replica.ReadReply> getAsync(ReplicaId from, String key) {
    ActorRef<Replica.Command> ref = ref(from);
    return AskPattern.ask(ref, reply -> new Replica.Get(key, reply), ASK_TIMEOUT, system.scheduler());
  }

  /** Sends a transaction to the leader; the stage completes with its reply ({@link Replica.Committed} if it took). */
  public CompletionStage<Replica.WriteReply> transactAsync(List<Statement> statements) {
    ActorRef<Replica.Command> leader = ref(spec.leader());
    return AskPattern.ask(leader, reply -> Replica.transact(statements, reply), ASK_TIMEOUT, system.scheduler());
  }

  /** Reads {@code key} from {@code from} under {@code consistency} (no falling over to another replica). */
  public CompletionStage<Replica.ReadReply> readAsync(ReplicaId from, String key, ReadConsistency consistency) {
    ActorRef<Replica.Command> ref = ref(from);
    return AskPattern.ask(ref, reply -> new Replica.Read(key, consistency, reply), ASK_TIMEOUT, system.scheduler());
  }

  public Replica.ReadReply get(ReplicaId from, String key) {
    return await(getAsync(from, key), "reading " + key + " from " + from);
  }

  public ReplicaStatus status(ReplicaId of) {
    ActorRef<Replica.Command> ref = ref(of);
    return await(AskPattern.<Replica.Command, ReplicaStatus>ask(ref, Replica.GetStatus::new, ASK_TIMEOUT,
        system.scheduler()), "asking " + of + " for its status");
  }

  /** The leader's view of {@code follower}, if the leader has heard of it. */
  public Optional<ReplicaStatus.FollowerStatus> followerView(ReplicaId follower) {
    return status(spec.leader()).followers().stream().filter(f -> f.id().equals(follower)).findFirst();
  }

  /** Whether {@code replica} has applied everything the leader holds right now. */
  public boolean caughtUp(ReplicaId replica) {
    long leaderLast = status(spec.leader()).lastPosition();
    return status(replica).appliedPosition() == leaderLast;
  }

  /** Whether every running follower, as the leader sees it, has applied everything the leader holds. */
  public boolean allCaughtUp() {
    ReplicaStatus leader = status(spec.leader());
    List<ReplicaId> ids = replicas();
    for (ReplicaId id : ids) {
      if (!id.equals(spec.leader()) && status(id).appliedPosition() != leader.lastPosition()) {
        return false;
      }
    }
    // the leader must also have heard it, or a write waiting for that follower's acknowledgement still waits
    return leader.followers().stream()
        .filter(f -> ids.contains(f.id()))
        .allMatch(f -> f.applied() == leader.lastPosition());
  }

  public static <T> T await(CompletionStage<T> stage, String what) {
    try {
      return stage.toCompletableFuture().get(ASK_TIMEOUT.toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while " + what, e);
    } catch (ExecutionException e) {
      throw new IllegalStateException(what + " failed: " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException(what + " got no answer within " + ASK_TIMEOUT.toSeconds() + " s", e);
    }
  }
}
