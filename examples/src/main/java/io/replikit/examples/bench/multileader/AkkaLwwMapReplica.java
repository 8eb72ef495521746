package io.replikit.examples.bench.multileader;

import akka.Done;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.persistence.typed.ReplicaId;
import akka.persistence.typed.ReplicationId;
import akka.persistence.typed.crdt.LwwTime;
import akka.persistence.typed.javadsl.CommandHandler;
import akka.persistence.typed.javadsl.Effect;
import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.ReplicatedEventSourcedBehavior;
import akka.persistence.typed.javadsl.ReplicatedEventSourcing;
import akka.persistence.typed.javadsl.ReplicationContext;
import io.replikit.serialization.JournalEvent;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * One replica of the Akka baseline: a map of last-write-wins registers, one per key, as an Akka Replicated Event
 * Sourcing entity ({@link ReplicatedEventSourcing#commonJournalConfig}); every leader runs one replica of each entity.
 * The LWW rule is Akka's own {@link LwwTime} (as in Akka's replicated blog example): a write takes
 * {@code LwwTime.increase(currentTimeMillis, self)} over the key's current time, and an applied event replaces the
 * register when its time {@code isAfter} the register's (a higher timestamp wins, equal ones go to the lower replica
 * id).
 *
 * <p>Every live application of an event (not replay) is reported to the bench's
 * {@link MultiLeaderSystemUnderTest.VisibilityListener}, with {@link ReplicationContext#concurrent()} as the conflict
 * flag. Event handlers run before the journal confirms the write (Akka Typed applies an event, then persists it, and
 * holds back commands meanwhile), so a read answered by this replica after the report sees the write.
 */
final class AkkaLwwMapReplica
    extends ReplicatedEventSourcedBehavior<AkkaLwwMapReplica.Command, AkkaLwwMapReplica.Written,
        AkkaLwwMapReplica.State> {

  interface Command {}

  /** Puts {@code value} under {@code key}; answered once the event is in this replica's journal. */
  record Put(long writeId, String key, String value, ActorRef<Done> replyTo) implements Command {}

  /** Answers a copy of the whole map. */
  record GetAll(ActorRef<Map<String, String>> replyTo) implements Command {}

  /** The one event: a put, stamped with its LWW time (timestamp and origin replica). */
  record Written(long writeId, String key, String value, long timestamp, String origin) implements JournalEvent {}

  /**
   * The registers. Mutable on purpose (a new map per event would cost the baseline an allocation proportional to
   * the keys per write): it never leaves the actor, {@link GetAll} answers a copy, and nothing snapshots it.
   */
  static final class State {
    final Map<String, Register> registers = new HashMap<>();
  }

  record Register(String value, LwwTime time) {}

  private final int leaderIndex;
  private final MultiLeaderSystemUnderTest.VisibilityListener visibility;
  private final boolean publishEvents;

  /**
   * @param typeName the replication type name (unique per run, so runs never read each other's events)
   * @param queryPluginId the read journal that replicas tail each other's events with
   * @param publishEvents whether persisted events go to the event stream for {@link AkkaDirectReplication}
   */
  static Behavior<Command> create(String typeName, String entityId, ReplicaId self, Set<ReplicaId> all,
      String queryPluginId, int leaderIndex, MultiLeaderSystemUnderTest.VisibilityListener visibility,
      boolean publishEvents) {
    return ReplicatedEventSourcing.commonJournalConfig(new ReplicationId(typeName, entityId, self), all,
        queryPluginId, context -> new AkkaLwwMapReplica(context, leaderIndex, visibility, publishEvents));
  }

  private AkkaLwwMapReplica(ReplicationContext context, int leaderIndex,
      MultiLeaderSystemUnderTest.VisibilityListener visibility, boolean publishEvents) {
    super(context);
    this.leaderIndex = leaderIndex;
    this.visibility = visibility;
    this.publishEvents = publishEvents;
  }

  @Override
  public boolean withEventPublishing() {
    return publishEvents;
  }

  @Override
  public State emptyState() {
    return new State();
  }

  @Override
  public CommandHandler<Command, Written, State> commandHandler() {
    return newCommandHandlerBuilder().forAnyState()
        .onCommand(Put.class, this::onPut)
        .onCommand(GetAll.class, this::onGetAll)
        .build();
  }

  private Effect<Written, State> onPut(State state, Put put) {
    ReplicationContext context = getReplicationContext();
    Register current = state.registers.get(put.key());
    LwwTime time = current == null
        ? new LwwTime(context.currentTimeMillis(), context.replicaId())
        : current.time().increase(context.currentTimeMillis(), context.replicaId());
    Written event = new Written(put.writeId(), put.key(), put.value(), time.timestamp(), time.originReplica().id());
    return Effect().persist(event).thenRun(s -> put.replyTo().tell(Done.getInstance()));
  }

  private Effect<Written, State> onGetAll(State state, GetAll get) {
    Map<String, String> copy = new HashMap<>(state.registers.size() * 2);
    state.registers.forEach((k, r) -> copy.put(k, r.value()));
    get.replyTo().tell(copy);
    return Effect().none();
  }

  @Override
  public EventHandler<State, Written> eventHandler() {
    return newEventHandlerBuilder().forAnyState()
        .onEvent(Written.class, (State state, Written event) -> apply(state, event)).build();
  }

  private State apply(State state, Written event) {
    ReplicationContext context = getReplicationContext();
    LwwTime time = new LwwTime(event.timestamp(), new ReplicaId(event.origin()));
    Register current = state.registers.get(event.key());
    if (current == null || time.isAfter(current.time())) {
      state.registers.put(event.key(), new Register(event.value(), time));
    }
    if (!context.recoveryRunning()) {
      visibility.applied(leaderIndex, event.writeId(), context.concurrent());
    }
    return state;
  }
}
