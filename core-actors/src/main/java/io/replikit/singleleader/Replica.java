package io.replikit.singleleader;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import com.fasterxml.jackson.databind.JsonNode;
import io.replikit.replication.ReplicaClock;
import io.replikit.replication.ReplicaId;
import io.replikit.replication.ReplicaTransport;
import io.replikit.serialization.WireMessage;
import io.replikit.singleleader.internal.ReplicaBehavior;
import io.replikit.store.Change;
import io.replikit.store.RowKey;
import io.replikit.store.Statement;
import io.replikit.store.StoreItem;
import java.util.List;

/**
 * A replica of a single-leader group: an event-sourced actor whose journal is its copy of the replication log.
 *
 * <p>The leader accepts writes, assigns them log positions, persists them (writes that arrive while the journal is
 * busy are persisted and shipped together: group commit), streams them to followers, and acknowledges each write
 * when its {@link AckPolicy} is met at its {@link AckLevel}. Followers apply entries strictly in log order with no
 * gaps, refuse writes naming the leader, catch up from their last position after a restart or a cut link, and join
 * a running group by snapshot. Any replica answers reads from its own state.
 *
 * <p>Survives: lost, duplicated, delayed and reordered replication messages; restarts of any replica from its
 * journal; with {@code replikit.single-leader.rejoin-when-empty} on, a voter's journal lost (it rejoins without a
 * vote until caught up, see {@link SingleLeaderSettings#withRejoinWhenEmpty}). Does not survive (in this version): loss of the leader's node for good (no failover yet); with
 * {@code ASYNC} a leader crash may lose acknowledged writes that no follower received.
 */
public final class Replica {
  private Replica() {}

  /** Everything a replica accepts. */
  public interface Command {}

  /**
   * A write: {@code change} applied if {@code expectedVersion} is null or equals the key's current version (0 for
   * "absent"). Answered with one {@link WriteReply}.
   */
  public record Write(Change change, Long expectedVersion, WriteOptions options, ActorRef<WriteReply> replyTo)
      implements Command, WireMessage {}

  /**
   * Inserts {@code value} under a key the leader generates: {@code keyPrefix} followed by a new id. Ids are unique
   * across failovers, even when the new leader lagged the old one: an id is the leader's epoch in the high 32 bits
   * and a counter of that epoch in the low 32 (a GitHub-style reuse of primary keys after failover cannot happen).
   * Answered with {@link Inserted} or another {@link WriteReply}.
   */
  public record Insert(String keyPrefix, JsonNode value, WriteOptions options, ActorRef<WriteReply> replyTo)
      implements Command, WireMessage {}

  /**
   * Operator command to the leader: hand leadership to {@code target} with zero loss. The leader stops taking
   * writes (they wait), lets the target catch up, tells it to start an election, and steps down when it wins.
   */
  public record Switchover(ReplicaId target, ActorRef<SwitchoverReply> replyTo) implements Command, WireMessage {}

  public sealed interface SwitchoverReply extends WireMessage {}

  public record SwitchoverDone(ReplicaId newLeader, long epoch) implements SwitchoverReply {}

  public record SwitchoverFailed(String reason) implements SwitchoverReply {}

  /**
   * Operator command, unsafe by design: this replica, rejoining after a lost journal (or still asking its peers
   * whether the group has a history), votes and stands again at once instead of waiting to catch up. For a group
   * that cannot elect a leader because too many of its voters lost their journals (e.g. two of three replicas
   * placed anew on nodes with empty journals: the one replica that holds the history gets no vote). What it risks
   * is what rejoining protects against: the replica may have voted in an epoch, or acknowledged writes, before its
   * journal was lost; so force one replica only, and one whose peers hold the group's history (the election still
   * prefers the most up-to-date log). Answered {@link VoteForced}, or {@link ForceVoteRefused} when there is
   * nothing to force (the replica votes already, or is a non-voting member).
   */
  public record ForceVote(String reason, ActorRef<ForceVoteReply> replyTo) implements Command, WireMessage {}

  public sealed interface ForceVoteReply extends WireMessage {}

  /** {@code replica} votes again; {@code wasRejoining}: it had learnt the group has a history (else it was asking). */
  public record VoteForced(ReplicaId replica, String groupId, boolean wasRejoining) implements ForceVoteReply {}

  public record ForceVoteRefused(ReplicaId replica, String reason) implements ForceVoteReply {}

