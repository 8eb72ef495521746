package io.replikit.examples.cli;

import static io.replikit.examples.cli.BenchProgressLines.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.replikit.examples.cli.BenchProgressLines.Run;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line refuses what it cannot run with exit code 2 and a message naming what was wrong. */
class CliTest {

  @ParameterizedTest(name = "{0} is refused naming {1}")
  @CsvSource(delimiter = '|', value = {
      "bench single-leader --mode fast            | --mode",
      "bench single-leader --mode                 | --mode",
      "bench single-leader --followers -1         | --followers",
      "bench single-leader --followers=-3         | --followers",
      "bench single-leader --followers many       | --followers",
      "bench single-leader --writes 0             | --writes",
      "bench single-leader --writes -5            | --writes",
      "bench single-leader --concurrency 0        | --concurrency",
      "bench single-leader --level eventually     | --level",
      "bench single-leader --journal postgresql   | --journal",
      "bench single-leader --mode semi-sync --followers 0 | --followers",
      "bench single-leader --frobnicate           | --frobnicate",
      "demo --bogus                               | --bogus",
      "demo calendar --bogus                      | --bogus",
      "demo document --bogus                      | --bogus",
      "demo leaderless --bogus                    | --bogus",
      "check                                      | name a scenario",
      "check split-brain                          | no scenario named 'split-brain'",
      "check leader-crash --runs 0                | --runs",
      "check leader-crash --seed soon             | --seed",
      "frobnicate                                 | frobnicate",
      "serve                                      | no node name",
      "serve --node n1 --group orders             | --group",
      "serve --node n1 --group orders=n1,n1       | twice",
      "serve --node n1 --ring carts=n1:q=2        | --ring",
      "serve --node n1 --ring carts=n1,n2:w=3     | --ring carts=n1,n2:w=3: ring 'carts' has w = 3",
      "serve --node n1 --multi-leader p=n1:topology=mesh | --multi-leader p=n1:topology=mesh: topology",
      "serve --node n1 --ack fast                 | --ack",
      "serve --node n1 --ack-level eventually     | --ack-level",
      "serve --node n1 --failover-timeout soon    | --failover-timeout",
      "serve --node n1 --failover-timeout 100ms   | failover-timeout",
      "serve --node n1 --port many                | --port",
      "serve --node n1 --seed nowhere             | seed node 'nowhere'",
      "serve --node n1 --peer n2=8082             | replikit.serve.peers.n2",
      "serve --node n1 --config /no/such/file.conf | --config",
      "bench failover                             | exactly one of --kills",
      "bench failover --kills 1 --idle-seconds 5  | exactly one of --kills",
      "bench failover --kills 1 --nodes 2         | --nodes",
      "bench failover --kills -1                  | --kills",
      "bench failover --kills 1 --rate 0          | --rate",
      "bench failover --kills 1 --mode fast       | --mode",
      "bench failover --kills 1 --clients 0       | --clients",
      "bench logs --transactions 0                | --transactions",
      "bench logs --followers 0                   | --followers",
      "bench logs --concurrency 0                 | --concurrency",
      "bench logs --warm-up -1                    | --warm-up",
      "bench logs --mode fast                     | --mode",
      "bench logs --level eventually              | --level",
      "bench logs --journal postgresql            | --journal",
      "bench logs --order wal,logical             | --order",
      "bench logs --order wal,wal,logical,trigger | --order",
      "bench logs --rounds 0                      | --rounds",
      "bench reads --reads 0                      | --reads",
      "bench reads --lag-ms -1                    | --lag-ms",
      "bench reads --lag-ms 5000                  | --lag-ms",
      "bench reads --staleness-ms -1              | --staleness-ms",
      "bench reads --write-rate 0                 | --write-rate",
      "bench reads --readers 0                    | --readers",
      "bench reads --keys 0                       | --keys",
      "bench reads --warm-up -1                   | --warm-up",
      "bench reads --journal postgresql           | --journal",
      "bench reads --progress-ms -1               | --progress-ms",
      "bench staleness --progress-ms soon         | --progress-ms",
      "bench multi-leader --leaders 1             | --leaders",
      "bench multi-leader --writes 0              | --writes",
      "bench multi-leader --warm-up -1            | --warm-up",
      "bench multi-leader --cut-writes -1         | --cut-writes",
      "bench multi-leader --concurrency 0         | --concurrency",
      "bench multi-leader --rate 0                | --rate",
      "bench multi-leader --rate 10 --concurrency 4 | --concurrency",
      "bench multi-leader --keys 0                | --keys",
      "bench multi-leader --hot-keys -1           | --hot-keys",
      "bench multi-leader --hot-share 2           | --hot-share",
      "bench multi-leader --hot-keys 0 --hot-share 0.5 | --hot-keys",
      "bench multi-leader --placement zigzag      | --placement",
      "bench multi-leader --topology ring         | --topology",
      "bench multi-leader --journal postgresql    | --journal",
      "bench multi-leader --poll-ms 1             | --poll-ms",
      "bench multi-leader --akka-entities 0       | --akka-entities",
      "bench multi-leader --converge-timeout-s 0  | --converge-timeout-s",
      "bench multi-leader --system replikit --topology mesh | --topology",
      "bench multi-leader --system paxos          | --system",
      "bench leaderless --nodes 2                 | --nodes",
      "bench leaderless --keys 0                  | --keys",
      "bench leaderless --ops -1                  | --ops",
      "bench leaderless --concurrency 0           | --concurrency",
      "bench leaderless --get-share 2             | --get-share",
      "bench leaderless --system paxos            | --system",
      "bench leaderless --journal postgresql      | --journal",
      "bench leaderless --akka-buckets 0          | --akka-buckets",
      "bench leaderless --akka-time-limit-s 0     | --akka-time-limit-s",
  })
  void badArgumentsExitWithTwoAndNameTheOption(String args, String named) {
    Run r = run(args.trim().split("\\s+"));
    assertEquals(2, r.exitCode(), "exit code for '" + args + "'; stderr: " + r.err());
    assertTrue(r.err().contains(named), "stderr for '" + args + "' names " + named + ": " + r.err());
    assertEquals("", r.out(), "nothing on stdout for a usage error");
  }

