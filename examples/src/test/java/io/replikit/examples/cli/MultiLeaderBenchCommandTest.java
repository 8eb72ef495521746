package io.replikit.examples.cli;

import static io.replikit.examples.cli.BenchProgressLines.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.replikit.examples.cli.BenchProgressLines.Run;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@code replikit bench multi-leader} on a tiny workload: exactly one JSON object on stdout with the figures of Akka's
 * Replicated Event Sourcing baseline, which converges (and whose links cannot be cut); and Replikit's replicas along
 * every topology, converging after the writes and after a leader cut off during writes comes back.
 */
class MultiLeaderBenchCommandTest {
  private static final int WRITES = 40;
  private static final int LEADERS = 3;

  @Test
  void theAkkaBaselinePrintsOneJsonObjectWithEveryFigureAndConverges() throws Exception {
    Run r = run("bench", "multi-leader", "--leaders", "" + LEADERS, "--writes", "" + WRITES, "--warm-up", "10",
        "--keys", "10", "--hot-keys", "2", "--hot-share", "0.5", "--concurrency", "4", "--seed", "7",
        "--poll-ms", "20", "--converge-timeout-s", "30", "--json");
    assertEquals(0, r.exitCode(), r.err());
    String stdout = r.out().trim();
    assertEquals(1, stdout.lines().count(), "one line of JSON: " + stdout);
    JsonNode json = new ObjectMapper().readTree(stdout);

    assertEquals(LEADERS, json.get("leaders").asInt());
    assertEquals(WRITES, json.get("writes").asInt());
    assertEquals(10, json.get("warm_up").asInt());
    assertEquals(10, json.get("keys").asInt());
    assertEquals(2, json.get("hot_keys").asInt());
    assertEquals(0.5, json.get("hot_share").asDouble());
    assertEquals("round-robin", json.get("placement").asText());
    assertEquals(7, json.get("seed").asLong());
    assertEquals("closed-loop", json.get("load").asText());
    assertEquals(4, json.get("concurrency").asInt());
    assertEquals("all-to-all", json.get("topology").asText());
    assertEquals("h2-memory", json.get("journal").asText());
    assertEquals(20, json.get("poll_ms").asInt());
    assertEquals("false", json.get("system_options").get("akka-direct-replication").asText());
    assertTrue(json.get("delay_method").asText().contains("last other leader"), json.toString());
    assertTrue(json.get("conflict_method").asText().contains("neither leader"), json.toString());
    assertEquals(Set.of("akka"), fieldNames(json.get("systems")));

    JsonNode akka = json.get("systems").get("akka");
    String where = akka.toString();
    assertEquals(WRITES, akka.get("acked").asInt(), where);
    assertEquals(0, akka.get("failed_writes").asInt(), where);
    assertTrue(akka.get("writes_per_s").asDouble() > 0, where);
    assertTrue(akka.get("ack_p99_ms").asDouble() >= akka.get("ack_p50_ms").asDouble(), where);
    assertEquals(WRITES, akka.get("propagated_writes").asInt(), "every write reached every leader: " + where);
    assertTrue(akka.get("propagation_p50_ms").isNumber(), where);
    assertTrue(akka.get("propagation_p99_ms").asDouble() >= akka.get("propagation_p50_ms").asDouble(), where);
    assertTrue(akka.get("propagation_max_ms").asDouble() >= akka.get("propagation_p99_ms").asDouble(), where);
    assertTrue(akka.get("concurrent_same_key_pairs").asLong() >= 0, where);
    assertTrue(akka.get("writes_in_concurrent_pairs").asInt() <= WRITES, where);
    int flagged = akka.get("conflicts_flagged_by_system").asInt();
    assertTrue(flagged >= 0 && flagged <= WRITES, where);
    assertTrue(akka.get("converged").asBoolean(), where);
    assertEquals(0, akka.get("writes_not_visible_everywhere").asInt(), where);
    assertTrue(akka.get("time_to_converge_ms").asDouble() >= 0, where);
    assertTrue(akka.get("states_equal").asBoolean(), where);
    assertEquals(LEADERS, akka.get("keys_per_leader").size(), where);
    assertEquals(0, akka.get("keys_missing").asInt(), where);
    assertTrue(akka.get("messages_per_write").isNull(), "not counted without direct replication: " + where);
    assertEquals("not measured", akka.get("traffic_method").asText(), where);
    assertTrue(akka.get("warm_up_converged").asBoolean(), where);
    assertTrue(akka.get("after_heal").get("not_measured").asText().contains("no link"), where);
    JsonNode d = akka.get("description");
    assertTrue(d.get("journal").asText().contains("akka-persistence-jdbc 5.1.0"), where);
    assertTrue(d.get("journal_reason").asText().contains("meta_payload"), where);
    assertTrue(d.get("topology").asText().startsWith("all-to-all"), where);
    assertTrue(d.get("implementation").asText().contains("Replicated Event Sourcing"), where);
  }

