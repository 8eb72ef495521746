package io.replikit.examples.check;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.replikit.multileader.testkit.MultiLeaderScenarios;
import io.replikit.testkit.history.Verdict;
import io.replikit.testkit.scenario.Guarantee;
import io.replikit.testkit.scenario.NamedScenario;
import io.replikit.testkit.scenario.ScenarioKit;
import io.replikit.testkit.scenario.ScenarioResult;
import io.replikit.testkit.scenario.Scenarios;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Runs seeded campaigns of named scenarios ({@code replikit check}): one actor system (Akka's persistence test kit as
 * journal), N runs from a first seed, each run's history optionally written as JSON Lines, and a report of every run
 * and of the whole: operations, acknowledged writes, lost writes, anomalies by kind, verdicts per checker, and the
 * seeds of the runs that broke a promise.
 */
public final class CheckCampaign {
  private CheckCampaign() {}

  /** Every named scenario of every family. */
  public static List<NamedScenario> catalog() {
    List<NamedScenario> all = new ArrayList<>(Scenarios.all());
    all.addAll(MultiLeaderScenarios.all());
    return all;
  }

  /** The scenario called {@code name}, or an error listing the names there are. */
  public static NamedScenario named(String name) {
    return Scenarios.named(catalog(), name).orElseThrow(() -> new IllegalArgumentException("no scenario named '"
        + name + "'; there are: " + catalog().stream().map(NamedScenario::name).collect(Collectors.joining(", "))));
  }

  /** What a campaign of one scenario found. */
  public record Report(String scenario, String family, long firstSeed, List<ScenarioResult> runs) {

    public List<Long> failingSeeds() {
      return runs.stream().filter(r -> !r.ok()).map(ScenarioResult::seed).toList();
    }

    public boolean ok() {
      return failingSeeds().isEmpty();
    }

    private long sum(java.util.function.ToLongFunction<ScenarioResult> f) {
      return runs.stream().mapToLong(f).sum();
    }

    /** Per checker, how many runs ended valid / violated / unknown. */
    public Map<String, Map<String, Integer>> verdictCounts() {
      Map<String, Map<String, Integer>> m = new TreeMap<>();
      for (ScenarioResult r : runs) {
        for (Map.Entry<Guarantee, Verdict> e : r.verdicts().entrySet()) {
          m.computeIfAbsent(e.getValue().checker(), c -> new TreeMap<>())
              .merge(e.getValue().status().name().toLowerCase(Locale.ROOT), 1, Integer::sum);
        }
      }
      return m;
    }

    public Map<String, Integer> anomaliesByKind() {
      Map<String, Integer> m = new TreeMap<>();
      runs.forEach(r -> r.anomaliesByKind().forEach((k, v) -> m.merge(k, v, Integer::sum)));
      return m;
    }

    /** Which checkers judge promises in this scenario (the first run's configuration: every run has the same). */
    public List<String> promised() {
      if (runs.isEmpty()) {
        return List.of();
      }
      return runs.get(0).promised().stream().sorted().map(Guarantee::checker).toList();
    }

    public ObjectNode toJson(boolean withRuns) {
      ObjectNode o = JsonNodeFactory.instance.objectNode();
      o.put("scenario", scenario);
      o.put("family", family);
      o.put("first_seed", firstSeed);
      o.put("runs", runs.size());
      if (!runs.isEmpty()) {
        o.put("configuration", runs.get(0).configuration());
      }
      ArrayNode promisedJson = o.putArray("promised");
      promised().forEach(promisedJson::add);
      ObjectNode total = o.putObject("total");
      total.put("operations", sum(ScenarioResult::operations));
      total.put("acknowledged", sum(ScenarioResult::acknowledged));
      total.put("unknown", sum(r -> r.count(io.replikit.testkit.history.Op.Outcome.UNKNOWN)));
      total.put("failed", sum(r -> r.count(io.replikit.testkit.history.Op.Outcome.FAILED)));
      total.put("lost", sum(ScenarioResult::lost));
      ObjectNode anomalies = total.putObject("anomalies");
      anomaliesByKind().forEach(anomalies::put);
      ObjectNode verdicts = total.putObject("verdicts");
      verdictCounts().forEach((checker, counts) -> {
        ObjectNode c = verdicts.putObject(checker);
        counts.forEach(c::put);
      });
      ArrayNode failing = o.putArray("failing_seeds");
      failingSeeds().forEach(failing::add);
      o.put("ok", ok());
      if (withRuns) {
        ArrayNode runsJson = o.putArray("per_run");
        runs.forEach(r -> runsJson.add(r.toJson()));
      }
      return o;
    }

