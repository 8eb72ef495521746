package io.replikit.multileader.internal;

import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.persistence.typed.PersistenceId;
import akka.persistence.typed.RecoveryCompleted;
import akka.persistence.typed.javadsl.CommandHandler;
import akka.persistence.typed.javadsl.Effect;
import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.EventSourcedBehavior;
import akka.persistence.typed.javadsl.SignalHandler;
import com.fasterxml.jackson.databind.JsonNode;
import io.replikit.multileader.ConflictPolicy;
import io.replikit.multileader.ConflictRecord;
import io.replikit.multileader.MultiLeaderObserver;
import io.replikit.multileader.MultiLeaderReplica;
import io.replikit.multileader.MultiLeaderSettings;
import io.replikit.multileader.TopologySpec;
import io.replikit.replication.ReplicaId;
import io.replikit.replication.ReplicaTransport;
import io.replikit.versioning.Dot;
import io.replikit.versioning.HybridLogicalClock;
import io.replikit.versioning.VersionVector;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * The actor shell of a multi-leader replica: it persists what {@link MultiLeaderState} decides, holds changes that
 * arrived before what they depend on, forwards along the {@link Topology}, and exchanges anti-entropy digests with
 * its neighbours.
 */
public final class MultiLeaderBehavior
    extends EventSourcedBehavior<MultiLeaderReplica.Command, MultiLeaderEvent, MultiLeaderState> {

  private static final int RECENT_CONFLICTS = 20;

  private final ActorContext<MultiLeaderReplica.Command> ctx;
  private final TopologySpec spec;
  private final String self;
  private final MultiLeaderSettings settings;
  private final ConflictPolicy policy;
  private final ReplicaTransport transport;
  private final MultiLeaderObserver observer;
  private final HybridLogicalClock hlc;
  private final java.util.function.Supplier<String> incarnations;
  /** Recovered an empty journal with incarnate-when-empty on: the next journal write starts with an incarnation. */
  private boolean mustIncarnate;

  /** Received changes waiting for what they depend on, by dot, in arrival order. */
  private final LinkedHashMap<Dot, Messages.Envelope> pending = new LinkedHashMap<>();
  private final ArrayDeque<ConflictRecord> recentConflicts = new ArrayDeque<>();
  /** Conflicts by strategy name; rebuilt by recovery like the state's own count. */
  private final Map<String, Long> conflictsByResolution = new TreeMap<>();
  private boolean recovered;
  private List<LocalRequest> local = new ArrayList<>();
  private boolean flushScheduled;
  private long loopsPrevented;
  private long duplicatesDropped;
  /** Neighbours whose digest answer was cut short: asked again once what they sent has been applied. */
  private final Set<String> repairing = new LinkedHashSet<>();

  public static Behavior<MultiLeaderReplica.Command> create(TopologySpec spec, String self,
      MultiLeaderSettings settings, ConflictPolicy policy, ReplicaTransport transport, MultiLeaderObserver observer,
      LongSupplier wallMillis, java.util.function.Supplier<String> incarnations) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers ->
        new MultiLeaderBehavior(ctx, timers, spec, self, settings, policy, transport, observer, wallMillis,
            incarnations)));
  }

  private MultiLeaderBehavior(ActorContext<MultiLeaderReplica.Command> ctx,
      TimerScheduler<MultiLeaderReplica.Command> timers, TopologySpec spec, String self, MultiLeaderSettings settings,
      ConflictPolicy policy, ReplicaTransport transport, MultiLeaderObserver observer, LongSupplier wallMillis,
      java.util.function.Supplier<String> incarnations) {
    super(PersistenceId.of("replikit-ml-" + spec.groupId(), self, "|"));
    this.ctx = ctx;
    this.spec = spec;
    this.self = self;
    this.settings = settings;
    this.policy = policy;
    this.transport = transport;
    this.observer = observer;
    this.hlc = new HybridLogicalClock(self, wallMillis);
    this.incarnations = incarnations;
    List<ReplicaId> others = new ArrayList<>();
    for (String m : spec.members()) {
      if (!m.equals(self)) {
        others.add(ReplicaId.of(m));
      }
    }
    transport.register(ReplicaId.of(self), ctx.getSelf().<Messages.Message>narrow());
    transport.expect(others);
    timers.startTimerWithFixedDelay(Messages.Tick.INSTANCE, settings.digestInterval());
  }

  @Override
  public MultiLeaderState emptyState() {
    return MultiLeaderState.empty(self);
  }

  @Override
  public EventHandler<MultiLeaderState, MultiLeaderEvent> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent((state, event) -> {
      if (event instanceof Incarnated i) {
        return state.apply(i, policy).state();
      }
      Change change = (Change) event;
      hlc.observe(change.hlc());
      MultiLeaderState.Applied applied = state.apply(change, policy);
      if (recovered) {
        observer.onAppliedInOrder(self, change.origin(), change.counter(), change.key(), change.value(),
            applied.conflict() != null);
      }
      if (applied.conflict() != null) {
        conflictsByResolution.merge(applied.conflict().strategy(), 1L, Long::sum);
        recentConflicts.addLast(applied.conflict());
        while (recentConflicts.size() > RECENT_CONFLICTS) {
          recentConflicts.removeFirst();
        }
        if (recovered) {
          observer.onConflict(applied.conflict());
        }
      }
      return applied.state();
    });
  }

  @Override
  public SignalHandler<MultiLeaderState> signalHandler() {
    return newSignalHandlerBuilder().onSignal(RecoveryCompleted.instance(), state -> {
      recovered = true;
      ctx.getLog().info("multi-leader replica {} of group {} recovered {} changes, applied {}, writes as {}", self,
          spec.groupId(), state.historySize(), state.applied(), state.origin());
      mustIncarnate = Incarnation.mustIncarnate(state, settings.incarnateWhenEmpty());
      if (mustIncarnate) {
        scheduleFlush(); // take the incarnation now, before the first write needs it
      }
    }).build();
  }

  @Override
  public CommandHandler<MultiLeaderReplica.Command, MultiLeaderEvent, MultiLeaderState> commandHandler() {
    return newCommandHandlerBuilder().forAnyState().onAnyCommand(this::handle);
  }

  private Effect<MultiLeaderEvent, MultiLeaderState> handle(MultiLeaderState state, MultiLeaderReplica.Command command) {
    if (command instanceof MultiLeaderReplica.Put put) {
      return write(state, put.key(), put.value(), put.replyTo());
    } else if (command instanceof MultiLeaderReplica.Delete delete) {
      return write(state, delete.key(), null, delete.replyTo());
    } else if (command instanceof MultiLeaderReplica.UpdateCrdt update) {
      return updateCrdt(state, update);
    } else if (command instanceof Messages.Forward forward) {
      return onForward(state, forward);
    } else if (command instanceof Messages.Digest digest) {
      onDigest(state, digest);
      return Effect().none();
    } else if (command == Messages.Tick.INSTANCE) {
      for (String n : Topology.neighbours(spec, self, alive())) {
        transport.send(ReplicaId.of(self), ReplicaId.of(n), new Messages.Digest(self, state.applied()));
      }
      if (!pending.isEmpty()) {
        scheduleFlush();
      }
      return Effect().none();
    } else if (command == Messages.Flush.INSTANCE) {
      return flush(state);
    } else if (command instanceof MultiLeaderReplica.Get get) {
      MultiLeaderState.View v = state.view(get.key(), policy);
      get.replyTo().tell(new MultiLeaderReplica.Value(get.key(), v.value(), v.siblings(), v.versions(), self,
          state.applied(), state.crdtOf(get.key())));
      return Effect().none();
    } else if (command instanceof MultiLeaderReplica.GetStatus status) {
      status.replyTo().tell(new MultiLeaderReplica.Status(spec.groupId(), self, state.applied(), pending.size(),
          state.conflicts(), state.discarded(), loopsPrevented, duplicatesDropped,
          Topology.neighbours(spec, self, alive()), state.store().size(), List.copyOf(recentConflicts),
          conflictsByResolution, state.origin()));
      return Effect().none();
    } else if (command instanceof MultiLeaderReplica.ReadAll all) {
      Map<String, List<String>> versions = new TreeMap<>();
      Map<String, JsonNode> values = new TreeMap<>();
      for (String key : state.store().keySet()) {
        MultiLeaderState.View v = state.view(key, policy);
        versions.put(key, v.versions());
        if (v.value() != null) {
          values.put(key, v.value());
        }
      }
      all.replyTo().tell(new MultiLeaderReplica.AllValues(self, state.applied(), versions, values));
      return Effect().none();
    }
    ctx.getLog().warn("multi-leader replica {} ignores unknown command type {}", self, command.getClass().getName());
    return Effect().unhandled();
  }

  /** A local write waiting for the next flush: a value (null: delete), or a CRDT update. */
  private record LocalRequest(String key, JsonNode value, MultiLeaderReplica.CrdtUpdate update,
      akka.actor.typed.ActorRef<MultiLeaderReplica.WriteReply> replyTo) {}

  private Effect<MultiLeaderEvent, MultiLeaderState> write(MultiLeaderState state, String key, JsonNode value,
      akka.actor.typed.ActorRef<MultiLeaderReplica.WriteReply> replyTo) {
    if (replyTo == null) {
      return Effect().none();
    }
    if (key == null || key.isEmpty()) {
      replyTo.tell(new MultiLeaderReplica.WriteRejected("the key is missing or empty"));
      return Effect().none();
    }
    local.add(new LocalRequest(key, value, null, replyTo));
    scheduleFlush();
    return Effect().none();
  }

  private Effect<MultiLeaderEvent, MultiLeaderState> updateCrdt(MultiLeaderState state, MultiLeaderReplica.UpdateCrdt u) {
    if (u.replyTo() == null) {
      return Effect().none();
    }
    if (u.key() == null || u.key().isEmpty() || u.update() == null) {
      u.replyTo().tell(new MultiLeaderReplica.WriteRejected("the key or the update is missing"));
      return Effect().none();
    }
    local.add(new LocalRequest(u.key(), null, u.update(), u.replyTo()));
    scheduleFlush();
    return Effect().none();
  }

  /**
   * Group commit: writes and received changes that arrive while the journal is busy (Akka stashes them meanwhile)
   * are buffered and go to the journal together at the next flush.
   */
  private void scheduleFlush() {
    if (!flushScheduled) {
      flushScheduled = true;
      ctx.getSelf().tell(Messages.Flush.INSTANCE);
    }
  }

  /**
   * Persists in one journal write every held change that has become deliverable (in an order that respects
   * causality) and then the buffered local writes, each of which follows everything before it.
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private Effect<MultiLeaderEvent, MultiLeaderState> flush(MultiLeaderState state) {
    flushScheduled = false;
    List<MultiLeaderEvent> events = new ArrayList<>();
    MultiLeaderState base = state;
    if (mustIncarnate) {
      // first in the journal, in the same write as whatever comes with it: a journal that holds anything holds it
      Incarnated incarnation = new Incarnated(Incarnation.origin(self, incarnations.get()));
      base = state.incarnated(incarnation.origin());
      events.add(incarnation);
    }
    String origin = base.origin();
    VersionVector at = base.applied();
    List<Messages.Envelope> ready = new ArrayList<>();
    boolean progress = !pending.isEmpty();
    while (progress) {
      progress = false;
      for (Iterator<Messages.Envelope> it = pending.values().iterator(); it.hasNext(); ) {
        Messages.Envelope e = it.next();
        if (at.covers(e.change().dot())) {
          it.remove();
        } else if (MultiLeaderState.deliverable(at, e.change())) {
          ready.add(e);
          at = at.with(e.change().origin(), e.change().counter());
          it.remove();
          progress = true;
        }
      }
    }
    List<Change> changes = new ArrayList<>();
    List<Messages.Envelope> out = new ArrayList<>(ready);
    List<Messages.Envelope> onward = new ArrayList<>();
    for (Messages.Envelope e : ready) {
      // a change tagged with this member that it had not applied is its own past, lost with its journal and sent
      // back by a peer: it has travelled the topology once, so it goes no further
      if (!(settings.originTags() && e.tags().contains(self))) {
        onward.add(e);
      }
    }
    Map<String, io.replikit.crdt.Crdt> crdts = new java.util.HashMap<>();
    for (Messages.Envelope e : ready) {
      changes.add(e.change());
      if (e.change().delta() != null) {
        io.replikit.crdt.Crdt cur = crdts.containsKey(e.change().key()) ? crdts.get(e.change().key())
            : state.crdtOf(e.change().key());
        crdts.put(e.change().key(), cur == null || cur.getClass() != e.change().delta().getClass()
            ? cur == null ? e.change().delta() : cur : (io.replikit.crdt.Crdt) cur.merge(e.change().delta()));
      }
    }
    List<Runnable> replies = new ArrayList<>();
    List<LocalRequest> requests = local;
    local = new ArrayList<>();
    for (LocalRequest r : requests) {
      long counter = at.get(origin) + 1;
      Change change;
      if (r.update() == null) {
        change = new Change(new io.replikit.versioning.Dot(origin, counter), at, hlc.now(), r.key(), r.value());
      } else {
        io.replikit.crdt.Crdt current = crdts.containsKey(r.key()) ? crdts.get(r.key()) : state.crdtOf(r.key());
        io.replikit.crdt.Crdt delta;
        try {
          // the CRDT's replica id is the origin too: a counter's entry of a lost journal must not be reused either
          delta = r.update().delta(current, origin, hlc);
        } catch (RuntimeException e) {
          r.replyTo().tell(new MultiLeaderReplica.WriteRejected("the update of " + r.key() + " failed: " + e));
          continue;
        }
        if (delta == null) {
          r.replyTo().tell(new MultiLeaderReplica.WriteRejected("the update of " + r.key() + " made no delta"));
          continue;
        }
        if (current != null && current.getClass() != delta.getClass()) {
          r.replyTo().tell(new MultiLeaderReplica.WriteRejected("key " + r.key() + " holds a "
              + MultiLeaderState.kindOf(current) + ", the update made a " + MultiLeaderState.kindOf(delta)));
          continue;
        }
        crdts.put(r.key(), current == null ? delta : (io.replikit.crdt.Crdt) current.merge(delta));
        change = new Change(new io.replikit.versioning.Dot(origin, counter), at, hlc.now(), r.key(), null, delta);
      }
      at = at.with(origin, counter);
      changes.add(change);
      out.add(new Messages.Envelope(change, List.of(self)));
      onward.add(out.get(out.size() - 1));
      replies.add(() -> r.replyTo().tell(new MultiLeaderReplica.Written(r.key(), origin, change.counter())));
    }
    events.addAll(changes);
    if (events.isEmpty()) {
      repairing.clear(); // nothing new came of it: the digest timer asks again
      return Effect().none();
    }
    return Effect().persist(events).thenRun(s -> {
      mustIncarnate = false;
      replies.forEach(Runnable::run);
      for (String n : repairing) {
        transport.send(ReplicaId.of(self), ReplicaId.of(n), new Messages.Digest(self, s.applied()));
      }
      repairing.clear();
      for (Messages.Envelope e : out) {
        observer.onApplied(self, e.change().origin(), e.change().counter(), e.change().key());
      }
      forward(onward);
      if (!local.isEmpty() || !pending.isEmpty()) {
        scheduleFlush();
      }
    });
  }

  private Effect<MultiLeaderEvent, MultiLeaderState> onForward(MultiLeaderState state, Messages.Forward forward) {
    if (forward.envelopes() == null) {
      return Effect().none();
    }
    for (Messages.Envelope e : forward.envelopes()) {
      if (e == null || e.change() == null || e.change().dot() == null || e.change().deps() == null
          || e.change().hlc() == null || e.change().key() == null || e.tags() == null) {
        ctx.getLog().warn("multi-leader replica {} drops an incomplete change from {}", self, forward.from());
        continue;
      }
      if (settings.originTags() && state.loopedBack(e.change(), e.tags())) {
        loopsPrevented++; // it has been here before: forwarding it on would send it around again
        continue;
      }
      if (state.hasApplied(e.change()) || pending.containsKey(e.change().dot())) {
        duplicatesDropped++;
        continue;
      }
      if (pending.size() >= settings.maxPending()) {
        continue; // anti-entropy brings it again once the backlog has been applied
      }
      pending.put(e.change().dot(), e);
    }
    if (forward.moreToRepair() && forward.from() != null && spec.members().contains(forward.from())) {
      repairing.add(forward.from());
    }
    scheduleFlush();
    return Effect().none();
  }

  /** Sends applied changes on along the topology, each with this replica added to its tags. */
  private void forward(List<Messages.Envelope> envelopes) {
    Set<String> alive = alive();
    Map<String, List<Messages.Envelope>> byTarget = new LinkedHashMap<>();
    for (Messages.Envelope e : envelopes) {
      List<String> tags = e.tags();
      if (!tags.contains(self)) {
        tags = new ArrayList<>(tags);
        tags.add(self);
      }
      for (String target : Topology.forwardTargets(spec, self, alive, tags, settings.originTags())) {
        byTarget.computeIfAbsent(target, t -> new ArrayList<>()).add(new Messages.Envelope(e.change(),
            List.copyOf(tags)));
      }
    }
    byTarget.forEach(this::send);
  }

  private void send(String target, List<Messages.Envelope> envelopes) {
    send(target, envelopes, false);
  }

  private void send(String target, List<Messages.Envelope> envelopes, boolean moreToRepair) {
    for (int from = 0; from < envelopes.size(); from += settings.maxBatch()) {
      int to = Math.min(envelopes.size(), from + settings.maxBatch());
      transport.send(ReplicaId.of(self), ReplicaId.of(target), new Messages.Forward(self,
          List.copyOf(envelopes.subList(from, to)), moreToRepair && to == envelopes.size()));
    }
  }

  /** A neighbour says what it has: send what it lacks (a repair's tags: its origin and this replica). */
  private void onDigest(MultiLeaderState state, Messages.Digest digest) {
    if (digest.from() == null || digest.applied() == null || !spec.members().contains(digest.from())) {
      return;
    }
    List<Change> missing = state.missingFrom(digest.applied(), settings.maxBatch());
    if (!missing.isEmpty()) {
      List<Messages.Envelope> envelopes = new ArrayList<>(missing.size());
      for (Change c : missing) {
        String member = Incarnation.memberOf(c.origin()); // tags name members, whatever incarnation wrote it
        envelopes.add(new Messages.Envelope(c, member.equals(self) ? List.of(self) : List.of(member, self)));
      }
      send(digest.from(), envelopes, missing.size() == settings.maxBatch());
    }
  }

  private Set<String> alive() {
    Set<String> alive = new LinkedHashSet<>();
    for (String m : spec.members()) {
      if (m.equals(self) || transport.reachable(ReplicaId.of(m))) {
        alive.add(m);
      }
    }
    return alive;
  }
}
