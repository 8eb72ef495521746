package io.replikit.singleleader.internal;

import io.replikit.replication.ReplicaEvent;
import io.replikit.replication.ReplicaId;
import io.replikit.store.StoreItem;
import java.util.List;

/**
 * The bookkeeping events a single-leader replica persists besides {@link io.replikit.replication.LogEntry}: each is
 * replayed on recovery, so whatever it changes survives a restart.
 */
public final class ReplicaEvents {
  private ReplicaEvents() {}

  /** The leader dropped its in-memory copy of entries up to and including {@code upTo} (they stay in the journal). */
  public record LogTrimmed(long upTo) implements ReplicaEvent {}

  /** A follower not in the group's spec joined the running group (as asynchronous, lowest priority). */
  public record FollowerJoined(ReplicaId follower) implements ReplicaEvent {}

  /**
   * A follower stored one chunk of a leader snapshot taken at {@code snapshotPosition}; when all {@code total}
   * chunks of one transfer are stored, the snapshot replaces the follower's store.
   */
  public record SnapshotChunkStored(
      long transferId, long snapshotPosition, long snapshotEpoch, int index, int total, List<StoreItem> items)
      implements ReplicaEvent {}
}
