package io.replikit.singleleader.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.replikit.replication.ReplicaId;
import io.replikit.singleleader.AckLevel;
import io.replikit.singleleader.AckPolicy;
import io.replikit.store.StoreItem;
import java.util.List;
import org.junit.jupiter.api.Test;

class LeaderTrackerTest {
  private static final ReplicaId F1 = ReplicaId.of("f1");
  private static final ReplicaId F2 = ReplicaId.of("f2");
  private static final ReplicaId F3 = ReplicaId.of("f3");
  private static final long MS = 1_000_000;
  private static final long TIMEOUT = 100 * MS;

  private static LeaderTracker<String> tracker(AckPolicy policy, ReplicaId... followers) {
    return new LeaderTracker<>(List.of(followers), policy, TIMEOUT, 50 * MS, 4, 2, 2, 2, 0);
  }

  private static LeaderTracker.Pending<String> write(long position, AckPolicy policy, AckLevel level) {
    return new LeaderTracker.Pending<>(position, "k", policy, level, 1000 * MS, "w" + position);
  }

  private static void connect(LeaderTracker<String> t, long now, ReplicaId... followers) {
    for (ReplicaId f : followers) {
      t.onFollowRequest(f, 0, 0, 1, now);
    }
  }

  @Test
  void anAsyncWriteIsAcknowledgedOnceTheLeaderHasIt() {
    LeaderTracker<String> t = tracker(AckPolicy.async(), F1);
    assertEquals(1, t.onAppended(1, 1, List.of(write(1, AckPolicy.async(), AckLevel.APPLIED)), 0).size());
  }

  @Test
  void aSyncWriteWaitsForEveryFollowerAtTheLevelAskedFor() {
    LeaderTracker<String> t = tracker(AckPolicy.sync(), F1, F2);
    connect(t, 0, F1, F2);
    assertTrue(t.onAppended(1, 1, List.of(write(1, AckPolicy.sync(), AckLevel.PERSISTED)), 0).isEmpty());
    assertTrue(t.onProgress(F1, 1, 1, 1, false, 0, 1, 1).completed().isEmpty(), "f2 has not got it");
    assertTrue(t.onProgress(F2, 1, 0, 0, false, 0, 1, 2).completed().isEmpty(), "received is not persisted");
    assertEquals(List.of("w1"),
        t.onProgress(F2, 1, 1, 1, false, 0, 1, 3).completed().stream().map(LeaderTracker.Pending::reply).toList());
  }

  @Test
  void firstKPromotesTheNextCaughtUpFollowerWhenASynchronousOneFallsSilent() {
    AckPolicy first1 = AckPolicy.semiSync(AckPolicy.SyncMethod.FIRST, 1);
    LeaderTracker<String> t = tracker(first1, F1, F2);
    connect(t, 0, F1, F2);
    t.onProgress(F1, 0, 0, 0, false, 0, 0, 1);
    t.onProgress(F2, 0, 0, 0, false, 0, 0, 1);
    assertEquals(List.of(), t.onTick(2, 0).completed());
    assertEquals("sync", t.view(2).get(0).syncState());
    assertEquals("potential", t.view(2).get(1).syncState());

    assertTrue(t.onAppended(1, 1, List.of(write(1, first1, AckLevel.PERSISTED)), 3).isEmpty());
    assertTrue(t.onProgress(F2, 1, 1, 1, false, 0, 1, 4).completed().isEmpty(),
        "the potential follower's ack does not count while f1 is synchronous");
    // f1 says nothing for longer than the timeout; f2 keeps answering
    t.onProgress(F2, 1, 1, 1, false, 0, 1, TIMEOUT);
    LeaderTracker.TickOutcome<String> tick = t.onTick(TIMEOUT + 10 * MS, 0);
    assertEquals(List.of("w1"), tick.completed().stream().map(LeaderTracker.Pending::reply).toList());
    assertTrue(tick.syncChanges().get(0).description().startsWith("f1 is no longer synchronous (silent for"),
        tick.syncChanges().toString());
    assertEquals("f2 is now synchronous (promoted from asynchronous)", tick.syncChanges().get(1).description());
    assertEquals("silent", t.view(TIMEOUT + 10 * MS).get(0).state());
  }

  @Test
  void anyKCountsAnyFollowersAndNeverFewer() {
    AckPolicy any2 = AckPolicy.semiSync(AckPolicy.SyncMethod.ANY, 2);
    LeaderTracker<String> t = tracker(any2, F1, F2, F3);
    connect(t, 0, F1, F2, F3);
    t.onAppended(1, 1, List.of(write(1, any2, AckLevel.RECEIVED)), 0);
    assertTrue(t.onProgress(F3, 1, 0, 0, false, 0, 1, 1).completed().isEmpty());
    assertEquals(1, t.onProgress(F1, 1, 0, 0, false, 0, 1, 2).completed().size());
  }

