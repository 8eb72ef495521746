package io.replikit.examples.cli;

import io.replikit.examples.demo.CalendarDemo;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code replikit demo calendar}: a calendar on three devices that work offline, then sync; exit 1 if unverified. */
@Command(name = "calendar", mixinStandardHelpOptions = true,
    description = {"A calendar on three devices (phone, laptop, tablet), one multi-leader replica each, the "
        + "calendar a CRDT map of events, on the embedded H2 journal: every device goes offline and adds, moves and "
        + "deletes events; back online they sync, and the program prints which concurrent edits met and how each "
        + "was resolved (a move wins over a concurrent delete, concurrent moves are both kept), then checks that "
        + "every device ends identical with nothing lost (exit code 1 if not)."})
final class CalendarDemoCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Mixin
  DemoDataDir data;

  @Override
  public Integer call() {
    return CalendarDemo.run(data.dataDir, spec.commandLine().getOut()).verified() ? 0 : 1;
  }
}
