package io.replikit.examples.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.replikit.examples.check.CheckCampaign;
import io.replikit.testkit.scenario.NamedScenario;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code replikit check SCENARIO}: seeded fault campaigns judged by the history checkers; exit 1 on a broken promise. */
@Command(name = "check", mixinStandardHelpOptions = true,
    description = {"Runs N seeded campaigns of a named scenario (or 'all'): a replica group of one family in this JVM, "
        + "three clients reading, writing and deleting while the scenario's script crashes, pauses, partitions or "
        + "slows replicas under light message faults, then heals. Every operation is recorded (ok, failed or "
        + "unknown) and checkers that know nothing of the replication code judge the history: lost writes, "
        + "linearizability, read-your-writes, monotonic reads, consistent prefix, convergence, stale reads. Prints "
        + "every run and the totals; exit status 1 when a guarantee the configuration promised was violated "
        + "(violations of what it does not promise are shown, not failed). --list names the scenarios."})
final class CheckCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Parameters(index = "0", arity = "0..1", paramLabel = "SCENARIO",
      description = "A scenario name (see --list) or 'all'.")
  String scenario;

  @Option(names = "--seed", paramLabel = "S", defaultValue = "1",
      description = "Seed of the first run; run i uses S + i (default: ${DEFAULT-VALUE}). A failing run replays with "
          + "--seed <its seed> --runs 1.")
  long seed;

  @Option(names = "--runs", paramLabel = "N", defaultValue = "20",
      description = "Seeded runs per scenario (default: ${DEFAULT-VALUE}).")
  int runs;

  @Option(names = "--history", paramLabel = "DIR",
      description = "Write each run's history as JSON Lines (docs/history-format.md) to DIR/<scenario>-seed-<S>.jsonl.")
  Path history;

  @Option(names = "--json", description = "Print exactly one JSON object on stdout (every run and the totals).")
  boolean json;

  @Option(names = "--list", description = "List the scenarios and what each promises, then exit.")
  boolean list;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    if (list) {
      for (NamedScenario s : CheckCampaign.catalog()) {
        out.printf("%-24s %-14s %s%n", s.name(), s.family(), s.description());
      }
      out.flush();
      return 0;
    }
    if (scenario == null) {
      throw new ParameterException(spec.commandLine(), "name a scenario (or 'all'); --list shows them");
    }
    if (runs < 1) {
      throw new ParameterException(spec.commandLine(), "--runs must be 1 or more, was " + runs);
    }
    List<NamedScenario> chosen;
    try {
      chosen = scenario.equals("all") ? CheckCampaign.catalog() : List.of(CheckCampaign.named(scenario));
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage(), e);
    }
    List<CheckCampaign.Report> reports = new ArrayList<>();
    PrintWriter progress = spec.commandLine().getErr();
    for (NamedScenario s : chosen) {
      reports.add(CheckCampaign.run(s, seed, runs, history, progress));
    }
    boolean ok = reports.stream().allMatch(CheckCampaign.Report::ok);
    if (json) {
      ObjectNode o = JsonNodeFactory.instance.objectNode();
      ArrayNode scenarios = o.putArray("scenarios");
      reports.forEach(r -> scenarios.add(r.toJson(true)));
      o.put("ok", ok);
      out.println(new ObjectMapper().writeValueAsString(reports.size() == 1 ? reports.get(0).toJson(true) : o));
    } else {
      for (CheckCampaign.Report r : reports) {
        r.print(out);
        out.println();
      }
    }
    out.flush();
    return ok ? 0 : 1;
  }
}
