package io.replikit.testkit.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import io.replikit.replication.ReplicaId;
import io.replikit.replication.ReplicationMessage;
import io.replikit.testkit.FaultyTransport;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The scenario DSL's own rules: pauses hold and release in order, scripts are checked, a seed replays a script. */
class ScenarioDslTest {
  private static ActorTestKit kit;

  @BeforeAll
  static void start() {
    kit = ActorTestKit.create("scenario-dsl", ScenarioKit.config());
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  /** A replication message for the transport test. */
  record Ping(int n) implements ReplicationMessage {
    @Override
    public long epoch() {
      return 0;
    }
  }

  @Test
  void aPausedReplicaReceivesNothingUntilItResumesThenEverythingInOrderAndNothingIsLost() {
    try (FaultyTransport t = new FaultyTransport(1, FaultyTransport.Faults.NONE)) {
      TestProbe<ReplicationMessage> b = kit.createTestProbe();
      t.register(ReplicaId.of("b"), b.getRef());
      t.pause(ReplicaId.of("b"));
      for (int i = 1; i <= 5; i++) {
        t.send(ReplicaId.of("a"), ReplicaId.of("b"), new Ping(i));
      }
      b.expectNoMessage(Duration.ofMillis(200));
      assertTrue(t.isPaused(ReplicaId.of("b")));
      t.resume(ReplicaId.of("b"));
      for (int i = 1; i <= 5; i++) {
        assertEquals(new Ping(i), b.receiveMessage(Duration.ofSeconds(5)));
      }
      assertEquals(5L, t.stats().get("held"));
      t.send(ReplicaId.of("a"), ReplicaId.of("b"), new Ping(6));
      assertEquals(new Ping(6), b.receiveMessage(Duration.ofSeconds(5)), "after resume, messages flow again");
    }
  }

  @Test
  void whatAPausedReplicaSendsIsHeldToo() {
    try (FaultyTransport t = new FaultyTransport(1, FaultyTransport.Faults.NONE)) {
      TestProbe<ReplicationMessage> c = kit.createTestProbe();
      t.register(ReplicaId.of("c"), c.getRef());
      t.pause(ReplicaId.of("a"));
      t.send(ReplicaId.of("a"), ReplicaId.of("c"), new Ping(1));
      c.expectNoMessage(Duration.ofMillis(200));
      t.resume(ReplicaId.of("a"));
      assertEquals(new Ping(1), c.receiveMessage(Duration.ofSeconds(5)));
    }
  }

  @Test
  void aScriptThatCannotRunIsRefusedNamingWhatIsWrong() {
    IllegalArgumentException late = assertThrows(IllegalArgumentException.class,
        () -> Scenario.builder("s").rounds(5).at(5, Fault.heal()).build());
    assertTrue(late.getMessage().contains("round 5 of only 5 rounds"), late.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Scenario.builder("s").at(-1, Fault.heal()));
    assertThrows(IllegalArgumentException.class, () -> Scenario.builder("s").writeShare(0.8).deleteShare(0.3).build());
    assertThrows(IllegalArgumentException.class, () -> Scenario.builder("s").clients(0));
    assertThrows(IllegalArgumentException.class, () -> Scenario.builder(" "));
    assertThrows(IllegalArgumentException.class, () -> Fault.slow(Target.leader(), Duration.ofMillis(-1)));
  }

  @Test
  void aNamedReplicaThatIsNotInTheGroupIsRefused() {
    try (LeaderlessScenarioGroup g = LeaderlessScenarioGroup.builder(kit).seed(3).build()) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> Fault.crash(Target.named("n9")).apply(g, new ScenarioState(), new java.util.Random(1)));
      assertTrue(e.getMessage().contains("n9"), e.getMessage());
    }
  }

  @Test
  void theReadmesExampleRunsAndKeepsItsPromises() {
    Scenario scenario = Scenario.builder("my-failover").seed(7).clients(3).keys(3).rounds(14)
        .at(3, Fault.slow(Target.leader(), Duration.ofMillis(120)))
        .at(4, Fault.crash(Target.leader()), Fault.heal())
        .at(10, Fault.restart(Target.crashed()))
        .build();
    try (SingleLeaderScenarioGroup group = SingleLeaderScenarioGroup.builder(kit).seed(7)
        .ackPolicy(io.replikit.singleleader.AckPolicy.semiSync(io.replikit.singleleader.AckPolicy.SyncMethod.FIRST, 1))
        .build()) {
      ScenarioResult result = scenario.run(group);
      assertTrue(result.ok(), result.summary());
      assertTrue(result.promised().contains(Guarantee.LINEARIZABLE), result.summary());
      assertTrue(result.events().stream().anyMatch(e -> e.startsWith("round 4: crash [r1]")), result.summary());
    }
  }

  @Test
  void theSameSeedPlaysTheSameOperationsAndHitsTheSameReplicas() {
    List<String> first = plan(11);
    assertEquals(first, plan(11), "a seed replays its run's operations and faults");
    assertTrue(!first.equals(plan(12)), "another seed plays another run");
  }

  /** The operations (client, kind, key) and the fault events of one run of ring-node-failure. */
  private static List<String> plan(long seed) {
    ScenarioResult r = Scenarios.RING_NODE_FAILURE.run(kit, seed);
    List<String> plan = new java.util.ArrayList<>();
    r.history().ops().stream().sorted(java.util.Comparator.comparingInt(io.replikit.testkit.history.Op::client))
        .forEach(o -> plan.add(o.client() + " " + o.op() + " " + o.key() + " " + o.value()));
    plan.sort(null);
    r.events().stream().filter(e -> e.startsWith("round")).forEach(plan::add);
    return plan;
  }
}
