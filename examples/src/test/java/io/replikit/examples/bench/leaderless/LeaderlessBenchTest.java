package io.replikit.examples.bench.leaderless;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A small run of {@code bench leaderless} on both systems: three cluster nodes, every key loaded, a seeded mixed
 * phase, and the figures say how many requests each system answered, that none failed, that every loaded key was
 * found, and how keys map to Distributed Data's top-level entries.
 */
class LeaderlessBenchTest {

  @Test
  void bothSystemsLoadEveryKeyAndAnswerTheMixedPhaseWithoutFailures() throws Exception {
    LeaderlessBench.Options o = new LeaderlessBench.Options(3, 150, 150, 16, List.of("replikit", "akka"), 7, 0.5,
        LeaderlessBench.JOURNAL_INMEM, 10, 120);
    StringWriter progress = new StringWriter();
    JsonNode json = LeaderlessBench.run(o, new PrintWriter(progress, true)).toJson();
    assertEquals(150, json.get("keys").asInt());
    for (String system : List.of("replikit", "akka")) {
      JsonNode s = json.get("systems").get(system);
      JsonNode load = s.get("load");
      JsonNode mixed = s.get("mixed");
      assertEquals(150, load.get("puts").asLong(), system + " loaded every key: " + s);
      assertEquals(150, mixed.get("puts").asLong() + mixed.get("gets").asLong(), system + ": " + s);
      assertTrue(mixed.get("gets").asLong() > 40 && mixed.get("puts").asLong() > 40, "seeded half/half: " + s);
      assertEquals(0, load.get("failed_puts").asLong() + mixed.get("failed_puts").asLong()
          + mixed.get("failed_gets").asLong(), system + " failed nothing: " + s);
      assertEquals(0, s.get("gets_of_loaded_keys_not_found").asLong(), system + " found every loaded key: " + s);
      assertTrue(load.get("puts_per_s").asDouble() > 0, s.toString());
      assertFalse(load.get("cut_short").asBoolean(), s.toString());
    }
    assertTrue(json.get("systems").get("akka").get("description").get("key_mapping").asText()
        .contains("one of 10 LWWMap"), json.toString());
    assertTrue(json.has("replikit_over_akka"), json.toString());
  }
}
