package io.replikit.examples.cli;

import io.replikit.examples.demo.MultiLeaderDemo;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/** {@code replikit demo multi-leader}: three datacenters, a network cut, conflicts and how each was resolved. */
@Command(name = "multi-leader", mixinStandardHelpOptions = true,
    description = {"A narrated multi-leader run on the embedded H2 journal: three datacenters (eu, us, ap), one "
        + "leader each, all-to-all; eu is cut off while every datacenter keeps taking writes; the cut heals, every "
        + "leader converges, and the conflicts and how each was resolved (merge, last write wins, siblings, a "
        + "resolver) are printed."})
final class MultiLeaderDemoCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Mixin
  DemoDataDir data;

  @Override
  public Integer call() {
    MultiLeaderDemo.run(data.dataDir, spec.commandLine().getOut());
    return 0;
  }
}