    /** The table a terminal gets: one line per run, then the totals. */
    public void print(PrintWriter out) {
      out.printf("scenario %s (%s): %s%n", scenario, family, runs.isEmpty() ? "" : runs.get(0).configuration());
      out.printf("promised: %s%n", String.join(", ", promised()));
      out.printf("%6s %5s %5s %5s %5s %5s  %-8s %s%n", "seed", "ops", "acked", "unkn", "fail", "lost", "result",
          "anomalies");
      for (ScenarioResult r : runs) {
        out.printf("%6d %5d %5d %5d %5d %5d  %-8s %s%n", r.seed(), r.operations(), r.acknowledged(),
            r.count(io.replikit.testkit.history.Op.Outcome.UNKNOWN),
            r.count(io.replikit.testkit.history.Op.Outcome.FAILED), r.lost(), r.ok() ? "ok" : "VIOLATED",
            r.anomaliesByKind().isEmpty() ? "-" : r.anomaliesByKind().toString());
      }
      out.printf("total: %d runs, %d operations, %d acknowledged, %d lost; anomalies %s%n", runs.size(),
          sum(ScenarioResult::operations), sum(ScenarioResult::acknowledged), sum(ScenarioResult::lost),
          anomaliesByKind().isEmpty() ? "none" : anomaliesByKind());
      verdictCounts().forEach((checker, counts) -> out.printf("  %-18s %s%s%n", checker, counts,
          promised().contains(checker) ? "" : " (not promised)"));
      if (ok()) {
        out.println("every promised guarantee held in every run");
      } else {
        out.println("promises broken in runs with seeds " + failingSeeds() + "; replay one with --seed S --runs 1");
        for (ScenarioResult r : runs) {
          if (!r.ok()) {
            out.println(r.summary());
          }
        }
      }
      out.flush();
    }
  }

  /**
   * Runs {@code runs} seeded runs of {@code scenario} from {@code firstSeed}, writing each history to
   * {@code historyDir} (when not null) as {@code <scenario>-seed-<S>.jsonl}; progress lines go to {@code progress}.
   */
  public static Report run(NamedScenario scenario, long firstSeed, int runs, Path historyDir, PrintWriter progress) {
    if (runs < 1) {
      throw new IllegalArgumentException("--runs must be 1 or more, was " + runs);
    }
    if (historyDir != null) {
      try {
        Files.createDirectories(historyDir);
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot create the history directory " + historyDir + ": " + e, e);
      }
    }
    ActorTestKit kit = ActorTestKit.create("replikit-check", ScenarioKit.config());
    List<ScenarioResult> results = new ArrayList<>();
    long began = System.nanoTime();
    try {
      for (int i = 0; i < runs; i++) {
        long seed = firstSeed + i;
        ScenarioResult r = scenario.run(kit, seed);
        results.add(r);
        if (historyDir != null) {
          r.history().write(historyDir.resolve(scenario.name() + "-seed-" + seed + ".jsonl"));
        }
        long failing = results.stream().filter(x -> !x.ok()).count();
        long elapsed = (System.nanoTime() - began) / 1_000_000_000L;
        progress.printf("check %s: run %d/%d (seed %d) %s in %.1f s; %d failing so far; %d s elapsed%s%n",
            scenario.name(), i + 1, runs, seed, r.ok() ? "ok" : "VIOLATED " + r.violations(),
            r.tookMillis() / 1000.0, failing, elapsed,
            i + 1 < runs ? ", about " + elapsed * (runs - i - 1) / (i + 1) + " s to go" : "");
        progress.flush();
      }
    } finally {
      kit.shutdownTestKit();
    }
    return new Report(scenario.name(), scenario.family(), firstSeed, results);
  }

}
