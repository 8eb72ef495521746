package io.replikit.testkit.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.replikit.testkit.history.Op.Outcome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every checker on hand-written histories that are valid, and invalid in one known way, so that a checker that always
 * says "fine" fails here: a lost write, a non-linearizable read, a stale read of one's own write, time going backwards,
 * an answer seen before its question, divergence.
 */
class CheckersTest {
  private static final Duration BUDGET = Duration.ofSeconds(5);

  private static JsonNode v(String s) {
    return JsonNodeFactory.instance.textNode(s);
  }

  private static Op w(int client, String key, String value, long start, long end) {
    return Op.write(client, key, v(value), start, end, Outcome.OK);
  }

  private static Op r(int client, String key, String value, long start, long end) {
    return Op.read(client, key, value == null ? null : v(value), start, end, Outcome.OK);
  }

  private static History h(Op... ops) {
    return new History(List.of(ops));
  }

  @Test
  void sequentialReadsOfTheLatestWriteAreLinearizable() {
    Verdict ok = Linearizability.check(h(w(1, "x", "a", 0, 10), r(2, "x", "a", 20, 30), w(1, "x", "b", 40, 50),
        r(2, "x", "b", 60, 70)), BUDGET);
    assertEquals(Verdict.Status.VALID, ok.status(), ok.toString());
  }

  @Test
  void aReadOfAnOverwrittenValueAfterTheOverwriteEndedIsNotLinearizable() {
    Verdict bad = Linearizability.check(h(w(1, "x", "a", 0, 10), w(1, "x", "b", 20, 30), r(2, "x", "a", 40, 50)),
        BUDGET);
    assertEquals(Verdict.Status.INVALID, bad.status(), bad.toString());
    assertTrue(bad.anomalies().get(0).contains("key x"), bad.toString());
  }

  @Test
  void aReadConcurrentWithAWriteMaySeeEitherButNotNewThenOld() {
    // the chapter's figure: a write in flight; one reader sees it, a later reader does not
    assertTrue(Linearizability.check(h(w(1, "x", "old", 0, 5), w(1, "x", "new", 10, 100),
        r(2, "x", "new", 20, 30)), BUDGET).valid());
    assertTrue(Linearizability.check(h(w(1, "x", "old", 0, 5), w(1, "x", "new", 10, 100),
        r(2, "x", "old", 20, 30)), BUDGET).valid());
    Verdict bad = Linearizability.check(h(w(1, "x", "old", 0, 5), w(1, "x", "new", 10, 100),
        r(2, "x", "new", 20, 30), r(3, "x", "old", 40, 50)), BUDGET);
    assertTrue(bad.invalid(), bad.toString());
  }

  @Test
  void anUnknownWriteMayOrMayNotHaveHappenedAndAFailedOneDidNot() {
    Op unknown = Op.write(1, "x", v("b"), 20, 30, Outcome.UNKNOWN);
    assertTrue(Linearizability.check(h(w(1, "x", "a", 0, 10), unknown, r(2, "x", "b", 1000, 1010)), BUDGET).valid());
    assertTrue(Linearizability.check(h(w(1, "x", "a", 0, 10), unknown, r(2, "x", "a", 1000, 1010)), BUDGET).valid());
    Op failed = Op.write(1, "x", v("b"), 20, 30, Outcome.FAILED);
    assertTrue(Linearizability.check(h(w(1, "x", "a", 0, 10), failed, r(2, "x", "b", 1000, 1010)), BUDGET)
        .invalid(), "a failed write that is read was promised not to have happened");
    assertTrue(Linearizability.check(h(r(2, "x", null, 0, 5), w(1, "x", "a", 10, 20)), BUDGET).valid(),
        "the register starts absent");
  }

  @Test
  void theSearchIsBoundedAndAnswersUnknownRatherThanGuess() {
    // many concurrent writes and reads of one key: a big search; a zero budget must not pretend to know
    List<Op> ops = new ArrayList<>();
    Random random = new Random(7);
    for (int i = 0; i < 200; i++) {
      long start = random.nextInt(1000);
      ops.add(i % 2 == 0 ? w(i, "x", "v" + i, start, start + 5000)
          : r(i, "x", "v" + (random.nextInt(100) * 2), start, start + 5000));
    }
    Verdict verdict = Linearizability.check(new History(ops), Duration.ZERO);
    assertEquals(Verdict.Status.UNKNOWN, verdict.status(), verdict.toString());
  }