  /** The writes this replica set aside after failovers (see {@link DivergentWrite}). */
  public record GetDivergentWrites(ActorRef<DivergentWrites> replyTo) implements Command, WireMessage {}

  public record DivergentWrites(ReplicaId replica, List<DivergentWrite> writes) implements WireMessage {}

  /** A read of one key from this replica's own state (which may lag the leader), with no bound on staleness. */
  public record Get(String key, ActorRef<ReadReply> replyTo) implements Command, WireMessage {}

  /**
   * A read of one key (a plain key, or a row's key from {@link #rowKey}) that this replica serves only once its
   * state meets {@code consistency}: it waits up to the consistency's wait, then answers {@link TooStale} so the
   * caller can go to another replica (or the leader).
   */
  public record Read(String key, ReadConsistency consistency, ActorRef<ReadReply> replyTo)
      implements Command, WireMessage {}

  /** The rows of {@code table} in primary-key order, under {@code consistency}: answered by {@link TableRows}. */
  public record ReadTable(String table, ReadConsistency consistency, ActorRef<ReadReply> replyTo)
      implements Command, WireMessage {}

  /**
   * A transaction on tables of rows: its statements run in order on the leader and commit together as one log
   * entry, or not at all ({@link Rejected} says which statement failed). Answered with {@link Committed} or another
   * {@link WriteReply}. What the log holds for it depends on the group's log format.
   */
  public record Transact(List<Statement> statements, WriteOptions options, ActorRef<WriteReply> replyTo)
      implements Command, WireMessage {}

  public record GetStatus(ActorRef<ReplicaStatus> replyTo) implements Command, WireMessage {}

  /**
   * Every key this replica holds, in key order, as of its applied position: for checks that replicas converged.
   * The whole store travels in one message, so keep it to test-sized stores.
   */
  public record ReadAll(ActorRef<AllItems> replyTo) implements Command, WireMessage {}

  public record AllItems(ReplicaId servedBy, long appliedPosition, List<StoreItem> items) implements WireMessage {}

  /** The answer to a {@link Write}. */
  public sealed interface WriteReply extends WireMessage {}

  /** Acknowledged under the write's policy; {@code version} is its log position. */
  public record Written(String key, long version, long epoch) implements WriteReply {}

  /**
   * A {@link Transact} acknowledged under the write's policy at log {@code position} (the session token a
   * read-your-writes read asks for); {@code generatedIds}: the values its {@code nextId()} calls drew, in order.
   */
  public record Committed(long position, long epoch, List<Long> generatedIds, int rowChanges)
      implements WriteReply {}

  /** An {@link Insert} acknowledged under the write's policy, with the id and key it generated. */
  public record Inserted(String key, long id, long version, long epoch) implements WriteReply {}

  /** Sent to a follower; writes go to {@code leader} (null while no leader is known, during an election). */
  public record NotLeader(ReplicaId leader, String message) implements WriteReply {}

  /**
   * Not logged: the leader could not confirm it still leads (no majority answered within the failover timeout),
   * or a switchover did not finish in time. Safe to retry.
   */
  public record Unavailable(String reason) implements WriteReply {}

  /** Refused before anything was logged (bad key, value too large, ...); {@code reason} says what was wrong. */
  public record Rejected(String reason) implements WriteReply {}

  /** A conditional write whose expected version was not the key's current one; nothing was logged. */
  public record VersionConflict(String key, long expectedVersion, long actualVersion) implements WriteReply {}

  /**
   * Logged on the leader at {@code version} but not confirmed by followers within the write timeout. The write
   * is not undone: it stays in the log and keeps replicating; only the promise of the policy was not kept.
   */
  public record NotConfirmed(String key, long version, String reason) implements WriteReply {}

  /** The answer to a {@link Get}. */
  public sealed interface ReadReply extends WireMessage {}

  /**
   * {@code key} holds {@code value}, last written at log position {@code version}, on {@code servedBy}, which had
   * applied the log up to {@code appliedPosition}; {@code stalenessMillis}: how old that replica's data may be (0 on
   * a leader holding its lease, -1 unknown), as bounded-staleness reads measure it.
   */
  public record Found(String key, JsonNode value, long version, ReplicaId servedBy, long appliedPosition,
      long stalenessMillis) implements ReadReply {
    public Found(String key, JsonNode value, long version, ReplicaId servedBy, long appliedPosition) {
      this(key, value, version, servedBy, appliedPosition, -1);
    }
  }

