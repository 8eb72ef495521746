package io.replikit.examples.cli;

import io.replikit.examples.bench.leaderless.StalenessBench;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code replikit bench staleness}: stale reads of a leaderless keyspace measured, beside PBS's prediction. */
@Command(name = "staleness", mixinStandardHelpOptions = true,
    description = {"Runs a leaderless keyspace (n=3) on N storage replicas and coordinators in one actor system, "
        + "every message held back a seeded random 0..--max-delay-ms, and for each w/r sends --pairs "
        + "write-then-read pairs (a fresh key written through one coordinator, read through another "
        + "--read-after-ms after the acknowledgement, --concurrency pairs in flight). Prints per w/r the reads "
        + "checked, the measured share of stale reads and their mean staleness (versions, ms) from "
        + "Coordinator.GetStaleness, and the probability of a stale read PBS predicts from the latencies the run "
        + "measured. Journal: Akka's in-memory journal. Never fails on time."})
final class StalenessBenchCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Option(names = "--nodes", paramLabel = "N", defaultValue = "5",
      description = "Nodes, each a storage replica and a coordinator, at least 4 (default: ${DEFAULT-VALUE}).")
  int nodes;

  @Option(names = "-w", paramLabel = "W", defaultValue = "1",
      description = "Write quorum when --wr is not given (default: ${DEFAULT-VALUE}).")
  int w;

  @Option(names = "-r", paramLabel = "R", defaultValue = "1",
      description = "Read quorum when --wr is not given (default: ${DEFAULT-VALUE}).")
  int r;

  @Option(names = "--wr", paramLabel = "W/R,...",
      description = "Several w/r to run one after the other, e.g. 1/1,1/2,2/1,2/2 (overrides -w and -r).")
  String wr;

  @Option(names = "--pairs", paramLabel = "P", defaultValue = "2000",
      description = "Write-then-read pairs per w/r (default: ${DEFAULT-VALUE}).")
  int pairs;

  @Option(names = "--concurrency", paramLabel = "C", defaultValue = "16",
      description = "Pairs in flight at once (default: ${DEFAULT-VALUE}).")
  int concurrency;

  @Option(names = "--max-delay-ms", paramLabel = "MS", defaultValue = "20",
      description = "Every message to a replica is held back a seeded uniform 0..MS ms (default: ${DEFAULT-VALUE}).")
  int maxDelayMs;

  @Option(names = "--read-after-ms", paramLabel = "MS", defaultValue = "0",
      description = "A read is sent MS ms after its write was acknowledged; the prediction is for t = MS "
          + "(default: ${DEFAULT-VALUE}).")
  int readAfterMs;

  @Option(names = "--trials", paramLabel = "T", defaultValue = "100000",
      description = "Monte Carlo trials of the PBS prediction (default: ${DEFAULT-VALUE}).")
  int trials;

  @Option(names = "--seed", paramLabel = "S", defaultValue = "1",
      description = "Seed of the delays, the coordinators chosen and the prediction (default: ${DEFAULT-VALUE}).")
  long seed;

  @Mixin
  BenchOutput output;

  @Override
  public Integer call() throws Exception {
    StalenessBench.Options options;
    try {
      List<StalenessBench.Quorum> quorums = wr != null ? StalenessBench.Quorum.parseList(wr)
          : List.of(new StalenessBench.Quorum(w, r));
      options = new StalenessBench.Options(nodes, pairs, concurrency, quorums, seed, maxDelayMs, readAfterMs, trials);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage(), e);
    }
    output.print(StalenessBench.run(options, output.progress(spec)), spec.commandLine().getOut());
    return 0;
  }
}