  @Test
  void aFinalValueWrittenOnlyBeforeAnAcknowledgedWriteIsALostWrite() {
    History history = h(w(1, "x", "a", 0, 10), w(2, "x", "b", 20, 30), w(1, "y", "c", 0, 10));
    assertTrue(LostWrites.check(history, Map.of("x", List.of(v("b")), "y", List.of(v("c")))).valid());
    Verdict lost = LostWrites.check(history, Map.of("x", List.of(v("a")), "y", List.of(v("c"))));
    assertTrue(lost.invalid(), lost.toString());
    assertTrue(lost.anomalies().get(0).contains("\"b\""), lost.toString());
    assertTrue(LostWrites.check(h(w(1, "x", "a", 0, 100), w(2, "x", "b", 50, 150)), Map.of("x", List.of(v("a"))))
        .valid(), "concurrent writes: either may win");
    assertTrue(LostWrites.check(history, Map.of("x", List.of(v("a"), v("b")), "y", List.of(v("c")))).valid(),
        "siblings keep both");
    assertTrue(LostWrites.check(history, Map.of("x", List.of(v("b")), "y", List.of())).invalid(), "y vanished");
    assertTrue(LostWrites.check(history, Map.of("x", List.of(v("b"), v("zz")), "y", List.of(v("c")))).invalid(),
        "a phantom value");
  }

  @Test
  void readingOlderThanOnesOwnWriteBreaksReadYourWrites() {
    assertTrue(SessionGuarantees.readYourWrites(h(w(1, "x", "a", 0, 10), w(1, "x", "b", 20, 30),
        r(1, "x", "b", 40, 50), r(2, "x", "a", 40, 50))).valid(), "another client may lag");
    Verdict bad = SessionGuarantees.readYourWrites(h(w(1, "x", "a", 0, 10), w(1, "x", "b", 20, 30),
        r(1, "x", "a", 40, 50)));
    assertTrue(bad.invalid(), bad.toString());
    assertTrue(SessionGuarantees.readYourWrites(h(w(1, "x", "a", 0, 10), r(1, "x", null, 20, 30))).invalid(),
        "not finding one's own write");
  }

  @Test
  void aLaterReadOfAnOlderValueBreaksMonotonicReads() {
    History steps = h(w(1, "x", "a", 0, 10), w(1, "x", "b", 20, 30), r(2, "x", "a", 40, 50), r(2, "x", "b", 60, 70));
    assertTrue(SessionGuarantees.monotonicReads(steps).valid());
    Verdict back = SessionGuarantees.monotonicReads(h(w(1, "x", "a", 0, 10), w(1, "x", "b", 20, 30),
        r(2, "x", "b", 40, 50), r(2, "x", "a", 60, 70)));
    assertTrue(back.invalid(), back.toString());
  }

  @Test
  void seeingTheAnswerAndThenNotTheQuestionBreaksConsistentPrefix() {
    // Mr. Poons asks (q), Mrs. Cake reads the question and answers (a); an observer who saw the answer must not then
    // find the question missing
    History fine = h(w(1, "question", "how far?", 0, 10), r(2, "question", "how far?", 20, 30),
        w(2, "answer", "ten", 40, 50), r(3, "answer", "ten", 60, 70), r(3, "question", "how far?", 80, 90));
    assertTrue(SessionGuarantees.consistentPrefix(fine).valid(), SessionGuarantees.consistentPrefix(fine).toString());
    History broken = h(w(1, "question", "how far?", 0, 10), r(2, "question", "how far?", 20, 30),
        w(2, "answer", "ten", 40, 50), r(3, "answer", "ten", 60, 70), r(3, "question", null, 80, 90));
    Verdict v = SessionGuarantees.consistentPrefix(broken);
    assertTrue(v.invalid(), v.toString());
  }

  @Test
  void replicasHoldingDifferentSiblingsHaveNotConverged() {
    assertTrue(Convergence.check(Map.of("n1", Map.of("x", List.of(v("a"), v("b"))),
        "n2", Map.of("x", List.of(v("b"), v("a"))))).valid(), "siblings compare as sets");
    Verdict diverged = Convergence.check(Map.of("n1", Map.of("x", List.of(v("a"))), "n2", Map.of("x", List.of(v("b"))),
        "n3", Map.of()));
    assertTrue(diverged.invalid(), diverged.toString());
    assertTrue(diverged.anomalies().get(0).contains("key x"), diverged.toString());
  }

  @Test
  void aHistoryRoundTripsThroughJsonLinesAndAMalformedLineIsNamed(@TempDir Path dir) throws Exception {
    History history = h(w(3, "k1", "v7", 100, 200), r(1, "k1", "v7", 250, 300),
        new Op(2, Op.READ, "cart", null, List.of(v("milk"), v("eggs")), null, 310, 320, Outcome.OK, "n2"),
        Op.write(4, "k1", v("v8"), 400, 2400, Outcome.UNKNOWN));
    Path file = dir.resolve("history.jsonl");
    history.write(file);
    assertEquals(history.ops(), History.read(file).ops());
    String first = Files.readAllLines(file).get(0);
    assertEquals("{\"client\":3,\"op\":\"write\",\"key\":\"k1\",\"value\":\"v7\",\"start_ns\":100,\"end_ns\":200,"
        + "\"outcome\":\"ok\"}", first);

    Files.writeString(file, first + "\n{\"client\":1,\"op\":\"scan\",\"key\":\"k\",\"start_ns\":1,\"end_ns\":2,"
        + "\"outcome\":\"ok\"}\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> History.read(file));
    assertTrue(e.getMessage().contains("line 2") && e.getMessage().contains("scan"), e.getMessage());
  }
}
