package io.replikit.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * Runs a command as the CLI does and reads what it printed (the command tests of this package share it): a bench's
 * stdout must stay one JSON object, stderr carries the progress lines of {@link io.replikit.examples.bench.Progress}
 * ({@code   phase: 12/40 unit (30%), 0 s}).
 */
final class BenchProgressLines {
  /** A progress line with a total, as {@code Progress.describe} writes it. */
  private static final Pattern LINE = Pattern.compile("  (.+): (\\d+)/(\\d+) (.+?) \\((\\d+)%\\)(, .*)?, \\d+ s");

  record Run(int exitCode, String out, String err) {
    /** The one JSON object on stdout (fails when there is anything else). */
    JsonNode json() throws Exception {
      String stdout = out.trim();
      assertEquals(1, stdout.lines().count(), "exactly one line on stdout: " + stdout + "\nstderr:\n" + err);
      return new ObjectMapper().readTree(stdout);
    }

    /** The progress lines on stderr counting {@code unit}. */
    List<Matcher> progress(String unit) {
      return err.lines().map(LINE::matcher).filter(m -> m.matches() && m.group(4).equals(unit)).toList();
    }

    /**
     * Asserts at least one progress line counts {@code unit} in a phase named like {@code phase}, and that every
     * such line stays within its total.
     */
    void showsProgress(String phase, String unit) {
      List<Matcher> lines = progress(unit);
      assertFalse(lines.isEmpty(), "a progress line counting " + unit + " on stderr:\n" + err);
      assertTrue(lines.stream().anyMatch(m -> m.group(1).matches(phase)),
          "a progress line of a phase like '" + phase + "':\n" + err);
      for (Matcher m : lines) {
        assertTrue(Long.parseLong(m.group(2)) <= Long.parseLong(m.group(3)), "done within the total: " + m.group());
      }
    }
  }

  private BenchProgressLines() {}

  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cmd = ReplikitCli.commandLine();
    cmd.setOut(new PrintWriter(out, true));
    cmd.setErr(new PrintWriter(err, true));
    int code = cmd.execute(args);
    return new Run(code, out.toString(), err.toString());
  }
}
