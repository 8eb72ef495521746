package io.replikit.examples.cli;

import io.replikit.examples.demo.LeaderlessDemo;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine.Command;

/** {@code replikit demo leaderless}: a Dynamo-style keyspace on five nodes; exit 1 if a check fails. */
@Command(name = "leaderless", mixinStandardHelpOptions = true,
    description = {"A leaderless (Dynamo-style) keyspace on five nodes, n = 3, w = 2, r = 2, on the embedded H2 "
        + "journal: a node goes down while writes continue, comes back and is repaired by the reads that hear it and by "
        + "one anti-entropy round (Merkle trees) for the keys nobody read; a shopping cart written by two clients at once comes back as siblings and the client's merge keeps a "
        + "removed item removed; a sloppy-quorum write made while a home is down is handed off to it. Checks what "
        + "it tells (exit code 1 if a check fails)."})
final class LeaderlessDemoCommand extends DemoRun {

  @Override
  int run(Path dataDir, PrintWriter out) {
    return LeaderlessDemo.run(dataDir, out).verified() ? 0 : 1;
  }
}
