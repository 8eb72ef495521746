package io.replikit.persistence.cdc;

import io.replikit.replication.LogEntry;
import java.util.List;

/**
 * The replica removed the end of its log because the current leader never had those entries (they were written by
 * a leader that lost its leadership before replicating them; the replica keeps them in its divergent-writes
 * record). Every change this feed emitted at a position after {@code afterPosition} is void: a consumer that
 * applied them must undo them. Later elements reuse those positions for the leader's entries.
 *
 * @param sequenceNr the offset of this element
 * @param afterPosition changes at positions up to and including this one stand
 * @param retracted the removed entries that changed data, in log order. Complete unless {@code reset}
 * @param reset the replica could not undo the entries one by one (they were older than its in-memory log): it
 *     emptied its store and log and starts over. The feed then re-emits the leader's log from position 1 or emits a
 *     {@link FeedRestarted}; a consumer should drop what it built from this replica and rebuild from what follows
 *     (positions up to {@code afterPosition} come again with the same content)
 * @param epoch the epoch of the leader whose log replaced the removed entries
 * @param atMillis when the replica removed them (its wall clock)
 */
public record ChangesRetracted(long sequenceNr, long afterPosition, List<LogEntry> retracted, boolean reset,
    long epoch, long atMillis) implements FeedEvent {

  /** The positions of {@link #retracted()}, in log order. */
  public List<Long> positions() {
    return retracted.stream().map(LogEntry::position).toList();
  }
}
