package io.replikit.singleleader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.persistence.testkit.javadsl.PersistenceTestKit;
import akka.persistence.testkit.javadsl.SnapshotTestKit;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A replica whose journal is lost (as when it is placed anew on a node with a journal of its own) comes back empty
 * in a group with a history. It must not vote until it has caught up: otherwise, with the only other replica
 * holding an acknowledged write down, it hands its vote to a replica that lacks that write, and the write is lost.
 */
class RejoinAfterLostJournalTest {
  private static ActorTestKit kit;

  @BeforeAll
  static void start() {
    kit = ActorTestKit.create("rejoin", TestGroup.testConfig());
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  private static SingleLeaderSettings settings() {
    return TestGroup.settings(kit).withAckPolicy(AckPolicy.semiSync(AckPolicy.SyncMethod.FIRST, 1))
        .withRejoinWhenEmpty(true);
  }

  @Test
  void aReplicaThatLostItsJournalDoesNotVoteForAReplicaLackingAcknowledgedWritesUntilItHasCaughtUp() {
    try (TestGroup g = new TestGroup(kit, settings(), 8, "a", "b", "c")) {
      // a new group still starts: every voter is empty, so each learns the group is new and a leads epoch 1
      g.startAll();
      TestProbe<String> elections = kit.createTestProbe();

      // c is down; b is the synchronous follower: what is acknowledged now is on a and b only
      g.stop("c");
      Map<String, Long> acknowledged = new LinkedHashMap<>();
      for (int i = 0; i < 5; i++) {
        Replica.WriteReply reply = g.putAndWait("k" + i, "v" + i);
        acknowledged.put("k" + i, assertInstanceOf(Replica.Written.class, reply, "k" + i + ": " + reply).version());
      }

      // the leader crashes, and b loses its journal: it comes back empty, next to c, which lacks the writes
      g.stop("a");
      g.stop("b");
      String pid = "replikit-" + g.spec.groupId() + "|b";
      PersistenceTestKit.create(kit.system()).clearByPersistenceId(pid);
      SnapshotTestKit.create(kit.system()).clearByPersistenceId(pid);
      g.recorder.elections = elections.getRef();
      g.start("c");
      g.start("b");
      kit.createTestProbe().awaitAssert(TestGroup.WAIT, () -> {
        assertTrue(g.status("b").rejoining(), "b learnt from c that the group has a history");
        return null;
      });
      // c stands again and again (its failover timeout is 500 ms), but b grants no vote: no leader lacking the
      // acknowledged writes is elected
      elections.expectNoMessage(Duration.ofSeconds(3));
      assertFalse("leader".equals(g.status("c").role()));

      // a is back: the group elects a leader that holds every acknowledged write, and b catches up and votes again
      g.start("a");
      String leader = g.awaitLeader();
      for (Map.Entry<String, Long> e : acknowledged.entrySet()) {
        Replica.Found found = assertInstanceOf(Replica.Found.class, g.get(leader, e.getKey()), e.getKey());
        assertEquals(e.getValue(), found.version(), e.getKey() + " kept its acknowledged version on " + leader);
      }
      kit.createTestProbe().awaitAssert(TestGroup.WAIT, () -> {
        assertFalse(g.status("b").rejoining(), "b caught up with " + leader + " and rejoined");
        return null;
      });
      g.awaitEqualToLeader("b");

      // b votes again: with a down for good, b and c elect a leader, and it still holds every acknowledged write
      g.stop("a");
      String next = g.awaitLeader();
      for (Map.Entry<String, Long> e : acknowledged.entrySet()) {
        Replica.Found found = assertInstanceOf(Replica.Found.class, g.get(next, e.getKey()), e.getKey());
        assertEquals(e.getValue(), found.version(), e.getKey() + " kept its acknowledged version on " + next);
      }
      assertInstanceOf(Replica.Written.class, g.putAndWait("after", "x"), "the group takes writes again");
    }
  }

  @Test
  void aGroupWhoseMajorityLostItsJournalsElectsNoLeaderUntilAnOperatorForcesOneReplicaToVote() {
    try (TestGroup g = new TestGroup(kit, settings(), 8, "a", "b", "c")) {
      g.startAll();
      Map<String, Long> acknowledged = new LinkedHashMap<>();
      for (int i = 0; i < 3; i++) {
        Replica.WriteReply reply = g.putAndWait("k" + i, "v" + i);
        acknowledged.put("k" + i, assertInstanceOf(Replica.Written.class, reply, "k" + i + ": " + reply).version());
      }
      g.awaitEqualToLeader("b");
      g.awaitEqualToLeader("c");
      TestProbe<Replica.ForceVoteReply> replies = kit.createTestProbe();
      g.ref("a").tell(new Replica.ForceVote("test", replies.getRef()));
      assertInstanceOf(Replica.ForceVoteRefused.class, replies.receiveMessage(), "a votes already: nothing to force");

      // every replica stops; b and c come back with empty journals (placed anew on nodes of their own)
      for (String r : new String[] {"a", "b", "c"}) {
        g.stop(r);
      }
      for (String r : new String[] {"b", "c"}) {
        String pid = "replikit-" + g.spec.groupId() + "|" + r;
        PersistenceTestKit.create(kit.system()).clearByPersistenceId(pid);
        SnapshotTestKit.create(kit.system()).clearByPersistenceId(pid);
      }
      TestProbe<String> elections = kit.createTestProbe();
      g.recorder.elections = elections.getRef();
      for (String r : new String[] {"a", "b", "c"}) {
        g.start(r);
      }
      kit.createTestProbe().awaitAssert(TestGroup.WAIT, () -> {
        assertTrue(g.status("b").rejoining() && g.status("c").rejoining(), "b and c learnt a holds a history");
        return null;
      });
      // a holds the history but gets no vote: the group stays without a leader, safely
      elections.expectNoMessage(Duration.ofSeconds(3));

      // the operator forces b: b votes for the most up-to-date log, a's, and c catches up from a and rejoins
      g.ref("b").tell(new Replica.ForceVote("two of three journals lost", replies.getRef()));
      Replica.VoteForced forced = assertInstanceOf(Replica.VoteForced.class, replies.receiveMessage());
      assertTrue(forced.wasRejoining());
      assertFalse(g.status("b").rejoining());
      assertEquals("a", g.awaitLeader(), "only a's log is up to date enough to win b's vote");
      for (Map.Entry<String, Long> e : acknowledged.entrySet()) {
        Replica.Found found = assertInstanceOf(Replica.Found.class, g.get("a", e.getKey()), e.getKey());
        assertEquals(e.getValue(), found.version(), e.getKey() + " kept its acknowledged version");
      }
      assertInstanceOf(Replica.Written.class, g.putAndWait("after", "x"), "the group takes writes again");
      kit.createTestProbe().awaitAssert(TestGroup.WAIT, () -> {
        assertFalse(g.status("c").rejoining(), "c caught up with a and rejoined by the rule, not by force");
        return null;
      });
      g.awaitEqualToLeader("b");
      g.awaitEqualToLeader("c");
    }
  }
}
