package io.replikit.singleleader.internal;

import akka.actor.NoSerializationVerificationNeeded;
import io.replikit.replication.LogEntry;
import io.replikit.replication.ReplicaId;
import io.replikit.replication.ReplicationMessage;
import io.replikit.singleleader.Replica;
import io.replikit.store.StoreItem;
import java.util.List;

/** The messages between the leader and its followers, and a replica's messages to itself. */
public final class Protocol {
  private Protocol() {}

  /** A replication message of the single-leader family. */
  public interface Message extends Replica.Command, ReplicationMessage {}

  /** Follower to leader: "I have everything up to {@code lastPosition}; stream me what follows". */
  public record FollowRequest(ReplicaId follower, long epoch, long lastPosition, long lastEpoch)
      implements Message {}

  /**
   * Leader to follower: {@code entries} follow {@code prevPosition} (empty: a heartbeat that also tells the
   * follower where the leader's log ends).
   */
  public record AppendEntries(ReplicaId leader, long epoch, long prevPosition, List<LogEntry> entries,
      long leaderLastPosition) implements Message {}

  /**
   * Follower to leader: its positions by level. {@code gap}: it received entries that do not follow its log, so
   * the leader must go back to {@code received + 1}.
   */
  public record Progress(ReplicaId follower, long epoch, long received, long persisted, long applied, boolean gap)
      implements Message {}

  /** Leader to follower: chunk {@code index} of {@code total} of the store as of {@code snapshotPosition}. */
  public record SnapshotChunk(ReplicaId leader, long epoch, long transferId, long snapshotPosition,
      long snapshotEpoch, int index, int total, List<StoreItem> items) implements Message {}

  /** Follower to leader: it stored every chunk before {@code nextIndex} of the transfer. */
  public record SnapshotProgress(ReplicaId follower, long epoch, long transferId, int nextIndex)
      implements Message {}

  /** Timer: heartbeats, resends, timeouts. */
  enum Tick implements Replica.Command, NoSerializationVerificationNeeded { INSTANCE }

  /** Persist what the write buffer holds (group commit on the leader, of received entries on a follower). */
  enum Flush implements Replica.Command, NoSerializationVerificationNeeded { INSTANCE }
}
