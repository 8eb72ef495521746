package io.replikit.replication;

import io.replikit.store.Change;

/**
 * One replication log entry, and the event a replica persists for it: the journal of every replica is its copy of
 * the replication log.
 *
 * @param position the log sequence number: gapless, starting at 1, assigned by the leader
 * @param epoch the leader's term when it assigned the position
 * @param origin the replica that accepted the write
 * @param timestampMillis the leader's wall clock at append time; used only to show lag, never to order
 * @param change what the entry does to the store
 */
public record LogEntry(long position, long epoch, ReplicaId origin, long timestampMillis, Change change)
    implements ReplicaEvent {}
