package io.replikit.singleleader.internal;

import io.replikit.logformat.Nondeterminism;
import io.replikit.logformat.Transactions;
import io.replikit.logformat.WalCodec;
import io.replikit.replication.LogEntry;
import io.replikit.replication.ReplicaEvent;
import io.replikit.replication.ReplicaId;
import io.replikit.singleleader.DivergentWrite;
import io.replikit.singleleader.internal.ReplicaEvents.EpochStart;
import io.replikit.singleleader.internal.ReplicaEvents.Restore;
import io.replikit.store.Change;
import io.replikit.store.KeyValueStore;
import io.replikit.store.Statement;
import io.replikit.store.StoreItem;
import io.replikit.store.StoreLimits;
import io.replikit.store.VersionedValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.pcollections.TreePMap;
import org.pcollections.TreePVector;

/**
 * Everything a single-leader replica keeps across restarts, as an immutable value: the store; the last log
 * position and epoch; the recent log with what each entry overwrote (to serve catch-up and to undo a divergent
 * suffix); where each epoch starts; the epoch this replica is in and whom it voted for; followers that joined at
 * run time; a snapshot being received; and the writes set aside after a failover. {@link #apply} is the event
 * handler: the only way this state changes.
 */
public final class ReplicaState {
  /** A snapshot transfer being received, chunk by chunk. */
  public record Staging(
      long transferId, long position, long epoch, int total, int nextIndex, TreePVector<StoreItem> items) {}

  private long lastPosition;
  private long lastEpoch;
  private KeyValueStore store;
  private TreePMap<Long, LogEntry> log;
  private TreePMap<Long, List<Restore>> undo;
  private long logStart;
  private long baseEpoch;
  private TreePMap<Long, Long> epochs; // epoch -> first position
  private TreePVector<ReplicaId> joined;
  private Staging staging;
  private long currentEpoch;
  private ReplicaId votedFor;
  private TreePVector<DivergentWrite> divergent;
  private int walReaderVersion = WalCodec.CURRENT_VERSION;
  private boolean rejoining;

  private ReplicaState() {}

  private ReplicaState copy() {
    ReplicaState c = new ReplicaState();
    c.lastPosition = lastPosition;
    c.lastEpoch = lastEpoch;
    c.store = store;
    c.log = log;
    c.undo = undo;
    c.logStart = logStart;
    c.baseEpoch = baseEpoch;
    c.epochs = epochs;
    c.joined = joined;
    c.staging = staging;
    c.currentEpoch = currentEpoch;
    c.votedFor = votedFor;
    c.divergent = divergent;
    c.walReaderVersion = walReaderVersion;
    c.rejoining = rejoining;
    return c;
  }

  public static ReplicaState empty() {
    return empty(WalCodec.CURRENT_VERSION);
  }

  /** An empty state of a replica that reads WAL records of storage version {@code walReaderVersion}. */
  public static ReplicaState empty(int walReaderVersion) {
    ReplicaState s = new ReplicaState();
    s.walReaderVersion = walReaderVersion;
    s.store = KeyValueStore.empty();
    s.log = TreePMap.empty();
    s.undo = TreePMap.empty();
    s.logStart = 1;
    s.epochs = TreePMap.empty();
    s.joined = TreePVector.empty();
    s.divergent = TreePVector.empty();
    return s;
  }

  /** Rebuilds the state a snapshot describes: the store at {@code lastPosition}, with no log kept before it. */
  public static ReplicaState fromSnapshot(ReplicaSnapshot snap) {
    return fromSnapshot(snap, WalCodec.CURRENT_VERSION);
  }

  public static ReplicaState fromSnapshot(ReplicaSnapshot snap, int walReaderVersion) {
    ReplicaState s = empty(walReaderVersion);
    s.lastPosition = snap.lastPosition();
    s.lastEpoch = snap.lastEpoch();
    s.baseEpoch = snap.lastEpoch();
    s.logStart = snap.lastPosition() + 1;
    s.store = KeyValueStore.of(snap.items());
    s.currentEpoch = snap.currentEpoch();
    s.votedFor = snap.votedFor();
    s.epochs = toMap(snap.epochs());
    s.joined = TreePVector.from(snap.joinedFollowers());
    s.divergent = TreePVector.from(snap.divergent());
    s.rejoining = snap.rejoining();
    return s;
  }

