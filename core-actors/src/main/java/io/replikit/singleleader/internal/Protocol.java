package io.replikit.singleleader.internal;

import akka.actor.NoSerializationVerificationNeeded;
import io.replikit.replication.LogEntry;
import io.replikit.replication.ReplicaId;
import io.replikit.replication.ReplicationMessage;
import io.replikit.singleleader.Replica;
import io.replikit.singleleader.internal.ReplicaEvents.EpochStart;
import io.replikit.store.StoreItem;
import java.util.List;

/**
 * The messages between the replicas of a group, and a replica's messages to itself. Every replication message
 * carries the sender's epoch: a replica that learns of a higher epoch steps down, and messages of older epochs are
 * refused, so a deposed leader cannot get anything acknowledged.
 */
public final class Protocol {
  private Protocol() {}

  /** A replication message of the single-leader family. */
  public interface Message extends Replica.Command, ReplicationMessage {}

  /**
   * Follower to leader: "my log ends at {@code lastPosition} (of {@code lastEpoch}), and its epochs start where
   * {@code epochs} says; stream me what follows". The leader finds from the histories where the logs part.
   * {@code rejoining}: the follower lost its journal and is catching up as a non-voting member, so the leader does
   * not count it for acknowledgements or its lease, and tells it when it may vote again ({@link RejoinPoint}).
   */
  public record FollowRequest(ReplicaId follower, long epoch, long lastPosition, long lastEpoch,
      List<EpochStart> epochs, boolean rejoining) implements Message {}

  /**
   * Leader to follower: {@code entries} follow the entry at {@code prevPosition}, which has {@code prevEpoch}
   * (empty: a heartbeat). {@code prevPosition} -1 announces a new leader: the follower answers with a
   * {@link FollowRequest}. {@code sentNanos} is echoed back so the leader knows how fresh its majority is (its
   * lease); {@code synchronous} tells the follower it is one of the synchronous ones, which elections prefer.
   * {@code roundTripNanos}: the last round trip the leader measured to this follower (0: none yet), an upper bound
   * on how long this message took, so the follower can tell how old its data may be without trusting clocks.
   */
  public record AppendEntries(ReplicaId leader, long epoch, long prevPosition, long prevEpoch,
      List<LogEntry> entries, long leaderLastPosition, long sentNanos, boolean synchronous, long roundTripNanos)
      implements Message {}

  /**
   * Follower to leader: its positions by level. {@code gap}: it received entries that do not follow its log, so
   * the leader must go back to {@code received + 1}. {@code echoNanos}: the newest {@code sentNanos} it has seen.
   */
  public record Progress(ReplicaId follower, long epoch, long received, long persisted, long applied, boolean gap,
      long echoNanos, boolean rejoining) implements Message {}

  /**
   * Leader to follower: chunk {@code index} of {@code total} of the store as of {@code snapshotPosition}, with the
   * leader's epoch history up to it and the position up to which the follower's log matched the leader's.
   */
  public record SnapshotChunk(ReplicaId leader, long epoch, long transferId, long snapshotPosition,
      long snapshotEpoch, int index, int total, List<StoreItem> items, List<EpochStart> epochs, long matchPosition)
      implements Message {}

  /** Follower to leader: it stored every chunk before {@code nextIndex} of the transfer. */
  public record SnapshotProgress(ReplicaId follower, long epoch, long transferId, int nextIndex)
      implements Message {}

  /**
   * Candidate to voter: "make me leader of {@code epoch}; my log ends at {@code lastPosition} of
   * {@code lastEpoch}". {@code preVote}: only ask whether the vote would be granted, changing nothing, so that a
   * replica cut off from its leader cannot disrupt the group with ever higher epochs.
   */
  public record RequestVote(ReplicaId candidate, long epoch, long lastPosition, long lastEpoch, boolean preVote)
      implements Message {}

  /** Voter to candidate. {@code epoch}: the voter's epoch, so a stale candidate learns it is behind. */
  public record Vote(ReplicaId voter, long epoch, boolean granted, boolean preVote) implements Message {}

  /** Leader to the chosen follower of a switchover, once it holds every entry: start an election now. */
  public record TimeoutNow(ReplicaId leader, long epoch) implements Message {}

  /** A replica that is not the leader tells a follower who is. */
  public record LeaderHint(ReplicaId from, long epoch, ReplicaId leader) implements Message {}

  /**
   * A voter that recovered an empty journal asks another voter what it holds, before it votes ({@code nonce}: drawn
   * per start, so that an answer to an earlier incarnation's question is not taken for an answer to this one).
   */
  public record HistoryQuery(ReplicaId from, long epoch, long nonce) implements Message {}

  /**
   * The answer to a {@link HistoryQuery}: the voter's epoch and last position, {@code knowsHistory} when it is
   * itself rejoining (it learnt the group has a history), and the leader it knows of (null if none).
   */
  public record HistoryReply(ReplicaId from, long epoch, long nonce, long lastPosition, boolean knowsHistory,
      ReplicaId leader) implements Message {}

  /**
   * Leader to a rejoining follower, sent only while a majority of voters other than rejoining ones back the
   * leader (its lease): once your log holds my entry at {@code position} (of {@code positionEpoch}), you may vote.
   */
  public record RejoinPoint(ReplicaId leader, long epoch, long position, long positionEpoch) implements Message {}

  /** Timer: heartbeats, resends, timeouts, elections. */
  enum Tick implements Replica.Command, NoSerializationVerificationNeeded { INSTANCE }

  /** Persist what the write buffer holds (group commit on the leader, of received entries on a follower). */
  enum Flush implements Replica.Command, NoSerializationVerificationNeeded { INSTANCE }
}
