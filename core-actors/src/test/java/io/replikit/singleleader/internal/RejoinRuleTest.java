package io.replikit.singleleader.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.replikit.replication.LogEntry;
import io.replikit.replication.ReplicaId;
import io.replikit.store.Change;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The rules by which a voter with an empty journal tells a new group from one whose history it forgot. */
class RejoinRuleTest {
  private static final ReplicaId A = ReplicaId.of("a");
  private static final ReplicaId B = ReplicaId.of("b");
  private static final ReplicaId L = ReplicaId.of("L");
  private static final RejoinRule.Answer EMPTY = new RejoinRule.Answer(0, 0, false);

  @Test
  void aGroupIsNewOnlyWhenEveryOtherVoterAnsweredThatItHoldsNothing() {
    assertEquals(RejoinRule.Verdict.WAIT, RejoinRule.verdict(List.of(A, B), Map.of(A, EMPTY)),
        "one voter silent: it may hold the history this replica forgot");
    assertEquals(RejoinRule.Verdict.NEW_GROUP, RejoinRule.verdict(List.of(A, B), Map.of(A, EMPTY, B, EMPTY)));
    // the first member standing for epoch 1, before it wrote that epoch's first entry, is no history
    assertEquals(RejoinRule.Verdict.NEW_GROUP,
        RejoinRule.verdict(List.of(A, B), Map.of(A, new RejoinRule.Answer(1, 0, false), B, EMPTY)));
  }

  @Test
  void oneAnswerShowingAHistoryIsEnoughToRejoin() {
    assertEquals(RejoinRule.Verdict.REJOIN,
        RejoinRule.verdict(List.of(A, B), Map.of(A, new RejoinRule.Answer(1, 3, false))), "an entry");
    assertEquals(RejoinRule.Verdict.REJOIN,
        RejoinRule.verdict(List.of(A, B), Map.of(A, new RejoinRule.Answer(2, 0, false))), "an epoch above 1");
    assertEquals(RejoinRule.Verdict.REJOIN,
        RejoinRule.verdict(List.of(A, B), Map.of(A, EMPTY, B, new RejoinRule.Answer(0, 0, true))),
        "a voter that is itself rejoining knows there is a history");
  }

  @Test
  void entriesSnapshotsAndEpochsAbove1RevealAHistoryWithoutAsking() {
    assertTrue(RejoinRule.revealsHistory(new Protocol.AppendEntries(L, 1, -1, 0, List.of(), 1, 0, false, 0)));
    assertTrue(RejoinRule.revealsHistory(new Protocol.SnapshotChunk(L, 1, 9, 5, 1, 0, 2, List.of(), List.of(), 0)));
    assertTrue(RejoinRule.revealsHistory(new Protocol.RequestVote(A, 2, 0, 0, true)));
    assertFalse(RejoinRule.revealsHistory(new Protocol.RequestVote(A, 1, 0, 0, false)),
        "the first member asking for epoch 1 is how a new group starts");
    assertFalse(RejoinRule.revealsHistory(new Protocol.HistoryReply(A, 5, 1, 9, false, null)),
        "answers are weighed by the verdict, not here");
    assertTrue(RejoinRule.revealsHistory(new Protocol.Vote(A, 1, true, false)),
        "a vote it never asked for answers an earlier incarnation");
    assertTrue(RejoinRule.revealsHistory(new Protocol.LeaderHint(A, 1, L)), "a leader exists");
    assertFalse(RejoinRule.revealsHistory(new Protocol.FollowRequest(A, 0, 0, 0, List.of(), false)));
  }

  @Test
  void onlyTheFirstMemberEverAsksForEpoch1() {
    assertEquals(1, RejoinRule.nextEpoch(0, true, true));
    assertEquals(2, RejoinRule.nextEpoch(0, false, true));
    assertEquals(5, RejoinRule.nextEpoch(4, false, true));
    assertEquals(1, RejoinRule.nextEpoch(0, false, false), "groups that do not rejoin when empty are unchanged");
  }

  @Test
  void aRejoiningReplicaVotesAgainOnlyOnceItsLogHoldsTheNamedEntry() {
    ReplicaState s = ReplicaState.empty();
    assertTrue(s.isEmpty());
    s = s.apply(new ReplicaEvents.RejoinStarted("a holds a history", 0));
    assertFalse(s.isEmpty(), "a rejoining replica knows the group has a history");
    assertTrue(s.rejoining());
    assertTrue(s.apply(new ReplicaEvents.EpochVoted(3, null)).rejoining(), "following a leader changes nothing");
    s = s.apply(new LogEntry(1, 1, L, 0, new Change.NewEpoch("L")));
    s = s.apply(new LogEntry(2, 1, L, 0, new Change.Put("k", JsonNodeFactory.instance.textNode("v"))));
    assertFalse(s.rejoinDone(3, 1), "position 3 not held yet");
    assertFalse(s.rejoinDone(2, 3), "position 2 is held, but of another epoch: not the leader's entry");
    assertTrue(s.rejoinDone(2, 1));
    ReplicaState restored = ReplicaState.fromSnapshot(s.toSnapshot());
    assertTrue(restored.rejoining(), "a restart mid-rejoin keeps it from voting");
    s = s.apply(new ReplicaEvents.RejoinFinished(L, 1, 2, 0));
    assertFalse(s.rejoining());
    assertFalse(s.rejoinDone(2, 1), "done once");
  }
}
