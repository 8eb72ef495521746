package io.replikit.examples.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.replikit.examples.bench.AntiEntropyBench;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code replikit bench anti-entropy}: what one Merkle-tree exchange costs to repair D of K keys. */
@Command(name = "anti-entropy", mixinStandardHelpOptions = true,
    description = {"Loads two leaderless storage replicas with the same --keys keys except --diverged ones (half "
        + "missing on the second, half written concurrently there), runs one anti-entropy round (one Merkle-tree "
        + "exchange per range) and prints the bytes exchanged against the bytes of a full copy, keys repaired, the "
        + "time to repair and whether the replicas are equal after. Journal: Akka's in-memory journal."})
final class AntiEntropyBenchCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--keys", paramLabel = "K", defaultValue = "100000",
      description = "Keys on both replicas (default: ${DEFAULT-VALUE}).")
  int keys;

  @Option(names = "--diverged", paramLabel = "D", defaultValue = "100",
      description = "Keys that differ on the second replica (default: ${DEFAULT-VALUE}).")
  int diverged;

  @Option(names = "--seed", paramLabel = "S", defaultValue = "1",
      description = "Seed choosing the diverged keys (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--segments", paramLabel = "N", defaultValue = "32768",
      description = "Tree segments per range, a power of --fan-out (default: ${DEFAULT-VALUE}).")
  int segments;

  @Option(names = "--fan-out", paramLabel = "F", defaultValue = "32",
      description = "Tree fan-out (default: ${DEFAULT-VALUE}).")
  int fanOut;

  @Mixin
  BenchOutput output;

  @Override
  public Integer call() throws JsonProcessingException {
    AntiEntropyBench.Options options;
    try {
      options = new AntiEntropyBench.Options(keys, diverged, seed, segments, fanOut);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage(), e);
    }
    output.print(AntiEntropyBench.run(options, output.progress(spec)), spec.commandLine().getOut());
    return 0;
  }
}
