package io.replikit.singleleader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import io.replikit.replication.ReplicaId;
import io.replikit.sessions.Guarantee;
import io.replikit.sessions.InMemoryTokenStore;
import io.replikit.sessions.Session;
import io.replikit.sessions.SessionRead;
import io.replikit.sessions.TokenStore;
import java.time.Duration;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The chapter's replication-lag anomalies, each played against a group whose follower is held far behind by the
 * faulty transport: the guarantee holds when asked for, and the anomaly shows when it is not.
 */
class ReadsUnderLagTest {
  private static ActorTestKit kit;

  @BeforeAll
  static void start() {
    kit = ActorTestKit.create("reads-under-lag", TestGroup.testConfig());
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  /** A user id whose reads a session pins to the replica at {@code index} of {@code n}. */
  private static String userPinnedTo(int index, int n, String prefix) {
    for (int i = 0; ; i++) {
      String user = prefix + i;
      if (Math.floorMod(user.hashCode(), n) == index) {
        return user;
      }
    }
  }

  private static Session session(TestGroup g, String user, Set<Guarantee> guarantees, TokenStore tokens) {
    return Session.builder(kit.system(), user).group(g.spec.groupId(), g.replicas()).guarantees(guarantees)
        .tokens(tokens).waitPerReplica(Duration.ofMillis(300)).timeout(Duration.ofSeconds(8)).build();
  }

  private static <T> T await(java.util.concurrent.CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(15, TimeUnit.SECONDS);
  }

  /** A group a (leader), b, c whose c holds x = "old" and then hears nothing more from the leader. */
  private static TestGroup groupWithLaggingC(long seed) {
    TestGroup g = new TestGroup(kit, TestGroup.settings(kit), seed, "a", "b", "c").startAll();
    g.putAndWait("x", "old");
    g.awaitCaughtUp("c");
    // c knows it is fresh only once a heartbeat carried a measured round trip (its staleness is -1, unknown, until
    // then): under load that may come after it caught up, and a c cut off before it would never age
    kit.createTestProbe().awaitAssert(TestGroup.WAIT, () -> {
      assertTrue(g.status("c").stalenessMillis() >= 0, "c knows how fresh it is: " + g.status("c"));
      return null;
    });
    g.transport.block(TestGroup.id("a"), TestGroup.id("c"));
    return g;
  }

  private static String text(SessionRead r) {
    return r.value() == null ? null : r.value().asText();
  }

  @Test
  void readYourWritesWaitsOrMovesOnAndWithoutItTheLaggingFollowerShowsTheOldValue() throws Exception {
    try (TestGroup g = groupWithLaggingC(11)) {
      String user = userPinnedTo(2, 3, "ryw"); // reads pinned to c, the lagging one
      Session withToken = session(g, user, EnumSet.of(Guarantee.READ_YOUR_WRITES), new InMemoryTokenStore());
      Replica.Written w = (Replica.Written) await(withToken.put(g.spec.groupId(), "x", TestGroup.json("new")));
      SessionRead seen = await(withToken.read(g.spec.groupId(), "x"));
      assertEquals("new", text(seen));
      assertNotEquals(TestGroup.id("c"), seen.servedBy(), "c had not applied the write: another replica served");

      // the anomaly: the same user without the token reads from c and does not see their own write
      Session noToken = session(g, user, EnumSet.noneOf(Guarantee.class), new InMemoryTokenStore());
      SessionRead stale = await(noToken.read(g.spec.groupId(), "x"));
      assertEquals("old", text(stale));
      assertEquals(TestGroup.id("c"), stale.servedBy());

      // asked directly, c refuses once its wait is over rather than answer with what it has
      TestProbe<Replica.ReadReply> probe = kit.createTestProbe();
      g.ref("c").tell(new Replica.Read("x", ReadConsistency.atLeast(w.version()).withMaxWait(Duration.ofMillis(100)),
          probe.getRef()));
      Replica.TooStale refused = (Replica.TooStale) probe.receiveMessage(TestGroup.WAIT);
      assertEquals(w.version(), refused.requiredPosition());
      assertTrue(refused.appliedPosition() < w.version() && refused.reason().contains("not yet " + w.version()),
          refused.reason());

      // and a read that may wait is served as soon as c catches up
      g.ref("c").tell(new Replica.Read("x", ReadConsistency.atLeast(w.version()).withMaxWait(Duration.ofSeconds(5)),
          probe.getRef()));
      probe.expectNoMessage(Duration.ofMillis(100));
      g.transport.heal();
      Replica.Found found = (Replica.Found) probe.receiveMessage(TestGroup.WAIT);
      assertEquals("new", found.value().asText());
      assertEquals(TestGroup.id("c"), found.servedBy());
    }
  }

  @Test
  void readYourWritesAcrossDevicesNeedsTheTokensKeptPerUserInASharedPlace() throws Exception {
    try (TestGroup g = groupWithLaggingC(12)) {
      String user = userPinnedTo(2, 3, "devices");
      TokenStore shared = new InMemoryTokenStore();
      Set<Guarantee> ryw = EnumSet.of(Guarantee.READ_YOUR_WRITES);
      Session laptop = session(g, user, ryw, shared);
      Session phone = session(g, user, ryw, shared);
      await(laptop.put(g.spec.groupId(), "x", TestGroup.json("from-laptop")));
      assertEquals("from-laptop", text(await(phone.read(g.spec.groupId(), "x"))));

      // the anomaly: a phone that keeps its own tokens reads its lagging replica and misses the laptop's write
      Session isolatedPhone = session(g, user, ryw, new InMemoryTokenStore());
      assertEquals("old", text(await(isolatedPhone.read(g.spec.groupId(), "x"))));
    }
  }

  @Test
  void monotonicReadsNeverGoBackInTimeWhenTheSessionMovesToALaggingReplica() throws Exception {
    try (TestGroup g = groupWithLaggingC(13)) {
      g.putAndWait("x", "new");
      g.awaitCaughtUp("b");
      String user = userPinnedTo(1, 3, "mono"); // reads pinned to b, which is up to date
      Session monotonic = session(g, user, EnumSet.of(Guarantee.MONOTONIC_READS), new InMemoryTokenStore());
      Session plain = session(g, user, EnumSet.noneOf(Guarantee.class), new InMemoryTokenStore());
      assertEquals("new", text(await(monotonic.read(g.spec.groupId(), "x"))));
      assertEquals("new", text(await(plain.read(g.spec.groupId(), "x"))));
      long seen = monotonic.floor(g.spec.groupId());

      g.stop("b"); // the pinned replica dies: both sessions move on to c, which lags

      SessionRead after = await(monotonic.read(g.spec.groupId(), "x"));
      assertEquals("new", text(after), "the monotonic session does not go back to c's older value");
      assertEquals(TestGroup.id("a"), after.servedBy(), "c was behind what the session had seen; a served");
      assertTrue(after.appliedPosition() >= seen);

      // the anomaly: the plain session sees "new" and then "old"
      SessionRead backwards = await(plain.read(g.spec.groupId(), "x"));
      assertEquals("old", text(backwards));
      assertEquals(TestGroup.id("c"), backwards.servedBy());
    }
  }

  @Test
  void consistentPrefixNeverShowsTheAnswerBeforeTheQuestion() throws Exception {
    // the chapter's dialogue: Mr. Poons's question lands in partition A, Mrs. Cake's answer in partition B, and the
    // observer reads A from a replica that lags
    try (TestGroup partA = new TestGroup(kit, TestGroup.settings(kit), 14, "a1", "a2").startAll();
        TestGroup partB = new TestGroup(kit, TestGroup.settings(kit), 15, "b1", "b2").startAll()) {
      partA.transport.block(TestGroup.id("a1"), TestGroup.id("a2"));
      String a = partA.spec.groupId();
      String b = partB.spec.groupId();
      Session poons = Session.builder(kit.system(), "poons").group(a, partA.replicas()).group(b, partB.replicas())
          .build();
      Replica.Written question = (Replica.Written) await(
          poons.put(a, "question", TestGroup.json("How far into the future can you see, Mrs. Cake?")));
      Map<ReplicaId, ActorRef<Replica.Command>> leaderOfA = new LinkedHashMap<>();
      leaderOfA.put(TestGroup.id("a1"), partA.ref("a1"));
      Session cake = Session.builder(kit.system(), "cake").group(a, leaderOfA).group(b, partB.replicas()).build();
      assertEquals("How far into the future can you see, Mrs. Cake?", text(await(cake.read(a, "question"))));
      await(cake.writeAfterSeen(b, "answer", TestGroup.json("About ten seconds usually, Mr. Poons.")));
      partB.awaitCaughtUp("b2");

      String observerName = userPinnedTo(1, 2, "observer"); // reads pinned to a2 (lagging) and b2
      List<Session.Location> dialogue = List.of(new Session.Location(a, "question"),
          new Session.Location(b, "answer"));
      Session observer = Session.builder(kit.system(), observerName).group(a, partA.replicas())
          .group(b, partB.replicas()).guarantees(EnumSet.of(Guarantee.CONSISTENT_PREFIX))
          .waitPerReplica(Duration.ofMillis(300)).build();
      List<SessionRead> consistent = await(observer.readConsistent(dialogue));
      assertTrue(consistent.get(1).found(), "the answer is visible");
      assertEquals("How far into the future can you see, Mrs. Cake?", text(consistent.get(0)),
          "and so is the question it answers");
      assertEquals(Set.of(a), consistent.get(1).dependsOn().keySet());
      assertTrue(consistent.get(1).dependsOn().get(a) >= question.version(),
          "the answer carries a position of A that includes the question: " + consistent.get(1).dependsOn());

      // the anomaly: an observer without the guarantee sees the answer while the question is still missing
      Session naive = Session.builder(kit.system(), observerName).group(a, partA.replicas())
          .group(b, partB.replicas()).guarantees(EnumSet.noneOf(Guarantee.class)).build();
      List<SessionRead> seen = await(naive.readConsistent(dialogue));
      assertFalse(seen.get(0).found(), "a2 lags: no question yet");
      assertEquals("About ten seconds usually, Mr. Poons.", text(seen.get(1)));
    }
  }

  @Test
  void boundedStalenessCountsTheTimeTheLeadersMessagesSpendOnASlowLink() throws Exception {
    try (TestGroup g = new TestGroup(kit, TestGroup.settings(kit), 17, "a", "b").startAll()) {
      g.putAndWait("x", "v");
      g.awaitCaughtUp("b");
      // every message on the link takes about 150 ms: b hears heartbeats all the time, but what they say is old
      g.transport.slow(TestGroup.id("a"), TestGroup.id("b"), Duration.ofMillis(150));
      g.transport.slow(TestGroup.id("b"), TestGroup.id("a"), Duration.ofMillis(150));
      kit.createTestProbe().awaitAssert(TestGroup.WAIT, () -> {
        ReplicaStatus b = g.status("b");
        assertTrue(b.stalenessMillis() >= 150, "b counts the round trip into its staleness: " + b.stalenessMillis());
        return null;
      });
      TestProbe<Replica.ReadReply> probe = kit.createTestProbe();
      g.ref("b").tell(new Replica.Read("x",
          ReadConsistency.maxStaleness(Duration.ofMillis(50)).withMaxWait(Duration.ZERO), probe.getRef()));
      assertInstanceOf(Replica.TooStale.class, probe.receiveMessage(TestGroup.WAIT));
      g.ref("b").tell(new Replica.Read("x",
          ReadConsistency.maxStaleness(Duration.ofSeconds(3)).withMaxWait(Duration.ZERO), probe.getRef()));
      assertInstanceOf(Replica.Found.class, probe.receiveMessage(TestGroup.WAIT));
      g.transport.heal();
    }
  }

  @Test
  void rowsAreReadByTheirKeyWithTheSameConsistency() throws Exception {
    try (TestGroup g = new TestGroup(kit, TestGroup.settings(kit), 18, "a", "b").startAll()) {
      Replica.Committed c = (Replica.Committed) g.transact(List.of(io.replikit.store.Statement.insert("users",
          io.replikit.store.Expr.lit("u1"), Map.of("name", io.replikit.store.Expr.lit("Ada")))));
      TestProbe<Replica.ReadReply> probe = kit.createTestProbe();
      g.ref("b").tell(new Replica.Read(Replica.rowKey("users", "u1"), ReadConsistency.atLeast(c.position()),
          probe.getRef()));
      Replica.Found found = (Replica.Found) probe.receiveMessage(TestGroup.WAIT);
      assertEquals("Ada", found.value().path("name").asText());
      g.ref("b").tell(new Replica.Read(Replica.rowKey("no such table!", "u1"), ReadConsistency.any(),
          probe.getRef()));
      assertTrue(((Replica.ReadRejected) probe.receiveMessage(TestGroup.WAIT)).reason().contains("table name"));
    }
  }

  @Test
  void boundedStalenessRefusesALaggingReplicaAndLagIsShownAtEveryLevel() throws Exception {
    try (TestGroup g = groupWithLaggingC(16)) {
      g.putAndWait("x", "new");
      g.putAndWait("y", "1");
      kit.createTestProbe().awaitAssert(TestGroup.WAIT, () -> {
        ReplicaStatus c = g.status("c");
        assertTrue(c.stalenessMillis() > 300, "c's data ages while it hears nothing: " + c.stalenessMillis());
        return null;
      });
      TestProbe<Replica.ReadReply> probe = kit.createTestProbe();
      ReadConsistency fresh = ReadConsistency.maxStaleness(Duration.ofMillis(200)).withMaxWait(Duration.ZERO);
      g.ref("c").tell(new Replica.Read("x", fresh, probe.getRef()));
      Replica.TooStale refused = (Replica.TooStale) probe.receiveMessage(TestGroup.WAIT);
      assertTrue(refused.stalenessMillis() > 200 && refused.reason().contains("ms old"), refused.reason());
      // without a bound c answers with what it has: the stale value
      g.ref("c").tell(new Replica.Read("x", ReadConsistency.any(), probe.getRef()));
      assertEquals("old", ((Replica.Found) probe.receiveMessage(TestGroup.WAIT)).value().asText());
      // b and the leader are fresh
      g.ref("b").tell(new Replica.Read("x", fresh.withMaxWait(Duration.ofSeconds(1)), probe.getRef()));
      assertEquals("new", ((Replica.Found) probe.receiveMessage(TestGroup.WAIT)).value().asText());
      g.ref("a").tell(new Replica.Read("x", fresh, probe.getRef()));
      assertEquals("new", ((Replica.Found) probe.receiveMessage(TestGroup.WAIT)).value().asText());

      // the leader shows c's lag in entries and milliseconds at each level, and b's as none
      ReplicaStatus leader = g.status("a");
      ReplicaStatus.FollowerStatus c = leader.followers().stream()
          .filter(f -> f.id().equals(TestGroup.id("c"))).findFirst().orElseThrow();
      assertEquals(2, c.receivedLagEntries());
      assertEquals(2, c.persistedLagEntries());
      assertEquals(2, c.lagEntries());
      assertTrue(c.receivedLagMillis() > 0 && c.persistedLagMillis() > 0 && c.lagMillis() > 0, c.toString());
      kit.createTestProbe().awaitAssert(TestGroup.WAIT, () -> {
        ReplicaStatus.FollowerStatus b = g.status("a").followers().stream()
            .filter(f -> f.id().equals(TestGroup.id("b"))).findFirst().orElseThrow();
        assertEquals(0, b.lagEntries());
        assertEquals(0, b.lagMillis());
        return null;
      });

      g.transport.heal();
      kit.createTestProbe().awaitAssert(TestGroup.WAIT, () -> {
        TestProbe<Replica.ReadReply> p = kit.createTestProbe();
        g.ref("c").tell(new Replica.Read("x", fresh, p.getRef()));
        Replica.ReadReply r = p.receiveMessage(TestGroup.WAIT);
        assertInstanceOf(Replica.Found.class, r, "once healed c is fresh again: " + r);
        return null;
      });
      assertNull(g.status("c").replicationError());
    }
  }
}
