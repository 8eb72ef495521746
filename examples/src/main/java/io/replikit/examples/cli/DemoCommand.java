package io.replikit.examples.cli;

import io.replikit.examples.demo.SingleLeaderDemo;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine.Command;

/** {@code replikit demo}: the narrated single-leader run. */
@Command(name = "demo", mixinStandardHelpOptions = true,
    subcommands = {MultiLeaderDemoCommand.class, CalendarDemoCommand.class, DocumentDemoCommand.class,
        LeaderlessDemoCommand.class},
    description = {"A narrated single-leader replication run on the embedded H2 journal: a leader and three "
        + "followers (semi-sync, f1 synchronous), writes, reads with lag, a follower stopped and caught up, a new "
        + "follower joining by snapshot, the synchronous follower cut off and replaced, and a summary.",
        "'demo multi-leader' runs the multi-leader demo instead; 'demo calendar' and 'demo document' run the "
            + "domain examples of multi-leader replication with CRDT values (a calendar on three devices that work "
            + "offline, a document two users edit at once)."})
final class DemoCommand extends DemoRun {

  @Override
  int run(Path dataDir, PrintWriter out) {
    SingleLeaderDemo.run(dataDir, out);
    return 0;
  }
}
