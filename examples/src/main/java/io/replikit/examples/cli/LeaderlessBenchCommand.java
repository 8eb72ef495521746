package io.replikit.examples.cli;

import io.replikit.examples.bench.leaderless.LeaderlessBench;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code replikit bench leaderless}: Replikit's leaderless keyspace and Akka Distributed Data on one workload. */
@Command(name = "leaderless", mixinStandardHelpOptions = true,
    description = {"Starts N actor systems in this JVM as one Akka Cluster on loopback and runs the same seeded "
        + "workload (load K keys with one put each, then --ops requests over them, a --get-share of them gets) on "
        + "Replikit's leaderless keyspace (n=3, w=2, r=2; a storage replica and a coordinator per node, the ring "
        + "from cluster membership) and on Akka Distributed Data (LWWMap buckets, WriteMajority/ReadMajority). "
        + "Prints puts/s, gets/s and p50/p99 latency of each phase."})
final class LeaderlessBenchCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Option(names = "--nodes", paramLabel = "N", defaultValue = "3",
      description = "Cluster nodes, at least 3 (default: ${DEFAULT-VALUE}).")
  int nodes;

  @Option(names = "--keys", paramLabel = "K", defaultValue = "10000",
      description = "Keys loaded, one put each, before the mixed phase (default: ${DEFAULT-VALUE}).")
  int keys;

  @Option(names = "--ops", paramLabel = "N",
      description = "Requests of the mixed phase over the K keys (default: K, at most 200000).")
  Integer ops;

  @Option(names = "--get-share", paramLabel = "P", defaultValue = "0.5",
      description = "Share of the mixed phase that are gets, 0 to 1 (default: ${DEFAULT-VALUE}).")
  double getShare;

  @Option(names = "--concurrency", paramLabel = "C", defaultValue = "64",
      description = "Requests outstanding at once (closed loop; default: ${DEFAULT-VALUE}).")
  int concurrency;

  @Option(names = "--system", paramLabel = "SYSTEM", defaultValue = "both",
      description = "replikit, akka (Distributed Data) or both (default: ${DEFAULT-VALUE}).")
  String system;

  @Option(names = "--seed", paramLabel = "S", defaultValue = "1",
      description = "Seed of the mixed phase (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--journal", paramLabel = "KIND", defaultValue = "inmem",
      description = "Replikit's journal: inmem (Akka's in-memory journal) or h2 (akka-persistence-jdbc on "
          + "in-memory H2) (default: ${DEFAULT-VALUE}). Distributed Data keeps its state in memory either way.")
  String journal;

  @Option(names = "--akka-buckets", paramLabel = "B", defaultValue = "1000",
      description = "Distributed Data: keys are hashed into B LWWMap top-level entries (default: ${DEFAULT-VALUE}).")
  int akkaBuckets;

  @Option(names = "--akka-time-limit-s", paramLabel = "S", defaultValue = "600",
      description = "Distributed Data: a phase still running after S seconds stops and is reported cut short "
          + "(default: ${DEFAULT-VALUE}).")
  long akkaTimeLimitSeconds;

  @Mixin
  BenchOutput output;

  @Override
  public Integer call() throws Exception {
    LeaderlessBench.Options options;
    try {
      options = new LeaderlessBench.Options(nodes, keys, ops != null ? ops : Math.min(keys, 200_000), concurrency,
          LeaderlessBench.Options.systems(system), seed, getShare, journal.trim().toLowerCase(Locale.ROOT),
          akkaBuckets, akkaTimeLimitSeconds);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage(), e);
    }
    output.print(LeaderlessBench.run(options, output.progress(spec)), spec.commandLine().getOut());
    return 0;
  }
}
