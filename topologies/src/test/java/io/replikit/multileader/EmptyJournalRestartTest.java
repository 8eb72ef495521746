package io.replikit.multileader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A leader restarts under its id with an empty journal (as when sharding places it on a node that never hosted it)
 * and takes a blind write at once. With {@code incarnate-when-empty} it writes under a fresh incarnation, the
 * write reaches every leader, and it gets the group's history back, its own earlier writes too; without, its write
 * reuses a dot its peers already hold.
 */
class EmptyJournalRestartTest {
  private static ActorTestKit kit;

  @BeforeAll
  static void start() {
    kit = ActorTestKit.create("ml-empty-journal", MlGroup.testConfig());
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  private static MultiLeaderSettings settings(boolean incarnate) {
    return MultiLeaderSettings.fromConfig(kit.system().settings().config()).withIncarnateWhenEmpty(incarnate);
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(value = TopologySpec.Kind.class, names = {"ALL_TO_ALL", "CIRCULAR", "STAR"})
  void aLeaderRestartedWithAnEmptyJournalWritesUnderANewIncarnationAndGetsTheGroupsHistoryBack(
      TopologySpec.Kind kind) {
    try (MlGroup g = new MlGroup(kit, settings(true), kind, ConflictPolicy.lastWriteWins(), 3, "a", "b", "c")
        .startAll()) {
      MultiLeaderReplica.Written first = g.put("a", "k1", "1");
      g.put("a", "k2", "2");
      g.put("b", "k3", "3");
      g.awaitConverged();
      assertEquals(first.origin(), g.status("a").writesAs());
      assertTrue(first.origin().startsWith("a~"), "an empty journal at the first start too: " + first.origin());

      g.stop("a");
      g.loseJournal("a");
      g.recorder.applied.remove("a"); // the new a applies everything once more, for the first time
      g.start("a");
      MultiLeaderReplica.Written blind = g.put("a", "blind", "after");
      assertTrue(blind.origin().startsWith("a~"), blind.origin());
      assertNotEquals(first.origin(), blind.origin(), "a new incarnation, not the one the lost journal held");
      assertEquals(1, blind.counter());

      g.awaitConverged();
      g.assertEachChangeAppliedOnce();
      for (String r : List.of("a", "b", "c")) {
        assertEquals("after", g.get(r, "blind").value().asText(), r + " holds the write a acknowledged");
      }
      assertEquals("1", g.get("a", "k1").value().asText(), "a got its own earlier write back from a peer");
      assertEquals("2", g.get("a", "k2").value().asText());
      assertEquals("3", g.get("a", "k3").value().asText());
      assertEquals(blind.origin(), g.status("a").writesAs());
    }
  }

  @Test
  void withoutIncarnationsALeaderRestartedEmptyReusesADotItsPeersHoldSoTheyWouldDropItsWrite() {
    try (MlGroup g = new MlGroup(kit, settings(false), TopologySpec.Kind.ALL_TO_ALL, ConflictPolicy.lastWriteWins(),
        4, "a", "b", "c").startAll()) {
      g.put("a", "k1", "1");
      g.awaitConverged();
      g.stop("a");
      g.loseJournal("a");
      g.start("a");
      long dropped = g.status("b").duplicatesDropped();
      MultiLeaderReplica.Written blind = g.put("a", "blind", "after");
      assertEquals("a:1", blind.origin() + ":" + blind.counter());
      // b holds another write under that very dot: to b the blind write is a duplicate of k1's
      kit.createTestProbe().awaitAssert(MlGroup.WAIT, () -> {
        assertTrue(g.status("b").duplicatesDropped() > dropped, "b dropped the blind write as a copy of a:1");
        return null;
      });
      assertEquals(List.of("a:1"), g.get("b", "k1").versions());
      assertNull(g.get("b", "blind").value(), "the acknowledged blind write is not at b");
    }
  }

  @Test
  void aJournalWrittenWithoutTheOptionKeepsItsIdWhenTheOptionIsSwitchedOn() {
    try (MlGroup g = new MlGroup(kit, settings(false), TopologySpec.Kind.ALL_TO_ALL, ConflictPolicy.lastWriteWins(),
        5, "a", "b", "c").startAll()) {
      assertEquals("a", g.put("a", "k1", "1").origin());
      g.stop("a");
      g.start("a", settings(true));
      MultiLeaderReplica.Written next = g.put("a", "k2", "2");
      assertEquals("a:2", next.origin() + ":" + next.counter(), "its journal is not empty: it goes on as a");
      assertEquals("a", g.status("a").writesAs());
      g.awaitConverged();
      assertEquals("2", g.get("c", "k2").value().asText());
    }
  }
}
