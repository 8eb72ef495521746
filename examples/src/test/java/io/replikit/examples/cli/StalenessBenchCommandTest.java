package io.replikit.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/** {@code replikit bench staleness} on a few pairs: its progress lines on stderr, one JSON object on stdout. */
class StalenessBenchCommandTest {

  @Test
  void eachQuorumShowsItsPairsAndJudgedReadsOnStderrWhileStdoutStaysOneJsonObject() throws Exception {
    BenchProgressLines.Run r = BenchProgressLines.run("bench", "staleness", "--wr", "1/1,2/2", "--pairs", "40",
        "--concurrency", "4", "--max-delay-ms", "5", "--trials", "2000", "--seed", "3", "--progress-ms", "5",
        "--json");
    assertEquals(0, r.exitCode(), r.err());
    JsonNode json = r.json();
    assertEquals("leaderless-staleness", json.get("bench").asText());
    assertEquals(2, json.get("runs").size(), json.toString());
    r.showsProgress("w/r (1/1|2/2)", "write-then-read pairs");
  }
}