  public ReplicaSnapshot toSnapshot() {
    return new ReplicaSnapshot(lastPosition, lastEpoch, currentEpoch, votedFor, epochHistory(), List.copyOf(joined),
        List.copyOf(divergent), store.items(), rejoining);
  }

  /** The event handler. An event that does not fit (a gap in positions) means a corrupt journal: it throws. */
  public ReplicaState apply(ReplicaEvent event) {
    if (event instanceof LogEntry e) {
      return append(e);
    } else if (event instanceof ReplicaEvents.LogTrimmed t) {
      if (t.upTo() < logStart) {
        return this;
      }
      ReplicaState s = copy();
      s.baseEpoch = epochAt(t.upTo());
      s.log = log.tailMap(t.upTo(), false);
      s.undo = undo.tailMap(t.upTo(), false);
      s.logStart = t.upTo() + 1;
      return s;
    } else if (event instanceof ReplicaEvents.FollowerJoined j) {
      if (joined.contains(j.follower())) {
        return this;
      }
      ReplicaState s = copy();
      s.joined = joined.plus(j.follower());
      return s;
    } else if (event instanceof ReplicaEvents.EpochVoted v) {
      ReplicaState s = copy();
      s.currentEpoch = Math.max(currentEpoch, v.epoch());
      s.votedFor = v.epoch() >= currentEpoch ? v.votedFor() : votedFor;
      return s;
    } else if (event instanceof ReplicaEvents.SnapshotChunkStored c) {
      return storeChunk(c);
    } else if (event instanceof ReplicaEvents.LogTruncated t) {
      return truncate(t);
    } else if (event instanceof ReplicaEvents.RejoinStarted) {
      ReplicaState s = copy();
      s.rejoining = true;
      return s;
    } else if (event instanceof ReplicaEvents.RejoinFinished || event instanceof ReplicaEvents.RejoinForced) {
      ReplicaState s = copy();
      s.rejoining = false;
      return s;
    }
    throw new IllegalStateException("unknown replica event type " + event.getClass().getName());
  }

  private ReplicaState append(LogEntry e) {
    if (e.position() != lastPosition + 1) {
      throw new IllegalStateException("journal entry at position " + e.position() + " does not follow position "
          + lastPosition + ": the journal has a gap or a duplicate");
    }
    if (e.epoch() < lastEpoch) {
      throw new IllegalStateException("journal entry at position " + e.position() + " has epoch " + e.epoch()
          + ", older than the previous entry's epoch " + lastEpoch);
    }
    ReplicaState s = copy();
    Transactions.Applied applied = Transactions.apply(store, e.change(), e.position(), walReaderVersion);
    if (!applied.touched().isEmpty()) {
      List<Restore> restores = new ArrayList<>(applied.touched().size());
      for (String key : applied.touched()) {
        VersionedValue before = store.get(key).orElse(null);
        restores.add(before == null ? new Restore(key, null, 0, false)
            : new Restore(key, before.value(), before.version(), true));
      }
      s.undo = undo.plus(e.position(), List.copyOf(restores));
    }
    if (e.epoch() > lastEpoch) {
      s.epochs = epochs.plus(e.epoch(), e.position());
    }
    s.lastPosition = e.position();
    s.lastEpoch = e.epoch();
    s.currentEpoch = Math.max(currentEpoch, e.epoch());
    s.store = applied.after();
    s.log = log.plus(e.position(), e);
    // an entry that extends the log means the leader streams again: a half-received snapshot is abandoned
    s.staging = null;
    return s;
  }

