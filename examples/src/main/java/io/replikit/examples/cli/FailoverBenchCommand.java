package io.replikit.examples.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.replikit.examples.bench.FailoverBench;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code replikit bench failover}: leader kills (or an idle run) on a cluster of serve JVMs. */
@Command(name = "failover", mixinStandardHelpOptions = true,
    description = {"Starts a cluster of `replikit serve` JVMs on loopback under an HTTP write load and either kills "
        + "the leader K times (restarting it each time) or runs S seconds without faults. Prints failover_ms_p50 / "
        + "failover_ms_max (leader killed to first write acknowledged by the new leader), acknowledged, "
        + "lost_acknowledged (acknowledged writes missing at the end), set_aside (divergent writes) and, when idle, "
        + "false_failovers (epoch changes without a fault)."})
final class FailoverBenchCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Option(names = "--kills", paramLabel = "K", defaultValue = "0",
      description = "Times the leader is killed with SIGKILL (default: ${DEFAULT-VALUE}; give this or "
          + "--idle-seconds).")
  int kills;

  @Option(names = "--idle-seconds", paramLabel = "S", defaultValue = "0",
      description = "Run S seconds without faults and count false failovers instead.")
  int idleSeconds;

  @Option(names = "--mode", paramLabel = "MODE", defaultValue = "semi-sync",
      converter = ServeCommand.AckConverter.class,
      description = "async, semi-sync (first 1) or sync (default: ${DEFAULT-VALUE}).")
  String mode;

  @Option(names = "--nodes", paramLabel = "N", defaultValue = "3",
      description = "Nodes, all members of the one group (default: ${DEFAULT-VALUE}).")
  int nodes;

  @Option(names = "--rate", paramLabel = "W", defaultValue = "200",
      description = "Writes per second the client sends, one at a time (default: ${DEFAULT-VALUE}).")
  double rate;

  @Option(names = "--clients", paramLabel = "C", defaultValue = "1",
      description = "Client threads sharing --rate, each with one write in flight (default: ${DEFAULT-VALUE}).")
  int clients;

  @Option(names = "--failover-timeout", paramLabel = "DURATION", defaultValue = "1s",
      converter = ServeCommand.DurationConverter.class,
      description = "The nodes' --failover-timeout (default: ${DEFAULT-VALUE}).")
  String failoverTimeout;

  @Option(names = "--jar", paramLabel = "FILE",
      description = "The replikit.jar the nodes run (default: the jar this command runs from).")
  Path jar;

  @Option(names = "--work-dir", paramLabel = "DIR",
      description = "Where the nodes keep data and logs (default: a new temporary directory, deleted after a "
          + "successful run).")
  Path workDir;

  @Option(names = "--json", description = "Print exactly one JSON object on stdout instead of a table.")
  boolean json;

  @Override
  public Integer call() throws IOException {
    try {
      FailoverBench.Options.check(nodes, kills, idleSeconds, rate, clients);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage(), e);
    }
    Path nodeJar = jar != null ? jar : ownJar();
    boolean temporary = workDir == null;
    Path dir = temporary ? Files.createTempDirectory("replikit-bench-failover-") : workDir;
    FailoverBench.Options options;
    try {
      options = new FailoverBench.Options(nodeJar, dir, mode, nodes, kills, idleSeconds, rate, clients,
          failoverTimeout);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage(), e);
    }
    PrintWriter err = spec.commandLine().getErr();
    JsonNode result = FailoverBench.run(options, err);
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.println(new ObjectMapper().writeValueAsString(result));
    } else {
      for (Iterator<Map.Entry<String, JsonNode>> it = result.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        out.printf("%-20s %s%n", e.getKey(), e.getValue().isTextual() ? e.getValue().asText() : e.getValue());
      }
    }
    out.flush();
    if (temporary) {
      deleteRecursively(dir); // kept when the run failed (the exception skips this): the logs explain why
    }
    return 0;
  }

  private Path ownJar() {
    try {
      Path self = Path.of(FailoverBenchCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      if (Files.isRegularFile(self) && self.toString().endsWith(".jar")) {
        return self;
      }
    } catch (URISyntaxException | SecurityException | NullPointerException e) {
      // fall through to the usage error below
    }
    throw new ParameterException(spec.commandLine(), "bench failover starts nodes from replikit.jar: run it with "
        + "./replikit or java -jar examples/target/replikit.jar, or give --jar FILE");
  }

  private static void deleteRecursively(Path dir) throws IOException {
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
