package io.replikit.examples.cli;

import io.replikit.examples.demo.SingleLeaderDemo;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code replikit demo}: the narrated single-leader run. */
@Command(name = "demo", mixinStandardHelpOptions = true, subcommands = {MultiLeaderDemoCommand.class},
    description = {"A narrated single-leader replication run on the embedded H2 journal: a leader and three "
        + "followers (semi-sync, f1 synchronous), writes, reads with lag, a follower stopped and caught up, a new "
        + "follower joining by snapshot, the synchronous follower cut off and replaced, and a summary.",
        "'demo multi-leader' runs the multi-leader demo instead."})
final class DemoCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "data",
      description = "Directory of the H2 journal file (created if missing; default: ${DEFAULT-VALUE}).")
  Path dataDir;

  @Override
  public Integer call() {
    SingleLeaderDemo.run(dataDir, spec.commandLine().getOut());
    return 0;
  }
}
