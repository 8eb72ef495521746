package io.replikit.multileader.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.replikit.multileader.ConflictPolicy;
import io.replikit.multileader.ConflictRecord;
import io.replikit.multileader.ConflictStrategy;
import io.replikit.multileader.TopologySpec;
import io.replikit.versioning.Dot;
import io.replikit.versioning.HlcTimestamp;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * A replica that restarts under its id with an empty journal (sharding placed it on a node without its journal):
 * without an incarnation its next write reuses a dot its peers have applied, and they drop it; with one it writes
 * under a fresh origin, gets its own past back from a peer, and a journal that holds events keeps its origin.
 */
class IncarnationTest {
  private static final ConflictPolicy LWW = ConflictPolicy.lastWriteWins();
  private static long clock = 1_000;

  private static JsonNode json(String s) {
    return JsonNodeFactory.instance.textNode(s);
  }

  private static HlcTimestamp hlc(String node) {
    return new HlcTimestamp(clock++, 0, node);
  }

  /** a wrote k1, k2 and b applied them; returns b's state. */
  private static MultiLeaderState peerThatHasAsPast() {
    MultiLeaderState a = MultiLeaderState.empty("a");
    MultiLeaderState b = MultiLeaderState.empty("b");
    for (String k : List.of("k1", "k2")) {
      Change c = a.localWrite(k, json("old " + k), hlc("a"));
      a = a.apply(c, LWW).state();
      b = b.apply(c, LWW).state();
    }
    return b;
  }

  @Test
  void anEmptyReplicaWithoutAnIncarnationReusesADotItsPeersHaveAppliedAndWithOneItDoesNot() {
    MultiLeaderState b = peerThatHasAsPast();
    MultiLeaderState blank = MultiLeaderState.empty("a"); // what a's lost journal recovers to

    Change reused = blank.localWrite("blind", json("new"), hlc("a"));
    assertEquals(new Dot("a", 1), reused.dot());
    assertTrue(b.hasApplied(reused), "the peer takes the new write for the old a:1 and would drop it");
    assertFalse(Incarnation.mustIncarnate(blank, false), "with the option off, today's behaviour");

    assertTrue(Incarnation.mustIncarnate(blank, true));
    MultiLeaderState a = blank.apply(new Incarnated(Incarnation.origin("a", "x1")), LWW).state();
    assertEquals("a~x1", a.origin());
    Change fresh = a.localWrite("blind", json("new"), hlc("a"));
    assertEquals(new Dot("a~x1", 1), fresh.dot());
    assertFalse(b.hasApplied(fresh), "a dot never used before");
    assertTrue(MultiLeaderState.deliverable(b.applied(), fresh));
    b = b.apply(fresh, LWW).state();
    assertEquals("new", b.view("blind", LWW).value().asText(), "the peer holds the write a acknowledged");
    assertEquals("old k1", b.view("k1", LWW).value().asText());
  }

  @Test
  void itsOwnPastComesBackFromAPeerAndIsAppliedNotDroppedAsALoop() {
    MultiLeaderState b = peerThatHasAsPast();
    MultiLeaderState a = MultiLeaderState.empty("a").incarnated("a~x2");

    // b answers a's digest: what a lacks, tagged with its member and b (as the shell tags a repair)
    List<Change> missing = b.missingFrom(a.applied(), 10);
    assertEquals(2, missing.size());
    List<String> tags = List.of(Incarnation.memberOf(missing.get(0).origin()), "b");
    assertEquals(List.of("a", "b"), tags);
    for (Change c : missing) {
      assertFalse(a.loopedBack(c, tags), c.dot() + " is a's past, lost with its journal: not a loop");
      assertTrue(MultiLeaderState.deliverable(a.applied(), c));
      a = a.apply(c, LWW).state();
      assertTrue(a.loopedBack(c, tags), "once applied, a copy bearing a's tag is one that came around");
    }
    assertEquals("old k2", a.view("k2", LWW).value().asText());

    // caught up, its next write of k1 supersedes the old one instead of conflicting with it
    Change update = a.localWrite("k1", json("newer"), hlc("a"));
    MultiLeaderState.Applied applied = b.apply(update, LWW);
    assertEquals(null, applied.conflict(), "the update saw the old k1");
    assertEquals(List.of("a~x2:1"), applied.state().view("k1", LWW).versions());
  }

