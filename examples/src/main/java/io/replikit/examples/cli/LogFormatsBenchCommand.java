package io.replikit.examples.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.replikit.examples.bench.LogFormatsBench;
import io.replikit.singleleader.AckLevel;
import io.replikit.singleleader.AckPolicy;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code replikit bench logs}: the four replication log formats on the same workload, in one run. */
@Command(name = "logs", mixinStandardHelpOptions = true,
    description = {"Runs the same transactions (orders with nextId()/now()/random(), balance updates that read the "
        + "row, transfers, cart inserts and deletes, a price update touching every row of a small table) on a fresh "
        + "group for each log format: statement, wal, logical and trigger (a trigger replicating big orders, "
        + "transformed). Prints per format: transactions/s, commit latency p50/p99, rows changed per transaction and "
        + "bytes shipped per transaction (Akka's jackson-cbor serialization of what the leader sent)."})
final class LogFormatsBenchCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Option(names = "--transactions", paramLabel = "N", defaultValue = "10000",
      description = "Transactions measured per format, after a warm-up (default: ${DEFAULT-VALUE}).")
  int transactions;

  @Option(names = "--warm-up", paramLabel = "W",
      description = "Warm-up transactions per format, not measured (default: a quarter of --transactions, "
          + "500 to 5000).")
  Integer warmUp;

  @Option(names = "--followers", paramLabel = "F", defaultValue = "2",
      description = "Followers of the leader (default: ${DEFAULT-VALUE}).")
  int followers;

  @Option(names = "--mode", paramLabel = "MODE", defaultValue = "semi-sync",
      converter = SingleLeaderBenchCommand.ModeConverter.class,
      description = "async, semi-sync (first 1 of the followers in order) or sync (default: ${DEFAULT-VALUE}).")
  AckPolicy.Mode mode;

  @Option(names = "--level", paramLabel = "LEVEL", defaultValue = "persisted",
      converter = SingleLeaderBenchCommand.LevelConverter.class,
      description = "What a follower's acknowledgement means: received, persisted or applied "
          + "(default: ${DEFAULT-VALUE}).")
  AckLevel level;

  @Option(names = "--concurrency", paramLabel = "C", defaultValue = "64",
      description = "Transactions outstanding at once (closed loop; default: ${DEFAULT-VALUE}).")
  int concurrency;

  @Option(names = "--seed", paramLabel = "S", defaultValue = "1",
      description = "Seed of the workload: the same seed gives the same transactions (default: ${DEFAULT-VALUE}).")
  long seed;

  @Mixin
  BenchJournal journalOptions;

  @Option(names = "--order", paramLabel = "F1,F2,F3,F4", defaultValue = "statement,wal,logical,trigger",
      description = "The order the four formats run in; later ones run in a warmer JVM, so another order shows "
          + "how much of a difference that makes (default: ${DEFAULT-VALUE}).")
  String order;

  @Option(names = "--rounds", paramLabel = "R", defaultValue = "3",
      description = "Rounds of all four formats, each starting one format later; each format's figures are those "
          + "of its median round, and trigger vs logical is the median of the per-round ratios "
          + "(default: ${DEFAULT-VALUE}).")
  int rounds;

  @Mixin
  BenchOutput output;

  @Override
  public Integer call() throws JsonProcessingException {
    LogFormatsBench.Options options;
    try {
      if (warmUp != null && warmUp < 0) {
        throw new IllegalArgumentException("--warm-up must be 0 or more, was " + warmUp);
      }
      java.util.List<io.replikit.logformat.LogFormat> formats = new java.util.ArrayList<>();
      for (String f : order.split(",", -1)) {
        formats.add(io.replikit.logformat.LogFormat.parse("--order", f));
      }
      options = new LogFormatsBench.Options(transactions, followers, mode, level, concurrency, journalOptions.journal,
          journalOptions.dataDir, seed,
          warmUp != null ? warmUp : LogFormatsBench.Options.defaultWarmUp(transactions), formats, rounds);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage(), e);
    }
    output.print(LogFormatsBench.run(options, output.progress(spec)), spec.commandLine().getOut());
    return 0;
  }
}
