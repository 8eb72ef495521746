package io.replikit.examples.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * What every demo command shares: {@code --data-dir} for the H2 journal file, and the narration going to the
 * command line's writer (so that tests capture it); a subclass only runs its demo.
 */
abstract class DemoRun implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "data",
      description = "Directory of the H2 journal file (created if missing; default: ${DEFAULT-VALUE}).")
  Path dataDir;

  @Override
  public final Integer call() {
    return run(dataDir, spec.commandLine().getOut());
  }

  /** Runs the demo, narrating on {@code out}; answers the exit code. */
  abstract int run(Path dataDir, PrintWriter out);
}
