package io.replikit.singleleader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import com.typesafe.config.ConfigFactory;
import io.replikit.replication.ReplicaId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Failover in one JVM: elections, epochs, deposed leaders, divergent writes, ids, switchover. */
class FailoverTest {
  private static ActorTestKit kit;

  @BeforeAll
  static void start() {
    kit = ActorTestKit.create("FailoverTest", ConfigFactory.parseString(
        "replikit.single-leader.write-timeout = 3s").withFallback(TestGroup.testConfig()));
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  private static SingleLeaderSettings settings(AckPolicy policy) {
    return TestGroup.settings(kit).withAckPolicy(policy);
  }

  private static Set<ReplicaId> ids(String... names) {
    Set<ReplicaId> out = new HashSet<>();
    for (String n : names) {
      out.add(ReplicaId.of(n));
    }
    return out;
  }

  @Test
  void whenTheLeaderStopsTheSynchronousFollowerIsElectedAndNoAcknowledgedWriteIsLost() {
    AckPolicy first1 = AckPolicy.semiSync(AckPolicy.SyncMethod.FIRST, 1);
    try (TestGroup g = new TestGroup(kit, settings(first1), 21, "L", "f1", "f2").startAll()) {
      Map<String, Long> acknowledged = new HashMap<>();
      for (int i = 0; i < 30; i++) {
        Replica.Written w = (Replica.Written) g.putAndWait("k" + i, "v" + i);
        acknowledged.put("k" + i, w.version());
      }
      g.stop("L");
      String leader = g.awaitLeader();
      assertEquals("f1", leader, "the synchronous follower times out first and is elected");
      ReplicaStatus st = g.status(leader);
      assertEquals(2, st.epoch());
      for (Map.Entry<String, Long> e : acknowledged.entrySet()) {
        Replica.Found found = (Replica.Found) g.get(leader, e.getKey());
        assertEquals(e.getValue(), found.version(), e.getKey() + " survived the failover");
      }
      Replica.Written after = (Replica.Written) g.putAndWait("after", "x");
      assertEquals(2, after.epoch());
      TestProbe<Replica.WriteReply> toFollower = g.put("f2", "k", "v", WriteOptions.defaults());
      assertEquals(ReplicaId.of("f1"), assertInstanceOf(Replica.NotLeader.class,
          toFollower.receiveMessage(TestGroup.WAIT)).leader(), "clients are told where the new leader is");

      g.start("L");
      g.awaitEqualToLeader("L");
      assertEquals("follower", g.status("L").role(), "the old leader comes back as a follower");
      assertTrue(g.status("L").divergentWrites() == 0, "it had nothing the new leader lacked");
    }
  }

  @Test
  void aFollowerCutOffFromTheOthersNeverBecomesLeaderNorDisruptsTheGroup() {
    try (TestGroup g = new TestGroup(kit, settings(AckPolicy.async()), 22, "L", "f1", "f2").startAll()) {
      g.putAndWait("a", "1");
      long epoch = g.status("L").epoch();
      g.transport.isolate(ReplicaId.of("f2"), ids("L", "f1"));
      // well past f2's failover timeout: it asks, nobody would vote for it, it never enters a new epoch
      TestProbe<Object> probe = kit.createTestProbe();
      for (int i = 0; i < 20; i++) {
        g.putAndWait("k" + i, "v" + i);
        probe.expectNoMessage(Duration.ofMillis(100));
        assertNotEquals("leader", g.status("f2").role());
      }
      assertEquals(epoch, g.status("f2").epoch(), "pre-vote kept f2 from raising the epoch");
      g.transport.heal();
      g.awaitEqualToLeader("f2");
      assertEquals("L", g.awaitLeader());
      assertEquals(epoch, g.status("L").epoch(), "the leader was never disrupted");
    }
  }

  @Test
  void aDeposedLeaderGetsNoWriteAcknowledgedAndSetsAsideWhatTheNewLeaderNeverHad() {
    try (TestGroup g = new TestGroup(kit, settings(AckPolicy.async()), 23, "L", "f1", "f2").startAll()) {
      for (int i = 0; i < 10; i++) {
        g.putAndWait("k" + i, "v" + i);
      }
      g.awaitEqualToLeader("f1");
      g.awaitEqualToLeader("f2");
      // the leader is cut off (think: a long GC pause). Its lease still holds for a moment: an async write is
      // acknowledged that no follower will ever receive
      g.transport.isolate(ReplicaId.of("L"), ids("f1", "f2"));
      Replica.Written lost = (Replica.Written) g.put("L", "doomed", "x", WriteOptions.defaults())
          .receiveMessage(TestGroup.WAIT);
      // the others elect a new leader, which takes writes
      String[] newLeader = {awaitLeaderAmong(g, "f1", "f2")};
      Replica.Written fresh = (Replica.Written) g.put(newLeader[0], "k0", "new", WriteOptions.defaults())
          .receiveMessage(TestGroup.WAIT);
      assertTrue(fresh.epoch() >= 2, "a new epoch: " + fresh.epoch());
      // the old leader still believes it leads, but its lease has expired: nothing it takes now is acknowledged
      TestProbe<Replica.WriteReply> late = g.put("L", "late", "y", WriteOptions.defaults());
      Replica.WriteReply lateReply = late.receiveMessage(Duration.ofSeconds(5));
      assertTrue(lateReply instanceof Replica.Unavailable || lateReply instanceof Replica.NotLeader,
          "a write to the deposed leader is refused, not acknowledged: " + lateReply);

      g.transport.heal();
      assertEquals(newLeader[0], g.awaitLeader(), "the old leader learns of the new epoch and steps down");
      g.awaitEqualToLeader("L");
      ReplicaStatus old = g.status("L");
      assertEquals("follower", old.role());
      assertEquals(ReplicaId.of(newLeader[0]), old.leader());
      TestProbe<Replica.DivergentWrites> divergent = kit.createTestProbe();
      g.ref("L").tell(new Replica.GetDivergentWrites(divergent.getRef()));
      List<DivergentWrite> aside = divergent.receiveMessage(TestGroup.WAIT).writes();
      assertEquals(List.of("doomed"), aside.stream().map(d -> d.entry().change().key()).toList(),
          "the acknowledged write the new leader never had is set aside, not dropped");
      assertEquals(lost.version(), aside.get(0).entry().position());
      assertEquals(fresh.epoch(), aside.get(0).setAsideInEpoch());
      assertInstanceOf(Replica.NotFound.class, g.get("L", "doomed"), "and its effect on the store is undone");
      assertEquals("new", ((Replica.Found) g.get("L", "k0")).value().asText());
    }
  }

  @Test
  void generatedIdsAreNeverHandedOutTwiceAcrossAFailoverToALaggingFollower() {
    try (TestGroup g = new TestGroup(kit, settings(AckPolicy.async()), 24, "L", "f1", "f2").startAll()) {
      // a second store that mirrors ids, as the chapter's cache did: an id reused would point at another's data
      Map<Long, String> mirror = new HashMap<>();
      for (int i = 0; i < 5; i++) {
        insertAndMirror(g, "L", "user-" + i, mirror);
      }
      g.awaitEqualToLeader("f1");
      g.awaitEqualToLeader("f2");
      // the leader takes inserts its followers never see, then is deposed
      g.transport.isolate(ReplicaId.of("L"), ids("f1", "f2"));
      for (int i = 5; i < 8; i++) {
        insertAndMirror(g, "L", "user-" + i, mirror);
      }
      String[] newLeader = {awaitLeaderAmong(g, "f1", "f2")};
      for (int i = 8; i < 15; i++) {
        insertAndMirror(g, newLeader[0], "user-" + i, mirror);
      }
      assertEquals(15, mirror.size(), "every acknowledged id is distinct");
      g.transport.heal();
      g.awaitLeader();
      g.awaitEqualToLeader("L");
    }
  }

  /** Waits (bounded) until one of {@code candidates} leads (others may still believe they do). */
  private static String awaitLeaderAmong(TestGroup g, String... candidates) {
    String[] found = new String[1];
    kit.createTestProbe().awaitAssert(TestGroup.WAIT, () -> {
      for (String f : candidates) {
        if ("leader".equals(g.status(f).role())) {
          found[0] = f;
          return null;
        }
      }
      throw new AssertionError("no leader among " + List.of(candidates) + " yet");
    });
    return found[0];
  }

  private static void insertAndMirror(TestGroup g, String replica, String owner, Map<Long, String> mirror) {
    TestProbe<Replica.WriteReply> reply = kit.createTestProbe();
    g.ref(replica).tell(Replica.insert("users/", TestGroup.json(owner), reply.getRef()));
    Replica.Inserted inserted = assertInstanceOf(Replica.Inserted.class, reply.receiveMessage(TestGroup.WAIT));
    assertEquals("users/" + inserted.id(), inserted.key());
    assertNull(mirror.put(inserted.id(), owner), "id " + inserted.id() + " was handed out twice");
  }

  @Test
  void aSwitchoverUnderLoadMovesLeadershipWithoutLosingAnAcknowledgedWrite() {
    AckPolicy first1 = AckPolicy.semiSync(AckPolicy.SyncMethod.FIRST, 1);
    try (TestGroup g = new TestGroup(kit, settings(first1), 25, "L", "f1", "f2").startAll()) {
      List<TestProbe<Replica.WriteReply>> inFlight = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        inFlight.add(g.put("L", "k" + i, "v" + i, WriteOptions.defaults()));
      }
      // the handover starts once the leader is writing (else it could hold every write before the first flush)
      Replica.WriteReply first = inFlight.get(0).receiveMessage(TestGroup.WAIT);
      TestProbe<Replica.SwitchoverReply> done = kit.createTestProbe();
      g.ref("L").tell(new Replica.Switchover(ReplicaId.of("f2"), done.getRef()));
      for (int i = 100; i < 150; i++) {
        inFlight.add(g.put("L", "k" + i, "v" + i, WriteOptions.defaults()));
      }
      Replica.SwitchoverDone switched =
          assertInstanceOf(Replica.SwitchoverDone.class, done.receiveMessage(TestGroup.WAIT));
      assertEquals(ReplicaId.of("f2"), switched.newLeader());
      assertEquals("f2", g.awaitLeader());
      int acknowledged = 0;
      for (int i = 0; i < inFlight.size(); i++) {
        Replica.WriteReply r = i == 0 ? first : inFlight.get(i).receiveMessage(TestGroup.WAIT);
        if (r instanceof Replica.Written w) {
          acknowledged++;
          assertEquals(w.version(), ((Replica.Found) g.get("f2", "k" + i)).version(),
              "k" + i + " was acknowledged and is on the new leader");
        } else {
          assertEquals(ReplicaId.of("f2"), assertInstanceOf(Replica.NotLeader.class, r).leader(),
              "writes held during the handover are sent to the new leader");
        }
      }
      assertTrue(acknowledged > 0, "writes before the switchover were acknowledged");
      assertEquals(0, g.status("L").divergentWrites(), "nothing was set aside");
      g.awaitEqualToLeader("L");
      g.awaitEqualToLeader("f1");
    }
  }
}
