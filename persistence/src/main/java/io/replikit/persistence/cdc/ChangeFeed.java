package io.replikit.persistence.cdc;

import akka.NotUsed;
import akka.actor.typed.ActorSystem;
import akka.persistence.query.EventEnvelope;
import akka.persistence.query.Offset;
import akka.persistence.query.PersistenceQuery;
import akka.persistence.query.Sequence;
import akka.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import akka.persistence.query.javadsl.EventsByPersistenceIdQuery;
import akka.persistence.query.javadsl.ReadJournal;
import akka.stream.javadsl.Source;
import io.replikit.persistence.cdc.internal.FeedDecoder;
import io.replikit.replication.ReplicaId;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Change data capture: the replication log of one replica as an Akka Streams {@link Source} of {@link FeedEvent}s,
 * read from its journal through Akka Persistence Query ({@code eventsByPersistenceId}).
 *
 * <p>Guarantees: elements come in log order, each once per run; a feed started from the offset of an element a
 * consumer processed continues with the element after it, so a consumer that stores offsets atomically with its
 * effects sees every change exactly once across restarts. Nothing is dropped silently: entries that the replica
 * removes after a failover come back as a {@link ChangesRetracted}, a store replaced by a snapshot as a
 * {@link FeedRestarted}, and a journal row that cannot be read fails the stream with an
 * {@link UnreadableJournalException}.
 *
 * <p>Does not survive: switching replicas mid-stream (offsets are one replica's journal sequence numbers; a
 * consumer moving to another replica resumes by log position, not offset), and deletion of journal rows (a replica
 * never deletes its events, but an operator could). Follow the leader or a synchronous follower: an asynchronous
 * follower that falls behind may install a snapshot, and its feed then has a gap that only {@link FeedRestarted}'s
 * items fill.
 *
 * <p>The read journal is {@code replikit.cdc.read-journal} ({@code jdbc-read-journal} by default; with Akka's
 * persistence test kit, {@code akka.persistence.testkit.query}); a live feed on the JDBC journal sees new entries
 * after at most {@code replikit.cdc.refresh-interval}.
 */
public final class ChangeFeed {
  /** The read journal of the JDBC journal that {@code ReplikitJournal.configure} sets up. */
  public static final String JDBC_READ_JOURNAL = "jdbc-read-journal";
  /** The read journal of Akka's persistence test kit (in-memory journal). */
  public static final String TESTKIT_READ_JOURNAL = "akka.persistence.testkit.query";

  private static final String CONFIG_PATH = "replikit.cdc.read-journal";

  private final String pluginId;
  private final EventsByPersistenceIdQuery live;
  private final CurrentEventsByPersistenceIdQuery current;

  private ChangeFeed(String pluginId, ReadJournal journal) {
    this.pluginId = pluginId;
    this.live = journal instanceof EventsByPersistenceIdQuery q ? q : null;
    this.current = journal instanceof CurrentEventsByPersistenceIdQuery q ? q : null;
    if (live == null && current == null) {
      throw new IllegalArgumentException("read journal '" + pluginId + "' (" + journal.getClass().getName()
          + ") supports neither eventsByPersistenceId nor currentEventsByPersistenceId: a change feed needs them");
    }
  }

  /** A feed on the read journal that {@code replikit.cdc.read-journal} names. */
  public static ChangeFeed create(ActorSystem<?> system) {
    var config = system.settings().config();
    return create(system, config.hasPath(CONFIG_PATH) ? config.getString(CONFIG_PATH) : JDBC_READ_JOURNAL);
  }

  /**
   * A feed on read journal {@code readJournalPluginId}.
   *
   * @throws IllegalArgumentException when no such plugin is configured or it cannot query by persistence id
   */
  public static ChangeFeed create(ActorSystem<?> system, String readJournalPluginId) {
    ReadJournal journal;
    try {
      journal = PersistenceQuery.get(system.classicSystem())
          .getReadJournalFor(ReadJournal.class, readJournalPluginId);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("read journal plugin '" + readJournalPluginId + "' is not available: "
          + e.getMessage() + " (the JDBC journal's is '" + JDBC_READ_JOURNAL + "', the test kit's '"
          + TESTKIT_READ_JOURNAL + "')", e);
    }
    return new ChangeFeed(readJournalPluginId, journal);
  }

