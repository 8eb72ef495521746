package io.replikit.examples.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo's main job, end to end on an H2 file in a temporary directory. */
class DemoTest {

  @Test
  void theDemoRunsEveryStepAndEndsWithEveryReplicaAtTheLeadersPosition(@TempDir Path dir) {
    StringWriter narration = new StringWriter();
    SingleLeaderDemo.Result result = SingleLeaderDemo.run(dir, new PrintWriter(narration, true));
    String text = narration.toString();

    List<String> replicas = result.rows().stream().map(SingleLeaderDemo.Row::replica).collect(Collectors.toList());
    assertEquals(List.of("L", "f1", "f2", "f3", "f4"), replicas, "the leader, three followers and the joiner");
    for (SingleLeaderDemo.Row row : result.rows()) {
      assertEquals(result.leaderPosition(), row.appliedPosition(), row.replica() + " ends at the leader's position");
      assertEquals(result.rows().get(0).keys(), row.keys(), row.replica() + " holds as many keys as the leader");
      assertEquals(0, row.lagEntries(), row.replica() + " has no lag at the end");
    }
    assertEquals("sync", result.rows().get(1).syncState(), "f1 is synchronous again after the network healed");
    assertTrue(result.leaderPosition() > 1500, "the import and the writers ran: " + result.leaderPosition());

    for (int step = 1; step <= 7; step++) {
      assertTrue(text.contains("== " + step + ". "), "step " + step + " is announced:\n" + text);
    }
    assertTrue(text.contains("version conflict"), "the stale conditional put is refused:\n" + text);
    assertTrue(text.contains("f4 installed a snapshot taken at position"), "f4 joined by snapshot:\n" + text);
    assertTrue(text.contains("f2 is now synchronous"), "f2 was promoted while f1 was cut off:\n" + text);
    assertTrue(Files.exists(dir.resolve("replikit.mv.db")), "the journal is an H2 file in the given directory");
  }
}
