package io.replikit.examples.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.replikit.examples.cli.ReplikitCli;
import io.replikit.testkit.history.History;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code replikit check}: a short campaign prints per run and in total, writes histories, and exits by promise. */
class CheckCommandTest {

  private record Run(int exitCode, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cmd = ReplikitCli.commandLine();
    cmd.setOut(new PrintWriter(out, true));
    cmd.setErr(new PrintWriter(err, true));
    return new Run(cmd.execute(args), out.toString(), err.toString());
  }

  @Test
  void aTwoRunCampaignPrintsJsonWritesEachHistoryAndExitsZeroWhenEveryPromiseHeld(@TempDir Path dir)
      throws Exception {
    Run r = run("check", "follower-partition", "--runs", "2", "--seed", "5", "--history", dir.toString(), "--json");
    assertEquals(0, r.exitCode(), r.err() + r.out());
    JsonNode report = new ObjectMapper().readTree(r.out());
    assertEquals("follower-partition", report.get("scenario").asText());
    assertEquals(2, report.get("runs").asInt());
    assertEquals(5, report.get("per_run").get(0).get("seed").asInt());
    assertEquals(6, report.get("per_run").get(1).get("seed").asInt());
    assertTrue(report.get("total").get("operations").asInt() > 0);
    assertTrue(report.get("ok").asBoolean());
    assertEquals(0, report.get("failing_seeds").size());
    assertTrue(report.get("total").get("verdicts").has("read-your-writes"), report.toString());
    for (int seed : new int[] {5, 6}) {
      Path file = dir.resolve("follower-partition-seed-" + seed + ".jsonl");
      assertTrue(Files.exists(file), file + " written");
      assertEquals(report.get("per_run").get(seed - 5).get("operations").asInt(), History.read(file).ops().size(),
          "the history holds every operation of its run");
    }
    assertTrue(r.err().contains("run 2/2 (seed 6)"), "progress on stderr: " + r.err());
  }

  @Test
  void theTableNamesEveryRunAndTheTotals() {
    Run r = run("check", "sloppy-handoff", "--runs", "1", "--seed", "3");
    assertEquals(0, r.exitCode(), r.err() + r.out());
    assertTrue(r.out().contains("scenario sloppy-handoff (leaderless)"), r.out());
    assertTrue(r.out().contains("total: 1 runs"), r.out());
    assertTrue(r.out().contains("stale-reads") && r.out().contains("(not promised)"),
        "a sloppy quorum does not promise fresh reads, and the report says so: " + r.out());
  }

  @Test
  void listNamesEveryScenarioOfEveryFamily() {
    Run r = run("check", "--list");
    assertEquals(0, r.exitCode());
    for (String name : new String[] {"leader-crash", "leader-pause", "follower-partition", "multi-leader-partition",
        "ring-node-failure", "quorum-partition", "sloppy-handoff"}) {
      assertTrue(r.out().contains(name), name + " listed: " + r.out());
    }
  }
}
