package io.replikit.multileader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import io.replikit.testkit.FaultyTransport;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/** Leaders that each take writes, along every topology, through faults and failures. */
class MultiLeaderReplicationTest {
  private static ActorTestKit kit;

  @BeforeAll
  static void start() {
    kit = ActorTestKit.create("multi-leader", MlGroup.testConfig());
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(value = TopologySpec.Kind.class, names = {"ALL_TO_ALL", "CIRCULAR", "STAR"})
  void everyLeaderTakesWritesAndEveryChangeIsAppliedOnceEverywhere(TopologySpec.Kind kind) {
    try (MlGroup g = new MlGroup(kit, kind, ConflictPolicy.lastWriteWins(), 1, "a", "b", "c", "d").startAll()) {
      for (int i = 0; i < 10; i++) {
        for (String leader : List.of("a", "b", "c", "d")) {
          g.put(leader, leader + "-" + i, "v" + i);
        }
      }
      g.awaitConverged();
      g.assertEachChangeAppliedOnce();
      assertEquals(40, g.readAll("c").values().size());
      assertEquals(10, g.status("a").applied().get("d"));
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(value = TopologySpec.Kind.class, names = {"ALL_TO_ALL", "CIRCULAR", "STAR"})
  void dropsDuplicatesAndDelaysThenAHealEndInOneStateWithEachChangeAppliedOnce(TopologySpec.Kind kind) {
    long seed = 20261122L + kind.ordinal();
    try (MlGroup g = new MlGroup(kit, kind, ConflictPolicy.lastWriteWins(), seed, "a", "b", "c").startAll()) {
      g.transport.setFaults(new FaultyTransport.Faults(0.2, 0.1, 0.3, Duration.ofMillis(40)));
      Random r = new Random(seed);
      for (int i = 0; i < 60; i++) {
        String leader = List.of("a", "b", "c").get(r.nextInt(3));
        g.put(leader, "k" + r.nextInt(8), leader + i); // few keys: concurrent writes to one key happen
      }
      g.transport.setFaults(FaultyTransport.Faults.NONE);
      g.awaitConverged();
      g.assertEachChangeAppliedOnce();
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(value = TopologySpec.Kind.class, names = {"CIRCULAR", "STAR"})
  void aDownNodeIsWiredAroundAndNothingThatPassedThroughItIsLost(TopologySpec.Kind kind) {
    try (MlGroup g = new MlGroup(kit, kind, ConflictPolicy.lastWriteWins(), 7, "a", "b", "c", "d").startAll()) {
      g.put("a", "before", "1");
      g.awaitConverged();
      // b (the ring's second, the star's first leaf; for a star also try the root below) fails
      String failing = kind == TopologySpec.Kind.STAR ? "a" : "b";
      g.transport.isolate(g.id(failing), Set.of(g.id("a"), g.id("b"), g.id("c"), g.id("d")));
      g.transport.markDown(g.id(failing));
      for (String leader : List.of("a", "b", "c", "d")) {
        if (!leader.equals(failing)) {
          g.put(leader, "during-" + leader, "x");
        }
      }
      // the failed node's own write reaches nobody while it is cut off
      g.put(failing, "lonely", "y");
      kit.createTestProbe().awaitAssert(MlGroup.WAIT, () -> {
        for (String r : List.of("a", "b", "c", "d")) {
          if (r.equals(failing)) {
            continue;
          }
          assertEquals(3, g.readAll(r).values().keySet().stream().filter(k -> k.startsWith("during-")).count(),
              r + " has every write made while " + failing + " was down");
        }
        return null;
      });
      g.transport.heal();
      g.awaitConverged();
      g.assertEachChangeAppliedOnce();
      assertEquals("y", g.get("c", "lonely").value().asText());
    }
  }

  @Test
  void anUpdateThatOvertakesItsInsertIsHeldUntilTheInsertArrives() {
    // the chapter's example: insert at leader 1, update at leader 2, the update reaching leader 3 first
    try (MlGroup g = new MlGroup(kit, TopologySpec.Kind.ALL_TO_ALL, ConflictPolicy.of(ConflictStrategy.keepSiblings()),
        3, "l1", "l2", "l3").startAll()) {
      g.transport.slow(g.id("l1"), g.id("l3"), Duration.ofMillis(600));
      // l3's digests reach nobody, so no repair brings the insert early: it comes only down the slow link
      g.transport.block(g.id("l3"), g.id("l1"));
      g.transport.block(g.id("l3"), g.id("l2"));
      g.put("l1", "row", "inserted");
      kit.createTestProbe().awaitAssert(MlGroup.WAIT, () -> {
        assertEquals("inserted", g.get("l2", "row").value().asText());
        return null;
      });
      g.put("l2", "row", "updated");
      kit.createTestProbe().awaitAssert(MlGroup.WAIT, () -> {
        assertEquals(1, g.status("l3").pending(), "the update waits at l3 for the insert it depends on");
        return null;
      });
      g.awaitConverged();
      MultiLeaderReplica.Value v = g.get("l3", "row");
      assertEquals("updated", v.value().asText());
      assertEquals(List.of("l2:1"), v.versions(), "the update superseded the insert: no conflict");
      assertEquals(0, g.status("l3").conflicts());
    }
  }

  @Test
  void aReplicaRestartedFromItsJournalHasEverythingAndCatchesUp() {
    try (MlGroup g = new MlGroup(kit, TopologySpec.Kind.CIRCULAR, ConflictPolicy.lastWriteWins(), 9, "a", "b", "c")
        .startAll()) {
      g.put("a", "k1", "1");
      g.put("b", "k2", "2");
      g.awaitConverged();
      g.stop("c");
      g.put("a", "k3", "3");
      g.start("c");
      g.awaitConverged();
      assertEquals("3", g.get("c", "k3").value().asText());
      assertEquals(2, g.get("c", "k2").value().asInt());
    }
  }

  @Test
  void aLongRepairAfterAHealRunsAtTheJournalsPaceNotOneBatchPerDigestInterval() {
    // 300 changes missed, 10 per digest answer, a digest every 4 s: one batch per interval would take two minutes;
    // asking again as soon as a cut-short answer is applied repairs within the test's wait
    MultiLeaderSettings slowDigests = MultiLeaderSettings.fromConfig(kit.system().settings().config())
        .withDigestInterval(Duration.ofSeconds(4)).withMaxBatch(10);
    try (MlGroup g = new MlGroup(kit, slowDigests, TopologySpec.Kind.ALL_TO_ALL, ConflictPolicy.lastWriteWins(), 12,
        "a", "b", "c").startAll()) {
      g.transport.isolate(g.id("c"), Set.of(g.id("a"), g.id("b")));
      for (int i = 0; i < 300; i++) {
        g.put(i % 2 == 0 ? "a" : "b", "k" + i, "v" + i);
      }
      assertEquals(0, g.readAll("c").values().size(), "c was cut off while a and b took writes");
      g.transport.heal();
      g.awaitConverged();
      g.assertEachChangeAppliedOnce();
      assertEquals(300, g.readAll("c").values().size());
    }
  }
}
