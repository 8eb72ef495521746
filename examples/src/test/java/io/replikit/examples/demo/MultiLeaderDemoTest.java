package io.replikit.examples.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The multi-leader demo end to end on an H2 file in a temporary directory. */
class MultiLeaderDemoTest {

  @Test
  void threeDatacentersConvergeAfterTheCutAndEveryConflictIsResolvedByItsKeysStrategy(@TempDir Path dir) {
    StringWriter narration = new StringWriter();
    MultiLeaderDemo.Result result = MultiLeaderDemo.run(dir, new PrintWriter(narration, true));
    String text = narration.toString();
    assertEquals(result.values().get("eu"), result.values().get("us"), "eu and us end the same:\n" + text);
    assertEquals(result.values().get("eu"), result.values().get("ap"), "eu and ap end the same:\n" + text);
    assertEquals("[\"book\",\"lamp\",\"pen\"]", result.values().get("ap").get("cart:ada").toString(),
        "the carts merged");
    assertEquals("\"booked by Alan\"", result.values().get("us").get("room:101").toString(),
        "the resolver gave the room to the guest booked in ap, first of the two datacenters by name");
    Set<String> strategies = result.conflicts().stream().map(c -> c.strategy()).collect(Collectors.toSet());
    assertEquals(Set.of("merge", "last-write-wins", "keep-siblings", "on-write-resolver"), strategies, text);
    for (int step = 1; step <= 5; step++) {
      assertTrue(text.contains("== " + step + ". "), "step " + step + " is announced:\n" + text);
    }
    assertTrue(text.contains("the application's next write resolved it"), text);
  }
}
