package io.replikit.examples.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The demos' {@code --data-dir}: where their H2 journal file lives (a picocli mixin). */
final class DemoDataDir {
  @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "data",
      description = "Directory of the H2 journal file (created if missing; default: ${DEFAULT-VALUE}).")
  Path dataDir;
}
