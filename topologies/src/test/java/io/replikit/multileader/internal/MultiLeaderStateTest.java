package io.replikit.multileader.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.replikit.multileader.ConflictPolicy;
import io.replikit.versioning.Dot;
import io.replikit.versioning.HlcTimestamp;
import io.replikit.versioning.VersionVector;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** What a replica answers to a neighbour's digest: exactly what it lacks, in apply order, cut at the limit. */
class MultiLeaderStateTest {

  @Test
  void aDigestIsAnsweredWithWhatTheNeighbourLacksInApplyOrderUpToTheLimit() {
    Random random = new Random(5);
    MultiLeaderState state = MultiLeaderState.empty("a");
    List<Change> order = new ArrayList<>();
    Map<String, Long> counters = new java.util.HashMap<>();
    for (int i = 0; i < 200; i++) {
      String origin = List.of("a", "b", "c").get(random.nextInt(3));
      long counter = counters.merge(origin, 1L, Long::sum);
      Change c = new Change(new Dot(origin, counter), state.applied().with(origin, counter - 1),
          new HlcTimestamp(i, 0, origin), "k" + random.nextInt(20), JsonNodeFactory.instance.numberNode(i));
      state = state.apply(c, ConflictPolicy.lastWriteWins()).state();
      order.add(c);
    }
    for (int trial = 0; trial < 50; trial++) {
      VersionVector theirs = VersionVector.empty();
      for (String o : List.of("a", "b", "c")) {
        theirs = theirs.with(o, random.nextInt((int) (long) counters.get(o) + 3)); // sometimes ahead: nothing due
      }
      int limit = 1 + random.nextInt(80);
      List<Change> expected = new ArrayList<>();
      for (Change c : order) {
        if (!theirs.covers(c.dot()) && expected.size() < limit) {
          expected.add(c);
        }
      }
      assertEquals(expected, state.missingFrom(theirs, limit), "digest " + theirs + ", limit " + limit);
    }
    assertEquals(List.of(), state.missingFrom(state.applied(), 10));
  }

  @Test
  void aConflictNamesItsWinnerAndTheClockTimeOfTheWriteThatRevealedIt() {
    JsonNodeFactory json = JsonNodeFactory.instance;
    Change fromA = new Change(new Dot("a", 1), VersionVector.empty(), new HlcTimestamp(1_000, 0, "a"), "room",
        json.textNode("Grace"));
    Change fromB = new Change(new Dot("b", 1), VersionVector.empty(), new HlcTimestamp(2_000, 0, "b"), "room",
        json.textNode("Alan"));
    MultiLeaderState.Applied first = MultiLeaderState.empty("c").apply(fromB, ConflictPolicy.lastWriteWins());
    assertEquals(null, first.conflict(), "one version: no conflict yet");
    io.replikit.multileader.ConflictRecord lww = first.state().apply(fromA, ConflictPolicy.lastWriteWins()).conflict();
    assertEquals("last-write-wins", lww.strategy());
    assertEquals("b", lww.winner(), "b's write has the later clock, whichever arrived last");
    assertEquals(1_000, lww.atMillis(), "the time of a's write, which revealed the conflict");

    ConflictPolicy priority = ConflictPolicy.of(new io.replikit.multileader.ConflictStrategy.ReplicaPriority(
        List.of("a", "b")));
    io.replikit.multileader.ConflictRecord byPriority = MultiLeaderState.empty("c").apply(fromB, priority).state()
        .apply(fromA, priority).conflict();
    assertEquals("a", byPriority.winner(), "a is listed first");
    io.replikit.multileader.ConflictRecord siblings = MultiLeaderState.empty("c")
        .apply(fromB, ConflictPolicy.of(io.replikit.multileader.ConflictStrategy.keepSiblings())).state()
        .apply(fromA, ConflictPolicy.of(io.replikit.multileader.ConflictStrategy.keepSiblings())).conflict();
    assertEquals(null, siblings.winner(), "siblings have no single winner");
    assertEquals("keep-siblings", siblings.strategy());
  }
}
