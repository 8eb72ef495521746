package io.replikit.examples.cli;

import io.replikit.examples.demo.CalendarDemo;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine.Command;

/** {@code replikit demo calendar}: a calendar on three devices that work offline, then sync; exit 1 if unverified. */
@Command(name = "calendar", mixinStandardHelpOptions = true,
    description = {"A calendar on three devices (phone, laptop, tablet), one multi-leader replica each, the "
        + "calendar a CRDT map of events, on the embedded H2 journal: every device goes offline and adds, moves and "
        + "deletes events; back online they sync, and the program prints which concurrent edits met and how each "
        + "was resolved (a move wins over a concurrent delete, concurrent moves are both kept), then checks that "
        + "every device ends identical with nothing lost (exit code 1 if not)."})
final class CalendarDemoCommand extends DemoRun {

  @Override
  int run(Path dataDir, PrintWriter out) {
    return CalendarDemo.run(dataDir, out).verified() ? 0 : 1;
  }
}
