package io.replikit.examples.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.replikit.examples.bench.BenchReport;
import java.io.PrintWriter;
import picocli.CommandLine.Option;

/** The {@code --json} option every bench shares, and how a report is printed with it (a picocli mixin). */
final class BenchOutput {
  @Option(names = "--json", description = "Print exactly one JSON object on stdout instead of a table.")
  boolean json;

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
