package io.replikit.singleleader.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.replikit.replication.LogEntry;
import io.replikit.replication.ReplicaEvent;
import io.replikit.replication.ReplicaId;
import io.replikit.store.StoreItem;
import java.util.List;

/**
 * The bookkeeping events a single-leader replica persists besides {@link LogEntry}: each is replayed on recovery,
 * so whatever it changes survives a restart.
 */
public final class ReplicaEvents {
  private ReplicaEvents() {}

  /** The replica dropped its in-memory copy of entries up to and including {@code upTo} (they stay in the journal). */
  public record LogTrimmed(long upTo) implements ReplicaEvent {}

  /** A follower not in the group's spec joined the running group (as a non-voting asynchronous follower). */
  public record FollowerJoined(ReplicaId follower) implements ReplicaEvent {}

  /**
   * The replica entered {@code epoch} and, in it, voted for {@code votedFor} (null: for nobody yet). Persisted
   * before the vote is sent, so a replica never votes twice in one epoch, even across a restart.
   */
  public record EpochVoted(long epoch, ReplicaId votedFor) implements ReplicaEvent {}

  /**
   * The replica recovered an empty journal while the group has a history ({@code reason}: how it learnt that): it
   * may have forgotten what it acknowledged and whom it voted for, so it votes no more until {@link RejoinFinished}.
   */
  public record RejoinStarted(String reason, long atMillis) implements ReplicaEvent {}

  /** The rejoining replica holds leader {@code leader}'s log up to {@code position} of {@code epoch}: it votes again. */
  public record RejoinFinished(ReplicaId leader, long epoch, long position, long atMillis) implements ReplicaEvent {}

  /**
   * An operator forced the rejoining (or asking) replica to vote again before it caught up ({@code reason}: theirs);
   * see {@link io.replikit.singleleader.Replica.ForceVote}.
   */
  public record RejoinForced(String reason, long atMillis) implements ReplicaEvent {}

  /** Where an epoch starts in the log: the position of its first entry. */
  public record EpochStart(long epoch, long position) {}

  /**
   * A follower stored one chunk of a leader snapshot taken at {@code snapshotPosition}; when all {@code total}
   * chunks of one transfer are stored, the snapshot replaces the follower's store. The last chunk carries the
   * leader's epoch history up to the snapshot, and {@code matchPosition}: entries of this replica after it were not
   * found in the leader's log and are set aside.
   */
  public record SnapshotChunkStored(long transferId, long snapshotPosition, long snapshotEpoch, int index, int total,
      List<StoreItem> items, List<EpochStart> epochs, long matchPosition) implements ReplicaEvent {}

  /** The value a key had before an entry changed it (null value: the key was absent). */
  public record Restore(String key, JsonNode value, long version, boolean existed) {}

  /**
   * The log's suffix after {@code afterPosition} was not in the current leader's log: those entries are set aside
   * (kept in the divergent-writes record, never dropped silently) and their effect on the store is undone by
   * {@code restores}, applied in order. {@code reset}: the undo information was not available, so the store and
   * log were emptied and the replica starts over from a snapshot.
   */
  public record LogTruncated(long afterPosition, List<LogEntry> setAside, List<Restore> restores, boolean reset,
      long epoch, long atMillis) implements ReplicaEvent {}
}