  @Test
  void aJournalThatHoldsEventsKeepsTheOriginItWasWrittenUnder() {
    // written before the option existed: changes under the plain id, no incarnation
    MultiLeaderState legacy = MultiLeaderState.empty("a");
    legacy = legacy.apply(legacy.localWrite("k", json("1"), hlc("a")), LWW).state();
    assertFalse(Incarnation.mustIncarnate(legacy, true), "a journal with events is not empty");
    assertEquals(new Dot("a", 2), legacy.localWrite("k", json("2"), hlc("a")).dot());
    MultiLeaderState writtenAs = legacy;
    IllegalStateException refused = assertThrows(IllegalStateException.class,
        () -> writtenAs.incarnated("a~late"));
    assertTrue(refused.getMessage().contains("only a replica with an empty journal"), refused.getMessage());

    // an incarnated replica replays its journal (the incarnation first) and goes on counting under it
    MultiLeaderState live = MultiLeaderState.empty("a");
    List<MultiLeaderEvent> journal = new java.util.ArrayList<>();
    journal.add(new Incarnated("a~x3"));
    live = live.apply(journal.get(0), LWW).state();
    for (int i = 0; i < 3; i++) {
      Change c = live.localWrite("k" + i, json("v" + i), hlc("a"));
      journal.add(c);
      live = live.apply(c, LWW).state();
    }
    MultiLeaderState replayed = MultiLeaderState.empty("a");
    for (MultiLeaderEvent e : journal) {
      replayed = replayed.apply(e, LWW).state();
    }
    assertEquals("a~x3", replayed.origin());
    assertFalse(Incarnation.mustIncarnate(replayed, true));
    assertEquals(new Dot("a~x3", 4), replayed.localWrite("k", json("next"), hlc("a")).dot());
    // even an incarnation with nothing written after it is kept: the journal is not empty any more
    MultiLeaderState onlyIncarnated = MultiLeaderState.empty("a").apply(new Incarnated("a~x4"), LWW).state();
    assertFalse(Incarnation.mustIncarnate(onlyIncarnated, true));
  }

  @Test
  void conflictsNameTheMemberAndReplicaPriorityRanksAnIncarnationAsItsMember() {
    Change fromA = new Change(new Dot("a~x5", 1), io.replikit.versioning.VersionVector.empty(),
        new HlcTimestamp(1, 0, "a"), "room", json("Grace"));
    Change fromB = new Change(new Dot("b", 1), io.replikit.versioning.VersionVector.empty(),
        new HlcTimestamp(2, 0, "b"), "room", json("Alan"));
    ConflictPolicy aFirst = ConflictPolicy.of(new ConflictStrategy.ReplicaPriority(List.of("a", "b")));
    MultiLeaderState.Applied applied = MultiLeaderState.empty("c").apply(fromB, aFirst).state().apply(fromA, aFirst);
    ConflictRecord conflict = applied.conflict();
    assertEquals("a", conflict.winner(), "a's incarnation ranks as a");
    assertEquals("Grace", applied.state().view("room", aFirst).value().asText());
    ConflictRecord lww = MultiLeaderState.empty("c").apply(fromA, LWW).state().apply(fromB, LWW).conflict();
    assertEquals("b", lww.winner());
  }

  @Test
  void originsAndIdsAreCheckedAndFreshIdsDiffer() {
    assertEquals("r0~k2", Incarnation.origin("r0", "k2"));
    assertEquals("r0", Incarnation.memberOf("r0~k2"));
    assertEquals("r0", Incarnation.memberOf("r0"));
    assertThrows(IllegalArgumentException.class, () -> Incarnation.origin("r0", "a~b"));
    assertThrows(IllegalArgumentException.class, () -> Incarnation.origin("r0", ""));
    assertThrows(IllegalArgumentException.class, () -> MultiLeaderState.empty("a").incarnated("b~x"));
    IllegalArgumentException tilde = assertThrows(IllegalArgumentException.class,
        () -> TopologySpec.allToAll("g", "a", "b~1"));
    assertTrue(tilde.getMessage().contains("'b~1' contains '~'"), tilde.getMessage());
    Supplier<String> ids = Incarnation.randomIds(new Random(42));
    Set<String> seen = new java.util.HashSet<>();
    for (int i = 0; i < 1000; i++) {
      String id = ids.get();
      assertFalse(id.isEmpty() || id.indexOf('~') >= 0, id);
      assertTrue(seen.add(id), "drawn twice: " + id);
    }
  }
}
