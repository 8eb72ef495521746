package io.replikit.examples.cli;

import static io.replikit.examples.cli.BenchProgressLines.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.replikit.examples.cli.BenchProgressLines.Run;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code replikit bench sharding --family ...} on a tiny keyspace (3 nodes, 2 partitions x 3 replicas, a node joins,
 * one crashes): exactly one JSON object on stdout with every figure; every replica placed after each event, none two
 * of a group on a node; acknowledged writes all along and none lost or unreadable at the end. The leaderless and
 * multi-leader runs use a journal per node, so the replicas the join and the crash move start empty and write under
 * a new incarnation; a bad family or a mode the family does not take is refused naming the option.
 */
class ShardingBenchCommandTest {
  private static final int PARTITIONS = 2;

  private static JsonNode bench(String family, String journal) throws Exception {
    Run r = run("bench", "sharding", "--family", family, "--journal", journal, "--nodes", "3", "--partitions",
        "" + PARTITIONS, "--rebalance-interval", "500", "--write-interval", "20", "--json");
    assertEquals(0, r.exitCode(), r.err());
    String stdout = r.out().trim();
    assertEquals(1, stdout.lines().count(), "one line of JSON: " + stdout);
    JsonNode json = new ObjectMapper().readTree(stdout);
    String where = json + "\n" + r.err();
    assertEquals(family, json.get("family").asText(), where);
    assertEquals(journal, json.get("journal").asText(), where);
    assertEquals(PARTITIONS, json.get("partitions_placed").asInt(), "every group fully placed: " + where);
    assertEquals(2, json.get("replicas_per_node_max").asInt(), "6 replicas on 3 nodes: " + where);
    assertEquals(2, json.get("replicas_per_node_min").asInt(), where);
    assertEquals(4, json.get("join").get("nodes").asInt(), where);
    // 6 replicas on 4 nodes: 1 or 2 each, so the joining node took some
    assertEquals(1, json.get("join").get("replicas_per_node_min").asInt(), "the new node hosts replicas: " + where);
    assertEquals(2, json.get("join").get("replicas_per_node_max").asInt(), where);
    assertEquals(3, json.get("leave").get("nodes").asInt(), where);
    assertEquals(2, json.get("leave").get("replicas_per_node_min").asInt(), "the crashed node's replicas placed "
        + "again: " + where);
    assertTrue(json.get("join").get("rebalance_ms").asLong() > 0, where);
    assertTrue(json.get("leave").get("serve_again_ms").asLong() > 0, where);
    assertTrue(json.get("acknowledged").asLong() > 20, "writes acknowledged all along: " + where);
    assertEquals(0, json.get("writes_lost").asLong(), where);
    assertEquals(0, json.get("writes_not_readable_by_key").asLong(), where);
    return json;
  }

  @Test
  void leaderlessRingsWithAJournalPerNodeLoseNoAcknowledgedWriteAndHaveNoLeaderToCount() throws Exception {
    JsonNode json = bench("leaderless", "per-node");
    assertEquals("w=2 r=2 of n=3, final read r=3", json.get("mode").asText(), json.toString());
    assertTrue(json.get("partitions_without_leader").isNull(), json.toString());
    assertTrue(json.get("converged").isNull(), "rings are read at r = n, no convergence awaited: " + json);
  }

  @Test
  void multiLeaderGroupsWithAJournalPerNodeConvergeAndLoseNoAcknowledgedWrite() throws Exception {
    JsonNode json = bench("multi-leader", "per-node");
    assertTrue(json.get("mode").asText().startsWith("all-to-all"), json.toString());
    assertTrue(json.get("partitions_without_leader").isNull(), json.toString());
    assertTrue(json.get("converged").asBoolean(), "every group converged before the check: " + json);
    assertTrue(json.get("converge_ms").asLong() >= 0, json.toString());
  }

  @Test
  void singleLeaderGroupsKeepTheirFiguresAndCountPartitionsWithoutALeader() throws Exception {
    JsonNode json = bench("single-leader", "shared");
    assertEquals("semi-sync", json.get("mode").asText(), json.toString());
    assertEquals(0, json.get("partitions_without_leader").asInt(), json.toString());
    assertTrue(json.get("converged").isNull(), json.toString());
  }

  @ParameterizedTest(name = "{0} is refused naming {1}")
  @CsvSource(delimiter = '|', value = {
      "--family raft                          | --family must be one of single-leader, leaderless, multi-leader",
      "--family                               | --family",
      "--family leaderless --mode sync        | --mode applies to --family single-leader only",
      "--family multi-leader --journal disk   | --journal",
  })
  void aBadFamilyOrAModeTheFamilyDoesNotTakeIsRefusedNamingTheOption(String args, String expected) {
    String[] all = ("bench sharding " + args.trim()).split("\\s+");
    Run r = run(all);
    assertEquals(2, r.exitCode(), r.err());
    assertTrue(r.err().contains(expected), r.err());
    assertEquals("", r.out(), "nothing ran");
  }
}
