package io.replikit.examples.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.replikit.persistence.ReplikitJournal;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The reads bench on a few reads: its JSON, and what holds whatever the timing. */
class ReadsUnderLagBenchTest {
  private static final int READS = 30;
  private static final int LAG_MS = 20;

  @Test
  void everyKindAnswersEveryReadAndReadYourWritesNeverReturnsStaleData() throws Exception {
    ReadsUnderLagBench.Options options = new ReadsUnderLagBench.Options(READS, LAG_MS, 2 * LAG_MS, 100, 4, 3,
        ReplikitJournal.H2_MEMORY, Path.of("unused"), 0);
    ReadsUnderLagBench.Result result = ReadsUnderLagBench.run(options, new PrintWriter(new StringWriter(), true));
    JsonNode json = new ObjectMapper().readTree(new ObjectMapper().writeValueAsString(result.toJson()));

    assertEquals(READS, json.get("reads").asInt());
    assertEquals(LAG_MS, json.get("lag_ms").asInt());
    assertEquals("f2", json.get("read_from").asText());
    assertTrue(json.get("writes_acknowledged").asLong() > 0, json.toString());
    assertEquals(0, json.get("failed_writes").asInt(), json.toString());
    // every message to f2 is held back LAG_MS, so the leader learns of f2's progress no sooner than that
    assertTrue(json.get("follower_lag_p50_ms").asDouble() >= LAG_MS, json.toString());
    assertEquals(Set.of("plain", "read_your_writes", "monotonic", "bounded_staleness"), fieldNames(json.get("kinds")));
    for (ReadsUnderLagBench.Kind kind : ReadsUnderLagBench.Kind.values()) {
      JsonNode k = json.get("kinds").get(kind.jsonName());
      String where = kind + ": " + k;
      assertEquals(0, k.get("errors").asInt(), where);
      assertEquals(READS, k.get("served").asInt() + k.get("refused").asInt(), where);
      assertTrue(k.get("stale").asInt() <= k.get("served").asInt(), where);
      assertTrue(k.get("p99_ms").asDouble() >= k.get("p50_ms").asDouble(), where);
      for (String field : new String[] {"stale_age_p99_ms", "stale_age_max_ms"}) {
        assertTrue(k.has(field), where);
      }
    }
    // the guarantee: a read at the writer's token sees every write acknowledged before it was sent
    assertEquals(0, json.get("kinds").get("read_your_writes").get("stale").asInt());

    StringWriter table = new StringWriter();
    result.printTable(new PrintWriter(table, true));
    assertTrue(table.toString().contains("read_your_writes") && table.toString().contains("bounded_staleness"),
        table.toString());
  }

  private static Set<String> fieldNames(JsonNode node) {
    Set<String> names = new HashSet<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
