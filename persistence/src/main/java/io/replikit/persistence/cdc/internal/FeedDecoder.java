package io.replikit.persistence.cdc.internal;

import io.replikit.persistence.cdc.ChangeEvent;
import io.replikit.persistence.cdc.ChangesRetracted;
import io.replikit.persistence.cdc.FeedEvent;
import io.replikit.persistence.cdc.FeedRestarted;
import io.replikit.persistence.cdc.UnreadableJournalException;
import io.replikit.replication.LogEntry;
import io.replikit.replication.ReplicaEvent;
import io.replikit.singleleader.internal.ReplicaEvents;
import io.replikit.store.StoreItem;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns one replica's journal events, read in sequence-number order, into feed elements. No actors and no I/O:
 * plain tests drive it. One instance per stream materialization (it remembers a snapshot transfer in progress).
 *
 * <p>It follows the replica's own rules ({@code ReplicaState.apply}) for what an event means: a log entry that
 * changes data is a change; a truncation retracts; a snapshot transfer replaces the store when its last chunk is
 * stored in order after its first, with no log entry or truncation in between (either abandons the transfer, in the
 * replica as here). A feed resumed from an offset never starts inside a transfer that then completes: the offset is
 * that of an emitted element, i.e. a log entry, a truncation or a completed transfer, each of which ends any
 * transfer in progress.
 */
public final class FeedDecoder {

  private final String persistenceId;
  private Staging staging;

  private record Staging(long transferId, long position, int total, int nextIndex, List<StoreItem> items) {}

  public FeedDecoder(String persistenceId) {
    this.persistenceId = persistenceId;
  }

  /**
   * The elements for the journal event at {@code sequenceNr} (none for bookkeeping events).
   *
   * @throws UnreadableJournalException when {@code event} is not a Replikit replica event, or a kind of replica
   *     event this version does not know
   */
  public List<FeedEvent> decode(long sequenceNr, long previousSequenceNr, Object event) {
    if (event instanceof LogEntry e) {
      staging = null;
      if (e.change() == null || !e.change().changesData()) {
        return List.of(); // the first entry of an epoch: no data, and the offset still moves on with the next one
      }
      return List.of(new ChangeEvent(sequenceNr, e.position(), e.epoch(), e.timestampMillis(), e.origin(),
          e.change()));
    } else if (event instanceof ReplicaEvents.LogTruncated t) {
      staging = null;
      List<LogEntry> retracted = new ArrayList<>();
      for (LogEntry e : t.setAside()) {
        if (e.change() != null && e.change().changesData()) {
          retracted.add(e);
        }
      }
      return List.of(new ChangesRetracted(sequenceNr, t.afterPosition(), List.copyOf(retracted), t.reset(),
          t.epoch(), t.atMillis()));
    } else if (event instanceof ReplicaEvents.SnapshotChunkStored c) {
      return chunk(sequenceNr, c);
    } else if (event instanceof ReplicaEvents.LogTrimmed || event instanceof ReplicaEvents.FollowerJoined
        || event instanceof ReplicaEvents.EpochVoted) {
      return List.of();
    } else if (event instanceof ReplicaEvent) {
      // refuse rather than skip: an event kind added later may change the store, and skipping it would lose data
      throw new UnreadableJournalException(persistenceId, previousSequenceNr, sequenceNr, "journal row "
          + sequenceNr + " of " + persistenceId + " holds a replica event of a kind this change feed does not know ("
          + event.getClass().getName() + "): was the journal written by a newer Replikit?", null);
    }
    String what = event == null ? "nothing (null)" : "a " + event.getClass().getName();
    throw new UnreadableJournalException(persistenceId, previousSequenceNr, sequenceNr, "journal row " + sequenceNr
        + " of " + persistenceId + " holds " + what + ", not a Replikit replica event (io.replikit.replication."
        + "ReplicaEvent): is another persistent actor writing under this replica's persistence id?", null);
  }

  private List<FeedEvent> chunk(long sequenceNr, ReplicaEvents.SnapshotChunkStored c) {
    Staging st;
    if (c.index() == 0) {
      st = new Staging(c.transferId(), c.snapshotPosition(), c.total(), 1, new ArrayList<>(c.items()));
    } else if (staging != null && staging.transferId() == c.transferId()
        && staging.position() == c.snapshotPosition() && staging.nextIndex() == c.index()) {
      staging.items().addAll(c.items());
      st = new Staging(staging.transferId(), staging.position(), staging.total(), c.index() + 1, staging.items());
    } else {
      staging = null; // a transfer whose start this replica lost: it restarts, and so do we
      return List.of();
    }
    if (st.nextIndex() < st.total()) {
      staging = st;
      return List.of();
    }
    staging = null;
    return List.of(new FeedRestarted(sequenceNr, st.position(), c.snapshotEpoch(), c.matchPosition(),
        List.copyOf(st.items())));
  }
}
