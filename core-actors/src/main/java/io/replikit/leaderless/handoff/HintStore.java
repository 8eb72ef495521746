package io.replikit.leaderless.handoff;

import akka.actor.NoSerializationVerificationNeeded;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.persistence.typed.PersistenceId;
import akka.persistence.typed.javadsl.CommandHandler;
import akka.persistence.typed.javadsl.Effect;
import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.EventSourcedBehavior;
import io.replikit.leaderless.Keyspace;
import io.replikit.leaderless.StorageReplica;
import io.replikit.replication.ReplicaId;
import io.replikit.replication.ReplicaTransport;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The hints one node holds as a stand-in, as an event-sourced child of its storage replica (persistence id
 * {@code replikit-ll-hints-<keyspace>|<node>}). It stores and merges hints, answers reads of them, and every
 * handoff interval drops the hints older than the hint window and sends each reachable home its hints as
 * {@link StorageReplica.Replicate} (from this node, through the transport, so that partitions apply); a hint is
 * deleted only when the home's {@link StorageReplica.Stored} descends it. See {@link HintedHandoff}.
 */
public final class HintStore extends EventSourcedBehavior<StorageReplica.Command, HintEvent, Hints> {

  private enum Tick implements StorageReplica.Command, NoSerializationVerificationNeeded { INSTANCE }

  /** A home's answer to a handoff. */
  private record HomeAnswered(StorageReplica.StoreReply reply)
      implements StorageReplica.Command, NoSerializationVerificationNeeded {}

  private final ActorContext<StorageReplica.Command> ctx;
  private final Keyspace keyspace;
  private final String self;
  private final ReplicaTransport transport;
  private final LongSupplier clock;
  private final ActorRef<StorageReplica.StoreReply> homeAnswers;