  private ReplicaState storeChunk(ReplicaEvents.SnapshotChunkStored c) {
    Staging st;
    if (c.index() == 0) {
      st = new Staging(
          c.transferId(), c.snapshotPosition(), c.snapshotEpoch(), c.total(), 1, TreePVector.from(c.items()));
    } else if (staging != null && staging.transferId() == c.transferId()
        && staging.position() == c.snapshotPosition() && staging.nextIndex() == c.index()) {
      st = new Staging(staging.transferId(), staging.position(), staging.epoch(), staging.total(), c.index() + 1,
          staging.items().plusAll(c.items()));
    } else {
      // a chunk of a transfer whose start was lost (a snapshot taken mid-transfer): that transfer restarts
      ReplicaState s = copy();
      s.staging = null;
      return s;
    }
    ReplicaState s = copy();
    if (st.nextIndex() < st.total()) {
      s.staging = st;
      return s;
    }
    // complete: what this replica held after the match point is set aside, and the snapshot replaces the store
    List<DivergentWrite> aside = new ArrayList<>();
    for (LogEntry e : log.tailMap(c.matchPosition(), false).values()) {
      if (e.change().changesData()) {
        aside.add(new DivergentWrite(e, c.snapshotEpoch(), e.timestampMillis()));
      }
    }
    s.divergent = divergent.plusAll(aside);
    s.lastPosition = st.position();
    s.lastEpoch = st.epoch();
    s.baseEpoch = st.epoch();
    s.currentEpoch = Math.max(currentEpoch, st.epoch());
    s.store = KeyValueStore.of(st.items());
    s.log = TreePMap.empty();
    s.undo = TreePMap.empty();
    s.logStart = st.position() + 1;
    s.epochs = toMap(c.epochs());
    s.staging = null;
    return s;
  }

  private ReplicaState truncate(ReplicaEvents.LogTruncated t) {
    ReplicaState s = copy();
    List<DivergentWrite> aside = new ArrayList<>();
    for (LogEntry e : t.setAside()) {
      if (e.change().changesData()) {
        aside.add(new DivergentWrite(e, t.epoch(), t.atMillis()));
      }
    }
    s.divergent = divergent.plusAll(aside);
    s.staging = null;
    if (t.reset()) {
      s.lastPosition = 0;
      s.lastEpoch = 0;
      s.baseEpoch = 0;
      s.store = KeyValueStore.empty();
      s.log = TreePMap.empty();
      s.undo = TreePMap.empty();
      s.logStart = 1;
      s.epochs = TreePMap.empty();
      return s;
    }
    KeyValueStore restored = store;
    for (Restore r : t.restores()) {
      restored = restored.restore(r.key(), r.existed() ? new VersionedValue(r.value(), r.version()) : null);
    }
    s.store = restored;
    s.lastPosition = t.afterPosition();
    s.lastEpoch = epochAt(t.afterPosition());
    s.log = log.headMap(t.afterPosition(), true);
    s.undo = undo.headMap(t.afterPosition(), true);
    TreePMap<Long, Long> kept = epochs;
    for (Map.Entry<Long, Long> e : epochs.entrySet()) {
      if (e.getValue() > t.afterPosition()) {
        kept = kept.minus(e.getKey());
      }
    }
    s.epochs = kept;
    return s;
  }

  // --- leader rules ---

  /** The outcome of checking one proposed write against the store (and the writes before it in its batch). */
  public sealed interface Decision {
    /**
     * Logged as {@code entry}; for a transaction, {@code generatedIds} are the ids its {@code nextId()} calls drew
     * and {@code rowChanges} the rows it changed.
     */
    record Accepted(LogEntry entry, List<Long> generatedIds, int rowChanges) implements Decision {
      public Accepted(LogEntry entry) {
        this(entry, List.of(), 0);
      }
    }

    record VersionMismatch(String key, long expected, long actual) implements Decision {}

    /** A transaction that failed on the leader (a duplicate key, a bad expression, a trigger threw, ...). */
    record Refused(String reason) implements Decision {}
  }

  /**
   * A write as the leader received it: a single-key change and, for a conditional put, the version it expects; or
   * a transaction's statements ({@code change} null).
   */
  public record Proposed(Change change, Long expectedVersion, List<Statement> transaction) {
    public Proposed(Change change, Long expectedVersion) {
      this(change, expectedVersion, null);
    }
  }

  /** How the leader logs transactions, and where it draws non-deterministic values from. */
  public record Context(Transactions.Encoding encoding, Nondeterminism nondeterminism, StoreLimits limits) {}

  /** Entries that a batch of proposed writes becomes, with positions assigned, and a decision per write. */
  public record Appended(List<LogEntry> entries, List<Decision> decisions) {}

  public Appended decide(List<Proposed> writes, long epoch, ReplicaId origin, long nowMillis) {
    return decide(writes, epoch, origin, nowMillis, null);
  }

