package io.replikit.examples.bench.leaderless;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A small run of {@code bench staleness} at w/r 1/1 and 2/2: every read is checked, the figures are shares, the
 * prediction comes from latencies the run measured, and with w + r > n neither the measurement nor the prediction
 * finds a stale read (the quorum guarantee, not a timing). No assertion on how stale 1/1 is: that is timing.
 */
class StalenessBenchTest {

  @Test
  void eachQuorumIsMeasuredAndPredictedAndTheStrictOneIsNeverStale() throws Exception {
    StalenessBench.Options o = new StalenessBench.Options(5, 40, 4, StalenessBench.Quorum.parseList("1/1, 2/2"), 3,
        5, 0, 2_000);
    StringWriter progress = new StringWriter();
    StalenessBench.Report report = StalenessBench.run(o, new PrintWriter(progress, true));
    JsonNode json = report.toJson();
    assertEquals("leaderless-staleness", json.get("bench").asText());
    JsonNode runs = json.get("runs");
    assertEquals(2, runs.size(), json.toString());
    for (JsonNode run : runs) {
      assertEquals(40, run.get("pairs").asInt(), run.toString());
      assertEquals(0, run.get("failed_writes").asLong() + run.get("failed_reads").asLong(), run.toString());
      assertEquals(40, run.get("reads_checked").asLong() + run.get("reads_unchecked").asLong(),
          "every read judged: " + run);
      double measured = run.get("measured_stale_share").asDouble();
      double predicted = run.get("predicted_stale_share").asDouble();
      assertTrue(measured >= 0 && measured <= 1 && predicted >= 0 && predicted <= 1, run.toString());
      assertTrue(run.get("median_ms").get("W").asDouble() > 0 && run.get("median_ms").get("R").asDouble() > 0,
          "the prediction is fed with measured latencies: " + run);
    }
    JsonNode strict = runs.get(1);
    assertEquals(2, strict.get("w").asInt());
    assertEquals(0, strict.get("reads_stale").asLong(), "w + r > n: no stale read " + strict);
    assertEquals(0.0, strict.get("predicted_stale_share").asDouble(), "PBS agrees for w + r > n: " + strict);

    StringWriter table = new StringWriter();
    report.printTable(new PrintWriter(table, true));
    assertTrue(table.toString().contains("1/1") && table.toString().contains("predicted"), table.toString());
  }

  @Test
  void badQuorumListsAreRefusedNamingWhatWasWrong() {
    IllegalArgumentException notAPair = assertThrows(IllegalArgumentException.class,
        () -> StalenessBench.Quorum.parseList("1/1,2"));
    assertTrue(notAPair.getMessage().contains("'2'"), notAPair.getMessage());
    IllegalArgumentException tooBig = assertThrows(IllegalArgumentException.class,
        () -> StalenessBench.Quorum.parseList("4/1"));
    assertTrue(tooBig.getMessage().contains("4/1"), tooBig.getMessage());
    assertEquals(List.of(new StalenessBench.Quorum(1, 2), new StalenessBench.Quorum(2, 1)),
        StalenessBench.Quorum.parseList("1/2,2/1"));
  }
}
