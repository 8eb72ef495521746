package io.replikit.examples.cli;

import picocli.CommandLine.Command;

/** {@code replikit bench}: one subcommand per replication family; without one it is a usage error. */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Benchmarks: throughput, acknowledgement latency and follower lag. They print figures and never "
        + "fail on time.",
    subcommands = {SingleLeaderBenchCommand.class})
final class BenchCommand {}
