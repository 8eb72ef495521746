package io.replikit.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/** {@code replikit bench anti-entropy} on a few keys: its progress lines on stderr, one JSON object on stdout. */
class AntiEntropyBenchCommandTest {

  @Test
  void theLoadAndTheRoundShowHowFarTheyGotOnStderrWhileStdoutStaysOneJsonObject() throws Exception {
    BenchProgressLines.Run r = BenchProgressLines.run("bench", "anti-entropy", "--keys", "3000", "--diverged",
        "40", "--segments", "1024", "--fan-out", "32", "--progress-ms", "5", "--json");
    assertEquals(0, r.exitCode(), r.err());
    JsonNode json = r.json();
    assertEquals("anti-entropy", json.get("bench").asText());
    assertEquals(3000, json.get("keys").asInt());
    assertTrue(json.get("equalAfter").asBoolean(), json.toString());
    r.showsProgress("load", "keys on both replicas");
    r.showsProgress("repair round|second round", "exchanges");
  }
}
