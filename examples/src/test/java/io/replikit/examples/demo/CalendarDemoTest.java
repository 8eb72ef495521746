package io.replikit.examples.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The calendar demo end to end on an H2 file in a temporary directory. */
class CalendarDemoTest {

  @Test
  void threeDevicesThatWorkedOfflineSyncToOneCalendarWhereTheMoveWinsOverTheDelete(@TempDir Path dir) {
    StringWriter narration = new StringWriter();
    CalendarDemo.Result result = CalendarDemo.run(dir, new PrintWriter(narration, true));
    String text = narration.toString();

    assertTrue(result.verified(), "every check held: " + result.failedChecks() + "\n" + text);
    Map<String, List<String>> expected = Map.of("dentist", List.of("Thu 14:00"), "gym", List.of("Fri 18:00"),
        "review", List.of("Tue 11:30"), "standup", List.of("Mon 09:30"));
    for (String device : List.of("phone", "laptop", "tablet")) {
      assertEquals(expected, result.calendars().get(device), device + " ends with the synced calendar:\n" + text);
    }
    assertTrue(result.resolutions().get("standup").contains("the move wins over the concurrent delete"),
        "standup was moved on laptop and deleted on tablet: " + result.resolutions());
    assertTrue(result.resolutions().get("review").contains("Tue 11:30 and Tue 15:00"),
        "both concurrent moves of review were kept: " + result.resolutions());
    assertTrue(result.resolutions().get("lunch").startsWith("deleted everywhere"), result.resolutions().toString());
    assertTrue(result.conflicts().stream().allMatch(c -> c.strategy().equals("crdt:or-map")
        && c.outcome().contains("nothing lost")), "every conflict merged by the map: " + result.conflicts());
    assertTrue(text.contains("'laptop moves standup to Mon 09:30' met 'tablet deletes standup'")
        || text.contains("'tablet deletes standup' met 'laptop moves standup to Mon 09:30'"),
        "the move and the delete are named as concurrent edits that met:\n" + text);
    for (int step = 1; step <= 5; step++) {
      assertTrue(text.contains("== " + step + ". "), "step " + step + " is announced:\n" + text);
    }
    assertTrue(text.contains("VERIFIED: the three devices ended identical"), text);
  }
}
