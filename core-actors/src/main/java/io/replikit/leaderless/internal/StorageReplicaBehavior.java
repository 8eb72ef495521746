package io.replikit.leaderless.internal;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.persistence.typed.PersistenceId;
import akka.persistence.typed.RecoveryCompleted;
import akka.persistence.typed.javadsl.SignalHandler;
import akka.persistence.typed.javadsl.CommandHandler;
import akka.persistence.typed.javadsl.Effect;
import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.EventHandlerBuilder;
import akka.persistence.typed.javadsl.EventSourcedBehavior;
import io.replikit.leaderless.Keyspace;
import io.replikit.leaderless.StorageReplica;
import io.replikit.leaderless.handoff.HintStore;
import io.replikit.leaderless.handoff.HintedHandoff;
import io.replikit.leaderless.antientropy.AntiEntropy;
import io.replikit.leaderless.antientropy.AntiEntropyDriver;
import io.replikit.leaderless.antientropy.AntiEntropySettings;
import io.replikit.leaderless.ring.Ring;
import io.replikit.replication.ReplicaId;
import io.replikit.replication.ReplicaTransport;
import io.replikit.versioning.DottedVersionVectorSet;
import io.replikit.versioning.VersionVector;
import org.pcollections.HashTreePMap;
import java.time.Duration;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.pcollections.PMap;

/**
 * The actor shell of a storage replica: it computes the key's new set ({@link DottedVersionVectorSet#update} for a
 * coordinated write, {@link DottedVersionVectorSet#sync} for a merge), persists it when it changed, and answers.
 * Created with a source of incarnations, a replica that finds its journal empty first persists a new one and mints
 * its dots under it ({@link Incarnation}).
 */
