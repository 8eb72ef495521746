package io.replikit.singleleader;

import io.replikit.replication.LogEntry;
import io.replikit.replication.ReplicaId;

/**
 * Hooks for metrics, benchmarks and tests, called on the replica's own thread: keep them fast and non-blocking.
 * Every method has a no-op default.
 */
public interface ReplicaObserver {
  ReplicaObserver NONE = new ReplicaObserver() {};

  /**
   * The leader persisted entries [fromPosition, toPosition] in one journal write: more than one entry means writes
   * were group-committed.
   */
  default void onLeaderAppended(ReplicaId leader, long fromPosition, long toPosition) {}

  /** A follower persisted and applied {@code entry} (live, not during recovery); entries come in log order. */
  default void onApplied(ReplicaId replica, LogEntry entry) {}

  /** A follower replaced its store with a snapshot taken at {@code position}. */
  default void onSnapshotInstalled(ReplicaId replica, long position) {}

  /** The leader learnt that {@code follower} applied {@code position}, {@code lagNanos} after appending it. */
  default void onFollowerApplied(ReplicaId leader, ReplicaId follower, long position, long lagNanos) {}

  /** {@code leader} leads from {@code epoch} on (called on the new leader, and on followers as they learn it). */
  default void onLeaderElected(ReplicaId leader, long epoch) {}

  /** {@code replica} set aside entries the new leader never had (see {@link DivergentWrite}). */
  default void onWritesSetAside(ReplicaId replica, java.util.List<LogEntry> entries) {}

  /** The set of synchronous followers changed (semi-sync); {@code description} says how and why. */
  default void onSyncChange(ReplicaId leader, String description) {}
}
