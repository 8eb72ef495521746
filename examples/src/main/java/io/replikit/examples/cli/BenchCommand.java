package io.replikit.examples.cli;

import picocli.CommandLine.Command;

/** {@code replikit bench}: one subcommand per replication family; without one it is a usage error. */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Benchmarks: throughput, acknowledgement latency and follower lag (single-leader), failover "
        + "time and losses on a cluster of serve JVMs (failover), the four replication log formats on one workload "
        + "(logs), reads under each consistency from a lagging follower (reads), multi-leader replication with Akka's "
        + "Replicated Event Sourcing as the baseline (multi-leader), a leaderless keyspace with Akka Distributed Data "
        + "as the baseline (leaderless), Merkle-tree anti-entropy between leaderless replicas (anti-entropy), stale reads of a "
        + "leaderless keyspace measured beside the PBS prediction (staleness). They "
        + "print figures and never fail on time.",
    subcommands = {SingleLeaderBenchCommand.class, FailoverBenchCommand.class, LogFormatsBenchCommand.class,
        ReadsBenchCommand.class, MultiLeaderBenchCommand.class, LeaderlessBenchCommand.class,
        AntiEntropyBenchCommand.class, StalenessBenchCommand.class, ShardingBenchCommand.class})
final class BenchCommand {}