public final class StorageReplicaBehavior
    extends EventSourcedBehavior<StorageReplica.Command, StorageEvent, StorageReplicaBehavior.State> {

  /**
   * Every key's set, how many values last-write-wins discarded here, the incarnation this replica mints under
   * (null: its node id alone), and whether it is refilling (it started that incarnation and has not yet completed an
   * anti-entropy round with every peer).
   */
  public record State(PMap<String, DottedVersionVectorSet> keys, long lwwDiscarded, String incarnation,
      boolean refilling) {
    DottedVersionVectorSet get(String key) {
      DottedVersionVectorSet s = keys.get(key);
      return s == null ? DottedVersionVectorSet.empty() : s;
    }

    /** Nothing was ever journaled: every event stores a key (keys are never removed) or an incarnation. */
    boolean journalEmpty() {
      return keys.isEmpty() && incarnation == null;
    }
  }

  private final ActorContext<StorageReplica.Command> ctx;
  private final Keyspace keyspace;
  private final String self;
  /** The hints this node keeps as a stand-in (hinted handoff), apart from its own keys. */
  private final ActorRef<StorageReplica.Command> hints;
  /** Anti-entropy's trees and exchanges; inert (no trees, no timer) without a ring. */
  private final AntiEntropyDriver antiEntropy;
  /** New incarnation ids for a replica that finds its journal empty; null: mint under the node id whatever. */
  private final Supplier<String> incarnations;
  private final TimerScheduler<StorageReplica.Command> timers;
  private final ActorRef<AntiEntropy.RoundDone> refillDone;
  /** A refill round was asked for and has not answered. */
  private boolean refillRunning;

  /** How long a refilling replica waits after a round that did not complete before it runs another. */
  static final Duration REFILL_RETRY = Duration.ofSeconds(1);
  private static final Object REFILL_TIMER = "refill";

  /** Runs a refill round (sent to itself). */
  record RefillRound() implements StorageReplica.Command, akka.actor.NoSerializationVerificationNeeded {}

  /** A refill round's answer, adapted. */
  record RefillRoundDone(AntiEntropy.RoundDone done)
      implements StorageReplica.Command, akka.actor.NoSerializationVerificationNeeded {}

  public static Behavior<StorageReplica.Command> create(Keyspace keyspace, String self, ReplicaTransport transport) {
    return create(keyspace, self, transport, System::currentTimeMillis);
  }

  public static Behavior<StorageReplica.Command> create(Keyspace keyspace, String self, ReplicaTransport transport,
      LongSupplier clock) {
    return create(keyspace, self, transport, clock, null, AntiEntropySettings.manual());
  }

  /** With {@code ring} (may be null: no anti-entropy), the replica keeps hash trees and exchanges them. */
  public static Behavior<StorageReplica.Command> create(Keyspace keyspace, String self, ReplicaTransport transport,
      Ring ring, AntiEntropySettings antiEntropy) {
    return create(keyspace, self, transport, System::currentTimeMillis, ring, antiEntropy);
  }

  public static Behavior<StorageReplica.Command> create(Keyspace keyspace, String self, ReplicaTransport transport,
      LongSupplier clock, Ring ring, AntiEntropySettings antiEntropy) {
    return create(keyspace, self, transport, clock, ring, antiEntropy, null);
  }

  /** {@code incarnations} non-null: a replica that finds its journal empty starts a new incarnation from it. */
  public static Behavior<StorageReplica.Command> create(Keyspace keyspace, String self, ReplicaTransport transport,
      LongSupplier clock, Ring ring, AntiEntropySettings antiEntropy, Supplier<String> incarnations) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      transport.register(ReplicaId.of(self), ctx.getSelf().<StorageReplica.Message>narrow());
      ActorRef<StorageReplica.Command> hints = ctx.spawn(HintStore.create(keyspace, self, transport, clock), "hints");
      return new StorageReplicaBehavior(ctx, timers, keyspace, self, hints, new AntiEntropyDriver(ctx, timers,
          keyspace, self, transport, ring, antiEntropy, System::nanoTime), incarnations);
    }));
  }

  private StorageReplicaBehavior(ActorContext<StorageReplica.Command> ctx,
      TimerScheduler<StorageReplica.Command> timers, Keyspace keyspace, String self,
      ActorRef<StorageReplica.Command> hints, AntiEntropyDriver antiEntropy, Supplier<String> incarnations) {
    super(PersistenceId.of("replikit-ll-" + keyspace.name(), self, "|"));
    this.ctx = ctx;
    this.keyspace = keyspace;
    this.self = self;
    this.hints = hints;
    this.antiEntropy = antiEntropy;
    this.incarnations = incarnations;
    this.timers = timers;
    this.refillDone = ctx.messageAdapter(AntiEntropy.RoundDone.class, RefillRoundDone::new);
  }

  @Override
  public State emptyState() {
    return new State(HashTreePMap.empty(), 0, null, false);
  }

  @Override
  public EventHandler<State, StorageEvent> eventHandler() {
    EventHandlerBuilder<State, StorageEvent> builder = newEventHandlerBuilder();
    return builder.forAnyState()
        .onEvent(KeyStored.class, (state, e) -> {
          antiEntropy.stored(e.key(), e.set()); // replay rebuilds the trees, so they survive restarts
          return new State(state.keys().plus(e.key(), e.set()), state.lwwDiscarded() + e.lwwDiscarded(),
              state.incarnation(), state.refilling());
        })
        .onEvent(IncarnationStarted.class, (state, e) -> new State(state.keys(), state.lwwDiscarded(),
            e.incarnation(), true))
        .onEvent(RefillFinished.class, (state, e) -> new State(state.keys(), state.lwwDiscarded(),
            state.incarnation(), false))
        .build();
  }

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), state -> {
          if (state.refilling()) {
            ctx.getLog().info("storage replica {} of keyspace {} recovered while refilling: it runs its refill "
                + "round again", self, keyspace.name());
            ctx.getSelf().tell(new RefillRound());
          }
        })
        .build();
  }

  @Override
  public CommandHandler<StorageReplica.Command, StorageEvent, State> commandHandler() {
    return newCommandHandlerBuilder().forAnyState().onAnyCommand(this::handle);
  }

  private Effect<StorageEvent, State> handle(State state, StorageReplica.Command command) {
    if (Incarnation.mustStart(incarnations != null, state.journalEmpty())) {
      // before anything can be journaled: a merge journaled first would make the journal look like one that holds
      // this replica's history. The command comes back after the event, behind whatever arrived meanwhile: harmless,
      // no request to a storage replica is ordered against another.
      String incarnation = incarnations.get();
      String problem = Incarnation.problem(incarnation);
      if (problem != null) {
        ctx.getLog().error("storage replica {} of keyspace {} cannot start a new incarnation ({}): it stops",
            self, keyspace.name(), problem);
        return Effect().stop();
      }
      ctx.getLog().info("storage replica {} of keyspace {} found its journal empty: it mints as {} from now on",
          self, keyspace.name(), Incarnation.minterId(self, incarnation));
      return Effect().persist((StorageEvent) new IncarnationStarted(incarnation))
          .thenRun(s -> {
            ctx.getSelf().tell(new RefillRound());
            ctx.getSelf().tell(command);
          });
    }
    if (command instanceof RefillRound) {
      return refillRound(state);
    }
    if (command instanceof RefillRoundDone done) {
      return refillRoundDone(state, done.done());
    }
    if (command instanceof HintedHandoff.Command hinted) {
      hints.tell(hinted); // a hinted key is not this node's key: it never touches this journal
      return Effect().none();
    }
    if (command instanceof AntiEntropy.Command ae) {
      antiEntropy.handle(ae, state.keys());
      return Effect().none();
    }
    if (command instanceof StorageReplica.CoordinatePut put) {
      if (put.replyTo() == null) {
        return Effect().none();
      }
      String problem = problem(put.key());
      if (problem != null) {
        return refuse(put.key(), problem, put.replyTo());
      }
      VersionVector context = put.context() == null ? VersionVector.empty() : put.context();
      DottedVersionVectorSet next = state.get(put.key()).update(context, put.value(),
          Incarnation.minterId(self, state.incarnation()), put.wallMillis());
      return store(state, put.key(), next, put.replyTo());
    } else if (command instanceof StorageReplica.Replicate rep) {
      if (rep.replyTo() == null) {
        return Effect().none();
      }
      String problem = problem(rep.key());
      if (problem == null && rep.set() == null) {
        problem = "the set to merge is missing";
      }
      if (problem != null) {
        return refuse(rep.key(), problem, rep.replyTo());
      }
      DottedVersionVectorSet current = state.get(rep.key());
      if (current.descends(rep.set())) {
        rep.replyTo().tell(new StorageReplica.Stored(self, rep.key(), current)); // nothing new: no journal write
        return Effect().none();
      }
      return store(state, rep.key(), current.sync(rep.set()), rep.replyTo());
    } else if (command instanceof StorageReplica.CollectTombstones collect) {
      if (problem(collect.key()) != null || collect.everyReplicaHas() == null) {
        ctx.getLog().warn("storage replica {} of keyspace {} ignores a malformed tombstone collection: {}", self,
            keyspace.name(), collect);
        return Effect().none();
      }
      DottedVersionVectorSet current = state.get(collect.key());
      DottedVersionVectorSet next = current.withoutTombstonesCoveredBy(collect.everyReplicaHas());
      return next == current ? Effect().none() : Effect().persist(new KeyStored(collect.key(), next, 0));
    } else if (command instanceof StorageReplica.ReplicateBatch batch) {
      return storeBatch(state, batch);
    } else if (command instanceof StorageReplica.Fetch fetch) {
      if (fetch.replyTo() != null && fetch.key() != null) {
        fetch.replyTo().tell(new StorageReplica.Fetched(self, fetch.key(), state.get(fetch.key())));
      }
      return Effect().none();
    } else if (command instanceof StorageReplica.GetStatus status) {
      int siblings = 0;
      for (DottedVersionVectorSet s : state.keys().values()) {
        if (s.values().size() > 1) {
          siblings++;
        }
      }
      status.replyTo().tell(new StorageReplica.Status(keyspace.name(), self, state.keys().size(), siblings,
          state.lwwDiscarded(), Incarnation.minterId(self, state.incarnation()), state.refilling()));
      return Effect().none();
    }
    ctx.getLog().warn("storage replica {} of keyspace {} ignores unknown command type {}", self, keyspace.name(),
        command.getClass().getName());
    return Effect().unhandled();
  }

  /** Starts a refill round, unless one is running or the replica is no longer refilling. */
  private Effect<StorageEvent, State> refillRound(State state) {
    if (state.refilling() && !refillRunning) {
      refillRunning = true;
      antiEntropy.handle(new AntiEntropy.RunRound(refillDone), state.keys());
    }
    return Effect().none();
  }

  /** A complete round ends the refill (journaled); any other is run again after {@link #REFILL_RETRY}. */
  private Effect<StorageEvent, State> refillRoundDone(State state, AntiEntropy.RoundDone done) {
    refillRunning = false;
    if (!state.refilling()) {
      return Effect().none();
    }
    if (!done.complete()) {
      ctx.getLog().debug("storage replica {} of keyspace {} is still refilling: {}", self, keyspace.name(), done);
      timers.startSingleTimer(REFILL_TIMER, new RefillRound(), REFILL_RETRY);
      return Effect().none();
    }
    ctx.getLog().info("storage replica {} of keyspace {} refilled: {} exchanges, {} keys copied, {} keys held", self,
        keyspace.name(), done.exchanges(), done.keysRepaired(), state.keys().size());
    return Effect().persist(new RefillFinished(state.keys().size()));
  }

  /** Persists the key's new set (after last-write-wins, if the keyspace chose it) and answers it. */
  private Effect<StorageEvent, State> store(State state, String key, DottedVersionVectorSet next,
      akka.actor.typed.ActorRef<StorageReplica.StoreReply> replyTo) {
    int discarded = 0;
    if (keyspace.conflicts() == Keyspace.Conflicts.LAST_WRITE_WINS) {
      DottedVersionVectorSet.Lww lww = next.lastWriteWins();
      next = lww.set();
      discarded = lww.discarded();
    }
    DottedVersionVectorSet stored = next;
    return Effect().persist(new KeyStored(key, stored, discarded))
        .thenRun(s -> replyTo.tell(new StorageReplica.Stored(self, key, stored)));
  }

  /** A batch of merges, journaled together; only the keys whose set changes are written. */
  private Effect<StorageEvent, State> storeBatch(State state, StorageReplica.ReplicateBatch batch) {
    if (batch.replyTo() == null) {
      return Effect().none();
    }
    java.util.List<StorageReplica.KeySet> sets = batch.sets() == null ? java.util.List.of() : batch.sets();
    java.util.Map<String, DottedVersionVectorSet> next = new java.util.LinkedHashMap<>();
    java.util.List<StorageEvent> events = new java.util.ArrayList<>();
    for (StorageReplica.KeySet ks : sets) {
      String problem = ks == null ? "a batch entry is missing" : problem(ks.key());
      if (problem == null && ks.set() == null) {
        problem = "the set to merge for key " + ks.key() + " is missing";
      }
      if (problem != null) {
        ctx.getLog().warn("storage replica {} of keyspace {} refuses a batch of {} keys: {}", self, keyspace.name(),
            sets.size(), problem);
        batch.replyTo().tell(new StorageReplica.BatchStored(self, sets.size(), 0, problem));
        return Effect().none();
      }
      DottedVersionVectorSet current = next.containsKey(ks.key()) ? next.get(ks.key()) : state.get(ks.key());
      if (!current.descends(ks.set())) {
        next.put(ks.key(), current.sync(ks.set()));
      }
    }
    next.forEach((key, set) -> {
      int discarded = 0;
      if (keyspace.conflicts() == Keyspace.Conflicts.LAST_WRITE_WINS) {
        DottedVersionVectorSet.Lww lww = set.lastWriteWins();
        set = lww.set();
        discarded = lww.discarded();
      }
      events.add(new KeyStored(key, set, discarded));
    });
    StorageReplica.BatchStored reply = new StorageReplica.BatchStored(self, sets.size(), events.size(), null);
    if (events.isEmpty()) {
      batch.replyTo().tell(reply);
      return Effect().none();
    }
    return Effect().persist(events).thenRun(s -> batch.replyTo().tell(reply));
  }

  private Effect<StorageEvent, State> refuse(String key, String reason,
      akka.actor.typed.ActorRef<StorageReplica.StoreReply> replyTo) {
    ctx.getLog().warn("storage replica {} of keyspace {} refuses a write of key {}: {}", self, keyspace.name(), key,
        reason);
    replyTo.tell(new StorageReplica.Refused(self, key, reason));
    return Effect().none();
  }

  private static String problem(String key) {
    return key == null || key.isEmpty() ? "the key is missing or empty" : null;
  }
}
