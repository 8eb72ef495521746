package io.replikit.singleleader;

import io.replikit.replication.LogEntry;

/**
 * An entry that left a replica's log after a failover because the new leader never had it (typically writes an
 * old leader accepted asynchronously just before it failed). Kept, never dropped silently: an operator reads and
 * exports them with {@link Replica.GetDivergentWrites} and decides what to re-apply.
 *
 * @param entry the entry as it was in this replica's log
 * @param setAsideInEpoch the epoch of the leader whose log replaced it
 * @param setAsideAtMillis when it was set aside (wall clock, for people)
 */
public record DivergentWrite(LogEntry entry, long setAsideInEpoch, long setAsideAtMillis) {}