  public record NotFound(String key, ReplicaId servedBy, long appliedPosition, long stalenessMillis)
      implements ReadReply {
    public NotFound(String key, ReplicaId servedBy, long appliedPosition) {
      this(key, servedBy, appliedPosition, -1);
    }
  }

  public record ReadRejected(String reason) implements ReadReply {}

  /** The rows of a table, each item's key being its primary key. */
  public record TableRows(String table, List<StoreItem> rows, ReplicaId servedBy, long appliedPosition,
      long stalenessMillis) implements ReadReply {
    public TableRows(String table, List<StoreItem> rows, ReplicaId servedBy, long appliedPosition) {
      this(table, rows, servedBy, appliedPosition, -1);
    }
  }

  /**
   * This replica could not meet the read's consistency within its wait: it had applied up to
   * {@code appliedPosition} (the read asked for {@code requiredPosition}) and its data was {@code stalenessMillis}
   * old (-1: unknown). Nothing is wrong with the data; read from a replica further ahead, or from
   * {@code leader} (the leader this replica knows of, null if none).
   */
  public record TooStale(ReplicaId servedBy, long appliedPosition, long requiredPosition, long stalenessMillis,
      String reason, ReplicaId leader) implements ReadReply {
    public TooStale(ReplicaId servedBy, long appliedPosition, long requiredPosition, long stalenessMillis,
        String reason) {
      this(servedBy, appliedPosition, requiredPosition, stalenessMillis, reason, null);
    }
  }

  /**
   * The log position a write reached (its session token for read-your-writes), or 0 when it was not logged.
   * {@link NotConfirmed} counts: the write is in the leader's log, so the writer's later reads must not miss it.
   */
  public static long logPosition(WriteReply reply) {
    if (reply instanceof Written w) {
      return w.version();
    } else if (reply instanceof Inserted i) {
      return i.version();
    } else if (reply instanceof Committed c) {
      return c.position();
    } else if (reply instanceof NotConfirmed n) {
      return n.version();
    }
    return 0;
  }

  // --- factories ---

  public static Write put(String key, JsonNode value, ActorRef<WriteReply> replyTo) {
    return new Write(new Change.Put(key, value), null, WriteOptions.defaults(), replyTo);
  }

  public static Write put(String key, JsonNode value, WriteOptions options, ActorRef<WriteReply> replyTo) {
    return new Write(new Change.Put(key, value), null, options, replyTo);
  }

  /** Compare-and-set: applies only if the key's version is {@code expectedVersion} (0: only if absent). */
  public static Write putIfVersion(String key, JsonNode value, long expectedVersion, ActorRef<WriteReply> replyTo) {
    return new Write(new Change.Put(key, value), expectedVersion, WriteOptions.defaults(), replyTo);
  }

  public static Insert insert(String keyPrefix, JsonNode value, ActorRef<WriteReply> replyTo) {
    return new Insert(keyPrefix, value, WriteOptions.defaults(), replyTo);
  }

  /** The store key of row {@code primaryKey} of {@code table}, for {@link Get} and {@link Read}. */
  public static String rowKey(String table, String primaryKey) {
    return RowKey.of(table, primaryKey);
  }

  public static Transact transact(List<Statement> statements, ActorRef<WriteReply> replyTo) {
    return new Transact(List.copyOf(statements), WriteOptions.defaults(), replyTo);
  }

  public static Write delete(String key, ActorRef<WriteReply> replyTo) {
    return new Write(new Change.Delete(key), null, WriteOptions.defaults(), replyTo);
  }

  /**
   * A replica of {@code group} named {@code self}. Replicas listed in the spec vote; the spec's leader is the one
   * that asks for the first epoch's votes at once, so it normally leads a new group; after that, leaders are
   * elected. A replica not in the spec joins as a non-voting follower. Its persistence id is
   * {@code replikit-<group>|<self>}.
   */
  public static Behavior<Command> create(ReplicaGroupSpec group, ReplicaId self, SingleLeaderSettings settings,
      ReplicaTransport transport) {
    return create(group, self, settings, transport, ReplicaObserver.NONE, ReplicaClock.system());
  }

  public static Behavior<Command> create(ReplicaGroupSpec group, ReplicaId self, SingleLeaderSettings settings,
      ReplicaTransport transport, ReplicaObserver observer, ReplicaClock clock) {
    return ReplicaBehavior.create(group, self, settings, transport, observer, clock);
  }
}
