package io.replikit.examples.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.replikit.examples.bench.BenchReport;
import io.replikit.examples.bench.Progress;
import java.io.PrintWriter;
import java.time.Duration;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * The options every bench shares: {@code --json} (how a report is printed) and {@code --progress-ms} (how often a
 * long phase says how far it got on stderr). A picocli mixin.
 */
final class BenchOutput {
  @Option(names = "--json", description = "Print exactly one JSON object on stdout instead of a table.")
  boolean json;

  @Option(names = "--progress-ms", paramLabel = "MS", defaultValue = "3000",
      description = "How often a long phase prints how far it got on stderr, in ms; 0: never (default: "
          + "${DEFAULT-VALUE}).")
  long progressMillis;

  /** {@code err} as the bench's progress stream, at {@code --progress-ms}. */
  PrintWriter progress(CommandSpec spec) {
    if (progressMillis < 0) {
      throw new ParameterException(spec.commandLine(), "--progress-ms must be 0 or more, was " + progressMillis);
    }
    return Progress.to(spec.commandLine().getErr(), Duration.ofMillis(progressMillis));
  }

  /** Prints {@code report} on {@code out} as one JSON object or as a table; progress stays on stderr. */
  void print(BenchReport report, PrintWriter out) throws JsonProcessingException {
    if (json) {
      out.println(new ObjectMapper().writeValueAsString(report.toJson()));
    } else {
      report.printTable(out);
    }
    out.flush();
  }
}