  @Test
  void sendsStayWithinTheWindowAndResumeAsTheFollowerAcknowledges() {
    LeaderTracker<String> t = tracker(AckPolicy.async(), F1); // batch 4, 2 batches in flight
    connect(t, 0, F1);
    List<LeaderTracker.Send> sends = t.sends(20, 1, 0, 50 * MS);
    assertEquals(List.of(new LeaderTracker.Send.Entries(F1, 1, 4), new LeaderTracker.Send.Entries(F1, 5, 8)), sends);
    assertTrue(t.sends(20, 1, 1, 50 * MS).isEmpty(), "the window is full");
    t.onProgress(F1, 4, 0, 0, false, 0, 20, 2);
    assertEquals(List.of(new LeaderTracker.Send.Entries(F1, 9, 12)), t.sends(20, 1, 2, 50 * MS));
  }

  @Test
  void unacknowledgedEntriesAreSentAgainAndAGapRewindsToTheFollowersPosition() {
    LeaderTracker<String> t = tracker(AckPolicy.async(), F1);
    connect(t, 0, F1);
    t.sends(8, 1, 0, 50 * MS); // 1..8 sent, all lost
    t.onProgress(F1, 0, 0, 0, false, 0, 8, 10 * MS); // a heartbeat answer: still at 0
    t.onTick(60 * MS, 0);
    assertEquals(new LeaderTracker.Send.Entries(F1, 1, 4), t.sends(8, 1, 60 * MS, 50 * MS).get(0),
        "go back to the first unacknowledged entry");
    t.onProgress(F1, 4, 4, 4, false, 0, 8, 61 * MS);
    t.sends(8, 1, 61 * MS, 50 * MS); // 5..8 again
    t.onProgress(F1, 2, 2, 2, true, 0, 8, 62 * MS); // a stale gap report, overtaken by the one above
    assertTrue(t.sends(8, 1, 62 * MS, 50 * MS).isEmpty(), "a stale report does not cause resends");
    t.onProgress(F1, 4, 4, 4, true, 0, 8, 63 * MS); // 5..8 arrived out of order after a loss
    assertEquals(new LeaderTracker.Send.Entries(F1, 5, 8), t.sends(8, 1, 63 * MS, 50 * MS).get(0));
    t.onProgress(F1, 4, 4, 4, true, 0, 8, 64 * MS); // the same report, duplicated
    assertTrue(t.sends(8, 1, 64 * MS, 50 * MS).isEmpty(), "a duplicated report does not resend twice");
  }

  @Test
  void anEmptyFollowerOfALongLogAndOneBehindTheKeptLogGetASnapshotInChunks() {
    LeaderTracker<String> t = tracker(AckPolicy.async(), F1, F2);
    assertEquals(LeaderTracker.FollowAction.STREAM, t.onFollowRequest(F1, 0, 8, 1, 0), "the log fits one window");
    assertEquals(LeaderTracker.FollowAction.NEEDS_SNAPSHOT, t.onFollowRequest(F1, 0, 9, 1, 0));
    assertEquals(LeaderTracker.FollowAction.NEEDS_SNAPSHOT, t.onFollowRequest(F2, 3, 9, 6, 0));
    assertEquals(LeaderTracker.FollowAction.STREAM, t.onFollowRequest(F2, 5, 9, 6, 0));

    List<StoreItem> items = List.of(new StoreItem("a", null, 1), new StoreItem("b", null, 2),
        new StoreItem("c", null, 3), new StoreItem("d", null, 4), new StoreItem("e", null, 5));
    t.startSnapshot(F1, 77, 9, 1, items, 0);
    List<LeaderTracker.Send> sends = t.sends(9, 1, 0, 50 * MS).stream()
        .filter(s -> s instanceof LeaderTracker.Send.Chunk).toList();
    assertEquals(2, sends.size(), "two chunks in flight at most");
    assertEquals(3, ((LeaderTracker.Send.Chunk) sends.get(0)).total());
    assertEquals(9, t.trimPoint(20, 0, 100, 0) > 9 ? -1 : 9, "the transfer pins the log after its position");
    t.onSnapshotProgress(F1, 77, 2, 1);
    assertEquals(1, t.sends(9, 1, 1, 50 * MS).stream().filter(s -> s instanceof LeaderTracker.Send.Chunk).count());
    t.onProgress(F1, 9, 9, 9, false, 0, 9, 2);
    assertEquals(new LeaderTracker.Send.Entries(F1, 10, 9), t.sends(9, 1, 60 * MS, 50 * MS).get(0),
        "after the install it streams from the snapshot's position (here: a heartbeat)");
  }

  @Test
  void theKeptLogCoversHealthyFollowersButNeverGrowsPastTheCap() {
    LeaderTracker<String> t = tracker(AckPolicy.async(), F1);
    connect(t, 0, F1);
    t.onProgress(F1, 30, 30, 30, false, 0, 100, 0);
    assertEquals(30, t.trimPoint(100, 10, 1000, 0), "a healthy follower at 30 keeps 31.. in memory");
    assertEquals(50, t.trimPoint(100, 10, 50, 0), "but no more than max-retained");
    assertEquals(90, t.trimPoint(100, 10, 1000, TIMEOUT + 1), "a silent follower pins nothing");
  }

