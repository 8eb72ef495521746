package io.replikit.examples.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The document demo end to end on an H2 file in a temporary directory. */
class DocumentDemoTest {

  @Test
  void twoUsersTypingAtOnceEndWithOneTextAndTheirWordsNeverInterleave(@TempDir Path dir) {
    StringWriter narration = new StringWriter();
    DocumentDemo.Result result = DocumentDemo.run(dir, new PrintWriter(narration, true));
    String text = narration.toString();

    assertTrue(result.verified(), "every check held: " + result.failedChecks() + "\n" + text);
    String merged = result.texts().get("alice");
    assertEquals(merged, result.texts().get("bob"), "both users see the same text:\n" + text);
    assertEquals(" budget review", result.typed().get("alice"));
    assertEquals(" hiring plan", result.typed().get("bob"));
    assertTrue(Set.of("Minutes: budget review hiring plan", "Minutes: hiring plan budget review").contains(merged),
        "each user's words whole, side by side, and bob's new title: '" + merged + "'");
    assertTrue(!result.conflicts().isEmpty() && result.conflicts().stream().allMatch(c ->
        c.strategy().equals("crdt:rga") && c.outcome().contains("nothing lost")),
        "the keystrokes were seen as concurrent and merged by the text CRDT: " + result.conflicts());
    for (int step = 1; step <= 4; step++) {
      assertTrue(text.contains("== " + step + ". "), "step " + step + " is announced:\n" + text);
    }
    assertTrue(text.contains("VERIFIED: both users ended with the same text"), text);
  }
}
