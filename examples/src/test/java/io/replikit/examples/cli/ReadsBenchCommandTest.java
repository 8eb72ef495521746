package io.replikit.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/** {@code replikit bench reads} on a few reads: its progress lines on stderr, one JSON object on stdout. */
class ReadsBenchCommandTest {

  @Test
  void eachKindShowsItsReadsAnsweredOnStderrWhileStdoutStaysOneJsonObject() throws Exception {
    BenchProgressLines.Run r = BenchProgressLines.run("bench", "reads", "--reads", "30", "--warm-up", "0",
        "--lag-ms", "20", "--write-rate", "100", "--readers", "4", "--keys", "3", "--progress-ms", "5", "--json");
    assertEquals(0, r.exitCode(), r.err());
    JsonNode json = r.json();
    assertEquals(30, json.get("reads").asInt());
    assertEquals(4, json.get("kinds").size(), json.toString());
    r.showsProgress("plain|read_your_writes|monotonic|bounded_staleness", "reads answered");
  }
}