  /**
   * Decides a batch of writes on the leader: checks each conditional write against the store as the earlier writes
   * of the same batch leave it, runs transactions (in the group's log format, see {@link Transactions#commit}), and
   * assigns consecutive positions to those accepted. Pure: the state is unchanged until the returned entries are
   * persisted and applied.
   */
  public Appended decide(List<Proposed> writes, long epoch, ReplicaId origin, long nowMillis, Context context) {
    List<LogEntry> entries = new ArrayList<>(writes.size());
    List<Decision> decisions = new ArrayList<>(writes.size());
    KeyValueStore working = store;
    long position = lastPosition;
    for (Proposed w : writes) {
      if (w.transaction() != null) {
        if (context == null) {
          throw new IllegalStateException("transactions need a decision context");
        }
        try {
          Transactions.Committed c = Transactions.commit(working, w.transaction(), position + 1,
              context.nondeterminism(), context.encoding(), context.limits());
          position++;
          LogEntry e = new LogEntry(position, epoch, origin, nowMillis, c.change());
          working = c.after();
          entries.add(e);
          decisions.add(new Decision.Accepted(e, c.generatedIds(), c.rowChanges()));
        } catch (Transactions.Refused r) {
          decisions.add(new Decision.Refused(r.getMessage()));
        }
        continue;
      }
      long actual = working.versionOf(w.change().key());
      if (w.expectedVersion() != null && w.expectedVersion() != actual) {
        decisions.add(new Decision.VersionMismatch(w.change().key(), w.expectedVersion(), actual));
        continue;
      }
      position++;
      LogEntry e = new LogEntry(position, epoch, origin, nowMillis, w.change());
      working = working.apply(w.change(), position);
      entries.add(e);
      decisions.add(new Decision.Accepted(e));
    }
    return new Appended(entries, decisions);
  }

  /**
   * Where a follower's log and this (the leader's) log part: the last position up to which they hold the same
   * entries, computed from the two epoch histories (entries with the same position and epoch come from the same
   * leader, and so does everything before them). For the highest epoch both logs have, the match runs to the end
   * of that epoch in the shorter of the two.
   */
  public long matchPoint(List<EpochStart> followerEpochs, long followerLast) {
    TreePMap<Long, Long> theirs = toMap(followerEpochs);
    for (Long e : theirs.descendingKeySet()) {
      if (epochs.containsKey(e)) {
        return Math.min(endOfEpoch(theirs, e, followerLast), endOfEpoch(epochs, e, lastPosition));
      }
    }
    return 0; // no epoch in common: nothing of the follower's log is known to be the leader's
  }

  private static long endOfEpoch(TreePMap<Long, Long> history, long epoch, long last) {
    Map.Entry<Long, Long> next = history.higherEntry(epoch);
    return next == null ? last : next.getValue() - 1;
  }

  // --- follower rules ---

  /** What a follower makes of a batch of entries from its leader. */
  public sealed interface Receipt {
    /**
     * {@code fresh} extend this replica's log (after dropping its entries from {@code truncateFrom} on, when that is
     * positive: they were not in the leader's log) and are to be persisted and applied.
     */
    record Accept(long truncateFrom, List<LogEntry> fresh) implements Receipt {}

    /** Nothing new (a heartbeat or a duplicate). */
    record UpToDate() implements Receipt {}

    /** The batch starts after this replica's last position: entries in between are missing. */
    record Gap(long lastPosition) implements Receipt {}

    /** The entry before the batch is not the leader's: the logs part earlier, and the leader must be told where. */
    record Mismatch(long position) implements Receipt {}

    /** The batch contradicts itself (positions out of sequence, missing entries); {@code reason} says how. */
    record Malformed(String reason) implements Receipt {}

    /**
     * The entry at {@code position} is one this replica cannot apply (WAL records of another storage version):
     * the stream is refused, and stays refused, until leader and replica agree; {@code reason} says why.
     */
    record Refused(long position, String reason) implements Receipt {}
  }

