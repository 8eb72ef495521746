package io.replikit.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.replikit.replication.LocalTransport;
import io.replikit.replication.ReplicaId;
import io.replikit.singleleader.AckLevel;
import io.replikit.singleleader.AckPolicy;
import io.replikit.singleleader.Replica;
import io.replikit.singleleader.ReplicaGroupSpec;
import io.replikit.singleleader.ReplicaStatus;
import io.replikit.singleleader.SingleLeaderSettings;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A single-leader group on the real JDBC journal (in-memory H2): synchronous writes reach every follower, and a
 * stopped leader or follower comes back with its state recovered from the journal.
 */
class SingleLeaderOnH2Test {
  private static final Duration REPLY = Duration.ofSeconds(5);

  private static ActorTestKit testKit;
  private static SingleLeaderSettings settings;

  @BeforeAll
  static void start() {
    Config config = ReplikitJournal.h2InMemory("single-leader-on-h2-test",
        ConfigFactory.parseString("akka.actor.serialize-messages = on").withFallback(ConfigFactory.load()));
    testKit = ActorTestKit.create("SingleLeaderOnH2Test", config);
    ReplikitJournal.createSchemaBlocking(testKit.system(), Duration.ofSeconds(20));
    // APPLIED: the promise under test is "an acknowledged write is visible to a read on every follower"
    settings = SingleLeaderSettings.fromConfig(testKit.system().settings().config())
        .withAckPolicy(AckPolicy.sync())
        .withAckLevel(AckLevel.APPLIED);
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  /** One group's replicas, their transport and the names they were spawned under. */
  private static final class Group {
    final ReplicaGroupSpec spec;
    final LocalTransport transport = new LocalTransport();
    ActorRef<Replica.Command> leader;
    ActorRef<Replica.Command> f1;
    ActorRef<Replica.Command> f2;

    Group(String id) {
      spec = ReplicaGroupSpec.of(id, "leader", "f1", "f2");
      leader = spawn("leader", 0);
      f1 = spawn("f1", 0);
      f2 = spawn("f2", 0);
    }

    ActorRef<Replica.Command> spawn(String replica, int incarnation) {
      // a fresh actor name per incarnation: a stopped actor's name may still be reserved for a moment
      return testKit.spawn(Replica.create(spec, ReplicaId.of(replica), settings, transport),
          spec.groupId() + "-" + replica + "-" + incarnation);
    }

    List<ActorRef<Replica.Command>> all() {
      return List.of(leader, f1, f2);
    }
  }

  private static JsonNode text(String s) {
    return JsonNodeFactory.instance.textNode(s);
  }

  private static Replica.Written write(ActorRef<Replica.Command> leader, String key, String value) {
    TestProbe<Replica.WriteReply> probe = testKit.createTestProbe();
    leader.tell(Replica.put(key, text(value), probe.getRef()));
    return probe.expectMessageClass(Replica.Written.class, REPLY);
  }

  private static Replica.Found read(ActorRef<Replica.Command> replica, String key) {
    TestProbe<Replica.ReadReply> probe = testKit.createTestProbe();
    replica.tell(new Replica.Get(key, probe.getRef()));
    return probe.expectMessageClass(Replica.Found.class, REPLY);
  }

  private static ReplicaStatus status(ActorRef<Replica.Command> replica) {
    TestProbe<ReplicaStatus> probe = testKit.createTestProbe();
    replica.tell(new Replica.GetStatus(probe.getRef()));
    return probe.expectMessageClass(ReplicaStatus.class, REPLY);
  }

  /** Waits (bounded) until one of the group's replicas leads and returns it. */
  private static ActorRef<Replica.Command> awaitLeader(Group g) {
    List<ActorRef<Replica.Command>> found = new java.util.ArrayList<>();
    testKit.createTestProbe().awaitAssert(REPLY, () -> {
      found.clear();
      for (ActorRef<Replica.Command> r : g.all()) {
        if ("leader".equals(status(r).role())) {
          found.add(r);
        }
      }
      assertEquals(1, found.size(), "exactly one leader");
      return null;
    });
    return found.get(0);
  }

  private static void stopAndAwait(ActorRef<Replica.Command> ref) {
    TestProbe<Void> watcher = testKit.createTestProbe();
    testKit.stop(ref, REPLY);
    watcher.expectTerminated(ref, REPLY);
  }

  @Test
  void syncWritesAreAcknowledgedAndReadableOnEveryFollower() {
    Group g = new Group("sync");
    Replica.Written a = write(g.leader, "a", "one");
    Replica.Written b = write(g.leader, "b", "two");
    // position 1 holds the first epoch's start; versions are log positions
    assertEquals(2, a.version());
    assertEquals(3, b.version());
    for (ActorRef<Replica.Command> r : g.all()) {
      assertEquals(text("one"), read(r, "a").value());
      Replica.Found found = read(r, "b");
      assertEquals(text("two"), found.value());
      assertEquals(3, found.version());
    }
  }

  @Test
  void aRestartedLeaderRecoversItsStateAndContinuesAtTheNextVersion() {
    Group g = new Group("leader-restart");
    write(g.leader, "a", "one");
    write(g.leader, "b", "two");
    write(g.leader, "a", "three");

    stopAndAwait(g.leader);
    g.leader = g.spawn("leader", 1);

    Replica.Found a = read(g.leader, "a");
    assertEquals(text("three"), a.value());
    assertEquals(4, a.version());
    assertEquals(text("two"), read(g.leader, "b").value());
    assertEquals(4, status(g.leader).lastPosition());

    // the restart ends the epoch: the group elects a leader (the old one or a follower, whichever times out first),
    // still synchronous: acknowledged only once both followers have the write
    ActorRef<Replica.Command> leader = awaitLeader(g);
    Replica.Written c = write(leader, "c", "four");
    assertEquals(2, c.epoch());
    assertEquals(6, c.version(), "after the recovered entries and the new epoch's first entry");
    for (ActorRef<Replica.Command> r : g.all()) {
      assertEquals(text("four"), read(r, "c").value());
      assertEquals(text("three"), read(r, "a").value());
    }
  }

  @Test
  void aRestartedFollowerRecoversAndEndsEqualToTheLeader() {
    Group g = new Group("follower-restart");
    write(g.leader, "a", "one");
    write(g.leader, "b", "two");

    stopAndAwait(g.f1);
    // a synchronous write cannot be acknowledged while f1 is down: it waits for f1 to come back and catch up
    TestProbe<Replica.WriteReply> pending = testKit.createTestProbe();
    g.leader.tell(Replica.put("c", text("three"), pending.getRef()));

    // first back on a transport of its own, out of the leader's reach: what it serves now came from its journal
    ActorRef<Replica.Command> isolated = testKit.spawn(
        Replica.create(g.spec, ReplicaId.of("f1"), settings, new LocalTransport()), "follower-restart-f1-isolated");
    Replica.Found a = read(isolated, "a");
    assertEquals(text("one"), a.value());
    assertEquals(2, a.version());
    assertEquals(3, read(isolated, "b").version());
    assertEquals(3, status(isolated).lastPosition());
    pending.expectNoMessage(Duration.ofMillis(50));
    stopAndAwait(isolated);

    // then back in the group: it catches up from position 2 and releases the waiting write
    g.f1 = g.spawn("f1", 1);
    Replica.Written c = pending.expectMessageClass(Replica.Written.class, REPLY);
    assertEquals(4, c.version());

    ReplicaStatus leader = status(g.leader);
    ReplicaStatus f1 = status(g.f1);
    assertEquals(4, leader.lastPosition());
    assertEquals(leader.lastPosition(), f1.lastPosition());
    for (String key : List.of("a", "b", "c")) {
      Replica.Found onLeader = read(g.leader, key);
      Replica.Found onF1 = read(g.f1, key);
      assertEquals(onLeader.value(), onF1.value(), key);
      assertEquals(onLeader.version(), onF1.version(), key);
    }
  }
}