  @Test
  void followersThatHaveNotAskedYetAreToldWhoLeadsAndTheLeaseNeedsAMajorityThatAnsweredRecently() {
    LeaderTracker<String> t = tracker(AckPolicy.async(), F1, F2);
    assertEquals(List.of(new LeaderTracker.Send.Announce(F1), new LeaderTracker.Send.Announce(F2)),
        t.sends(0, 1, 0, 50 * MS));
    List<ReplicaId> voters = List.of(ReplicaId.of("L"), F1, F2);
    assertTrue(!t.leaseHolds(0, 90 * MS, voters, ReplicaId.of("L")), "nobody answered yet");
    connect(t, 0, F1);
    t.onProgress(F1, 0, 0, 0, false, 10 * MS, 0, 20 * MS);
    assertTrue(t.leaseHolds(50 * MS, 90 * MS, voters, ReplicaId.of("L")), "itself and f1 make a majority of 3");
    assertTrue(!t.leaseHolds(101 * MS, 90 * MS, voters, ReplicaId.of("L")),
        "f1 answered a message sent at 10 ms: the lease ends at 100 ms, however late the answer arrived");
  }

  @Test
  void aWriteNotConfirmedInTimeExpiresWithTheReason() {
    LeaderTracker<String> t = tracker(AckPolicy.sync(), F1, F2);
    connect(t, 0, F1, F2);
    t.onAppended(1, 1, List.of(write(1, AckPolicy.sync(), AckLevel.PERSISTED)), 0);
    t.onProgress(F1, 1, 1, 1, false, 0, 1, 1);
    LeaderTracker.TickOutcome<String> tick = t.onTick(1000 * MS, 0);
    assertEquals(1, tick.expired().size());
    assertEquals("sync at level persisted not met for position 1: 1 of 2 followers reached it [f1]",
        tick.expired().get(0).reason());
    assertEquals(0, t.pendingWrites());
  }

  @Test
  void aRejoiningFollowerCountsForNoAcknowledgementAndNotForTheLease() {
    AckPolicy any1 = AckPolicy.semiSync(AckPolicy.SyncMethod.ANY, 1);
    LeaderTracker<String> t = tracker(any1, F1, F2);
    connect(t, 0, F1, F2);
    t.setRejoining(F1, true);
    assertEquals(List.of(F1), t.rejoiningFollowers());
    assertTrue(t.onAppended(1, 1, List.of(write(1, any1, AckLevel.PERSISTED)), 1).isEmpty());
    assertTrue(t.onProgress(F1, 1, 1, 1, false, 2, 1, 2).completed().isEmpty(),
        "f1 persisted it, but it forgot what it acknowledged before: its acknowledgement does not count");
    List<ReplicaId> voters = List.of(ReplicaId.of("L"), F1, F2);
    assertTrue(!t.leaseHolds(3, 10 * MS, voters, ReplicaId.of("L")), "nor does its answer renew the lease");
    assertEquals(List.of("w1"), t.onProgress(F2, 1, 1, 1, false, 2, 1, 3).completed().stream()
        .map(LeaderTracker.Pending::reply).toList(), "f2 counts");
    assertTrue(t.leaseHolds(4, 10 * MS, voters, ReplicaId.of("L")));
    t.setRejoining(F1, false);
    assertEquals(List.of(), t.rejoiningFollowers());
  }

  @Test
  void aSnapshotTransferShowsChunksStoredOutOfItsTotalAndReportsItsEnd() {
    LeaderTracker<String> t = tracker(AckPolicy.async(), F1);
    List<StoreItem> items = new java.util.ArrayList<>();
    for (int i = 0; i < 5; i++) {
      items.add(new StoreItem("k" + i, com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.textNode("v"), i + 1));
    }
    assertEquals(LeaderTracker.FollowAction.NEEDS_SNAPSHOT, t.onFollowRequest(F1, 0, 20, 1, 0));
    assertEquals(0, t.view(0).get(0).snapshotChunksTotal(), "no transfer yet");
    t.startSnapshot(F1, 7, 20, 1, items, 0);
    assertEquals(3, t.view(0).get(0).snapshotChunksTotal(), "5 keys in chunks of 2");
    assertEquals(0, t.view(0).get(0).snapshotChunksSent());
    t.onSnapshotProgress(F1, 7, 2, MS);
    assertEquals(2, t.view(MS).get(0).snapshotChunksSent());
    LeaderTracker.TransferDone done = t.onProgress(F1, 20, 20, 20, false, 0, 20, 5 * MS).transferDone();
    assertEquals(new LeaderTracker.TransferDone(F1, 20, 5, 3, 5 * MS), done);
    assertEquals(0, t.view(5 * MS).get(0).snapshotChunksTotal(), "0 of 0 once installed");
  }
}
