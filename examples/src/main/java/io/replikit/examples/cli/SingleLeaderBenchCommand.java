package io.replikit.examples.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.replikit.examples.bench.SingleLeaderBench;
import io.replikit.singleleader.AckLevel;
import io.replikit.singleleader.AckPolicy;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code replikit bench single-leader}: one group against an unreplicated baseline, in one run. */
@Command(name = "single-leader", mixinStandardHelpOptions = true,
    description = {"Measures a single-leader group (writes/s, ack latency p50/p99, follower lag p50/p99, and lag at "
        + "half the maximum rate) next to a leader without followers on the same journal."})
final class SingleLeaderBenchCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Option(names = "--mode", paramLabel = "MODE", defaultValue = "semi-sync", converter = ModeConverter.class,
      description = "async, semi-sync (first 1 of the followers in order) or sync (default: ${DEFAULT-VALUE}).")
  AckPolicy.Mode mode;

  @Option(names = "--followers", paramLabel = "N", defaultValue = "2",
      description = "Followers of the leader (default: ${DEFAULT-VALUE}).")
  int followers;

  @Option(names = "--writes", paramLabel = "W", defaultValue = "20000",
      description = "Writes measured at the maximum rate, after a warm-up (default: ${DEFAULT-VALUE}).")
  int writes;

  @Option(names = "--level", paramLabel = "LEVEL", defaultValue = "persisted", converter = LevelConverter.class,
      description = "What a follower's acknowledgement means: received, persisted or applied "
          + "(default: ${DEFAULT-VALUE}).")
  AckLevel level;

  @Option(names = "--concurrency", paramLabel = "C", defaultValue = "64",
      description = "Writes outstanding at once (closed loop; default: ${DEFAULT-VALUE}).")
  int concurrency;

  @Mixin
  BenchJournal journalOptions;

  @Mixin
  BenchOutput output;

  @Override
  public Integer call() throws JsonProcessingException {
    SingleLeaderBench.Options options;
    try {
      options = new SingleLeaderBench.Options(mode, followers, writes, level, concurrency, journalOptions.journal,
          journalOptions.dataDir);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage(), e);
    }
    output.print(SingleLeaderBench.run(options, output.progress(spec)), spec.commandLine().getOut());
    return 0;
  }

  static final class ModeConverter implements ITypeConverter<AckPolicy.Mode> {
    @Override
    public AckPolicy.Mode convert(String value) {
      return LibraryValues.parse("--mode", value, AckPolicy::parseMode);
    }
  }

  static final class LevelConverter implements ITypeConverter<AckLevel> {
    @Override
    public AckLevel convert(String value) {
      return LibraryValues.parse("--level", value, AckLevel::parse);
    }
  }

}
