package io.replikit.persistence.cdc;

import io.replikit.replication.ReplicaId;
import io.replikit.store.Change;
import io.replikit.store.RowRecord;
import io.replikit.store.TriggerOutput;
import java.util.ArrayList;
import java.util.List;

/**
 * One entry of a replica's replication log that changes data: a single-key {@link Change.Put} or
 * {@link Change.Delete}, or a transaction ({@link Change.Rows} in the logical and trigger formats,
 * {@link Change.Statements} in the statement format, {@link Change.Wal} in WAL shipping, which only a reader of the
 * same storage version can decode). Entries that change no data (the first entry of each epoch) are not emitted.
 *
 * @param sequenceNr the offset: the journal sequence number of the entry on this replica
 * @param position the log position (the same on every replica that holds the entry)
 * @param epoch the leader's term that assigned the position
 * @param timestampMillis the leader's wall clock at append time (for display and lag, never for ordering)
 * @param origin the replica that accepted the write
 * @param change what the entry does
 */
public record ChangeEvent(long sequenceNr, long position, long epoch, long timestampMillis, ReplicaId origin,
    Change change) implements FeedEvent {

  /** The row changes of a logical or trigger-format transaction, in commit order; empty for other changes. */
  public List<RowRecord.RowChange> rowChanges() {
    if (!(change instanceof Change.Rows rows)) {
      return List.of();
    }
    List<RowRecord.RowChange> out = new ArrayList<>(rows.records().size());
    for (RowRecord r : rows.records()) {
      if (r instanceof RowRecord.RowChange c) {
        out.add(c);
      }
    }
    return out;
  }

  /** What the tables' triggers chose to replicate elsewhere (trigger format only; otherwise empty). */
  public List<TriggerOutput> triggered() {
    return change instanceof Change.Rows rows && rows.triggered() != null ? rows.triggered() : List.of();
  }
}
