package io.replikit.singleleader.internal;

import io.replikit.replication.ReplicaId;
import java.util.Collection;
import java.util.Map;

/**
 * How a voter that recovered an empty journal tells a new group from one whose history it forgot (Raft with disk
 * loss: a server that lost its state must not vote until it has caught up again). Pure: the shell asks, this
 * decides.
 *
 * <p>It asks every other voter what it holds. A history exists if any of them holds an entry, has seen an epoch
 * above 1, or is itself rejoining; epoch 1 with no entry is not one, since in a group run this way only the spec's
 * first member stands for epoch 1 and it writes that epoch's first entry on winning. If every other voter answers
 * and none holds a history, nothing was ever acknowledged or elected outside the asker, and it is new: it votes. A
 * single answer showing a history is enough to rejoin. Until then it waits, grants nothing, and never stands: the
 * price is that a new group starts only once all its voters run.
 */
public final class RejoinRule {
  private RejoinRule() {}

  /** What one voter answered ({@link Protocol.HistoryReply}). */
  public record Answer(long epoch, long lastPosition, boolean knowsHistory) {}

  public enum Verdict { WAIT, NEW_GROUP, REJOIN }

  /** Whether {@code a} shows the group has a history. */
  public static boolean showsHistory(Answer a) {
    return a.lastPosition() > 0 || a.epoch() > 1 || a.knowsHistory();
  }

  /** The verdict once {@code answers} came from some of {@code others} (every voter but the asker). */
  public static Verdict verdict(Collection<ReplicaId> others, Map<ReplicaId, Answer> answers) {
    for (Answer a : answers.values()) {
      if (showsHistory(a)) {
        return Verdict.REJOIN;
      }
    }
    return answers.keySet().containsAll(others) ? Verdict.NEW_GROUP : Verdict.WAIT;
  }

  /**
   * Whether a message shows the group has a history, for a replica still asking: anything but the questions and
   * answers of this rule, a follower asking to follow, and the first member asking for epoch 1 (how a new group
   * starts). A leader's entries, snapshot or hint, a vote or a progress report (answers to an earlier incarnation of
   * this replica), anything of an epoch above 1: someone acted in the group before. Reading too much into one only
   * makes a new replica rejoin (catch up first), never vote wrongly; and nothing of it is persisted before the
   * replica is rejoining, so an epoch it learns this way cannot make it look like a replica with a history.
   */
  public static boolean revealsHistory(Protocol.Message m) {
    if (m instanceof Protocol.HistoryQuery || m instanceof Protocol.HistoryReply
        || m instanceof Protocol.FollowRequest) {
      return false;
    }
    return !(m instanceof Protocol.RequestVote v && v.epoch() <= 1);
  }

  /**
   * The epoch a candidate asks for: one above its own; but in a group that rejoins when empty, no replica other
   * than the spec's first member ever asks for epoch 1, so that "epoch 1 without an entry" never hides a history.
   */
  public static long nextEpoch(long currentEpoch, boolean firstMember, boolean rejoinWhenEmpty) {
    return rejoinWhenEmpty && !firstMember ? Math.max(2, currentEpoch + 1) : currentEpoch + 1;
  }
}
