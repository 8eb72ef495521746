package io.replikit.examples.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code replikit} command line. Usage errors (unknown subcommand or option, bad value) exit with 2, a failed
 * run with 1.
 */
@Command(name = "replikit", mixinStandardHelpOptions = true, version = "replikit 0.1.0-SNAPSHOT",
    description = "Replica actors that replicate a key/value store (Akka Typed; single-leader, multi-leader and "
        + "leaderless): demo, serve (a cluster node with an HTTP API, single-leader groups), status (the groups of "
        + "running nodes as a table), bench, check (seeded fault campaigns judged by consistency checkers) and "
        + "certs (test keys for TLS between nodes).",
    subcommands = {DemoCommand.class, ServeCommand.class, StatusCommand.class, BenchCommand.class,
        CheckCommand.class, CertsCommand.class})
public final class ReplikitCli {

  /** The command line, ready to execute; {@link #main} exits with what it returns. */
  public static CommandLine commandLine() {
    CommandLine cmd = new CommandLine(new ReplikitCli());
    cmd.setExecutionExceptionHandler((e, failed, parseResult) -> {
      failed.getErr().println("replikit " + failed.getCommandName() + " failed: " + e.getMessage());
      for (Throwable cause = e.getCause(); cause != null && cause != cause.getCause(); cause = cause.getCause()) {
        failed.getErr().println("  caused by: " + cause);
      }
      return failed.getCommandSpec().exitCodeOnExecutionException();
    });
    return cmd;
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }
}
