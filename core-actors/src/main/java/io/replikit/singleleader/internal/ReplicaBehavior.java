package io.replikit.singleleader.internal;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.SupervisorStrategy;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.persistence.typed.PersistenceId;
import akka.persistence.typed.RecoveryCompleted;
import akka.persistence.typed.RecoveryFailed;
import akka.persistence.typed.SnapshotAdapter;
import akka.persistence.typed.javadsl.CommandHandler;
import akka.persistence.typed.javadsl.Effect;
import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.EventSourcedBehavior;
import akka.persistence.typed.javadsl.SignalHandler;
import io.replikit.replication.LogEntry;
import io.replikit.replication.ReplicaClock;
import io.replikit.replication.ReplicaEvent;
import io.replikit.replication.ReplicaId;
import io.replikit.replication.ReplicaTransport;
import io.replikit.singleleader.AckLevel;
import io.replikit.singleleader.AckPolicy;
import io.replikit.singleleader.Replica;
import io.replikit.singleleader.ReplicaGroupSpec;
import io.replikit.singleleader.ReplicaObserver;
import io.replikit.singleleader.ReplicaStatus;
import io.replikit.singleleader.SingleLeaderSettings;
import io.replikit.singleleader.WriteOptions;
import io.replikit.store.VersionedValue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The actor shell of a single-leader replica: it persists what {@link ReplicaState} and {@link LeaderTracker}
 * decide, sends through the {@link ReplicaTransport}, replies and keeps a timer. The rules live in those two.
 */
public final class ReplicaBehavior extends EventSourcedBehavior<Replica.Command, ReplicaEvent, ReplicaState> {

  /** How a pending write is answered. */
  record Reply(ActorRef<Replica.WriteReply> to, String key) {}

  private final ActorContext<Replica.Command> ctx;
  private final ReplicaGroupSpec group;
  private final ReplicaId self;
  private final SingleLeaderSettings settings;
  private final ReplicaTransport transport;
  private final ReplicaObserver observer;
  private final ReplicaClock clock;
  private final boolean leader;
  private final long heartbeatNanos;
  private final long followerTimeoutNanos;

  private long lastSnapshotSequenceNr;

  // leader side (volatile: rebuilt after a restart)
  private LeaderTracker<Reply> tracker;
  private List<Replica.Write> buffer = new ArrayList<>();
  private boolean flushScheduled;

  // follower side: entries accepted but not yet persisted (group commit of what arrives during a journal write)
  private List<LogEntry> received = new ArrayList<>();
  private long lastHeardFromLeader;
  private long leaderEpoch;
  private long leaderLastKnown;