  /**
   * The hint store of {@code self}; {@code clock} (epoch millis) stamps hints and decides when they expire.
   */
  public static Behavior<StorageReplica.Command> create(Keyspace keyspace, String self, ReplicaTransport transport,
      LongSupplier clock) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      startTicks(timers, keyspace);
      return new HintStore(ctx, keyspace, self, transport, clock);
    }));
  }

  private static void startTicks(TimerScheduler<StorageReplica.Command> timers, Keyspace keyspace) {
    timers.startTimerWithFixedDelay(Tick.INSTANCE, keyspace.handoffInterval());
  }

  private HintStore(ActorContext<StorageReplica.Command> ctx, Keyspace keyspace, String self,
      ReplicaTransport transport, LongSupplier clock) {
    super(PersistenceId.of("replikit-ll-hints-" + keyspace.name(), self, "|"));
    this.ctx = ctx;
    this.keyspace = keyspace;
    this.self = self;
    this.transport = transport;
    this.clock = clock;
    this.homeAnswers = ctx.messageAdapter(StorageReplica.StoreReply.class, HomeAnswered::new);
  }

  @Override
  public Hints emptyState() {
    return Hints.empty();
  }

  @Override
  public EventHandler<Hints, HintEvent> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent((hints, e) -> {
      if (e instanceof HintEvent.HintStored s) {
        return hints.withHint(s.home(), s.key(), new Hints.Hint(s.set(), s.firstStoredMillis()));
      } else if (e instanceof HintEvent.HintHandedOff h) {
        return hints.handedOff(h.home(), h.key());
      } else if (e instanceof HintEvent.HintExpired x) {
        return hints.expired(x.home(), x.key());
      }
      return hints;
    });
  }

  @Override
  public CommandHandler<StorageReplica.Command, HintEvent, Hints> commandHandler() {
    return newCommandHandlerBuilder().forAnyState().onAnyCommand(this::handle);
  }

  private Effect<HintEvent, Hints> handle(Hints hints, StorageReplica.Command command) {
    if (command instanceof HintedHandoff.StoreHint store) {
      return store(hints, store);
    } else if (command instanceof HintedHandoff.FetchHint fetch) {
      if (fetch.replyTo() != null && fetch.key() != null) {
        Hints.Hint h = hints.get(fetch.home(), fetch.key());
        fetch.replyTo().tell(new StorageReplica.Fetched(self, fetch.key(),
            h == null ? io.replikit.versioning.DottedVersionVectorSet.empty() : h.set()));
      }
      return Effect().none();
    } else if (command instanceof HintedHandoff.GetHintStatus status) {
      if (status.replyTo() != null) {
        status.replyTo().tell(new HintedHandoff.HintStatus(keyspace.name(), self, hints.waiting(), hints.handedOff(),
            hints.expired()));
      }
      return Effect().none();
    } else if (command == Tick.INSTANCE) {
      return tick(hints);
    } else if (command instanceof HomeAnswered answered) {
      return onHomeAnswer(hints, answered.reply());
    }
    return Effect().unhandled();
  }

  private Effect<HintEvent, Hints> store(Hints hints, HintedHandoff.StoreHint store) {
    if (store.replyTo() == null) {
      return Effect().none();
    }
    String problem = null;
    if (store.key() == null || store.key().isEmpty()) {
      problem = "the key is missing or empty";
    } else if (store.home() == null || store.home().isEmpty()) {
      problem = "the hint names no home replica";
    } else if (store.home().equals(self)) {
      problem = "a hint for " + self + " sent to " + self + " itself (it is that key's home: write it directly)";
    } else if (store.set() == null) {
      problem = "the set to keep as a hint is missing";
    }
    if (problem != null) {
      ctx.getLog().warn("hint store {} of keyspace {} refuses a hint of key {}: {}", self, keyspace.name(),
          store.key(), problem);
      store.replyTo().tell(new StorageReplica.Refused(self, store.key(), problem));
      return Effect().none();
    }
    Hints.Hint next = hints.merge(store.home(), store.key(), store.set(), clock.getAsLong());
    if (next == null) { // a duplicate: the hint already holds all of it
      store.replyTo().tell(new StorageReplica.Stored(self, store.key(), hints.get(store.home(), store.key()).set()));
      return Effect().none();
    }
    return Effect().persist(new HintEvent.HintStored(store.home(), store.key(), next.set(), next.firstStoredMillis()))
        .thenRun(s -> store.replyTo().tell(new StorageReplica.Stored(self, store.key(), next.set())));
  }

  /** Drops the hints past the window, then offers the rest to every home that is reachable. */
  private Effect<HintEvent, Hints> tick(Hints hints) {
    List<Hints.HintKey> old = hints.olderThan(clock.getAsLong(), keyspace.hintWindow().toMillis());
    if (old.isEmpty()) {
      handOff(hints);
      return Effect().none();
    }
    List<HintEvent> drops = new ArrayList<>();
    for (Hints.HintKey k : old) {
      drops.add(new HintEvent.HintExpired(k.home(), k.key()));
    }
    ctx.getLog().warn("hint store {} of keyspace {} drops {} hints older than the hint window of {}: {}", self,
        keyspace.name(), old.size(), keyspace.hintWindow(), old);
    return Effect().persist(drops).thenRun(this::handOff);
  }

  private void handOff(Hints hints) {
    for (Map.Entry<String, Integer> home : hints.waiting().entrySet()) {
      if (!transport.reachable(ReplicaId.of(home.getKey()))) {
        continue;
      }
      hints.forHome(home.getKey()).forEach((key, hint) -> transport.send(ReplicaId.of(self),
          ReplicaId.of(home.getKey()), new StorageReplica.Replicate(key, hint.set(), homeAnswers)));
    }
  }

  private Effect<HintEvent, Hints> onHomeAnswer(Hints hints, StorageReplica.StoreReply reply) {
    if (reply instanceof StorageReplica.Stored stored) {
      if (hints.deliveredBy(stored.replica(), stored.key(), stored.set())) {
        return Effect().persist(new HintEvent.HintHandedOff(stored.replica(), stored.key()));
      }
      // a duplicate answer (already deleted), or the hint grew since it was sent: the next tick sends it again
      return Effect().none();
    } else if (reply instanceof StorageReplica.Refused refused) {
      ctx.getLog().warn("home {} refused the hint of key {} held by {}: {}; the hint stays until the window ends",
          refused.replica(), refused.key(), self, refused.reason());
    }
    return Effect().none();
  }
}
