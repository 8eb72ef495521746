package io.replikit.examples.cli;

import io.replikit.examples.demo.MultiLeaderDemo;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine.Command;

/** {@code replikit demo multi-leader}: three datacenters, a network cut, conflicts and how each was resolved. */
@Command(name = "multi-leader", mixinStandardHelpOptions = true,
    description = {"A narrated multi-leader run on the embedded H2 journal: three datacenters (eu, us, ap), one "
        + "leader each, all-to-all; eu is cut off while every datacenter keeps taking writes; the cut heals, every "
        + "leader converges, and the conflicts and how each was resolved (merge, last write wins, siblings, a "
        + "resolver) are printed."})
final class MultiLeaderDemoCommand extends DemoRun {

  @Override
  int run(Path dataDir, PrintWriter out) {
    MultiLeaderDemo.run(dataDir, out);
    return 0;
  }
}