  /**
   * The live feed of replica {@code replicaId} of group {@code groupId}, after {@code fromExclusive}
   * ({@link Offset#noOffset()} for the whole log, or an element's {@link FeedEvent#offset()}); never completes.
   */
  public static Source<FeedEvent, NotUsed> source(ActorSystem<?> system, String groupId, ReplicaId replicaId,
      Offset fromExclusive) {
    return create(system).events(groupId, replicaId, fromExclusive);
  }

  /** Like {@link #source}, but completes once it has emitted what the journal holds now. */
  public static Source<FeedEvent, NotUsed> currentSource(ActorSystem<?> system, String groupId, ReplicaId replicaId,
      Offset fromExclusive) {
    return create(system).currentEvents(groupId, replicaId, fromExclusive);
  }

  /** The live feed after {@code fromExclusive}: it keeps emitting as the replica's log grows, and never completes. */
  public Source<FeedEvent, NotUsed> events(String groupId, ReplicaId replicaId, Offset fromExclusive) {
    if (live == null) {
      throw new UnsupportedOperationException("read journal '" + pluginId + "' has no live eventsByPersistenceId");
    }
    return feed(persistenceId(groupId, replicaId), sequenceNrOf(fromExclusive), true);
  }

  /** The feed after {@code fromExclusive} up to the replica's last journal event when it is run; then completes. */
  public Source<FeedEvent, NotUsed> currentEvents(String groupId, ReplicaId replicaId, Offset fromExclusive) {
    if (current == null) {
      throw new UnsupportedOperationException("read journal '" + pluginId
          + "' has no currentEventsByPersistenceId");
    }
    return feed(persistenceId(groupId, replicaId), sequenceNrOf(fromExclusive), false);
  }

  /** The persistence id under which a single-leader replica journals its log: {@code replikit-<group>|<replica>}. */
  public static String persistenceId(String groupId, ReplicaId replicaId) {
    return "replikit-" + groupId + "|" + replicaId.value();
  }

  /**
   * The journal sequence number an offset stands for: 0 for {@link Offset#noOffset()}.
   *
   * @throws IllegalArgumentException for offsets of another kind (a feed's offsets are sequence numbers)
   */
  public static long sequenceNrOf(Offset offset) {
    if (offset == null || Offset.noOffset().equals(offset)) {
      return 0;
    }
    if (offset instanceof Sequence s) {
      if (s.value() < 0) {
        throw new IllegalArgumentException("a change feed offset is a journal sequence number >= 0, was "
            + s.value());
      }
      return s.value();
    }
    throw new IllegalArgumentException("a change feed resumes from Offset.sequence(n) (what its elements carry) or "
        + "Offset.noOffset(), not from " + offset);
  }

  private Source<FeedEvent, NotUsed> feed(String persistenceId, long afterSequenceNr, boolean keepLive) {
    return Source.<FeedEvent, NotUsed>fromMaterializer((mat, attributes) -> {
      // per run: the decoder remembers a snapshot transfer in progress, lastRead names where a failure happened
      FeedDecoder decoder = new FeedDecoder(persistenceId);
      AtomicLong lastRead = new AtomicLong(afterSequenceNr);
      Source<EventEnvelope, NotUsed> envelopes = keepLive
          ? live.eventsByPersistenceId(persistenceId, afterSequenceNr + 1, Long.MAX_VALUE)
          : current.currentEventsByPersistenceId(persistenceId, afterSequenceNr + 1, Long.MAX_VALUE);
      return envelopes
          .mapConcat(envelope -> {
            long previous = lastRead.getAndSet(envelope.sequenceNr());
            return decoder.decode(envelope.sequenceNr(), previous, envelope.event());
          })
          .mapError(Throwable.class, e -> explain(e, persistenceId, lastRead.get()));
    }).mapMaterializedValue(ignored -> NotUsed.getInstance());
  }

  /**
   * The read journal fails the stream with the serializer's exception when a row does not deserialize: say which
   * replica and where. Database errors (a lost connection) pass through unchanged: retrying may cure them.
   */
  private static Throwable explain(Throwable e, String persistenceId, long lastRead) {
    if (e instanceof UnreadableJournalException) {
      return e;
    }
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (c instanceof SQLException) {
        return e;
      }
    }
    return new UnreadableJournalException(persistenceId, lastRead, -1, "a journal row after sequence number "
        + lastRead + " of " + persistenceId + " cannot be read as a Replikit replica event: " + e, e);
  }
}
