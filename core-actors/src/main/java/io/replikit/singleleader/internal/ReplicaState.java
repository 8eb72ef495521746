package io.replikit.singleleader.internal;

import io.replikit.replication.LogEntry;
import io.replikit.replication.ReplicaEvent;
import io.replikit.replication.ReplicaId;
import io.replikit.store.Change;
import io.replikit.store.KeyValueStore;
import io.replikit.store.StoreItem;
import java.util.ArrayList;
import java.util.List;
import org.pcollections.TreePMap;
import org.pcollections.TreePVector;

/**
 * Everything a single-leader replica keeps across restarts, as an immutable value: the store, the last log
 * position and epoch, the recent log (to serve catch-up), followers that joined at run time, and a snapshot being
 * received. {@link #apply} is the event handler: the only way this state changes.
 */
public final class ReplicaState {
  /** A snapshot transfer being received, chunk by chunk. */
  public record Staging(
      long transferId, long position, long epoch, int total, int nextIndex, TreePVector<StoreItem> items) {}

  private final long lastPosition;
  private final long lastEpoch;
  private final KeyValueStore store;
  private final TreePMap<Long, LogEntry> log;
  private final long logStart;
  private final TreePVector<ReplicaId> joined;
  private final Staging staging;

  private ReplicaState(long lastPosition, long lastEpoch, KeyValueStore store, TreePMap<Long, LogEntry> log,
      long logStart, TreePVector<ReplicaId> joined, Staging staging) {
    this.lastPosition = lastPosition;
    this.lastEpoch = lastEpoch;
    this.store = store;
    this.log = log;
    this.logStart = logStart;
    this.joined = joined;
    this.staging = staging;
  }

  public static ReplicaState empty() {
    return new ReplicaState(0, 0, KeyValueStore.empty(), TreePMap.empty(), 1, TreePVector.empty(), null);
  }

  /** Rebuilds the state a snapshot describes: the store at {@code lastPosition}, with no log kept before it. */
  public static ReplicaState fromSnapshot(ReplicaSnapshot s) {
    return new ReplicaState(s.lastPosition(), s.lastEpoch(), KeyValueStore.of(s.items()), TreePMap.empty(),
        s.lastPosition() + 1, TreePVector.from(s.joinedFollowers()), null);
  }

  public ReplicaSnapshot toSnapshot() {
    return new ReplicaSnapshot(lastPosition, lastEpoch, List.copyOf(joined), store.items());
  }

