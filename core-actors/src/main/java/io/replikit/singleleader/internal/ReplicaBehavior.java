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
import com.fasterxml.jackson.databind.JsonNode;
import io.replikit.logformat.Nondeterminism;
import io.replikit.replication.LogEntry;
import io.replikit.replication.ReplicaClock;
import io.replikit.replication.ReplicaEvent;
import io.replikit.replication.ReplicaId;
import io.replikit.replication.ReplicaTransport;
import io.replikit.singleleader.AckLevel;
import io.replikit.singleleader.AckPolicy;
import io.replikit.singleleader.ReadConsistency;
import io.replikit.singleleader.Replica;
import io.replikit.singleleader.ReplicaGroupSpec;
import io.replikit.singleleader.ReplicaObserver;
import io.replikit.singleleader.ReplicaStatus;
import io.replikit.singleleader.SingleLeaderSettings;
import io.replikit.singleleader.WriteOptions;
import io.replikit.store.Change;
import io.replikit.store.Statement;
import io.replikit.store.VersionedValue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The actor shell of a single-leader replica: it persists what {@link ReplicaState} and {@link LeaderTracker}
 * decide, sends through the {@link ReplicaTransport}, replies, keeps a timer, and runs elections. The rules of
 * the log live in those two classes; the roles (follower, candidate, leader) live here.
 *
 * <p>Elections follow Raft: a follower that hears nothing from a leader for its randomised failover timeout first
 * asks whether a majority would vote for it (pre-vote, which changes nothing), then enters a new epoch, votes for
 * itself (persisted before anything is sent) and asks for votes. A voter grants one vote per epoch, and only to a
 * candidate whose log is at least as up to date as its own (higher last epoch, or the same and a position as
 * high), so a winner holds every write a majority persisted. With semi-sync k, the votes needed are raised to
 * n - k so that the vote quorum always includes a replica holding every acknowledged write.
 *
 * <p>That argument needs voters that remember. With {@code rejoin-when-empty}, a voter that recovers an empty
 * journal (it may have lost one) asks the other voters what they hold ({@link RejoinRule}) and, if the group has a
 * history, rejoins: it grants no votes, never stands, and its leader counts it for no acknowledgement and not for the
 * lease, until its log holds the entry a leader backed by the others named ({@link Protocol.RejoinPoint}).
 */
public final class ReplicaBehavior extends EventSourcedBehavior<Replica.Command, ReplicaEvent, ReplicaState> {

  private enum Role { FOLLOWER, CANDIDATE, LEADER }

  /** A write waiting in the leader's buffer, in the shape every kind of write takes. */
  private record Request(Change change, Long expectedVersion, WriteOptions options,
      ActorRef<Replica.WriteReply> replyTo, String insertPrefix, JsonNode insertValue, List<Statement> transaction,
      long enqueuedNanos) {}

  /**
   * How a pending write is answered: {@code generatedId} for an insert; {@code transaction} (with the ids its
   * nextId() drew and its row changes) for a transaction.
   */
  record Reply(ActorRef<Replica.WriteReply> to, String key, long generatedId, boolean transaction,
      List<Long> generatedIds, int rowChanges) {}

  /** A read waiting for this replica to reach what its consistency asks, until {@code deadlineNanos}. */
  private record WaitingRead(Replica.Command read, ReadConsistency consistency, long deadlineNanos) {}

  private final ActorContext<Replica.Command> ctx;
  private final ReplicaGroupSpec group;
  private final ReplicaId self;
  private final SingleLeaderSettings settings;
  private final ReplicaTransport transport;
  private final ReplicaObserver observer;
  private final ReplicaClock clock;
  private final List<ReplicaId> voters;
  private final boolean voter;
  private final int votesNeeded;
  private final long heartbeatNanos;
  private final long followerTimeoutNanos;
  private final long failoverNanos;
  private final long leaseNanos;
  private final Random random;

  private long lastSnapshotSequenceNr;
  private Role role = Role.FOLLOWER;
  private ReplicaId currentLeader;
  private long electionDeadline;

  // candidate
  private boolean preVoting;
  private long electionEpoch;
  private final Set<ReplicaId> votes = new HashSet<>();

  // leader (volatile: rebuilt on every election)
  private LeaderTracker<Reply> tracker;
  private final java.util.Map<ReplicaId, Long> roundTrips = new java.util.HashMap<>();
  private List<Request> buffer = new ArrayList<>();
  private boolean flushScheduled;
  private long idCounter;
  private ReplicaId switchoverTarget;
  private ActorRef<Replica.SwitchoverReply> switchoverReply;
  private long switchoverDeadline;
  private boolean timeoutNowSent;

  // follower: entries accepted but not yet persisted (group commit of what arrives during a journal write)
  private List<LogEntry> received = new ArrayList<>();
  private ReplicaId attachedLeader;
  private long attachedEpoch = -1;
  private long lastHeardFromLeader = Long.MIN_VALUE;
  private long lastFollowRequest = Long.MIN_VALUE;
  private long leaderLastKnown;
  private long echo;
  private boolean synchronousHint;
  private long leaderLastHeardNanos = Long.MIN_VALUE;
  private String refusedStream;

  // A voter that recovered an empty journal with rejoin-when-empty asks every other voter what it holds before it
  // votes (volatile: it asks again after a restart, and stays as empty as it was meanwhile).
  private final boolean rejoinWhenEmpty;
  private boolean asking;
  private long askNonce;
  private final java.util.Map<ReplicaId, RejoinRule.Answer> answers = new java.util.HashMap<>();
  // rejoining: the point a leader backed by a majority (not counting this replica) named for it
  private Protocol.RejoinPoint rejoinTarget;
  // follower side of a snapshot transfer, for the progress log
  private long loggedTransferId;
  private int loggedTenths = -1;

