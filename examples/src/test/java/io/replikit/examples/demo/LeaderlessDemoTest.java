package io.replikit.examples.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The leaderless demo end to end on an H2 file in a temporary directory. */
class LeaderlessDemoTest {

  @Test
  void aNodeDownIsRepairedByReadsAndAntiEntropyTheCartKeepsTheRemovedItemRemovedAndAHintIsHandedOff(@TempDir Path dir) {
    StringWriter narration = new StringWriter();
    LeaderlessDemo.Result result = LeaderlessDemo.run(dir, new PrintWriter(narration, true));
    String text = narration.toString();

    assertTrue(result.verified(), "every check held: " + result.failedChecks() + "\n" + text);
    assertEquals(Set.of("bread", "eggs"), result.cart(), text);
    assertTrue(result.repairedByReads() > 0, text);
    for (int step = 1; step <= 7; step++) {
      assertTrue(text.contains("== " + step + ". "), "step " + step + " is announced:\n" + text);
    }
    assertTrue(text.contains("a read returns 2 siblings"), text);
    assertTrue(text.contains("keys repaired; n3 is now stale on 0 keys"), text);
    assertTrue(text.contains("the hint was handed off: true"), text);
  }

  @Test
  void theCartMergeIsTheUnionOfItemsLessTheUnionOfRemovals() throws Exception {
    ObjectMapper json = new ObjectMapper();
    JsonNode a = json.readTree("{\"items\":[\"bread\"],\"removed\":[\"milk\"]}");
    JsonNode b = json.readTree("{\"items\":[\"bread\",\"eggs\",\"milk\"],\"removed\":[]}");
    assertEquals(json.readTree("{\"items\":[\"bread\",\"eggs\"],\"removed\":[\"milk\"]}"),
        LeaderlessDemo.merge(List.of(a, b)));
    assertEquals(LeaderlessDemo.merge(List.of(a, b)), LeaderlessDemo.merge(List.of(b, a)), "order does not matter");
  }
}