  /** The event handler. An event that does not fit (a gap in positions) means a corrupt journal: it throws. */
  public ReplicaState apply(ReplicaEvent event) {
    if (event instanceof LogEntry e) {
      return append(e);
    } else if (event instanceof ReplicaEvents.LogTrimmed t) {
      if (t.upTo() < logStart) {
        return this;
      }
      return new ReplicaState(lastPosition, lastEpoch, store, log.tailMap(t.upTo(), false), t.upTo() + 1, joined,
          staging);
    } else if (event instanceof ReplicaEvents.FollowerJoined j) {
      return joined.contains(j.follower()) ? this
          : new ReplicaState(lastPosition, lastEpoch, store, log, logStart, joined.plus(j.follower()), staging);
    } else if (event instanceof ReplicaEvents.SnapshotChunkStored c) {
      return storeChunk(c);
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
    // an entry that extends the log means the leader streams again: a half-received snapshot is abandoned
    return new ReplicaState(e.position(), e.epoch(), store.apply(e.change(), e.position()), log.plus(e.position(), e),
        logStart, joined, null);
  }

  private ReplicaState storeChunk(ReplicaEvents.SnapshotChunkStored c) {
    Staging s;
    if (c.index() == 0) {
      s = new Staging(
          c.transferId(), c.snapshotPosition(), c.snapshotEpoch(), c.total(), 1, TreePVector.from(c.items()));
    } else if (staging != null && staging.transferId() == c.transferId()
        && staging.position() == c.snapshotPosition() && staging.nextIndex() == c.index()) {
      s = new Staging(staging.transferId(), staging.position(), staging.epoch(), staging.total(), c.index() + 1,
          staging.items().plusAll(c.items()));
    } else {
      // a chunk of a transfer whose start was lost (a snapshot taken mid-transfer): that transfer restarts
      return new ReplicaState(lastPosition, lastEpoch, store, log, logStart, joined, null);
    }
    if (s.nextIndex() < s.total()) {
      return new ReplicaState(lastPosition, lastEpoch, store, log, logStart, joined, s);
    }
    // complete: the snapshot replaces the store, and the log restarts after it
    return new ReplicaState(s.position(), s.epoch(), KeyValueStore.of(s.items()), TreePMap.empty(), s.position() + 1,
        joined, null);
  }

  /** The outcome of checking one proposed write against the store (and the writes before it in its batch). */
  public sealed interface Decision {
    record Accepted(LogEntry entry) implements Decision {}

    record VersionMismatch(String key, long expected, long actual) implements Decision {}
  }

  /** A write as the leader received it: the change and, for a conditional put, the version it expects. */
  public record Proposed(Change change, Long expectedVersion) {}

  /** Entries that a batch of proposed writes becomes, with positions assigned, and a decision per write. */
  public record Appended(List<LogEntry> entries, List<Decision> decisions) {}

  /**
   * Decides a batch of writes on the leader: checks each conditional write against the store as the earlier writes
   * of the same batch leave it, and assigns consecutive positions to those accepted. Pure: the state is unchanged
   * until the returned entries are persisted and applied.
   */
  public Appended decide(List<Proposed> writes, long epoch, ReplicaId origin, long nowMillis) {
    List<LogEntry> entries = new ArrayList<>(writes.size());
    List<Decision> decisions = new ArrayList<>(writes.size());
    KeyValueStore working = store;
    long position = lastPosition;
    for (Proposed w : writes) {
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

  /** What a follower makes of a batch of entries from its leader. */
  public sealed interface Receipt {
    /** {@code fresh} follow this replica's log exactly and are to be persisted and applied. */
    record Accept(List<LogEntry> fresh) implements Receipt {}

    /** Nothing new (a heartbeat or a duplicate). */
    record UpToDate() implements Receipt {}

    /** The batch starts after this replica's last position: entries in between are missing. */
    record Gap(long lastPosition) implements Receipt {}

    /** The batch contradicts itself (positions out of sequence, missing entries); {@code reason} says how. */
    record Malformed(String reason) implements Receipt {}
  }

  /**
   * The follower's rule: accept only entries that extend this log without a gap, in order; skip those already
   * held. A follower that applies only what this returns never has a gap or an out-of-order apply, whatever the
   * network does to the batches.
   */
  public Receipt receive(long prevPosition, List<LogEntry> entries) {
    return receive(lastPosition, prevPosition, entries);
  }

  /** {@link #receive(long, List)} for a log that ends at {@code lastPosition} (received, not yet persisted). */
  public static Receipt receive(long lastPosition, long prevPosition, List<LogEntry> entries) {
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
    }
    if (prevPosition > lastPosition) {
      return new Receipt.Gap(lastPosition);
    }
    long skip = lastPosition - prevPosition;
    if (skip >= batch.size()) {
      return new Receipt.UpToDate();
    }
    return new Receipt.Accept(List.copyOf(batch.subList((int) skip, batch.size())));
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
  public ChunkReceipt receiveChunk(long transferId, long snapshotPosition, int index, int total) {
    if (index < 0 || total < 1 || index >= total) {
      return new ChunkReceipt.Malformed("chunk " + index + " of " + total + " is impossible");
    }
    if (snapshotPosition < lastPosition) {
      return new ChunkReceipt.AlreadyAhead();
    }
    int expected = staging != null && staging.transferId() == transferId && staging.position() == snapshotPosition
        ? staging.nextIndex() : 0;
    return index == expected ? new ChunkReceipt.Store() : new ChunkReceipt.Expect(expected);
  }

  /** Retained entries with positions in [from, to], in order; the caller checks {@code from >= logStart()}. */
  public List<LogEntry> entries(long from, long to) {
    if (from > to) {
      return List.of();
    }
    return new ArrayList<>(log.subMap(from, true, to, true).values());
  }

  public long lastPosition() {
    return lastPosition;
  }

  public long lastEpoch() {
    return lastEpoch;
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
}