  // reads under lag: since when this replica is known to hold all its leader had, and reads waiting to be served
  private long freshAsOfNanos = Long.MIN_VALUE;
  private List<WaitingRead> waitingReads = new ArrayList<>();

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
    List<ReplicaId> members = new ArrayList<>();
    members.add(group.leader());
    members.addAll(group.followers());
    this.voters = List.copyOf(members);
    this.voter = voters.contains(self);
    int majority = voters.size() / 2 + 1;
    AckPolicy policy = settings.ackPolicy();
    this.votesNeeded = policy.mode() == AckPolicy.Mode.SEMI_SYNC
        ? Math.min(voters.size(), Math.max(majority, voters.size() - policy.syncCount())) : majority;
    this.heartbeatNanos = settings.heartbeatInterval().toNanos();
    this.followerTimeoutNanos = settings.followerTimeout().toNanos();
    this.failoverNanos = settings.failoverTimeout().toNanos();
    this.leaseNanos = failoverNanos * 9 / 10;
    this.random = new Random(group.groupId().hashCode() * 31L + self.value().hashCode());
    this.rejoinWhenEmpty = settings.rejoinWhenEmpty();
    transport.register(self, ctx.getSelf().<Protocol.Message>narrow());
    transport.expect(voters);
    timers.startTimerWithFixedDelay(Protocol.Tick.INSTANCE, settings.heartbeatInterval());
  }

  @Override
  public ReplicaState emptyState() {
    return ReplicaState.empty(settings.logEncoding().walStorageVersion());
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
        return ReplicaState.fromSnapshot((ReplicaSnapshot) from, settings.logEncoding().walStorageVersion());
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
    ctx.getLog().info("replica {} of group {} recovered position {} in epoch {}{}", self, group.groupId(),
        state.lastPosition(), state.currentEpoch(), !voter ? " (non-voting)"
            : state.rejoining() ? " (rejoining after a lost journal: it does not vote until caught up)" : "");
    if (rejoinWhenEmpty && voter && voters.size() > 1 && state.isEmpty()) {
      // an empty journal: a new group, or this replica's journal was lost (placed anew on another node). Until the
      // other voters say which, it grants no vote and does not stand.
      asking = true;
      askNonce = ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
      answers.clear();
      ctx.getLog().info("replica {} of group {} has an empty journal: it asks {} whether the group has a history "
          + "before it votes", self, group.groupId(), otherVoters());
      askPeers(state);
    }
    if (bootstrapping(state)) {
      // a new group: its designated leader asks for the first epoch's votes at once (and again every tick)
      electionDeadline = now;
      ctx.getSelf().tell(Protocol.Tick.INSTANCE);
    } else {
      // others leave the designated leader time to win the first epoch of a new group
      electionDeadline = now + randomTimeout() + (state.currentEpoch() == 0 ? 2 * failoverNanos : 0);
    }
    if (!voter || state.rejoining()) {
      requestToFollow(state, group.leader(), now);
    }
  }

  private List<ReplicaId> otherVoters() {
    List<ReplicaId> out = new ArrayList<>(voters);
    out.remove(self);
    return out;
  }

  private void askPeers(ReplicaState state) {
    for (ReplicaId v : otherVoters()) {
      if (!answers.containsKey(v)) {
        transport.send(self, v, new Protocol.HistoryQuery(self, state.currentEpoch(), askNonce));
      }
    }
  }

  /** Whether this replica may vote and stand: a voter that is neither asking about nor rejoining its group. */
  private boolean canVote(ReplicaState state) {
    return voter && !asking && !state.rejoining();
  }

  private Effect<ReplicaEvent, ReplicaState> startRejoin(String reason, Protocol.Message redeliver) {
    asking = false;
    ctx.getLog().warn("replica {} of group {} recovered an empty journal but {}: it may have lost what it "
        + "acknowledged and whom it voted for, so it rejoins as a non-voting member until it has caught up", self,
        group.groupId(), reason);
    return Effect().persist((ReplicaEvent) new ReplicaEvents.RejoinStarted(reason, clock.millis())).thenRun(s -> {
      rejoinTarget = null;
      if (redeliver != null) {
        ctx.getSelf().tell(redeliver);
      } else {
        requestToFollow(s, currentLeader != null ? currentLeader : group.leader(), clock.nanos());
      }
    });
  }

  private Effect<ReplicaEvent, ReplicaState> onHistoryReply(ReplicaState state, Protocol.HistoryReply h) {
    if (!asking || h.nonce() != askNonce || !voters.contains(h.from())) {
      return Effect().none();
    }
    answers.put(h.from(), new RejoinRule.Answer(h.epoch(), h.lastPosition(), h.knowsHistory()));
    if (h.leader() != null && !h.leader().equals(self)) {
      currentLeader = h.leader();
    }
    RejoinRule.Verdict verdict = RejoinRule.verdict(otherVoters(), answers);
    if (verdict == RejoinRule.Verdict.REJOIN) {
      return startRejoin(h.from() + " holds a history (epoch " + h.epoch() + ", position " + h.lastPosition()
          + (h.knowsHistory() ? ", itself rejoining" : "") + ")", null);
    }
    if (verdict == RejoinRule.Verdict.NEW_GROUP) {
      asking = false;
      ctx.getLog().info("replica {} of group {}: every other voter {} is empty too, so the group is new and it votes",
          self, group.groupId(), answers.keySet());
      if (bootstrapping(state)) {
        electionDeadline = clock.nanos();
        ctx.getSelf().tell(Protocol.Tick.INSTANCE);
      } else {
        // the time it asked does not count: the first member gets its head start for epoch 1 from now
        electionDeadline = clock.nanos() + randomTimeout() + 2 * failoverNanos;
      }
    }
    return Effect().none();
  }

  private Effect<ReplicaEvent, ReplicaState> onRejoinPoint(ReplicaState state, Protocol.RejoinPoint p) {
    if (state.rejoining() && p.leader().equals(attachedLeader) && p.epoch() == state.currentEpoch()
        && (rejoinTarget == null || !rejoinTarget.leader().equals(p.leader()) || rejoinTarget.epoch() != p.epoch())) {
      rejoinTarget = p; // the first point named: the soonest reached
    }
    return finishRejoinIfDone(state);
  }

  private Effect<ReplicaEvent, ReplicaState> finishRejoinIfDone(ReplicaState state) {
    Protocol.RejoinPoint t = rejoinTarget;
    if (t == null || !state.rejoining() || !t.leader().equals(attachedLeader) || t.epoch() != state.currentEpoch()
        || !state.rejoinDone(t.position(), t.positionEpoch())) {
      return Effect().none();
    }
    rejoinTarget = null;
    return Effect().persist((ReplicaEvent) new ReplicaEvents.RejoinFinished(t.leader(), t.epoch(), t.position(),
        clock.millis())).thenRun(s -> {
          ctx.getLog().info("replica {} of group {} holds leader {}'s log up to position {} of epoch {}: it has "
              + "rejoined and votes again", self, group.groupId(), t.leader(), t.position(), t.positionEpoch());
          sendProgress(s, s.lastPosition(), s.lastPosition(), false);
        });
  }

  private Effect<ReplicaEvent, ReplicaState> onForceVote(ReplicaState state, Replica.ForceVote f) {
    if (f.replyTo() == null) {
      return Effect().none();
    }
    if (!voter) {
      f.replyTo().tell(new Replica.ForceVoteRefused(self, "replica " + self + " is a non-voting member of group "
          + group.groupId() + ": it never votes"));
      return Effect().none();
    }
    if (!asking && !state.rejoining()) {
      f.replyTo().tell(new Replica.ForceVoteRefused(self, "replica " + self + " of group " + group.groupId()
          + " is not rejoining after a lost journal: it votes already, there is nothing to force"));
      return Effect().none();
    }
    String reason = f.reason() == null || f.reason().isBlank() ? "no reason given" : f.reason();
    boolean wasRejoining = state.rejoining();
    ctx.getLog().warn("replica {} of group {}: an operator forced it to vote before it caught up ({}); it may have "
        + "voted or acknowledged writes before its journal was lost", self, group.groupId(), reason);
    asking = false;
    rejoinTarget = null;
    return Effect().persist((ReplicaEvent) new ReplicaEvents.RejoinForced(reason, clock.millis())).thenRun(s -> {
      electionDeadline = clock.nanos() + randomTimeout();
      f.replyTo().tell(new Replica.VoteForced(self, group.groupId(), wasRejoining));
    });
  }

  private long randomTimeout() {
    // synchronous followers time out first, so that an election normally picks one holding every acknowledged write
    double spread = synchronousHint ? 0.25 : 1.0;
    long extra = (long) (random.nextDouble() * spread * failoverNanos);
    return failoverNanos + (synchronousHint ? 0 : failoverNanos / 4) + extra;
  }

  @Override
  public CommandHandler<Replica.Command, ReplicaEvent, ReplicaState> commandHandler() {
    return newCommandHandlerBuilder().forAnyState().onAnyCommand(this::handle);
  }

  private Effect<ReplicaEvent, ReplicaState> handle(ReplicaState state, Replica.Command command) {
    if (command instanceof Replica.Get get) {
      return onRead(state, new Replica.Read(get.key(), ReadConsistency.any(), get.replyTo()));
    } else if (command instanceof Replica.Read read) {
      return onRead(state, read);
    } else if (command instanceof Replica.ReadTable read) {
      return onRead(state, read);
    } else if (command instanceof Replica.GetStatus status) {
      status.replyTo().tell(status(state));
      return Effect().none();
    } else if (command instanceof Replica.ReadAll all) {
      all.replyTo().tell(new Replica.AllItems(self, state.lastPosition(), state.store().items()));
      return Effect().none();
    } else if (command instanceof Replica.GetDivergentWrites d) {
      d.replyTo().tell(new Replica.DivergentWrites(self, List.copyOf(state.divergentWrites())));
      return Effect().none();
    } else if (command instanceof Replica.Write write) {
      return onWrite(state, new Request(write.change(), write.expectedVersion(), write.options(), write.replyTo(),
          null, null, null, clock.nanos()));
    } else if (command instanceof Replica.Insert insert) {
      return onWrite(state, new Request(null, 0L, insert.options(), insert.replyTo(), insert.keyPrefix(),
          insert.value(), null, clock.nanos()));
    } else if (command instanceof Replica.Transact t) {
      return onWrite(state, new Request(null, null, t.options(), t.replyTo(), null, null,
          t.statements() == null ? List.of() : t.statements(), clock.nanos()));
    } else if (command instanceof Replica.Switchover s) {
      return onSwitchover(state, s);
    } else if (command instanceof Replica.ForceVote f) {
      return onForceVote(state, f);
    } else if (command == Protocol.Flush.INSTANCE) {
      return role == Role.LEADER ? onFlush(state) : onFollowerFlush(state);
    } else if (command == Protocol.Tick.INSTANCE) {
      return onTick(state);
    } else if (command instanceof Protocol.Message message) {
      return onMessage(state, message);
    }
    ctx.getLog().warn("replica {} ignores unknown command type {}", self, command.getClass().getName());
    return Effect().unhandled();
  }

  // --- reads ---

  private Effect<ReplicaEvent, ReplicaState> onRead(ReplicaState state, Replica.Command read) {
    ReadConsistency c = consistencyOf(read);
    Optional<String> problem = read instanceof Replica.Read r ? checkReadKey(r.key())
        : io.replikit.store.RowKey.checkTable(((Replica.ReadTable) read).table());
    if (problem.isEmpty() && c == null) {
      problem = Optional.of("the read's consistency is missing (use ReadConsistency.any())");
    }
    if (problem.isPresent()) {
      replyTo(read).tell(new Replica.ReadRejected(problem.get()));
      return Effect().none();
    }
    long now = clock.nanos();
    if (meets(state, c, now)) {
      serve(state, read);
      return Effect().none();
    }
    long wait = Math.min(settings.readWaitTimeout().toNanos(),
        c.maxWait() == null ? settings.readWaitTimeout().toNanos() : Math.max(0, c.maxWait().toNanos()));
    if (wait <= 0) {
      replyTo(read).tell(tooStale(state, c, now));
    } else {
      waitingReads.add(new WaitingRead(read, c, now + wait));
    }
    return Effect().none();
  }

  /** A plain key, or the key of a row ({@link Replica#rowKey}). */
  private Optional<String> checkReadKey(String key) {
    if (io.replikit.store.RowKey.isRow(key)) {
      return settings.storeLimits().checkRow(io.replikit.store.RowKey.table(key),
          io.replikit.store.RowKey.primaryKey(key), null);
    }
    return settings.storeLimits().checkKey(key);
  }

  private static ReadConsistency consistencyOf(Replica.Command read) {
    return read instanceof Replica.Read r ? r.consistency() : ((Replica.ReadTable) read).consistency();
  }

  private static ActorRef<Replica.ReadReply> replyTo(Replica.Command read) {
    return read instanceof Replica.Read r ? r.replyTo() : ((Replica.ReadTable) read).replyTo();
  }

  private boolean meets(ReplicaState state, ReadConsistency c, long now) {
    if (state.lastPosition() < c.minPosition()) {
      return false;
    }
    if (c.maxStalenessMillis() < 0) {
      return true;
    }
    long staleness = stalenessMillis(now);
    return staleness >= 0 && staleness <= c.maxStalenessMillis();
  }

  /**
   * How old this replica's data may be: 0 on a leader that holds its lease; on others, how long ago (on this
   * replica's clock) it last knew it held everything its leader had; -1 when that is not known.
   */
  private long stalenessMillis(long now) {
    if (role == Role.LEADER) {
      return tracker.leaseHolds(now, leaseNanos, voters, self) ? 0 : -1;
    }
    return freshAsOfNanos == Long.MIN_VALUE ? -1 : Math.max(0, (now - freshAsOfNanos) / 1_000_000);
  }

  private Replica.TooStale tooStale(ReplicaState state, ReadConsistency c, long now) {
    long staleness = stalenessMillis(now);
    String why = state.lastPosition() < c.minPosition()
        ? "replica " + self + " has applied the log up to position " + state.lastPosition() + ", not yet "
            + c.minPosition()
        : "replica " + self + "'s data is " + (staleness < 0 ? "of unknown age (it has not heard from a leader)"
            : staleness + " ms old") + ", more than the " + c.maxStalenessMillis() + " ms the read allows";
    return new Replica.TooStale(self, state.lastPosition(), c.minPosition(), staleness,
        why + "; read from another replica or the leader" + (currentLeader == null ? "" : " (" + currentLeader + ")"),
        currentLeader);
  }

  private void serve(ReplicaState state, Replica.Command read) {
    long staleness = stalenessMillis(clock.nanos());
    if (read instanceof Replica.Read r) {
      Optional<VersionedValue> v = state.store().get(r.key());
      r.replyTo().tell(v.<Replica.ReadReply>map(value ->
              new Replica.Found(r.key(), value.value(), value.version(), self, state.lastPosition(), staleness))
          .orElseGet(() -> new Replica.NotFound(r.key(), self, state.lastPosition(), staleness)));
    } else {
      Replica.ReadTable t = (Replica.ReadTable) read;
      t.replyTo().tell(new Replica.TableRows(t.table(), state.store().table(t.table()), self, state.lastPosition(),
          staleness));
    }
  }

  /** Serves the waiting reads this state now meets, and refuses those whose wait is over. */
  private void serveWaiting(ReplicaState state) {
    if (waitingReads.isEmpty()) {
      return;
    }
    long now = clock.nanos();
    List<WaitingRead> still = new ArrayList<>();
    for (WaitingRead w : waitingReads) {
      if (meets(state, w.consistency(), now)) {
        serve(state, w.read());
      } else if (now >= w.deadlineNanos()) {
        replyTo(w.read()).tell(tooStale(state, w.consistency(), now));
      } else {
        still.add(w);
      }
    }
    waitingReads = still;
  }

  // --- writes, group commit, lease ---

  private Effect<ReplicaEvent, ReplicaState> onWrite(ReplicaState state, Request r) {
    if (r.replyTo() == null) {
      ctx.getLog().warn("replica {} ignores a write without replyTo", self);
      return Effect().none();
    }
    if (role != Role.LEADER && !bootstrapping(state)) {
      r.replyTo().tell(notLeader());
      return Effect().none();
    }
    Optional<String> problem = r.insertPrefix() != null
        ? settings.storeLimits().check(new Change.Put(r.insertPrefix() + "0", r.insertValue()))
        : r.transaction() != null ? checkTransaction(r.transaction())
        : settings.storeLimits().check(r.change());
    if (problem.isEmpty() && r.expectedVersion() != null && r.expectedVersion() < 0) {
      problem = Optional.of("expected version " + r.expectedVersion() + " is negative; use 0 for 'absent'");
    }
    if (problem.isPresent()) {
      r.replyTo().tell(new Replica.Rejected(problem.get()));
      return Effect().none();
    }
    // Group commit: while a journal write is in flight, Akka stashes commands; when it completes, the stashed writes
    // land here one after another before the Flush below is processed, and go to the journal as one batch.
    // (A new group's designated leader also holds writes that arrive while it wins the first epoch.)
    buffer.add(r);
    if (role == Role.LEADER) {
      scheduleFlush();
    }
    return Effect().none();
  }

  private Optional<String> checkTransaction(List<Statement> statements) {
    if (statements.isEmpty()) {
      return Optional.of("a transaction needs at least one statement");
    }
    for (int i = 0; i < statements.size(); i++) {
      Statement st = statements.get(i);
      if (st == null) {
        return Optional.of("statement " + (i + 1) + " is null");
      }
      Optional<String> table = io.replikit.store.RowKey.checkTable(st.table());
      if (table.isPresent()) {
        return Optional.of("statement " + (i + 1) + ": " + table.get());
      }
    }
    return Optional.empty();
  }

  private void scheduleFlush() {
    if (!flushScheduled) {
      flushScheduled = true;
      ctx.getSelf().tell(Protocol.Flush.INSTANCE);
    }
  }

  private Replica.NotLeader notLeader() {
    return new Replica.NotLeader(currentLeader, currentLeader == null
        ? "replica " + self + " of group " + group.groupId() + " is not the leader and knows of none yet (an "
            + "election is under way); retry shortly"
        : "replica " + self + " of group " + group.groupId() + " is not the leader; send writes to " + currentLeader);
  }

  private Effect<ReplicaEvent, ReplicaState> onFlush(ReplicaState state) {
    flushScheduled = false;
    long now = clock.nanos();
    if (buffer.isEmpty() || switchoverTarget != null || !tracker.leaseHolds(now, leaseNanos, voters, self)) {
      return Effect().none(); // the tick tries again, or answers the writes when they are too old
    }
    List<Request> batch;
    if (buffer.size() <= settings.maxBatchEntries()) {
      batch = buffer;
      buffer = new ArrayList<>();
    } else {
      // one journal write stays bounded; the rest follows in the next flush, in arrival order
      batch = new ArrayList<>(buffer.subList(0, settings.maxBatchEntries()));
      buffer = new ArrayList<>(buffer.subList(settings.maxBatchEntries(), buffer.size()));
      scheduleFlush();
    }
    long epoch = state.currentEpoch();
    List<ReplicaState.Proposed> proposed = new ArrayList<>(batch.size());
    List<Long> ids = new ArrayList<>(batch.size());
    for (Request r : batch) {
      if (r.transaction() != null) {
        ids.add(0L);
        proposed.add(new ReplicaState.Proposed(null, null, r.transaction()));
      } else if (r.insertPrefix() != null) {
        long id = (epoch << 32) | (++idCounter & 0xFFFFFFFFL);
        ids.add(id);
        proposed.add(new ReplicaState.Proposed(new Change.Put(r.insertPrefix() + id, r.insertValue()), 0L));
      } else {
        ids.add(0L);
        proposed.add(new ReplicaState.Proposed(r.change(), r.expectedVersion()));
      }
    }
    long nowMillis = clock.millis();
    Nondeterminism drawn = new Nondeterminism() {
      @Override
      public long nowMillis() {
        return nowMillis;
      }

      @Override
      public double random() {
        return random.nextDouble();
      }

      @Override
      public long nextId() {
        return (epoch << 32) | (++idCounter & 0xFFFFFFFFL);
      }
    };
    ReplicaState.Appended appended = state.decide(proposed, epoch, self, nowMillis,
        new ReplicaState.Context(settings.logEncoding(), drawn, settings.storeLimits()));
    List<Request> accepted = new ArrayList<>(appended.entries().size());
    List<Reply> replies = new ArrayList<>(appended.entries().size());
    for (int i = 0; i < batch.size(); i++) {
      ReplicaState.Decision d = appended.decisions().get(i);
      Request r = batch.get(i);
      if (d instanceof ReplicaState.Decision.VersionMismatch m) {
        r.replyTo().tell(new Replica.VersionConflict(m.key(), m.expected(), m.actual()));
      } else if (d instanceof ReplicaState.Decision.Refused refused) {
        r.replyTo().tell(new Replica.Rejected(refused.reason()));
      } else {
        ReplicaState.Decision.Accepted a = (ReplicaState.Decision.Accepted) d;
        accepted.add(r);
        replies.add(r.transaction() != null
            ? new Reply(r.replyTo(), "transaction", 0, true, a.generatedIds(), a.rowChanges())
            : new Reply(r.replyTo(), a.entry().change().key(), ids.get(i), false, List.of(), 0));
      }
    }
    if (appended.entries().isEmpty()) {
      return Effect().none();
    }
    List<LogEntry> entries = appended.entries();
    return Effect().persist(new ArrayList<ReplicaEvent>(entries))
        .thenRun(newState -> afterAppend(newState, entries, accepted, replies));
  }

  private void afterAppend(ReplicaState state, List<LogEntry> entries, List<Request> writes, List<Reply> replies) {
    serveWaiting(state);
    if (role != Role.LEADER) {
      return; // stepped down while the journal write was in flight: the writes were answered then
    }
    long now = clock.nanos();
    long deadline = now + settings.writeTimeout().toNanos();
    List<LeaderTracker.Pending<Reply>> pending = new ArrayList<>(writes.size());
    for (int i = 0; i < writes.size(); i++) {
      Request w = writes.get(i);
      WriteOptions o = w.options() == null ? WriteOptions.defaults() : w.options();
      AckPolicy policy = o.policy() != null ? o.policy() : settings.ackPolicy();
      AckLevel level = o.level() != null ? o.level() : settings.ackLevel();
      Reply reply = replies.get(i);
      pending.add(new LeaderTracker.Pending<>(entries.get(i).position(), reply.key(), policy, level, deadline,
          reply));
    }
    long from = entries.get(0).position();
    long to = entries.get(entries.size() - 1).position();
    observer.onLeaderAppended(self, from, to);
    acknowledge(state, tracker.onAppended(from, to, pending, now));
    replicate(state, now);
  }

  private void acknowledge(ReplicaState state, List<LeaderTracker.Pending<Reply>> done) {
    long epoch = state.currentEpoch();
    for (LeaderTracker.Pending<Reply> p : done) {
      if (p.reply().transaction()) {
        p.reply().to().tell(new Replica.Committed(p.position(), epoch, p.reply().generatedIds(),
            p.reply().rowChanges()));
      } else if (p.reply().generatedId() != 0) {
        p.reply().to().tell(new Replica.Inserted(p.key(), p.reply().generatedId(), p.position(), epoch));
      } else {
        p.reply().to().tell(new Replica.Written(p.key(), p.position(), epoch));
      }
    }
  }

  private void replicate(ReplicaState state, long now) {
    long epoch = state.currentEpoch();
    for (LeaderTracker.Send s : tracker.sends(state.lastPosition(), state.logStart(), now, heartbeatNanos)) {
      if (s instanceof LeaderTracker.Send.Entries e) {
        transport.send(self, e.to(), new Protocol.AppendEntries(self, epoch, e.from() - 1,
            state.epochAt(e.from() - 1), state.entries(e.from(), e.toPosition()), state.lastPosition(), now,
            tracker.isSynchronous(e.to(), now), roundTrips.getOrDefault(e.to(), 0L)));
      } else if (s instanceof LeaderTracker.Send.Announce a) {
        transport.send(self, a.to(), new Protocol.AppendEntries(self, epoch, -1, 0, List.of(),
            state.lastPosition(), now, false, roundTrips.getOrDefault(a.to(), 0L)));
      } else if (s instanceof LeaderTracker.Send.Chunk c) {
        transport.send(self, c.to(), new Protocol.SnapshotChunk(self, epoch, c.transferId(), c.snapshotPosition(),
            c.snapshotEpoch(), c.index(), c.total(), c.items(),
            c.index() == c.total() - 1 ? state.epochHistoryUpTo(c.snapshotPosition()) : List.of(),
            c.matchPosition()));
      }
    }
  }

  // --- messages between replicas ---

  private Effect<ReplicaEvent, ReplicaState> onMessage(ReplicaState state, Protocol.Message message) {
    if (message instanceof Protocol.HistoryQuery q) {
      transport.send(self, q.from(), new Protocol.HistoryReply(self, state.currentEpoch(), q.nonce(),
          state.lastPosition(), state.rejoining(), currentLeader));
      return Effect().none();
    } else if (message instanceof Protocol.HistoryReply h) {
      return onHistoryReply(state, h);
    }
    if (asking && RejoinRule.revealsHistory(message)) {
      // before anything of it is persisted (a newer epoch, entries): from now on this replica is rejoining
      return startRejoin("a message of epoch " + message.epoch() + " (" + message.getClass().getSimpleName()
          + ") shows the group has a history", message);
    }
    if (message instanceof Protocol.RequestVote v) {
      return onRequestVote(state, v);
    }
    if (message.epoch() > state.currentEpoch() && !(message instanceof Protocol.Vote vote && vote.preVote())
        && !(message instanceof Protocol.FollowRequest)) {
      // a newer epoch exists: follow it (stepping down if leading), then handle the message in it
      long epoch = message.epoch();
      return Effect().persist((ReplicaEvent) new ReplicaEvents.EpochVoted(epoch, null)).thenRun(s -> {
        stepDown(s, "epoch " + epoch + " has begun");
        ctx.getSelf().tell(message);
      });
    }
    if (message instanceof Protocol.Vote v) {
      return onVote(state, v);
    } else if (message instanceof Protocol.LeaderHint h) {
      if ((!voter || state.rejoining()) && h.leader() != null && role != Role.LEADER) {
        requestToFollow(state, h.leader(), clock.nanos());
      }
      return Effect().none();
    }
    if (role == Role.LEADER) {
      return onLeaderMessage(state, message);
    }
    return onFollowerMessage(state, message);
  }

  // --- elections ---

  private Effect<ReplicaEvent, ReplicaState> onTick(ReplicaState state) {
    long now = clock.nanos();
    serveWaiting(state);
    if (role == Role.LEADER) {
      return onLeaderTick(state, now);
    }
    if (!received.isEmpty()) {
      scheduleFlush();
    }
    if (asking) {
      askPeers(state); // the voters that have not answered yet (not started, or the question was lost)
      return Effect().none();
    }
    if (!voter || state.rejoining()) {
      if (now - lastHeardFromLeader > followerTimeoutNanos && now - lastFollowRequest > followerTimeoutNanos) {
        requestToFollow(state, currentLeader != null ? currentLeader : group.leader(), now);
      }
      return state.rejoining() ? finishRejoinIfDone(state) : Effect().none();
    }
    if (attachedLeader != null && now - lastHeardFromLeader > followerTimeoutNanos
        && now - lastFollowRequest > followerTimeoutNanos && role == Role.FOLLOWER) {
      requestToFollow(state, attachedLeader, now);
    }
    expireBuffered(now);
    if (role == Role.FOLLOWER && currentLeader != null && !transport.reachable(currentLeader)) {
      // the cluster's failure detector gave up on the leader's node: no need to wait out the whole timeout
      electionDeadline = Math.min(electionDeadline, now + (long) (random.nextDouble() * failoverNanos / 4));
    }
    if (now >= electionDeadline) {
      return startElection(state, now, bootstrapping(state) && state.currentEpoch() == 0);
    }
    if (role == Role.CANDIDATE && !preVoting && electionEpoch == state.currentEpoch()) {
      // ask again whoever has not answered (a voter may have started late, or the request was lost)
      for (ReplicaId v : voters) {
        if (!votes.contains(v)) {
          transport.send(self, v, new Protocol.RequestVote(self, electionEpoch, state.lastPosition(),
              state.lastEpoch(), false));
        }
      }
    }
    return Effect().none();
  }

  /** A new group's designated leader, before any leader has written: it stands for election at once. */
  private boolean bootstrapping(ReplicaState state) {
    return canVote(state) && self.equals(group.leader()) && state.lastPosition() == 0 && state.currentEpoch() <= 1;
  }

  private long nextEpoch(ReplicaState state) {
    return RejoinRule.nextEpoch(state.currentEpoch(), self.equals(group.leader()), rejoinWhenEmpty);
  }

  /** Starts a pre-vote, or (skipping it: a new group's first epoch, a switchover) a real election. */
  private Effect<ReplicaEvent, ReplicaState> startElection(ReplicaState state, long now, boolean skipPreVote) {
    role = Role.CANDIDATE;
    if (skipPreVote) {
      currentLeader = null;
    } // a pre-vote leaves the epoch as it is: the leader it knows stays the best hint until a real election starts
    votes.clear();
    votes.add(self);
    electionDeadline = now + randomTimeout();
    if (!skipPreVote) {
      preVoting = true;
      electionEpoch = nextEpoch(state);
      if (votes.size() >= votesNeeded) {
        return startRealElection(state);
      }
      for (ReplicaId v : voters) {
        if (!v.equals(self)) {
          transport.send(self, v, new Protocol.RequestVote(self, electionEpoch, state.lastPosition(),
              state.lastEpoch(), true));
        }
      }
      return Effect().none();
    }
    return startRealElection(state);
  }

  private Effect<ReplicaEvent, ReplicaState> startRealElection(ReplicaState state) {
    long epoch = nextEpoch(state);
    return Effect().persist((ReplicaEvent) new ReplicaEvents.EpochVoted(epoch, self)).thenRun(s -> {
      role = Role.CANDIDATE;
      currentLeader = null;
      preVoting = false;
      electionEpoch = epoch;
      votes.clear();
      votes.add(self);
      ctx.getLog().info("replica {} of group {} stands for election in epoch {} (log at {} of epoch {})", self,
          group.groupId(), epoch, s.lastPosition(), s.lastEpoch());
      if (votes.size() >= votesNeeded) {
        ctx.getSelf().tell(new Protocol.Vote(self, epoch, true, false));
        return;
      }
      for (ReplicaId v : voters) {
        if (!v.equals(self)) {
          transport.send(self, v, new Protocol.RequestVote(self, epoch, s.lastPosition(), s.lastEpoch(), false));
        }
      }
    });
  }

  private boolean upToDate(ReplicaState state, long lastEpoch, long lastPosition) {
    return lastEpoch > state.lastEpoch() || (lastEpoch == state.lastEpoch() && lastPosition >= state.lastPosition());
  }

  private Effect<ReplicaEvent, ReplicaState> onRequestVote(ReplicaState state, Protocol.RequestVote v) {
    long now = clock.nanos();
    boolean candidateVotes = voters.contains(v.candidate());
    if (v.preVote()) {
      boolean leaderAlive = role == Role.LEADER
          || (lastHeardFromLeader != Long.MIN_VALUE && now - lastHeardFromLeader < failoverNanos
              && (currentLeader == null || transport.reachable(currentLeader)));
      boolean grant = candidateVotes && canVote(state) && v.epoch() > state.currentEpoch() && !leaderAlive
          && upToDate(state, v.lastEpoch(), v.lastPosition());
      transport.send(self, v.candidate(), new Protocol.Vote(self, state.currentEpoch(), grant, true));
      return Effect().none();
    }
    if (v.epoch() < state.currentEpoch() || !canVote(state) || !candidateVotes) {
      transport.send(self, v.candidate(), new Protocol.Vote(self, state.currentEpoch(), false, false));
      return Effect().none();
    }
    boolean newEpoch = v.epoch() > state.currentEpoch();
    ReplicaId votedFor = newEpoch ? null : state.votedFor();
    boolean grant = (votedFor == null || votedFor.equals(v.candidate()))
        && upToDate(state, v.lastEpoch(), v.lastPosition());
    if (!newEpoch && (!grant || v.candidate().equals(votedFor))) {
      transport.send(self, v.candidate(), new Protocol.Vote(self, state.currentEpoch(), grant, false));
      return Effect().none();
    }
    // the vote (or the new epoch) is durable before anyone learns of it: never two votes in one epoch
    return Effect().persist((ReplicaEvent) new ReplicaEvents.EpochVoted(v.epoch(), grant ? v.candidate() : null))
        .thenRun(s -> {
          if (newEpoch) {
            stepDown(s, "candidate " + v.candidate() + " started epoch " + v.epoch());
          }
          if (grant) {
            electionDeadline = clock.nanos() + randomTimeout();
          }
          transport.send(self, v.candidate(), new Protocol.Vote(self, s.currentEpoch(), grant, false));
        });
  }

  private Effect<ReplicaEvent, ReplicaState> onVote(ReplicaState state, Protocol.Vote v) {
    if (role != Role.CANDIDATE || !v.granted() || v.preVote() != preVoting) {
      return Effect().none();
    }
    if (!v.preVote() && v.epoch() != electionEpoch) {
      return Effect().none();
    }
    votes.add(v.voter());
    if (votes.size() < votesNeeded) {
      return Effect().none();
    }
    if (preVoting) {
      return startRealElection(state);
    }
    // elected: the epoch's first entry marks where it starts in the log
    LogEntry first = new LogEntry(state.lastPosition() + 1, electionEpoch, self, clock.millis(),
        new Change.NewEpoch(self.value()));
    return Effect().persist((ReplicaEvent) first).thenRun(this::becomeLeader);
  }

  private void becomeLeader(ReplicaState state) {
    long now = clock.nanos();
    role = Role.LEADER;
    currentLeader = self;
    idCounter = 0;
    List<ReplicaId> followers = new ArrayList<>();
    for (ReplicaId v : voters) {
      if (!v.equals(self)) {
        followers.add(v);
      }
    }
    for (ReplicaId j : state.joinedFollowers()) {
      if (!followers.contains(j) && !j.equals(self)) {
        followers.add(j);
      }
    }
    tracker = new LeaderTracker<>(followers, settings.ackPolicy(), settings.syncStandbyTimeout().toNanos(),
        settings.resendAfter().toNanos(), settings.maxBatchEntries(), settings.maxBatchesInFlight(),
        settings.snapshotChunkItems(), settings.snapshotChunksInFlight(), now);
    ctx.getLog().info("replica {} leads group {} in epoch {} from position {}, followers {}", self, group.groupId(),
        state.currentEpoch(), state.lastPosition(), followers);
    observer.onLeaderElected(self, state.currentEpoch());
    replicate(state, now);
    if (!buffer.isEmpty()) {
      scheduleFlush();
    }
  }

  /** Leaves the leader or candidate role: writes waiting here are told where to go instead. */
  private void stepDown(ReplicaState state, String why) {
    stepDown(state, why, switchoverTarget);
  }

  private void stepDown(ReplicaState state, String why, ReplicaId newLeader) {
    if (role == Role.LEADER) {
      ctx.getLog().info("replica {} steps down as leader of group {}: {}", self, group.groupId(), why);
      for (LeaderTracker.Pending<Reply> p : tracker.drainPending()) {
        p.reply().to().tell(new Replica.NotConfirmed(p.key(), p.position(),
            "leader " + self + " stepped down (" + why + ") before the write was confirmed; it may be set aside"));
      }
      if (switchoverReply != null) {
        switchoverReply.tell(new Replica.SwitchoverDone(switchoverTarget, state.currentEpoch()));
      }
    }
    role = Role.FOLLOWER;
    tracker = null;
    currentLeader = newLeader;
    switchoverTarget = null;
    switchoverReply = null;
    timeoutNowSent = false;
    for (Request r : buffer) {
      r.replyTo().tell(notLeader());
    }
    buffer = new ArrayList<>();
    electionDeadline = clock.nanos() + randomTimeout();
  }

  // --- leader ---

  private Effect<ReplicaEvent, ReplicaState> onLeaderMessage(ReplicaState state, Protocol.Message message) {
    long now = clock.nanos();
    if (message.epoch() < state.currentEpoch()) {
      if (message instanceof Protocol.AppendEntries a) {
        // a deposed leader: tell it the epoch so it steps down
        transport.send(self, a.leader(), new Protocol.Progress(self, state.currentEpoch(), 0, 0, 0, false, 0,
            false));
        return Effect().none();
      }
      if (!(message instanceof Protocol.FollowRequest)) {
        return Effect().none();
      }
    }
    if (message instanceof Protocol.FollowRequest r) {
      if (r.follower().equals(self)) {
        return Effect().none();
      }
      if (!tracker.knows(r.follower())) {
        ctx.getLog().info("replica {} joins group {} as a non-voting follower", r.follower(), group.groupId());
        return Effect().persist((ReplicaEvent) new ReplicaEvents.FollowerJoined(r.follower())).thenRun(s -> {
          tracker.addFollower(r.follower(), clock.nanos());
          startFollowing(s, r, clock.nanos());
        });
      }
      if (r.rejoining() && !tracker.isRejoining(r.follower())) {
        ctx.getLog().info("replica {} rejoins group {} after losing its journal: not counted for acknowledgements "
            + "until it holds this leader's log up to position {}", r.follower(), group.groupId(),
            state.lastPosition());
      }
      tracker.setRejoining(r.follower(), r.rejoining());
      startFollowing(state, r, now);
    } else if (message instanceof Protocol.Progress p) {
      if (!tracker.knows(p.follower()) || p.epoch() < state.currentEpoch()) {
        return Effect().none();
      }
      if (p.echoNanos() > 0 && p.echoNanos() <= now) {
        // the echo is of this leader's own clock: now - echo bounds a round trip (and over-estimates it, if the
        // follower echoed late), which is safe for what followers use it for
        roundTrips.put(p.follower(), now - p.echoNanos());
      }
      tracker.setRejoining(p.follower(), p.rejoining());
      LeaderTracker.ProgressOutcome<Reply> outcome = tracker.onProgress(p.follower(), p.received(), p.persisted(),
          p.applied(), p.gap(), p.echoNanos(), state.lastPosition(), now);
      LeaderTracker.TransferDone done = outcome.transferDone();
      if (done != null) {
        ctx.getLog().info("group {}: leader {} finished sending follower {} a snapshot at position {}: {} keys in {} "
            + "chunks, {} ms", group.groupId(), self, done.follower(), done.position(), done.items(), done.chunks(),
            done.nanos() / 1_000_000);
      }
      for (LeaderTracker.LagSample sample : outcome.lag()) {
        observer.onFollowerApplied(self, sample.follower(), sample.position(), sample.lagNanos());
      }
      acknowledge(state, outcome.completed());
      continueSwitchover(state, now);
      replicate(state, now);
      if (!buffer.isEmpty()) {
        scheduleFlush(); // the lease may hold again
      }
    } else if (message instanceof Protocol.SnapshotProgress sp) {
      if (tracker.knows(sp.follower())) {
        tracker.onSnapshotProgress(sp.follower(), sp.transferId(), sp.nextIndex(), now);
        replicate(state, now);
      }
    } else if (message instanceof Protocol.AppendEntries a) {
      ctx.getLog().error("leader {} of group {} got entries from {} in its own epoch {}: ignored", self,
          group.groupId(), a.leader(), a.epoch());
    }
    return Effect().none();
  }

  private void startFollowing(ReplicaState state, Protocol.FollowRequest r, long now) {
    long match = r.lastPosition() == 0 ? 0 : Math.min(r.lastPosition(), state.matchPoint(r.epochs(),
        r.lastPosition()));
    if (match < r.lastPosition()) {
      ctx.getLog().info("follower {}'s log parts from leader {}'s after position {}: its entries {}..{} will be set "
          + "aside", r.follower(), self, match, match + 1, r.lastPosition());
    }
    LeaderTracker.FollowAction action = tracker.onFollowRequest(r.follower(), match, state.lastPosition(),
        state.logStart(), now);
    if (action == LeaderTracker.FollowAction.NEEDS_SNAPSHOT) {
      startSnapshot(state, r.follower(), now);
    }
    replicate(state, now);
  }

  private void startSnapshot(ReplicaState state, ReplicaId follower, long now) {
    // the store value is immutable: this is a consistent cut at lastPosition even as later writes are applied
    long transferId = ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
    int keys = state.store().size();
    ctx.getLog().info("group {}: leader {} starts sending follower {} a snapshot at position {}: {} keys in {} chunks",
        group.groupId(), self, follower, state.lastPosition(), keys,
        Math.max(1, (keys + settings.snapshotChunkItems() - 1) / settings.snapshotChunkItems()));
    tracker.startSnapshot(follower, transferId, state.lastPosition(), state.lastEpoch(), state.store().items(), now);
  }

  private Effect<ReplicaEvent, ReplicaState> onLeaderTick(ReplicaState state, long now) {
    LeaderTracker.TickOutcome<Reply> outcome = tracker.onTick(now, clock.millis());
    for (LeaderTracker.SyncChange change : outcome.syncChanges()) {
      ctx.getLog().info("group {}: {}", group.groupId(), change.description());
      observer.onSyncChange(self, change.description());
    }
    acknowledge(state, outcome.completed());
    for (LeaderTracker.Expired<Reply> e : outcome.expired()) {
      e.write().reply().to().tell(new Replica.NotConfirmed(e.write().key(), e.write().position(), e.reason()));
    }
    expireBuffered(now);
    for (ReplicaId f : tracker.followerIds()) {
      if (tracker.needsSnapshot(f, state.logStart())) {
        startSnapshot(state, f, now);
      }
    }
    if (tracker.leaseHolds(now, leaseNanos, voters, self)) {
      // backed by a majority that does not count rejoining replicas: where this log stands now is a point such a
      // replica may vote again from, once it holds it
      for (ReplicaId f : tracker.rejoiningFollowers()) {
        transport.send(self, f, new Protocol.RejoinPoint(self, state.currentEpoch(), state.lastPosition(),
            state.lastEpoch()));
      }
    }
    continueSwitchover(state, now);
    replicate(state, now);
    if (!buffer.isEmpty()) {
      scheduleFlush();
    }
    long trimTo = tracker.trimPoint(state.lastPosition(), settings.logRetentionEntries(),
        settings.maxRetainedEntries(), now);
    return trimIfDue(state, trimTo);
  }

  private Effect<ReplicaEvent, ReplicaState> trimIfDue(ReplicaState state, long trimTo) {
    long trimBatch = Math.max(1, Math.min(1000, settings.logRetentionEntries() / 10 + 1));
    if (trimTo - state.logStart() + 1 >= trimBatch) {
      return Effect().persist(new ReplicaEvents.LogTrimmed(trimTo));
    }
    return Effect().none();
  }

  private void expireBuffered(long now) {
    long timeout = settings.writeTimeout().toNanos();
    List<Request> kept = new ArrayList<>(buffer.size());
    for (Request r : buffer) {
      if (now - r.enqueuedNanos() >= timeout) {
        r.replyTo().tell(new Replica.Unavailable(switchoverTarget != null
            ? "a switchover to " + switchoverTarget + " is under way; retry at the new leader"
            : "leader " + self + " could not confirm its leadership: no majority of " + voters
                + " answered within " + Duration.ofNanos(leaseNanos)));
      } else {
        kept.add(r);
      }
    }
    buffer = kept;
  }

  // --- switchover ---

  private Effect<ReplicaEvent, ReplicaState> onSwitchover(ReplicaState state, Replica.Switchover s) {
    if (role != Role.LEADER) {
      s.replyTo().tell(new Replica.SwitchoverFailed("replica " + self + " is not the leader"
          + (currentLeader == null ? "" : "; the leader is " + currentLeader)));
    } else if (s.target() == null || !voters.contains(s.target())) {
      s.replyTo().tell(new Replica.SwitchoverFailed("target " + s.target() + " is not a voting member of group "
          + group.groupId() + " " + voters));
    } else if (tracker.isRejoining(s.target())) {
      s.replyTo().tell(new Replica.SwitchoverFailed("target " + s.target() + " lost its journal and is rejoining "
          + "group " + group.groupId() + ": it does not vote or stand until it has caught up"));
    } else if (s.target().equals(self)) {
      s.replyTo().tell(new Replica.SwitchoverDone(self, state.currentEpoch()));
    } else if (switchoverTarget != null) {
      s.replyTo().tell(new Replica.SwitchoverFailed("a switchover to " + switchoverTarget + " is under way"));
    } else {
      ctx.getLog().info("leader {} of group {} hands over to {}: writes wait until it leads", self, group.groupId(),
          s.target());
      switchoverTarget = s.target();
      switchoverReply = s.replyTo();
      switchoverDeadline = clock.nanos() + settings.writeTimeout().toNanos();
      timeoutNowSent = false;
      continueSwitchover(state, clock.nanos());
    }
    return Effect().none();
  }

  private void continueSwitchover(ReplicaState state, long now) {
    if (switchoverTarget == null) {
      return;
    }
    if (now >= switchoverDeadline) {
      switchoverReply.tell(new Replica.SwitchoverFailed(switchoverTarget + " did not take over within "
          + settings.writeTimeout() + "; " + self + " keeps leading"));
      switchoverTarget = null;
      switchoverReply = null;
      scheduleFlush();
      return;
    }
    if (!timeoutNowSent && tracker.persistedOf(switchoverTarget) >= state.lastPosition()) {
      timeoutNowSent = true;
      transport.send(self, switchoverTarget, new Protocol.TimeoutNow(self, state.currentEpoch()));
    }
  }

  // --- follower ---

  private void requestToFollow(ReplicaState state, ReplicaId leader, long now) {
    if (leader == null || leader.equals(self)) {
      return;
    }
    if (!leader.equals(attachedLeader)) {
      attachedLeader = leader;
      attachedEpoch = -1; // learnt from its first message
      echo = 0; // no echo of another leader's clock
    }
    lastFollowRequest = now;
    if (lastHeardFromLeader == Long.MIN_VALUE) {
      lastHeardFromLeader = now;
    }
    transport.send(self, leader, new Protocol.FollowRequest(self, state.currentEpoch(), state.lastPosition(),
        state.lastEpoch(), state.epochHistory(), state.rejoining()));
  }

  private Effect<ReplicaEvent, ReplicaState> onFollowerMessage(ReplicaState state, Protocol.Message message) {
    if (message instanceof Protocol.AppendEntries a) {
      return onAppendEntries(state, a);
    } else if (message instanceof Protocol.SnapshotChunk c) {
      return onSnapshotChunk(state, c);
    } else if (message instanceof Protocol.RejoinPoint p) {
      return onRejoinPoint(state, p);
    } else if (message instanceof Protocol.TimeoutNow t) {
      if (t.epoch() == state.currentEpoch() && canVote(state) && role == Role.FOLLOWER) {
        ctx.getLog().info("replica {} takes over from {} (switchover)", self, t.leader());
        return startElection(state, clock.nanos(), true);
      }
    } else if (message instanceof Protocol.FollowRequest r) {
      if (currentLeader != null) {
        transport.send(self, r.follower(), new Protocol.LeaderHint(self, state.currentEpoch(), currentLeader));
      }
    } else if (message instanceof Protocol.Progress p && p.epoch() > state.currentEpoch()) {
      return Effect().none(); // handled by the epoch check
    }
    return Effect().none();
  }

  private Effect<ReplicaEvent, ReplicaState> onAppendEntries(ReplicaState state, Protocol.AppendEntries a) {
    long now = clock.nanos();
    if (a.epoch() < state.currentEpoch()) {
      // a deposed leader: tell it the epoch so it steps down
      transport.send(self, a.leader(), new Protocol.Progress(self, state.currentEpoch(), state.lastPosition(),
          state.lastPosition(), state.lastPosition(), false, a.sentNanos(), state.rejoining()));
      return Effect().none();
    }
    if (role != Role.FOLLOWER || !buffer.isEmpty()) {
      stepDown(state, a.leader() + " won epoch " + a.epoch(), a.leader()); // someone else won this epoch
      ctx.getLog().info("replica {} follows {}, elected in epoch {}", self, a.leader(), a.epoch());
    }
    if (!a.leader().equals(currentLeader)) {
      observer.onLeaderElected(a.leader(), a.epoch());
    }
    currentLeader = a.leader();
    lastHeardFromLeader = now;
    electionDeadline = now + randomTimeout();
    synchronousHint = a.synchronous();
    if (a.leaderLastPosition() >= leaderLastKnown && a.roundTripNanos() > 0) {
      // the leader held no more than leaderLastPosition when it sent this, at most one round trip ago
      leaderLastKnown = a.leaderLastPosition();
      leaderLastHeardNanos = now - a.roundTripNanos();
    } else if (a.leaderLastPosition() > leaderLastKnown) {
      leaderLastKnown = a.leaderLastPosition();
    }
    markFresh(state);
    boolean newLeader = !a.leader().equals(attachedLeader) || (attachedEpoch != -1 && attachedEpoch != a.epoch());
    // sentNanos is the leader's own clock: never mix values from two leaders (another JVM's clock)
    echo = newLeader ? a.sentNanos() : Math.max(echo, a.sentNanos());
    if (newLeader || a.prevPosition() < 0) {
      // a leader new to this follower (or announcing itself because it has not heard from it): it is told where
      // this log stands, and streams from where the two agree
      if (newLeader || now - lastFollowRequest > heartbeatNanos) {
        attachedLeader = a.leader();
        attachedEpoch = a.epoch();
        received = new ArrayList<>();
        requestToFollow(state, a.leader(), now);
      }
      return Effect().none();
    }
    attachedEpoch = a.epoch();
    long persisted = state.lastPosition();
    if (!received.isEmpty()) {
      long receivedLast = received.get(received.size() - 1).position();
      if (a.prevPosition() < persisted) {
        sendProgress(state, receivedLast, persisted, false);
        return Effect().none(); // overlaps what is being written: the leader sends it again if it must
      }
      if (a.prevPosition() > receivedLast) {
        sendProgress(state, receivedLast, persisted, true);
        return Effect().none();
      }
      long skip = receivedLast - a.prevPosition();
      List<LogEntry> entries = a.entries() == null ? List.of() : a.entries();
      if (skip < entries.size()) {
        List<LogEntry> fresh = entries.subList((int) skip, entries.size());
        if (fresh.get(0).position() == receivedLast + 1 && fresh.get(0).epoch() >= a.prevEpoch()) {
          received.addAll(fresh);
          receivedLast = received.get(received.size() - 1).position();
        }
      }
      sendProgress(state, receivedLast, persisted, false);
      return Effect().none();
    }
    ReplicaState.Receipt receipt = state.receive(a.prevPosition(), a.prevEpoch(), a.entries());
    if (receipt instanceof ReplicaState.Receipt.Refused refused) {
      refuseStream(a.leader(), refused);
      sendProgress(state, persisted, persisted, false);
      return Effect().none();
    }
    refusedStream = null;
    if (receipt instanceof ReplicaState.Receipt.Malformed m) {
      ctx.getLog().error("follower {} drops a malformed batch from {}: {}", self, a.leader(), m.reason());
      return Effect().none();
    } else if (receipt instanceof ReplicaState.Receipt.Gap) {
      sendProgress(state, persisted, persisted, true);
      return Effect().none();
    } else if (receipt instanceof ReplicaState.Receipt.Mismatch) {
      requestToFollow(state, a.leader(), now); // the leader recomputes where the logs part
      return Effect().none();
    } else if (receipt instanceof ReplicaState.Receipt.UpToDate) {
      sendProgress(state, persisted, persisted, false);
      return Effect().none();
    }
    ReplicaState.Receipt.Accept accept = (ReplicaState.Receipt.Accept) receipt;
    List<LogEntry> fresh = accept.fresh();
    if (accept.truncateFrom() > 0) {
      ReplicaEvents.LogTruncated cut = state.truncation(accept.truncateFrom(), a.epoch(), clock.millis());
      ctx.getLog().warn("follower {} sets aside {} entries after position {} that leader {} never had", self,
          cut.setAside().size(), cut.afterPosition(), a.leader());
      List<ReplicaEvent> events = new ArrayList<>();
      events.add(cut);
      if (!cut.reset()) {
        events.addAll(fresh);
      }
      return Effect().persist(events).thenRun(s -> {
        observer.onWritesSetAside(self, cut.setAside());
        if (cut.reset()) {
          requestToFollow(s, a.leader(), clock.nanos());
        } else {
          sendProgress(s, s.lastPosition(), s.lastPosition(), false);
          for (LogEntry e : fresh) {
            observer.onApplied(self, e);
          }
        }
      });
    }
    // Like the leader's group commit: batches that arrive while the journal is busy are stashed by Akka, land here
    // one after another, and go to the journal together at the Flush.
    received.addAll(fresh);
    sendProgress(state, fresh.get(fresh.size() - 1).position(), persisted, false); // received: in memory only
    scheduleFlush();
    return Effect().none();
  }

  private Effect<ReplicaEvent, ReplicaState> onFollowerFlush(ReplicaState state) {
    flushScheduled = false;
    if (received.isEmpty()) {
      return trimIfDue(state, state.lastPosition() - settings.logRetentionEntries());
    }
    List<LogEntry> batch = received;
    received = new ArrayList<>();
    // a snapshot installed meanwhile may have moved the log: keep only what still extends it
    LogEntry first = batch.get(0);
    ReplicaState.Receipt receipt = state.receive(first.position() - 1, state.epochAt(first.position() - 1), batch);
    if (receipt instanceof ReplicaState.Receipt.Refused refused) {
      refuseStream(attachedLeader, refused);
    }
    if (!(receipt instanceof ReplicaState.Receipt.Accept accept) || accept.truncateFrom() > 0) {
      return Effect().none();
    }
    List<LogEntry> fresh = accept.fresh();
    return Effect().persist(new ArrayList<ReplicaEvent>(fresh)).thenRun(s -> {
      sendProgress(s, s.lastPosition(), s.lastPosition(), false);
      for (LogEntry e : fresh) {
        observer.onApplied(self, e);
      }
      markFresh(s);
      serveWaiting(s);
    });
  }

  /** A follower that holds everything its leader last said it had is fresh as of when the leader said so. */
  private void markFresh(ReplicaState state) {
    if (leaderLastHeardNanos != Long.MIN_VALUE && state.lastPosition() >= leaderLastKnown) {
      freshAsOfNanos = Math.max(freshAsOfNanos, leaderLastHeardNanos);
    }
  }

  /** Entries this replica cannot apply (WAL of another storage version): logged once per reason, shown in status. */
  private void refuseStream(ReplicaId leader, ReplicaState.Receipt.Refused refused) {
    String reason = "refuses the stream from " + leader + " at position " + refused.position() + ": "
        + refused.reason();
    if (!reason.equals(refusedStream)) {
      ctx.getLog().error("replica {} of group {} {}", self, group.groupId(), reason);
    }
    refusedStream = reason;
  }

  private void sendProgress(ReplicaState state, long receivedPosition, long persisted, boolean gap) {
    if (attachedLeader == null) {
      return;
    }
    // entries are applied in the same step that persists them, so applied == persisted
    transport.send(self, attachedLeader,
        new Protocol.Progress(self, state.currentEpoch(), receivedPosition, persisted, persisted, gap, echo,
            state.rejoining()));
  }

  private Effect<ReplicaEvent, ReplicaState> onSnapshotChunk(ReplicaState state, Protocol.SnapshotChunk c) {
    if (c.epoch() < state.currentEpoch()) {
      return Effect().none();
    }
    long now = clock.nanos();
    lastHeardFromLeader = now;
    electionDeadline = now + randomTimeout();
    currentLeader = c.leader();
    if (!c.leader().equals(attachedLeader) || (attachedEpoch != -1 && attachedEpoch != c.epoch())) {
      // a transfer started before this replica (re)attached: say where it stands, the leader starts over
      attachedLeader = c.leader();
      attachedEpoch = c.epoch();
      echo = 0;
      received = new ArrayList<>();
      requestToFollow(state, c.leader(), now);
      return Effect().none();
    }
    attachedEpoch = c.epoch();
    ReplicaState.ChunkReceipt receipt =
        state.receiveChunk(c.transferId(), c.snapshotPosition(), c.epoch(), c.index(), c.total());
    if (c.items() == null) {
      receipt = new ReplicaState.ChunkReceipt.Malformed("chunk " + c.index() + " has no items");
    }
    if (receipt instanceof ReplicaState.ChunkReceipt.Malformed m) {
      ctx.getLog().error("follower {} drops a malformed snapshot chunk: {}", self, m.reason());
      return Effect().none();
    } else if (receipt instanceof ReplicaState.ChunkReceipt.AlreadyAhead) {
      requestToFollow(state, c.leader(), clock.nanos());
      return Effect().none();
    } else if (receipt instanceof ReplicaState.ChunkReceipt.Expect e) {
      transport.send(self, c.leader(),
          new Protocol.SnapshotProgress(self, c.epoch(), c.transferId(), e.expectedIndex()));
      return Effect().none();
    }
    received = new ArrayList<>();
    int divergentBefore = state.divergentWrites().size();
    return Effect().persist((ReplicaEvent) new ReplicaEvents.SnapshotChunkStored(c.transferId(),
        c.snapshotPosition(), c.snapshotEpoch(), c.index(), c.total(), c.items(),
        c.epochs() == null ? List.of() : c.epochs(), c.matchPosition())).thenRun(s -> {
          if (s.staging() == null && s.lastPosition() == c.snapshotPosition()) {
            ctx.getLog().info("group {}: snapshot from {} 100% ({}/{} chunks): {} installed it at position {} ({} "
                + "keys)", group.groupId(), c.leader(), c.total(), c.total(), self, s.lastPosition(),
                s.store().size());
            loggedTransferId = 0;
            List<LogEntry> aside = new ArrayList<>();
            for (int i = divergentBefore; i < s.divergentWrites().size(); i++) {
              aside.add(s.divergentWrites().get(i).entry());
            }
            if (!aside.isEmpty()) {
              observer.onWritesSetAside(self, aside);
            }
            observer.onSnapshotInstalled(self, s.lastPosition());
            sendProgress(s, s.lastPosition(), s.lastPosition(), false);
          } else {
            logSnapshotProgress(c);
            transport.send(self, c.leader(),
                new Protocol.SnapshotProgress(self, c.epoch(), c.transferId(), c.index() + 1));
          }
        });
  }

  /** One line per tenth of a transfer (and at its first chunk), so a long transfer shows it moves. */
  private void logSnapshotProgress(Protocol.SnapshotChunk c) {
    if (c.transferId() != loggedTransferId) {
      loggedTransferId = c.transferId();
      loggedTenths = -1;
    }
    int stored = c.index() + 1;
    int tenths = (int) ((long) stored * 10 / c.total());
    if (tenths > loggedTenths) {
      loggedTenths = tenths;
      ctx.getLog().info("group {}: snapshot from {} {}% ({}/{} chunks)", group.groupId(), c.leader(),
          (long) stored * 100 / c.total(), stored, c.total());
    }
  }

  // --- status ---

  private ReplicaStatus status(ReplicaState state) {
    long now = clock.nanos();
    long nowMillis = clock.millis();
    List<ReplicaStatus.FollowerStatus> followers = new ArrayList<>();
    List<String> changes = new ArrayList<>();
    if (role == Role.LEADER) {
      for (LeaderTracker.FollowerView v : tracker.view(now)) {
        long last = state.lastPosition();
        followers.add(new ReplicaStatus.FollowerStatus(v.id(), v.state(), v.syncState(), v.received(),
            v.persisted(), v.applied(), Math.max(0, last - v.applied()), lagMillis(state, v.applied(), nowMillis),
            v.lastHeardNanosAgo() / 1_000_000, Math.max(0, last - v.received()),
            lagMillis(state, v.received(), nowMillis), Math.max(0, last - v.persisted()),
            lagMillis(state, v.persisted(), nowMillis), v.snapshotChunksSent(), v.snapshotChunksTotal()));
      }
      for (LeaderTracker.SyncChange c : tracker.syncHistory()) {
        changes.add(java.time.Instant.ofEpochMilli(c.atMillis()) + " " + c.description());
      }
    }
    return new ReplicaStatus(group.groupId(), self, role.name().toLowerCase(), currentLeader,
        state.currentEpoch(), state.lastPosition(), state.lastPosition(),
        role == Role.LEADER ? state.lastPosition() : leaderLastKnown, state.store().size(), state.logStart(),
        state.retainedEntries(), settings.ackPolicy().toString(), settings.ackLevel().name().toLowerCase(),
        tracker == null ? 0 : tracker.pendingWrites(), state.divergentWrites().size(), followers, changes,
        settings.logEncoding().format().configName(), stalenessMillis(now), refusedStream,
        state.rejoining() || asking);
  }

  /** How long ago the oldest entry after {@code position} was written: 0 when there is none, -1 when not kept. */
  private static long lagMillis(ReplicaState state, long position, long nowMillis) {
    if (position >= state.lastPosition()) {
      return 0;
    }
    long ts = state.timestampOf(position + 1);
    return ts < 0 ? -1 : Math.max(0, nowMillis - ts);
  }
}
