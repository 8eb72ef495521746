package io.replikit.examples.cli;

import io.replikit.examples.bench.multileader.AkkaReplicatedBaseline;
import io.replikit.examples.bench.multileader.MultiLeaderBench;
import io.replikit.examples.bench.multileader.MultiLeaderSystems;
import io.replikit.examples.bench.multileader.MultiLeaderWorkload;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code replikit bench multi-leader}: multi-leader replication on one workload, Akka's RES as the baseline. */
@Command(name = "multi-leader", mixinStandardHelpOptions = true,
    description = {"Runs the same seeded writes (put key -> value, a share of them on a few hot keys so that "
        + "leaders write the same key concurrently) at N leaders of each selected system and prints writes/s, "
        + "acknowledgement latency, propagation delay p50/p99 to the last leader, concurrent same-key writes, "
        + "whether the leaders converged to equal states and how long that took after the writes stopped and after "
        + "a leader cut off during writes came back, and messages and bytes per write where the system can count them. Systems: Replikit's multi-leader replica "
        + "(--system replikit) and Akka's own Replicated Event Sourcing as the baseline (--system akka), or both on "
        + "the same writes."})
final class MultiLeaderBenchCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Option(names = "--system", paramLabel = "SYSTEM", defaultValue = "akka",
      description = "akka (Akka's Replicated Event Sourcing), replikit (Replikit's MultiLeaderReplica) or both "
          + "(default: ${DEFAULT-VALUE}).")
  String system;

  @Option(names = "--leaders", paramLabel = "N", defaultValue = "3",
      description = "Leaders, each taking writes (default: ${DEFAULT-VALUE}).")
  int leaders;

  @Option(names = "--writes", paramLabel = "W", defaultValue = "10000",
      description = "Measured writes, after the warm-up (default: ${DEFAULT-VALUE}).")
  int writes;

  @Option(names = "--warm-up", paramLabel = "W",
      description = "Warm-up writes on other keys, waited for at every leader, not measured (default: a quarter of "
          + "--writes, 200 to 2000).")
  Integer warmUp;

  @Option(names = "--rate", paramLabel = "R",
      description = "Open loop: send R writes per second on a fixed schedule (at most "
          + MultiLeaderWorkload.OPEN_LOOP_OUTSTANDING + " outstanding). Excludes --concurrency.")
  Double rate;

  @Option(names = "--concurrency", paramLabel = "C",
      description = "Closed loop: C writes outstanding at once (default: 64 when --rate is not given).")
  Integer concurrency;

  @Option(names = "--keys", paramLabel = "K", defaultValue = "1000",
      description = "Keys outside the hot set, written uniformly (default: ${DEFAULT-VALUE}).")
  int keys;

  @Option(names = "--hot-keys", paramLabel = "K", defaultValue = "4",
      description = "Hot keys (0 for none) (default: ${DEFAULT-VALUE}).")
  int hotKeys;

  @Option(names = "--hot-share", paramLabel = "P",
      description = "Share of the writes that go to a hot key, 0 to 1 (default: 0.2, or 0 with --hot-keys 0).")
  Double hotShare;

  @Option(names = "--placement", paramLabel = "HOW", defaultValue = "round-robin",
      description = "How writes are spread over the leaders: round-robin or random (default: ${DEFAULT-VALUE}).")
  String placement;

  @Option(names = "--seed", paramLabel = "S", defaultValue = "1",
      description = "Seed of the workload: the same seed gives the same writes (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--topology", paramLabel = "T", defaultValue = "all-to-all",
      description = "all-to-all, circular or star: how Replikit's leaders propagate writes. Applies to Replikit "
          + "only: Akka's Replicated Event Sourcing is always all-to-all (default: ${DEFAULT-VALUE}).")
  String topology;

  @Option(names = "--journal", paramLabel = "KIND", defaultValue = "h2-memory",
      description = "h2-memory (akka-persistence-jdbc 5.1.0 on in-memory H2, which keeps RES's replication "
          + "metadata) or testkit (Akka's in-memory persistence test kit journal and read journal; its cost per "
          + "write grows with the journal, so for small runs only) (default: ${DEFAULT-VALUE}).")
  String journal;

  @Option(names = "--poll-ms", paramLabel = "MS", defaultValue = "100",
      description = "How often the JDBC read journal is polled for new events (jdbc-read-journal.refresh-interval): "
          + "how Akka's RES replicas tail each other's journals; ignored with --journal testkit, whose queries are "
          + "pushed (default: ${DEFAULT-VALUE}).")
  long pollMillis;

  @Option(names = "--akka-entities", paramLabel = "E", defaultValue = "1",
      description = "Akka baseline: the keys are spread over E replicated entities by hash, each with a replica at "
          + "every leader (default: ${DEFAULT-VALUE}, one map).")
  int akkaEntities;

  @Option(names = "--akka-direct-replication", negatable = true, defaultValue = "false", fallbackValue = "true",
      description = "Akka baseline: also send each persisted event straight to the other replicas, as Akka's "
          + "ShardingDirectReplication does under Cluster Sharding (off by default: with it, Akka 2.6.21 replicas "
          + "were seen to drop an event of the journal stream that arrived after a later one, see docs/benchmarks.md).")
  boolean akkaDirectReplication;

  @Option(names = "--converge-timeout-s", paramLabel = "S", defaultValue = "60",
      description = "How long to wait after the last write for every write to reach every leader "
          + "(default: ${DEFAULT-VALUE}).")
  long convergeTimeoutSeconds;

  @Option(names = "--cut-writes", paramLabel = "W", defaultValue = "2000",
      description = "After the measured writes, cut the last leader off from the others while W more writes are "
          + "taken at every leader, then heal and time how long the leaders take to converge; 0: no cut. Systems "
          + "whose links cannot be cut say so (default: ${DEFAULT-VALUE}).")
  int cutWrites;

  @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "data",
      description = "Where a system that keeps files may put them (default: ${DEFAULT-VALUE}).")
  Path dataDir;

  @Mixin
  BenchOutput output;

  @Override
  public Integer call() throws Exception {
    MultiLeaderBench.Options options;
    try {
      if (rate != null && concurrency != null) {
        throw new IllegalArgumentException("--rate and --concurrency exclude each other: --rate R sends at a fixed "
            + "rate (open loop), --concurrency C keeps C writes outstanding (closed loop)");
      }
      if (rate != null && !(rate > 0)) {
        throw new IllegalArgumentException("--rate must be more than 0 writes per second, was " + rate);
      }
      if (akkaEntities < 1) {
        throw new IllegalArgumentException("--akka-entities must be at least 1, was " + akkaEntities);
      }
      if (convergeTimeoutSeconds < 1) {
        throw new IllegalArgumentException("--converge-timeout-s must be at least 1, was " + convergeTimeoutSeconds);
      }
      List<String> systems = MultiLeaderSystems.select(system);
      MultiLeaderWorkload.Shape shape = new MultiLeaderWorkload.Shape(leaders, keys, hotKeys,
          hotShare != null ? hotShare : hotKeys == 0 ? 0 : 0.2,
          MultiLeaderWorkload.Placement.parse(placement));
      options = new MultiLeaderBench.Options(writes,
          warmUp != null ? warmUp : MultiLeaderBench.Options.defaultWarmUp(writes), shape, seed,
          concurrency != null ? concurrency : 64, rate != null ? rate : 0, systems,
          topology.trim().toLowerCase(Locale.ROOT), journal.trim().toLowerCase(Locale.ROOT), pollMillis, dataDir,
          Duration.ofSeconds(convergeTimeoutSeconds),
          Map.of(AkkaReplicatedBaseline.EXTRA_ENTITIES, Integer.toString(akkaEntities),
              AkkaReplicatedBaseline.EXTRA_DIRECT, Boolean.toString(akkaDirectReplication)), cutWrites);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage(), e);
    }
    output.print(MultiLeaderBench.run(options, output.progress(spec)), spec.commandLine().getOut());
    return 0;
  }
}