  @Test
  void withDirectReplicationOnTheTestKitJournalTheTrafficIsCountedAndTheTableNamesTheFigures() {
    Run r = run("bench", "multi-leader", "--leaders", "2", "--writes", "20", "--warm-up", "0", "--keys", "5",
        "--hot-keys", "0", "--journal", "testkit", "--akka-direct-replication", "--converge-timeout-s", "10");
    assertEquals(0, r.exitCode(), r.err());
    for (String figure : new String[] {"writes/s", "propagation p50 / p99 ms", "same-key concurrent pairs",
        "converged / states equal", "time to converge ms", "messages / bytes per write", "journal: testkit",
        "direct_replication: on"}) {
      assertTrue(r.out().contains(figure), "the table shows " + figure + ": " + r.out());
    }
    assertFalse(r.out().contains("not measured"), "direct replication's messages are counted: " + r.out());
  }

  @Test
  void replikitsMultiLeaderReplicasRunAlongEveryTopologyAndConverge() throws Exception {
    for (String topology : new String[] {"all-to-all", "circular", "star"}) {
      Run r = run("bench", "multi-leader", "--system", "replikit", "--topology", topology, "--writes", "60",
          "--warm-up", "10", "--keys", "20", "--cut-writes", "80", "--json");
      assertEquals(0, r.exitCode(), r.err());
      JsonNode replikit = new ObjectMapper().readTree(r.out()).get("systems").get("replikit");
      assertTrue(replikit.get("converged").asBoolean(), topology + ": " + r.out());
      JsonNode heal = replikit.get("after_heal");
      assertEquals(2, heal.get("cut_leader").asInt(), topology + ": the last leader is cut off: " + heal);
      assertEquals(80, heal.get("acked").asInt(), topology + ": every leader takes writes during the cut: " + heal);
      assertTrue(heal.get("writes_to_repair_at_heal").asInt() > 0, topology + ": the cut kept writes apart: " + heal);
      assertTrue(heal.get("converged").asBoolean(), topology + ": " + heal);
      assertTrue(heal.get("time_to_converge_after_heal_ms").asDouble() >= 0, topology + ": " + heal);
      assertTrue(heal.get("states_equal").asBoolean(), topology + ": " + heal);
    }
  }

  @Test
  void everyPhaseShowsHowFarItGotOnStderrWhileStdoutStaysOneJsonObject() throws Exception {
    BenchProgressLines.Run r = BenchProgressLines.run("bench", "multi-leader", "--system", "replikit", "--writes",
        "200", "--warm-up", "20", "--keys", "20", "--concurrency", "4", "--cut-writes", "40", "--progress-ms", "5",
        "--json");
    assertEquals(0, r.exitCode(), r.err());
    JsonNode replikit = r.json().get("systems").get("replikit");
    assertTrue(replikit.get("converged").asBoolean(), replikit.toString());
    r.showsProgress("replikit (warm-up|measured|cut off)", "writes acknowledged");
  }

  private static Set<String> fieldNames(JsonNode node) {
    Set<String> names = new HashSet<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
