package io.replikit.examples.cli;

import io.replikit.examples.bench.sharding.ShardingBench;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code replikit bench sharding}: a sharded keyspace of any family through a node joining and one crashing. */
@Command(name = "sharding", mixinStandardHelpOptions = true,
    description = {"Starts N actor systems in this JVM as one Akka Cluster on loopback hosting a sharded keyspace "
        + "of P partitions x R replicas of one family (never two of a group on one node), writes through the key "
        + "router of node 1 "
        + "all along (one writer per partition), then adds a node and later crashes and downs node 2. Prints "
        + "partitions placed, replicas per node max/min, per event the time until placement settled (rebalance_ms) "
        + "and the longest time a partition took no write (serve_again_ms), and writes_lost (acknowledged writes "
        + "missing at the end)."})
final class ShardingBenchCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Option(names = "--family", paramLabel = "FAMILY", defaultValue = "single-leader",
      description = "single-leader (groups acknowledged as --mode says), leaderless (rings of n = R at w = r = a "
          + "majority, read back at r = R) or multi-leader (all-to-all groups, read back once converged) "
          + "(default: ${DEFAULT-VALUE}).")
  String family;

  @Option(names = "--nodes", paramLabel = "N", defaultValue = "3",
      description = "Nodes at start, at least --replicas (default: ${DEFAULT-VALUE}).")
  int nodes;

  @Option(names = "--partitions", paramLabel = "P", defaultValue = "16",
      description = "Partitions of the keyspace (default: ${DEFAULT-VALUE}).")
  int partitions;

  @Option(names = "--replicas", paramLabel = "R", defaultValue = "3",
      description = "Replicas per partition (default: ${DEFAULT-VALUE}).")
  int replicas;

  @Option(names = "--mode", paramLabel = "MODE", defaultValue = "semi-sync",
      description = "async, semi-sync (first 1) or sync, for --family single-leader only "
          + "(default: ${DEFAULT-VALUE}).")
  String mode;

  @Option(names = "--rebalance-interval", paramLabel = "MS", defaultValue = "2000",
      description = "akka.cluster.sharding.rebalance-interval in ms (default: ${DEFAULT-VALUE}; Akka's is 10000).")
  long rebalanceIntervalMs;

  @Option(names = "--journal", paramLabel = "KIND", defaultValue = "shared",
      description = "shared (one in-memory H2 for all nodes, as a shared PostgreSQL) or per-node (a moved replica "
          + "starts empty on its new node) (default: ${DEFAULT-VALUE}).")
  String journal;

  @Option(names = "--write-interval", paramLabel = "MS", defaultValue = "50",
      description = "Pause of each partition's writer between writes, in ms (default: ${DEFAULT-VALUE}).")
  long writeIntervalMs;

  @Mixin
  BenchOutput output;

  @Override
  public Integer call() throws Exception {
    ShardingBench.Options options;
    try {
      if (rebalanceIntervalMs < 100) {
        throw new IllegalArgumentException("--rebalance-interval must be at least 100 ms, was " + rebalanceIntervalMs);
      }
      String kind = journal.trim().toLowerCase(java.util.Locale.ROOT);
      if (!kind.equals("shared") && !kind.equals("per-node")) {
        throw new IllegalArgumentException("--journal must be shared or per-node, was '" + journal + "'");
      }
      String fam = family.trim().toLowerCase(java.util.Locale.ROOT);
      if (!ShardingBench.FAMILIES.contains(fam)) {
        throw new IllegalArgumentException("--family must be one of " + String.join(", ", ShardingBench.FAMILIES)
            + ", was '" + family + "'");
      }
      if (!fam.equals("single-leader") && spec.commandLine().getParseResult().hasMatchedOption("--mode")) {
        throw new IllegalArgumentException("--mode applies to --family single-leader only (" + fam + " groups "
            + "acknowledge their own way), was given with --family " + fam);
      }
      options = new ShardingBench.Options(fam, nodes, partitions, replicas, mode,
          Duration.ofMillis(rebalanceIntervalMs), kind.equals("shared"), Duration.ofMillis(writeIntervalMs));
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage(), e);
    }
    output.print(ShardingBench.run(options, output.progress(spec)), spec.commandLine().getOut());
    return 0;
  }
}
