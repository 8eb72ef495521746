package io.replikit.singleleader;

import io.replikit.replication.ReplicaId;
import io.replikit.serialization.WireMessage;
import java.util.List;

/**
 * One replica's view of its group. {@code role}: leader, candidate or follower; {@code leader}: the leader it
 * knows of (null during an election); {@code epoch}: the highest epoch it has seen; {@code divergentWrites}: how
 * many entries it set aside after failovers. On the leader, {@code followers} lists every follower's progress and lag and
 * {@code syncChanges} the recent changes of synchronous followers; on a follower both are empty and
 * {@code leaderLastPosition} is the leader's last position as last heard.
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
    List<String> syncChanges) implements WireMessage {

  /** How many entries this replica lacks compared with the leader's last known position. */
  public long lagEntries() {
    return Math.max(0, leaderLastPosition - appliedPosition);
  }

  /**
   * A follower as its leader sees it. {@code state}: connecting, snapshot, catchup, streaming or silent.
   * {@code syncState}: sync, potential, quorum or async (PostgreSQL's pg_stat_replication.sync_state).
   * {@code lagMillis}: how long ago the oldest entry it has not applied was written (0 when caught up, -1 when
   * unknown).
   */
  public record FollowerStatus(ReplicaId id, String state, String syncState, long received, long persisted,
      long applied, long lagEntries, long lagMillis, long lastHeardMillisAgo) {}
}
