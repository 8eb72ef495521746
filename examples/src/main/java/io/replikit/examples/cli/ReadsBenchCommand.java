package io.replikit.examples.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.replikit.examples.bench.ReadsUnderLagBench;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code replikit bench reads}: reads from a follower held behind, under each read consistency. */
@Command(name = "reads", mixinStandardHelpOptions = true,
    description = {"Starts a leader and two followers, holds every message to follower f2 back by --lag-ms, keeps a "
        + "writer writing, and reads from f2: plain, read-your-writes (the writer's latest token), monotonic (the "
        + "highest position the reader has seen) and bounded-staleness reads. Prints per kind: read latency "
        + "p50/p99, reads refused as too stale, and stale reads (older than the newest write of the key "
        + "acknowledged before the read was sent)."})
final class ReadsBenchCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Option(names = "--reads", paramLabel = "N", defaultValue = "2000",
      description = "Reads measured per kind, after a warm-up (default: ${DEFAULT-VALUE}).")
  int reads;

  @Option(names = "--warm-up", paramLabel = "W",
      description = "Warm-up reads per kind, not measured (default: a tenth of --reads, 50 to 500).")
  Integer warmUp;

  @Option(names = "--lag-ms", paramLabel = "L", defaultValue = "100",
      description = "How long every message from the leader to f2 is held back, in ms (default: ${DEFAULT-VALUE}).")
  int lagMillis;

  @Option(names = "--staleness-ms", paramLabel = "S",
      description = "The bound of the bounded-staleness reads, in ms (default: twice --lag-ms).")
  Integer stalenessMillis;

  @Option(names = "--write-rate", paramLabel = "W", defaultValue = "200",
      description = "Writes per second the writer sends, for the whole run (default: ${DEFAULT-VALUE}).")
  double writeRate;

  @Option(names = "--readers", paramLabel = "R", defaultValue = "16",
      description = "Reader sessions, each with one read in flight (default: ${DEFAULT-VALUE}).")
  int readers;

  @Option(names = "--keys", paramLabel = "K", defaultValue = "10",
      description = "Keys the writer updates round-robin and the readers read (default: ${DEFAULT-VALUE}).")
  int keys;

  @Mixin
  BenchJournal journalOptions;

  @Mixin
  BenchOutput output;

  @Override
  public Integer call() throws JsonProcessingException {
    ReadsUnderLagBench.Options options;
    try {
      if (warmUp != null && warmUp < 0) {
        throw new IllegalArgumentException("--warm-up must be 0 or more, was " + warmUp);
      }
      options = new ReadsUnderLagBench.Options(reads, lagMillis,
          stalenessMillis != null ? stalenessMillis : 2 * Math.max(0, lagMillis), writeRate, readers, keys,
          journalOptions.journal, journalOptions.dataDir, warmUp != null ? warmUp : ReadsUnderLagBench.Options.defaultWarmUp(reads));
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage(), e);
    }
    output.print(ReadsUnderLagBench.run(options, output.progress(spec)), spec.commandLine().getOut());
    return 0;
  }
}