  /**
   * The follower's rule: accept only entries that extend this log without a gap, in order, after the entry the
   * leader says precedes them; skip those already held; drop (set aside) a suffix of this log only where the
   * leader's entry at the same position has another epoch. A follower that applies only what this returns never has
   * a gap or an out-of-order apply, whatever the network does to the batches.
   */
  public Receipt receive(long prevPosition, long prevEpoch, List<LogEntry> entries) {
    List<LogEntry> batch = entries == null ? List.of() : entries;
    for (int i = 0; i < batch.size(); i++) {
      LogEntry e = batch.get(i);
      if (e == null || e.change() == null || e.origin() == null) {
        return new Receipt.Malformed("entry " + i + " after position " + prevPosition + " is incomplete");
      }
      if (e.position() != prevPosition + 1 + i) {
        return new Receipt.Malformed("entry " + i + " after position " + prevPosition + " has position "
            + e.position() + ", expected " + (prevPosition + 1 + i));
      }
      if (e.epoch() < (i == 0 ? prevEpoch : batch.get(i - 1).epoch())) {
        return new Receipt.Malformed("entry " + e.position() + " has an older epoch than the entry before it");
      }
      java.util.Optional<String> unreadable = Transactions.unreadable(e.change(), walReaderVersion);
      if (unreadable.isPresent()) {
        return new Receipt.Refused(e.position(), unreadable.get());
      }
    }
    if (prevPosition > lastPosition) {
      return new Receipt.Gap(lastPosition);
    }
    if (!agreesAt(prevPosition, prevEpoch)) {
      return new Receipt.Mismatch(prevPosition);
    }
    int i = 0;
    while (i < batch.size() && batch.get(i).position() <= lastPosition) {
      if (!agreesAt(batch.get(i).position(), batch.get(i).epoch())) {
        return new Receipt.Accept(batch.get(i).position(), List.copyOf(batch.subList(i, batch.size())));
      }
      i++;
    }
    if (i >= batch.size()) {
      return new Receipt.UpToDate();
    }
    return new Receipt.Accept(0, List.copyOf(batch.subList(i, batch.size())));
  }

  /** Whether this log's entry at {@code position} has {@code epoch}; positions before the kept log are trusted. */
  private boolean agreesAt(long position, long epoch) {
    if (position == 0 || position < logStart - 1) {
      return true;
    }
    return epochAt(position) == epoch;
  }

  /**
   * The event that drops this log's entries from {@code from} on: it sets them aside and carries how to undo their
   * effect on the store; when that is not known (they are older than the kept log), it resets the replica.
   */
  public ReplicaEvents.LogTruncated truncation(long from, long epoch, long nowMillis) {
    List<LogEntry> aside = new ArrayList<>(log.tailMap(from, true).values());
    boolean reset = from < logStart;
    List<Restore> restores = new ArrayList<>();
    if (!reset) {
      for (List<Restore> rs : undo.tailMap(from, true).descendingMap().values()) {
        restores.addAll(rs);
      }
    }
    return new ReplicaEvents.LogTruncated(from - 1, aside, restores, reset, epoch, nowMillis);
  }

  /** What a follower makes of a snapshot chunk. */
  public sealed interface ChunkReceipt {
    /** The chunk is the next one of its transfer (index 0 starts a transfer): persist it. */
    record Store() implements ChunkReceipt {}

    /** Not the chunk expected; tell the leader which index is ({@code expectedIndex}). */
    record Expect(int expectedIndex) implements ChunkReceipt {}

    /** This replica already holds more than the snapshot: it should ask to stream from its own position. */
    record AlreadyAhead() implements ChunkReceipt {}

    record Malformed(String reason) implements ChunkReceipt {}
  }

  /** The follower's rule for snapshot chunks: store them in order, one transfer at a time, never going back. */
  public ChunkReceipt receiveChunk(long transferId, long snapshotPosition, long leaderEpoch, int index, int total) {
    if (index < 0 || total < 1 || index >= total) {
      return new ChunkReceipt.Malformed("chunk " + index + " of " + total + " is impossible");
    }
    // Holding entries of the sending leader's epoch beyond the snapshot means this log already extends the
    // leader's past it (a stale chunk). A longer log of older epochs is not the leader's: the snapshot replaces it.
    if (snapshotPosition < lastPosition && lastEpoch >= leaderEpoch) {
      return new ChunkReceipt.AlreadyAhead();
    }
    int expected = staging != null && staging.transferId() == transferId && staging.position() == snapshotPosition
        ? staging.nextIndex() : 0;
    return index == expected ? new ChunkReceipt.Store() : new ChunkReceipt.Expect(expected);
  }

