package io.replikit.singleleader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import io.replikit.replication.ReplicaId;
import io.replikit.testkit.FaultyTransport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SingleLeaderReplicationTest {
  private static ActorTestKit kit;

  @BeforeAll
  static void start() {
    kit = ActorTestKit.create("SingleLeaderReplicationTest", TestGroup.testConfig());
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  private static SingleLeaderSettings settings() {
    return TestGroup.settings(kit);
  }

  private static Set<ReplicaId> ids(String... names) {
    Set<ReplicaId> out = new java.util.HashSet<>();
    for (String n : names) {
      out.add(ReplicaId.of(n));
    }
    return out;
  }

  @Test
  void syncWriteIsNotAcknowledgedBeforeEveryFollowerReachedTheLevelAskedFor() {
    try (TestGroup g = new TestGroup(kit, settings().withAckPolicy(AckPolicy.sync()), 1, "L", "f1", "f2")
        .startAll()) {
      assertInstanceOf(Replica.Written.class, g.putAndWait("warm", "up"));
      g.transport.isolate(ReplicaId.of("f2"), ids("L", "f1"));
      TestProbe<Replica.WriteReply> reply =
          g.put("L", "k", "v1", WriteOptions.defaults().withLevel(AckLevel.APPLIED));
      reply.expectNoMessage(Duration.ofMillis(700));
      assertInstanceOf(Replica.Found.class, g.get("f1", "k"), "the reachable follower has it");
      assertInstanceOf(Replica.NotFound.class, g.get("f2", "k"), "the cut-off follower does not");
      g.transport.heal();
      Replica.Written written = (Replica.Written) reply.receiveMessage(TestGroup.WAIT);
      // acknowledged at level APPLIED by every follower: a read at each one sees the write at once
      for (String f : List.of("f1", "f2")) {
        Replica.Found found = (Replica.Found) g.get(f, "k");
        assertEquals(written.version(), found.version());
        assertEquals("v1", found.value().asText());
      }
    }
  }

  @Test
  void asyncWriteIsAcknowledgedAtOnceEvenWithEveryFollowerCutOff() {
    try (TestGroup g = new TestGroup(kit, settings().withAckPolicy(AckPolicy.async()), 2, "L", "f1", "f2")
        .startAll()) {
      g.transport.isolate(ReplicaId.of("L"), ids("f1", "f2"));
      TestProbe<Replica.WriteReply> reply = g.put("L", "k", "v", WriteOptions.defaults());
      Replica.Written written = (Replica.Written) reply.receiveMessage(Duration.ofSeconds(3));
      assertEquals(2, written.version(), "position 1 holds the first epoch's start");
      assertInstanceOf(Replica.NotFound.class, g.get("f1", "k"));
      g.transport.heal();
      g.awaitEqualToLeader("f1");
      g.awaitEqualToLeader("f2");
    }
  }

  @Test
  void semiSyncPromotesAnAsyncFollowerWhenTheSyncOneStopsAnswering() {
    SingleLeaderSettings s = settings().withAckPolicy(AckPolicy.semiSync(AckPolicy.SyncMethod.FIRST, 1));
    try (TestGroup g = new TestGroup(kit, s, 3, "L", "f1", "f2").startAll()) {
      assertInstanceOf(Replica.Written.class, g.putAndWait("a", "1"));
      TestProbe<Object> p = kit.createTestProbe();
      p.awaitAssert(TestGroup.WAIT, () -> {
        assertEquals("sync", syncState(g, "f1"));
        assertEquals("potential", syncState(g, "f2"));
        return null;
      });

      g.transport.isolate(ReplicaId.of("f1"), ids("L", "f2"));
      List<Replica.Written> acked = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        Replica.WriteReply r = g.putAndWait("k" + i, "v" + i);
        acked.add(assertInstanceOf(Replica.Written.class, r));
        // semi-sync FIRST 1 at level persisted: the write is on the leader and on at least one follower
        int holders = 1;
        for (String f : List.of("f1", "f2")) {
          if (g.get(f, "k" + i) instanceof Replica.Found found && found.version() == acked.get(i).version()) {
            holders++;
          }
        }
        assertTrue(holders >= 2, "write k" + i + " acknowledged as semi-sync exists on " + holders + " replicas");
      }
      assertEquals("sync", syncState(g, "f2"));
      assertTrue(g.recorder.syncChanges.stream().anyMatch(c -> c.startsWith("f1 is no longer synchronous")),
          "the demotion is reported: " + g.recorder.syncChanges);
      assertTrue(g.recorder.syncChanges.stream().anyMatch(c -> c.startsWith("f2 is now synchronous")),
          "the promotion is reported: " + g.recorder.syncChanges);
      assertFalse(g.status("L").syncChanges().isEmpty(), "the change is visible in the group status");

      g.transport.heal();
      g.awaitEqualToLeader("f1");
      p.awaitAssert(TestGroup.WAIT, () -> {
        assertEquals("sync", syncState(g, "f1"), "the higher-priority follower takes its place back");
        return null;
      });
    }
  }

  @Test
  void semiSyncWaitsWhileFewerThanKFollowersCanAcknowledge() {
    SingleLeaderSettings s = settings().withAckPolicy(AckPolicy.semiSync(AckPolicy.SyncMethod.ANY, 2));
    try (TestGroup g = new TestGroup(kit, s, 4, "L", "f1", "f2", "f3").startAll()) {
      assertInstanceOf(Replica.Written.class, g.putAndWait("a", "1"));
      g.transport.isolate(ReplicaId.of("f1"), ids("L", "f2", "f3"));
      g.transport.isolate(ReplicaId.of("f2"), ids("L", "f1", "f3"));
      TestProbe<Replica.WriteReply> reply = g.put("L", "k", "v", WriteOptions.defaults());
      reply.expectNoMessage(Duration.ofMillis(700));
      g.transport.heal();
      assertInstanceOf(Replica.Written.class, reply.receiveMessage(TestGroup.WAIT));
    }
  }

  @Test
  void aFollowerRefusesWritesAndNamesTheLeader() {
    try (TestGroup g = new TestGroup(kit, settings(), 5, "L", "f1").startAll()) {
      Replica.WriteReply r = g.put("f1", "k", "v", WriteOptions.defaults()).receiveMessage(TestGroup.WAIT);
      Replica.NotLeader notLeader = assertInstanceOf(Replica.NotLeader.class, r);
      assertEquals(ReplicaId.of("L"), notLeader.leader());
      assertInstanceOf(Replica.NotFound.class, g.get("L", "k"));
    }
  }

  @Test
  void aRestartedFollowerRecoversFromItsJournalAndCatchesUpToExactlyTheLeadersState() {
    try (TestGroup g = new TestGroup(kit, settings(), 6, "L", "f1", "f2").startAll()) {
      for (int i = 0; i < 30; i++) {
        g.putAndWait("k" + i, "a" + i);
      }
      g.awaitEqualToLeader("f1");
      g.stop("f1");
      for (int i = 0; i < 60; i++) {
        g.putAndWait("k" + (i % 40), "b" + i);
      }
      g.start("f1");
      g.awaitEqualToLeader("f1");
      assertTrue(g.recorder.snapshots.getOrDefault(ReplicaId.of("f1"), List.of()).isEmpty(),
          "it caught up from the log, not by snapshot");
      assertContiguous(g, "f1");
    }
  }

  @Test
  void aFollowerCutOffAndReconnectedCatchesUp() {
    // three voters: with f1 cut off, the leader and f2 still make the majority its lease needs
    try (TestGroup g = new TestGroup(kit, settings(), 7, "L", "f1", "f2").startAll()) {
      g.putAndWait("a", "1");
      g.transport.isolate(ReplicaId.of("f1"), ids("L", "f2"));
      for (int i = 0; i < 40; i++) {
        g.putAndWait("k" + i, "v" + i);
      }
      g.transport.heal();
      g.awaitEqualToLeader("f1");
      assertContiguous(g, "f1");
    }
  }

  @Test
  void aNewFollowerJoinsBySnapshotWhileWritesContinueAndEndsEqualToTheLeader() {
    // a log longer than one window (16 x 4 entries) makes an empty follower start from a snapshot
    SingleLeaderSettings s = withWindow(16, 4, 50, 100000);
    try (TestGroup g = new TestGroup(kit, s, 8, "L", "f1").startAll()) {
      for (int i = 0; i < 300; i++) {
        g.put("L", "k" + i, "v" + i, WriteOptions.defaults());
      }
      g.awaitCaughtUp("f1");
      // keep writing while the new follower joins
      List<TestProbe<Replica.WriteReply>> inFlight = new ArrayList<>();
      g.start("f3");
      for (int i = 0; i < 300; i++) {
        inFlight.add(g.put("L", "k" + (i % 350), "w" + i, WriteOptions.defaults()));
      }
      for (TestProbe<Replica.WriteReply> p : inFlight) {
        assertInstanceOf(Replica.Written.class, p.receiveMessage(TestGroup.WAIT));
      }
      g.awaitEqualToLeader("f3");
      List<Long> installed = g.recorder.snapshots.get(ReplicaId.of("f3"));
      assertTrue(installed != null && installed.size() == 1 && installed.get(0) > 0,
          "f3 was set up from one snapshot: " + installed);
      assertContiguous(g, "f3");
      assertTrue(g.status("L").followers().stream().anyMatch(f -> f.id().equals(ReplicaId.of("f3"))),
          "the leader lists the new follower");
    }
  }

  @Test
  void aFollowerAskingForEntriesTheLeaderNoLongerKeepsFallsBackToASnapshot() {
    SingleLeaderSettings small = withWindow(8, 2, 7, 10);
    try (TestGroup g = new TestGroup(kit, small, 9, "L", "f1", "f2").startAll()) {
      for (int i = 0; i < 10; i++) {
        g.putAndWait("k" + i, "a");
      }
      g.awaitCaughtUp("f1");
      g.stop("f1");
      for (int i = 0; i < 100; i++) {
        g.putAndWait("k" + (i % 30), "b" + i);
      }
      kit.createTestProbe().awaitAssert(TestGroup.WAIT, () -> {
        assertTrue(g.status("L").logStart() > 11, "the leader trimmed its log past f1's position");
        return null;
      });
      g.start("f1");
      g.awaitEqualToLeader("f1");
      assertEquals(1, g.recorder.snapshots.get(ReplicaId.of("f1")).size(), "caught up by one snapshot");
    }
  }

  @Test
  void aRestartedLeaderRecoversItsStateAndTheGroupElectsALeaderThatContinuesTheLog() {
    try (TestGroup g = new TestGroup(kit, settings(), 10, "L", "f1").startAll()) {
      long lastVersion = 0;
      for (int i = 0; i < 20; i++) {
        lastVersion = ((Replica.Written) g.putAndWait("k" + i, "v" + i)).version();
      }
      g.stop("L");
      g.start("L");
      Replica.Found found = (Replica.Found) g.get("L", "k7");
      assertEquals("v7", found.value().asText(), "recovered from its own journal");
      String leader = g.awaitLeader();
      Replica.Written next = (Replica.Written) g.put(leader, "k7", "again", WriteOptions.defaults())
          .receiveMessage(TestGroup.WAIT);
      assertEquals(2, next.epoch(), "a new epoch began with the election");
      assertEquals(lastVersion + 2, next.version(), "the log continues after the new epoch's first entry");
      g.awaitEqualToLeader("f1");
      g.awaitEqualToLeader("L");
    }
  }

  @Test
  void lossDuplicationAndReorderingNeverLeaveAFollowerWithAGapOrAnOutOfOrderApply() {
    try (TestGroup g = new TestGroup(kit, settings(), 42, "L", "f1", "f2").startAll()) {
      g.transport.setFaults(new FaultyTransport.Faults(0.2, 0.2, 0.3, Duration.ofMillis(40)));
      List<TestProbe<Replica.WriteReply>> replies = new ArrayList<>();
      for (int i = 0; i < 400; i++) {
        replies.add(g.put("L", "k" + (i % 50), "v" + i, WriteOptions.defaults()));
      }
      for (TestProbe<Replica.WriteReply> p : replies) {
        assertInstanceOf(Replica.Written.class, p.receiveMessage(TestGroup.WAIT));
      }
      g.awaitEqualToLeader("f1");
      g.awaitEqualToLeader("f2");
      assertContiguous(g, "f1");
      assertContiguous(g, "f2");
      Long dropped = g.transport.stats().get("dropped");
      assertTrue(dropped > 0, "faults were injected: " + g.transport.stats());
    }
  }

  @Test
  void writesThatArriveWhileTheJournalIsBusyAreGroupCommitted() {
    try (TestGroup g = new TestGroup(kit, settings(), 11, "L", "f1").startAll()) {
      List<TestProbe<Replica.WriteReply>> replies = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        replies.add(g.put("L", "k" + i, "v", WriteOptions.defaults()));
      }
      for (TestProbe<Replica.WriteReply> p : replies) {
        assertInstanceOf(Replica.Written.class, p.receiveMessage(TestGroup.WAIT));
      }
      assertEquals(200, g.recorder.batchSizes.stream().mapToLong(Long::longValue).sum());
      assertTrue(g.recorder.batchSizes.size() < 200,
          "200 writes took " + g.recorder.batchSizes.size() + " journal writes");
    }
  }

  @Test
  void badWritesGetAClearAnswerAndTheReplicaKeepsRunning() {
    try (TestGroup g = new TestGroup(kit, settings(), 12, "L", "f1").startAll()) {
      assertRejected(g.put("L", "", "v", WriteOptions.defaults()), "key is empty");
      TestProbe<Replica.WriteReply> nullKey = kit.createTestProbe();
      g.ref("L").tell(new Replica.Write(new io.replikit.store.Change.Put(null, TestGroup.json("v")), null,
          WriteOptions.defaults(), nullKey.getRef()));
      assertRejected(nullKey, "key is null");
      String big = "x".repeat(settings().storeLimits().maxValueBytes() + 1);
      assertRejected(g.put("L", "big", big, WriteOptions.defaults()), "replikit.store.max-value-bytes");

      Replica.Written first = (Replica.Written) g.putAndWait("cas", "one");
      TestProbe<Replica.WriteReply> stale = kit.createTestProbe();
      g.ref("L").tell(Replica.putIfVersion("cas", TestGroup.json("two"), first.version() + 5, stale.getRef()));
      Replica.VersionConflict conflict =
          assertInstanceOf(Replica.VersionConflict.class, stale.receiveMessage(TestGroup.WAIT));
      assertEquals(first.version(), conflict.actualVersion());
      TestProbe<Replica.WriteReply> fresh = kit.createTestProbe();
      g.ref("L").tell(Replica.putIfVersion("cas", TestGroup.json("two"), first.version(), fresh.getRef()));
      assertInstanceOf(Replica.Written.class, fresh.receiveMessage(TestGroup.WAIT));
      TestProbe<Replica.WriteReply> absent = kit.createTestProbe();
      g.ref("L").tell(Replica.putIfVersion("new", TestGroup.json("x"), 0, absent.getRef()));
      assertInstanceOf(Replica.Written.class, absent.receiveMessage(TestGroup.WAIT), "version 0 means absent");

      TestProbe<Replica.ReadReply> read = kit.createTestProbe();
      g.ref("f1").tell(new Replica.Get("", read.getRef()));
      assertInstanceOf(Replica.ReadRejected.class, read.receiveMessage(TestGroup.WAIT));

      assertEquals("two", ((Replica.Found) g.get("L", "cas")).value().asText(), "the leader still serves");
      g.awaitEqualToLeader("f1");
    }
  }

  private static SingleLeaderSettings withWindow(int batch, int inFlight, int chunkItems, int retention) {
    return SingleLeaderSettings.fromConfig(com.typesafe.config.ConfigFactory.parseString(String.format(
        "replikit.single-leader { max-batch-entries = %d, max-batches-in-flight = %d, snapshot-chunk-items = %d, "
            + "snapshot-chunks-in-flight = 2, log-retention-entries = %d, max-retained-entries = %d }",
        batch, inFlight, chunkItems, retention, retention * 2)).withFallback(kit.system().settings().config()));
  }

  private static void assertRejected(TestProbe<Replica.WriteReply> probe, String mentions) {
    Replica.Rejected r = assertInstanceOf(Replica.Rejected.class, probe.receiveMessage(TestGroup.WAIT));
    assertTrue(r.reason().contains(mentions), "'" + r.reason() + "' should mention '" + mentions + "'");
  }

  private static String syncState(TestGroup g, String follower) {
    return g.status("L").followers().stream().filter(f -> f.id().value().equals(follower)).findFirst()
        .orElseThrow().syncState();
  }

  /**
   * Every live apply on the follower followed the previous one by exactly one position (a snapshot install, recorded
   * as its negated position, restarts the sequence after it).
   */
  private static void assertContiguous(TestGroup g, String follower) {
    List<Long> seq;
    synchronized (g.recorder.applied) {
      seq = new ArrayList<>(g.recorder.applied.getOrDefault(ReplicaId.of(follower), List.of()));
    }
    assertFalse(seq.isEmpty(), follower + " applied something");
    Long prev = null;
    for (Long p : seq) {
      if (p < 0) {
        prev = -p;
        continue;
      }
      if (prev != null) {
        assertEquals(prev + 1, p, follower + " applied " + p + " right after " + prev);
      }
      prev = p;
    }
  }
}