  public static Behavior<Replica.Command> create(ReplicaGroupSpec group, ReplicaId self,
      SingleLeaderSettings settings, ReplicaTransport transport, ReplicaObserver observer, ReplicaClock clock) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers ->
        new ReplicaBehavior(ctx, timers, group, self, settings, transport, observer, clock)));
  }

  private ReplicaBehavior(ActorContext<Replica.Command> ctx, TimerScheduler<Replica.Command> timers,
      ReplicaGroupSpec group, ReplicaId self, SingleLeaderSettings settings, ReplicaTransport transport,
      ReplicaObserver observer, ReplicaClock clock) {
    // A failed journal write restarts the replica with backoff, and it recovers from what the journal holds: writes
    // of the failed batch were never acknowledged, so their clients see a timeout, never a false success.
    super(PersistenceId.of("replikit-" + group.groupId(), self.value(), "|"),
        SupervisorStrategy.restartWithBackoff(settings.journalRestartMinBackoff(),
            settings.journalRestartMaxBackoff(), 0.2).withMaxRestarts(settings.journalMaxRestarts()));
    this.ctx = ctx;
    this.group = group;
    this.self = self;
    this.settings = settings;
    this.transport = transport;
    this.observer = observer;
    this.clock = clock;
    this.leader = group.leader().equals(self);
    this.heartbeatNanos = settings.heartbeatInterval().toNanos();
    this.followerTimeoutNanos = settings.followerTimeout().toNanos();
    transport.register(self, ctx.getSelf().<Protocol.Message>narrow());
    timers.startTimerWithFixedDelay(Protocol.Tick.INSTANCE, settings.heartbeatInterval());
  }

  @Override
  public ReplicaState emptyState() {
    return ReplicaState.empty();
  }

  @Override
  public EventHandler<ReplicaState, ReplicaEvent> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent(ReplicaState::apply);
  }

  /**
   * Snapshots once the events since the last one reach {@code snapshot-every} or the number of keys, whichever is
   * larger: a snapshot costs in proportion to the store (and the actor waits for it), so its cost per write stays
   * constant however large the store grows, while recovery replays no more events than the snapshot holds keys.
   */
  @Override
  public boolean shouldSnapshot(ReplicaState state, ReplicaEvent event, long sequenceNr) {
    boolean installed = event instanceof ReplicaEvents.SnapshotChunkStored c && c.index() == c.total() - 1;
    // an installed snapshot is recovered from the snapshot store, not re-assembled from its chunks
    if (installed || sequenceNr - lastSnapshotSequenceNr >= Math.max(settings.snapshotEvery(), state.store().size())) {
      lastSnapshotSequenceNr = sequenceNr;
      return true;
    }
    return false;
  }

  @Override
  public SnapshotAdapter<ReplicaState> snapshotAdapter() {
    return new SnapshotAdapter<>() {
      @Override
      public Object toJournal(ReplicaState state) {
        return state.toSnapshot();
      }

      @Override
      public ReplicaState fromJournal(Object from) {
        return ReplicaState.fromSnapshot((ReplicaSnapshot) from);
      }
    };
  }

  @Override
  public SignalHandler<ReplicaState> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), this::onRecovered)
        .onSignal(RecoveryFailed.class, (state, failed) ->
            ctx.getLog().error("replica {} of group {} could not recover its journal: {}", self, group.groupId(),
                failed.getFailure().getMessage()))
        .build();
  }

  private void onRecovered(ReplicaState state) {
    long now = clock.nanos();
    lastSnapshotSequenceNr = lastSequenceNumber(ctx); // conservative: the last snapshot is no later than this
    if (leader) {
      List<ReplicaId> order = new ArrayList<>(group.followers());
      for (ReplicaId j : state.joinedFollowers()) {
        if (!order.contains(j)) {
          order.add(j);
        }
      }
      tracker = new LeaderTracker<>(order, settings.ackPolicy(), settings.syncStandbyTimeout().toNanos(),
          settings.resendAfter().toNanos(), settings.maxBatchEntries(), settings.maxBatchesInFlight(),
          settings.snapshotChunkItems(), settings.snapshotChunksInFlight(), now);
      ctx.getLog().info("replica {} leads group {} from position {} (epoch {}), followers {}", self,
          group.groupId(), state.lastPosition(), epoch(state), order);
    } else {
      ctx.getLog().info("replica {} follows {} in group {} from position {}", self, group.leader(),
          group.groupId(), state.lastPosition());
      requestToFollow(state, now);
    }
  }

  @Override
  public CommandHandler<Replica.Command, ReplicaEvent, ReplicaState> commandHandler() {
    return newCommandHandlerBuilder().forAnyState().onAnyCommand(this::handle);
  }

  private Effect<ReplicaEvent, ReplicaState> handle(ReplicaState state, Replica.Command command) {
    if (command instanceof Replica.Get get) {
      return onGet(state, get);
    } else if (command instanceof Replica.GetStatus status) {
      status.replyTo().tell(status(state));
      return Effect().none();
    } else if (command instanceof Replica.ReadAll all) {
      all.replyTo().tell(new Replica.AllItems(self, state.lastPosition(), state.store().items()));
      return Effect().none();
    } else if (command instanceof Replica.Write write) {
      return leader ? onWrite(state, write) : refuseWrite(write);
    } else if (command == Protocol.Flush.INSTANCE) {
      return leader ? onFlush(state) : onFollowerFlush(state);
    } else if (command == Protocol.Tick.INSTANCE) {
      return leader ? onLeaderTick(state) : onFollowerTick(state);
    } else if (command instanceof Protocol.Message message) {
      return leader ? onLeaderMessage(state, message) : onFollowerMessage(state, message);
    }
    ctx.getLog().warn("replica {} ignores unknown command type {}", self, command.getClass().getName());
    return Effect().unhandled();
  }

  // --- reads ---

  private Effect<ReplicaEvent, ReplicaState> onGet(ReplicaState state, Replica.Get get) {
    Optional<String> problem = settings.storeLimits().checkKey(get.key());
    if (problem.isPresent()) {
      get.replyTo().tell(new Replica.ReadRejected(problem.get()));
      return Effect().none();
    }
    Optional<VersionedValue> v = state.store().get(get.key());
    get.replyTo().tell(v.<Replica.ReadReply>map(value ->
            new Replica.Found(get.key(), value.value(), value.version(), self, state.lastPosition()))
        .orElseGet(() -> new Replica.NotFound(get.key(), self, state.lastPosition())));
    return Effect().none();
  }

  // --- leader: writes and group commit ---

  private Effect<ReplicaEvent, ReplicaState> onWrite(ReplicaState state, Replica.Write write) {
    if (write.replyTo() == null) {
      ctx.getLog().warn("replica {} ignores a write without replyTo", self);
      return Effect().none();
    }
    Optional<String> problem = settings.storeLimits().check(write.change());
    if (problem.isEmpty() && write.expectedVersion() != null && write.expectedVersion() < 0) {
      problem = Optional.of("expected version " + write.expectedVersion() + " is negative; use 0 for 'absent'");
    }
    if (problem.isPresent()) {
      write.replyTo().tell(new Replica.Rejected(problem.get()));
      return Effect().none();
    }
    // Group commit: while a journal write is in flight, Akka stashes commands; when it completes, the stashed writes
    // land here one after another before the Flush below is processed, and go to the journal as one batch.
    buffer.add(write);
    if (!flushScheduled) {
      flushScheduled = true;
      ctx.getSelf().tell(Protocol.Flush.INSTANCE);
    }
    return Effect().none();
  }

  private Effect<ReplicaEvent, ReplicaState> onFlush(ReplicaState state) {
    flushScheduled = false;
    if (buffer.isEmpty()) {
      return Effect().none();
    }
    List<Replica.Write> batch;
    if (buffer.size() <= settings.maxBatchEntries()) {
      batch = buffer;
      buffer = new ArrayList<>();
    } else {
      // one journal write stays bounded; the rest follows in the next flush, in arrival order
      batch = new ArrayList<>(buffer.subList(0, settings.maxBatchEntries()));
      buffer = new ArrayList<>(buffer.subList(settings.maxBatchEntries(), buffer.size()));
      flushScheduled = true;
      ctx.getSelf().tell(Protocol.Flush.INSTANCE);
    }
    List<ReplicaState.Proposed> proposed = new ArrayList<>(batch.size());
    for (Replica.Write w : batch) {
      proposed.add(new ReplicaState.Proposed(w.change(), w.expectedVersion()));
    }
    ReplicaState.Appended appended = state.decide(proposed, epoch(state), self, clock.millis());
    List<Replica.Write> accepted = new ArrayList<>(appended.entries().size());
    for (int i = 0; i < batch.size(); i++) {
      ReplicaState.Decision d = appended.decisions().get(i);
      if (d instanceof ReplicaState.Decision.VersionMismatch m) {
        batch.get(i).replyTo().tell(new Replica.VersionConflict(m.key(), m.expected(), m.actual()));
      } else {
        accepted.add(batch.get(i));
      }
    }
    if (appended.entries().isEmpty()) {
      return Effect().none();
    }
    List<ReplicaEvent> events = new ArrayList<>(appended.entries());
    List<LogEntry> entries = appended.entries();
    return Effect().persist(events).thenRun(newState -> afterAppend(newState, entries, accepted));
  }

  private void afterAppend(ReplicaState state, List<LogEntry> entries, List<Replica.Write> writes) {
    long now = clock.nanos();
    long deadline = now + settings.writeTimeout().toNanos();
    List<LeaderTracker.Pending<Reply>> pending = new ArrayList<>(writes.size());
    for (int i = 0; i < writes.size(); i++) {
      Replica.Write w = writes.get(i);
      WriteOptions o = w.options() == null ? WriteOptions.defaults() : w.options();
      AckPolicy policy = o.policy() != null ? o.policy() : settings.ackPolicy();
      AckLevel level = o.level() != null ? o.level() : settings.ackLevel();
      pending.add(new LeaderTracker.Pending<>(entries.get(i).position(), w.change().key(), policy, level, deadline,
          new Reply(w.replyTo(), w.change().key())));
    }
    long from = entries.get(0).position();
    long to = entries.get(entries.size() - 1).position();
    observer.onLeaderAppended(self, from, to);
    acknowledge(state, tracker.onAppended(from, to, pending, now));
    replicate(state, now);
  }

  private void acknowledge(ReplicaState state, List<LeaderTracker.Pending<Reply>> done) {
    long epoch = epoch(state);
    for (LeaderTracker.Pending<Reply> p : done) {
      p.reply().to().tell(new Replica.Written(p.key(), p.position(), epoch));
    }
  }

  private void replicate(ReplicaState state, long now) {
    long epoch = epoch(state);
    for (LeaderTracker.Send s : tracker.sends(state.lastPosition(), state.logStart(), now, heartbeatNanos)) {
      if (s instanceof LeaderTracker.Send.Entries e) {
        transport.send(self, e.to(), new Protocol.AppendEntries(self, epoch, e.from() - 1,
            state.entries(e.from(), e.toPosition()), state.lastPosition()));
      } else if (s instanceof LeaderTracker.Send.Chunk c) {
        transport.send(self, c.to(), new Protocol.SnapshotChunk(self, epoch, c.transferId(), c.snapshotPosition(),
            c.snapshotEpoch(), c.index(), c.total(), c.items()));
      }
    }
  }

  // --- leader: followers ---

  private Effect<ReplicaEvent, ReplicaState> onLeaderMessage(ReplicaState state, Protocol.Message message) {
    long now = clock.nanos();
    if (message instanceof Protocol.FollowRequest r) {
      if (r.follower().equals(self)) {
        return Effect().none();
      }
      if (!tracker.knows(r.follower())) {
        ctx.getLog().info("replica {} joins group {} as an asynchronous follower", r.follower(), group.groupId());
        return Effect().persist(new ReplicaEvents.FollowerJoined(r.follower())).thenRun(s -> {
          tracker.addFollower(r.follower(), clock.nanos());
          startFollowing(s, r, clock.nanos());
        });
      }
      startFollowing(state, r, now);
    } else if (message instanceof Protocol.Progress p) {
      if (!tracker.knows(p.follower())) {
        ctx.getLog().debug("replica {} ignores progress from unknown follower {}", self, p.follower());
        return Effect().none();
      }
      LeaderTracker.ProgressOutcome<Reply> outcome =
          tracker.onProgress(p.follower(), p.received(), p.persisted(), p.applied(), p.gap(), state.lastPosition(),
              now);
      for (LeaderTracker.LagSample sample : outcome.lag()) {
        observer.onFollowerApplied(self, sample.follower(), sample.position(), sample.lagNanos());
      }
      acknowledge(state, outcome.completed());
      replicate(state, now);
    } else if (message instanceof Protocol.SnapshotProgress sp) {
      if (tracker.knows(sp.follower())) {
        tracker.onSnapshotProgress(sp.follower(), sp.transferId(), sp.nextIndex(), now);
        replicate(state, now);
      }
    } else {
      ctx.getLog().warn("leader {} of group {} ignores {} from another leader (epoch {})", self, group.groupId(),
          message.getClass().getSimpleName(), message.epoch());
    }
    return Effect().none();
  }

  private void startFollowing(ReplicaState state, Protocol.FollowRequest r, long now) {
    if (r.lastPosition() > state.lastPosition()) {
      ctx.getLog().warn("follower {} reports position {} beyond leader {}'s last position {}", r.follower(),
          r.lastPosition(), self, state.lastPosition());
    }
    LeaderTracker.FollowAction action =
        tracker.onFollowRequest(r.follower(), r.lastPosition(), state.lastPosition(), state.logStart(), now);
    if (action == LeaderTracker.FollowAction.NEEDS_SNAPSHOT) {
      startSnapshot(state, r.follower(), now);
    }
    replicate(state, now);
  }

  private void startSnapshot(ReplicaState state, ReplicaId follower, long now) {
    // the store value is immutable: this is a consistent cut at lastPosition even as later writes are applied
    long transferId = ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
    ctx.getLog().info("leader {} sends follower {} a snapshot at position {} ({} keys)", self, follower,
        state.lastPosition(), state.store().size());
    tracker.startSnapshot(follower, transferId, state.lastPosition(), state.lastEpoch(), state.store().items(), now);
  }

  private Effect<ReplicaEvent, ReplicaState> onLeaderTick(ReplicaState state) {
    if (tracker == null) {
      return Effect().none();
    }
    long now = clock.nanos();
    LeaderTracker.TickOutcome<Reply> outcome = tracker.onTick(now, clock.millis());
    for (LeaderTracker.SyncChange change : outcome.syncChanges()) {
      ctx.getLog().info("group {}: {}", group.groupId(), change.description());
      observer.onSyncChange(self, change.description());
    }
    acknowledge(state, outcome.completed());
    for (LeaderTracker.Expired<Reply> e : outcome.expired()) {
      e.write().reply().to().tell(new Replica.NotConfirmed(e.write().key(), e.write().position(), e.reason()));
    }
    for (ReplicaId f : tracker.followerIds()) {
      if (tracker.needsSnapshot(f, state.logStart())) {
        startSnapshot(state, f, now);
      }
    }
    replicate(state, now);
    long trimTo = tracker.trimPoint(state.lastPosition(), settings.logRetentionEntries(),
        settings.maxRetainedEntries(), now);
    long trimBatch = Math.max(1, Math.min(1000, settings.logRetentionEntries() / 10 + 1));
    if (trimTo - state.logStart() + 1 >= trimBatch) {
      return Effect().persist(new ReplicaEvents.LogTrimmed(trimTo));
    }
    return Effect().none();
  }

  // --- follower ---

  private Effect<ReplicaEvent, ReplicaState> refuseWrite(Replica.Write write) {
    if (write.replyTo() != null) {
      write.replyTo().tell(new Replica.NotLeader(group.leader(),
          "replica " + self + " is a follower of group " + group.groupId() + "; send writes to " + group.leader()));
    }
    return Effect().none();
  }

  private void requestToFollow(ReplicaState state, long now) {
    lastHeardFromLeader = now;
    transport.send(self, group.leader(),
        new Protocol.FollowRequest(self, state.lastEpoch(), state.lastPosition(), state.lastEpoch()));
  }

  private Effect<ReplicaEvent, ReplicaState> onFollowerTick(ReplicaState state) {
    long now = clock.nanos();
    if (now - lastHeardFromLeader > followerTimeoutNanos) {
      ctx.getLog().debug("follower {} heard nothing from {} for {}; asking again from position {}", self,
          group.leader(), Duration.ofNanos(now - lastHeardFromLeader), state.lastPosition());
      requestToFollow(state, now);
    }
    return Effect().none();
  }

  private Effect<ReplicaEvent, ReplicaState> onFollowerMessage(ReplicaState state, Protocol.Message message) {
    if (message instanceof Protocol.AppendEntries a) {
      return onAppendEntries(state, a);
    } else if (message instanceof Protocol.SnapshotChunk c) {
      return onSnapshotChunk(state, c);
    }
    ctx.getLog().debug("follower {} ignores {}", self, message.getClass().getSimpleName());
    return Effect().none();
  }

  private Effect<ReplicaEvent, ReplicaState> onAppendEntries(ReplicaState state, Protocol.AppendEntries a) {
    if (!a.leader().equals(group.leader())) {
      ctx.getLog().warn("follower {} ignores entries from {}, which is not its leader {}", self, a.leader(),
          group.leader());
      return Effect().none();
    }
    lastHeardFromLeader = clock.nanos();
    leaderEpoch = Math.max(leaderEpoch, a.epoch());
    leaderLastKnown = Math.max(leaderLastKnown, a.leaderLastPosition());
    long persisted = state.lastPosition();
    long receivedLast = received.isEmpty() ? persisted : received.get(received.size() - 1).position();
    ReplicaState.Receipt receipt = ReplicaState.receive(receivedLast, a.prevPosition(), a.entries());
    if (receipt instanceof ReplicaState.Receipt.Malformed m) {
      ctx.getLog().error("follower {} drops a malformed batch from {}: {}", self, a.leader(), m.reason());
      return Effect().none();
    } else if (receipt instanceof ReplicaState.Receipt.Gap) {
      sendProgress(receivedLast, persisted, true);
      return Effect().none();
    } else if (receipt instanceof ReplicaState.Receipt.UpToDate) {
      sendProgress(receivedLast, persisted, false);
      return Effect().none();
    }
    List<LogEntry> fresh = ((ReplicaState.Receipt.Accept) receipt).fresh();
    // Like the leader's group commit: batches that arrive while the journal is busy are stashed by Akka, land here
    // one after another, and go to the journal together at the Flush.
    boolean flushPending = !received.isEmpty();
    received.addAll(fresh);
    sendProgress(fresh.get(fresh.size() - 1).position(), persisted, false); // received: in memory only
    if (!flushPending) {
      ctx.getSelf().tell(Protocol.Flush.INSTANCE);
    }
    return Effect().none();
  }

  private Effect<ReplicaEvent, ReplicaState> onFollowerFlush(ReplicaState state) {
    if (received.isEmpty()) {
      return Effect().none();
    }
    List<LogEntry> batch = received;
    received = new ArrayList<>();
    // a snapshot installed meanwhile may have moved the log: keep only what still extends it
    ReplicaState.Receipt receipt = state.receive(batch.get(0).position() - 1, batch);
    if (!(receipt instanceof ReplicaState.Receipt.Accept accept)) {
      return Effect().none();
    }
    List<LogEntry> fresh = accept.fresh();
    return Effect().persist(new ArrayList<ReplicaEvent>(fresh)).thenRun(s -> {
      sendProgress(s.lastPosition(), s.lastPosition(), false);
      for (LogEntry e : fresh) {
        observer.onApplied(self, e);
      }
    });
  }

  private void sendProgress(long received, long persisted, boolean gap) {
    // entries are applied in the same step that persists them, so applied == persisted
    transport.send(self, group.leader(),
        new Protocol.Progress(self, leaderEpoch, received, persisted, persisted, gap));
  }

  private Effect<ReplicaEvent, ReplicaState> onSnapshotChunk(ReplicaState state, Protocol.SnapshotChunk c) {
    if (!c.leader().equals(group.leader())) {
      return Effect().none();
    }
    lastHeardFromLeader = clock.nanos();
    ReplicaState.ChunkReceipt receipt =
        state.receiveChunk(c.transferId(), c.snapshotPosition(), c.index(), c.total());
    if (c.items() == null) {
      receipt = new ReplicaState.ChunkReceipt.Malformed("chunk " + c.index() + " has no items");
    }
    if (receipt instanceof ReplicaState.ChunkReceipt.Malformed m) {
      ctx.getLog().error("follower {} drops a malformed snapshot chunk: {}", self, m.reason());
      return Effect().none();
    } else if (receipt instanceof ReplicaState.ChunkReceipt.AlreadyAhead) {
      requestToFollow(state, clock.nanos());
      return Effect().none();
    } else if (receipt instanceof ReplicaState.ChunkReceipt.Expect e) {
      transport.send(self, group.leader(),
          new Protocol.SnapshotProgress(self, c.epoch(), c.transferId(), e.expectedIndex()));
      return Effect().none();
    }
    return Effect().persist((ReplicaEvent) new ReplicaEvents.SnapshotChunkStored(c.transferId(),
        c.snapshotPosition(), c.snapshotEpoch(), c.index(), c.total(), c.items())).thenRun(s -> {
          if (s.staging() == null && s.lastPosition() == c.snapshotPosition()) {
            ctx.getLog().info("follower {} installed a snapshot at position {} ({} keys)", self, s.lastPosition(),
                s.store().size());
            observer.onSnapshotInstalled(self, s.lastPosition());
            sendProgress(s.lastPosition(), s.lastPosition(), false);
          } else {
            transport.send(self, group.leader(),
                new Protocol.SnapshotProgress(self, c.epoch(), c.transferId(), c.index() + 1));
          }
        });
  }

  // --- status ---

  private long epoch(ReplicaState state) {
    return Math.max(1, state.lastEpoch());
  }

  private ReplicaStatus status(ReplicaState state) {
    long now = clock.nanos();
    long nowMillis = clock.millis();
    List<ReplicaStatus.FollowerStatus> followers = new ArrayList<>();
    List<String> changes = new ArrayList<>();
    if (leader && tracker != null) {
      for (LeaderTracker.FollowerView v : tracker.view(now)) {
        long lagEntries = Math.max(0, state.lastPosition() - v.applied());
        long lagMillis = 0;
        if (lagEntries > 0) {
          long ts = state.timestampOf(v.applied() + 1);
          lagMillis = ts < 0 ? -1 : Math.max(0, nowMillis - ts);
        }
        followers.add(new ReplicaStatus.FollowerStatus(v.id(), v.state(), v.syncState(), v.received(),
            v.persisted(), v.applied(), lagEntries, lagMillis, v.lastHeardNanosAgo() / 1_000_000));
      }
      for (LeaderTracker.SyncChange c : tracker.syncHistory()) {
        changes.add(java.time.Instant.ofEpochMilli(c.atMillis()) + " " + c.description());
      }
    }
    return new ReplicaStatus(group.groupId(), self, leader ? "leader" : "follower", group.leader(), epoch(state),
        state.lastPosition(), state.lastPosition(), leader ? state.lastPosition() : leaderLastKnown,
        state.store().size(), state.logStart(), state.retainedEntries(), settings.ackPolicy().toString(),
        settings.ackLevel().name().toLowerCase(), tracker == null ? 0 : tracker.pendingWrites(), followers, changes);
  }
}
