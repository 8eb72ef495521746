package io.replikit.singleleader;

import io.replikit.replication.ReplicaId;
import io.replikit.serialization.WireMessage;
import java.util.List;

/**
 * One replica's view of its group. {@code role}: leader, candidate or follower; {@code leader}: the leader it
 * knows of (null during an election); {@code epoch}: the highest epoch it has seen; {@code divergentWrites}: how
 * many entries it set aside after failovers. On the leader, {@code followers} lists every follower's progress and lag and
 * {@code syncChanges} the recent changes of synchronous followers; on a follower both are empty and
 * {@code leaderLastPosition} is the leader's last position as last heard. {@code logFormat}: how the group logs
 * transactions; {@code stalenessMillis}: how old this replica's data may be (0 on a leader holding its lease, -1
 * unknown), as bounded-staleness reads see it; {@code replicationError}: why this replica refuses its leader's
 * stream (WAL of another storage version), or null. {@code rejoining}: this replica does not vote yet because it
 * recovered an empty journal: it is still asking the other voters whether the group has a history, or the group has
 * one (it lost its journal) and it catches up as a non-voting member: it grants no votes, never stands and counts
 * for no acknowledgement until it holds its leader's log to a point that leader named.
 */
public record ReplicaStatus(
    String groupId,
    ReplicaId replica,
    String role,
    ReplicaId leader,
    long epoch,
    long lastPosition,
    long appliedPosition,
    long leaderLastPosition,
    int keys,
    long logStart,
    int retainedEntries,
    String ackPolicy,
    String ackLevel,
    int pendingWrites,
    int divergentWrites,
    List<FollowerStatus> followers,
    List<String> syncChanges,
    String logFormat,
    long stalenessMillis,
    String replicationError,
    boolean rejoining) implements WireMessage {

  /** A status of a replica that is not rejoining (what replicas without {@code rejoin-when-empty} report). */
  public ReplicaStatus(String groupId, ReplicaId replica, String role, ReplicaId leader, long epoch,
      long lastPosition, long appliedPosition, long leaderLastPosition, int keys, long logStart, int retainedEntries,
      String ackPolicy, String ackLevel, int pendingWrites, int divergentWrites, List<FollowerStatus> followers,
      List<String> syncChanges, String logFormat, long stalenessMillis, String replicationError) {
    this(groupId, replica, role, leader, epoch, lastPosition, appliedPosition, leaderLastPosition, keys, logStart,
        retainedEntries, ackPolicy, ackLevel, pendingWrites, divergentWrites, followers, syncChanges, logFormat,
        stalenessMillis, replicationError, false);
  }

  /** How many entries this replica lacks compared with the leader's last known position. */
  public long lagEntries() {
    return Math.max(0, leaderLastPosition - appliedPosition);
  }

  /**
   * A follower as its leader sees it, as PostgreSQL's {@code pg_stat_replication} shows a standby.
   * {@code state}: connecting, snapshot, catchup, streaming or silent. {@code syncState}: sync, potential, quorum
   * or async. Positions and lag at each level: received (in the follower's memory, pg's write), persisted (in its
   * journal, pg's flush) and applied (visible to its reads, pg's replay). Lag in entries is the leader's last
   * position minus the follower's; lag in milliseconds is how long ago the oldest entry the follower lacks at that
   * level was written by the leader (0 when caught up, -1 when that entry is no longer kept in memory).
   * {@code snapshotChunksSent} of {@code snapshotChunksTotal}: during a snapshot transfer (state {@code snapshot}),
   * the chunks the follower confirmed storing out of the transfer's chunks; 0 of 0 when no transfer is under way.
   */
  public record FollowerStatus(ReplicaId id, String state, String syncState, long received, long persisted,
      long applied, long lagEntries, long lagMillis, long lastHeardMillisAgo, long receivedLagEntries,
      long receivedLagMillis, long persistedLagEntries, long persistedLagMillis, int snapshotChunksSent,
      int snapshotChunksTotal) {}
}