  // --- rejoining after a lost journal ---

  /**
   * Whether this replica holds nothing at all: no entry, no epoch, no vote, and it is not rejoining. A voter in this
   * state cannot tell a new group from one whose history it forgot (its journal was lost).
   */
  public boolean isEmpty() {
    return lastPosition == 0 && currentEpoch == 0 && votedFor == null && !rejoining && divergent.isEmpty();
  }

  /** Whether this replica lost its journal and catches up as a non-voting member ({@link #rejoinDone}). */
  public boolean rejoining() {
    return rejoining;
  }

  /**
   * The rejoin rule: a rejoining replica may vote again once its log holds the entry a leader named in a
   * {@link Protocol.RejoinPoint} (same position and epoch: by the log matching property, then, every entry before
   * it too). That leader named it while backed by a majority not counting this replica, after this replica asked to
   * follow it: so the log holds every write acknowledged before this replica lost its journal.
   */
  public boolean rejoinDone(long position, long positionEpoch) {
    return rejoining && position >= 0 && lastPosition >= position && staging == null
        && epochAt(position) == positionEpoch;
  }

  // --- reads ---

  /** Retained entries with positions in [from, to], in order; the caller checks {@code from >= logStart()}. */
  public List<LogEntry> entries(long from, long to) {
    if (from > to) {
      return List.of();
    }
    return new ArrayList<>(log.subMap(from, true, to, true).values());
  }

  /** The epoch of the entry at {@code position}: known for kept entries, the snapshot base and the last entry. */
  public long epochAt(long position) {
    if (position == 0) {
      return 0;
    }
    if (position == lastPosition) {
      return lastEpoch;
    }
    LogEntry e = log.get(position);
    if (e != null) {
      return e.epoch();
    }
    if (position == logStart - 1) {
      return baseEpoch;
    }
    Map.Entry<Long, Long> started = null;
    for (Map.Entry<Long, Long> en : epochs.entrySet()) {
      if (en.getValue() <= position) {
        started = en;
      }
    }
    return started == null ? baseEpoch : started.getKey();
  }

  /** The epoch history of this log: where each epoch's entries start. */
  public List<EpochStart> epochHistory() {
    List<EpochStart> out = new ArrayList<>(epochs.size());
    for (Map.Entry<Long, Long> e : epochs.entrySet()) {
      out.add(new EpochStart(e.getKey(), e.getValue()));
    }
    return out;
  }

  /** The epoch history up to and including {@code position} (what a snapshot at that position carries). */
  public List<EpochStart> epochHistoryUpTo(long position) {
    List<EpochStart> out = new ArrayList<>();
    for (EpochStart e : epochHistory()) {
      if (e.position() <= position) {
        out.add(e);
      }
    }
    return out;
  }

  private static TreePMap<Long, Long> toMap(List<EpochStart> history) {
    TreePMap<Long, Long> m = TreePMap.empty();
    for (EpochStart e : history == null ? List.<EpochStart>of() : history) {
      m = m.plus(e.epoch(), e.position());
    }
    return m;
  }

  public long lastPosition() {
    return lastPosition;
  }

  public long lastEpoch() {
    return lastEpoch;
  }

  /** The WAL storage version this replica reads. */
  public int walReaderVersion() {
    return walReaderVersion;
  }

  public KeyValueStore store() {
    return store;
  }

  /** The first position still kept in memory; entries before it are served only by a snapshot. */
  public long logStart() {
    return logStart;
  }

  public int retainedEntries() {
    return log.size();
  }

  /** Timestamp of the entry at {@code position}, or -1 when it is no longer kept. */
  public long timestampOf(long position) {
    LogEntry e = log.get(position);
    return e == null ? -1 : e.timestampMillis();
  }

  public List<ReplicaId> joinedFollowers() {
    return joined;
  }

  public Staging staging() {
    return staging;
  }

  /** The highest epoch this replica has seen (voted in, or held entries of). */
  public long currentEpoch() {
    return currentEpoch;
  }

  /** Whom this replica voted for in {@link #currentEpoch()}, or null. */
  public ReplicaId votedFor() {
    return votedFor;
  }

  /** Entries set aside after failovers because the new leader never had them, oldest first. */
  public List<DivergentWrite> divergentWrites() {
    return divergent;
  }
}