  @Test
  void aMissingSubcommandIsAUsageError() {
    Run none = run();
    assertEquals(2, none.exitCode());
    assertTrue(none.err().contains("Missing required subcommand"), none.err());
    Run bench = run("bench");
    assertEquals(2, bench.exitCode());
    for (String sub : new String[] {"single-leader", "failover", "logs", "reads", "multi-leader", "leaderless"}) {
      assertTrue(bench.err().contains(sub), "the usage lists what bench can run: " + bench.err());
    }
  }

  @Test
  void demoHelpListsEveryDemo() {
    Run help = run("demo", "--help");
    assertEquals(0, help.exitCode());
    for (String demo : new String[] {"multi-leader", "calendar", "document", "leaderless", "--data-dir"}) {
      assertTrue(help.out().contains(demo), "demo help lists " + demo + ": " + help.out());
    }
  }

  @ParameterizedTest(name = "demo {0} runs, verifies and exits with zero")
  @ValueSource(strings = {"calendar", "document", "leaderless"})
  void theDomainDemosVerifyTheirOutcomeAndExitWithZero(String demo, @TempDir Path dir) {
    Run r = run("demo", demo, "--data-dir", dir.toString());
    assertEquals(0, r.exitCode(), "exit code; stderr: " + r.err() + "\n" + r.out());
    assertTrue(r.out().contains("VERIFIED: "), r.out());
  }

  @Test
  void helpListsTheSubcommandsAndExitsWithZero() {
    Run help = run("--help");
    assertEquals(0, help.exitCode());
    assertTrue(help.out().contains("demo") && help.out().contains("bench"), help.out());
    assertTrue(help.out().contains("serve"), help.out());
    Run serveHelp = run("serve", "--help");
    assertEquals(0, serveHelp.exitCode());
    for (String option : new String[] {"--config", "--node", "--port", "--http-port", "--seed", "--data-dir",
        "--group", "--peer", "--ack", "--failover-timeout", "--host", "--http-host"}) {
      assertTrue(serveHelp.out().contains(option), "serve help documents " + option + ": " + serveHelp.out());
    }
    Run failoverHelp = run("bench", "failover", "--help");
    assertEquals(0, failoverHelp.exitCode());
    for (String option : new String[] {"--kills", "--idle-seconds", "--mode", "--nodes", "--json"}) {
      assertTrue(failoverHelp.out().contains(option), "failover help documents " + option + ": "
          + failoverHelp.out());
    }
    Run logsHelp = run("bench", "logs", "--help");
    assertEquals(0, logsHelp.exitCode());
    for (String option : new String[] {"--transactions", "--followers", "--mode", "--level", "--concurrency",
        "--seed", "--warm-up", "--journal", "--json"}) {
      assertTrue(logsHelp.out().contains(option), "logs help documents " + option + ": " + logsHelp.out());
    }
    Run readsHelp = run("bench", "reads", "--help");
    assertEquals(0, readsHelp.exitCode());
    for (String option : new String[] {"--reads", "--lag-ms", "--staleness-ms", "--write-rate", "--readers",
        "--keys", "--warm-up", "--journal", "--json"}) {
      assertTrue(readsHelp.out().contains(option), "reads help documents " + option + ": " + readsHelp.out());
    }
    Run leaderlessHelp = run("bench", "leaderless", "--help");
    assertEquals(0, leaderlessHelp.exitCode());
    for (String option : new String[] {"--nodes", "--keys", "--ops", "--concurrency", "--system", "--journal",
        "--akka-buckets", "--json"}) {
      assertTrue(leaderlessHelp.out().contains(option), "leaderless help documents " + option + ": "
          + leaderlessHelp.out());
    }
    Run benchHelp = run("bench", "single-leader", "--help");
    assertEquals(0, benchHelp.exitCode());
    for (String option : new String[] {"--mode", "--followers", "--writes", "--json", "--level", "--concurrency",
        "--journal"}) {
      assertTrue(benchHelp.out().contains(option), "bench help documents " + option + ": " + benchHelp.out());
    }
  }
}
