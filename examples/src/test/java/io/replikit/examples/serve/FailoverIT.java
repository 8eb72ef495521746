package io.replikit.examples.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.replikit.examples.support.HttpWriteLoad;
import io.replikit.examples.support.KvClient;
import io.replikit.examples.support.LocalCluster;
import io.replikit.examples.support.Poll;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;

/**
 * Three {@code replikit serve} JVMs on loopback ports (semi-sync FIRST 1, failover-timeout 1s) under a steady HTTP
 * write load, with real faults: SIGKILL of the leader, SIGSTOP/SIGCONT of the leader, an operator's switchover and
 * a graceful SIGTERM of the leader. In each, every write acknowledged with 200 must be readable afterwards, with
 * its version, from the leader and from every other node.
 *
 * <p>Runs under Maven Failsafe after {@code package} has built {@code target/replikit.jar}. Every wait is bounded
 * and says what it waited for; on failure the message carries each node's status and the tail of its log (full
 * logs under {@code target/it/}). The nodes are killed after each test, whatever happened.
 */
@Timeout(150)
class FailoverIT {
  private static final String GROUP = "orders";
  private static final Duration CLUSTER_UP = Duration.ofSeconds(60);
  private static final Duration ELECTION = Duration.ofSeconds(20);
  private static final Duration CATCH_UP = Duration.ofSeconds(45);
  private static final double RATE = 100;

  private LocalCluster cluster;
  private HttpWriteLoad load;
  private String beforeFault = "(no fault injected)";

  @BeforeEach
  void startCluster(TestInfo test) throws IOException {
    Path jar = Path.of(System.getProperty("replikit.jar", "target/replikit.jar")).toAbsolutePath();
    Path work = Path.of("target", "it", test.getTestMethod().orElseThrow().getName() + "-"
        + System.currentTimeMillis()).toAbsolutePath();
    Files.createDirectories(work);
    cluster = LocalCluster.start(new LocalCluster.Options(jar, work, 3, GROUP, "semi-sync", "1s",
        LocalCluster.Options.smallJvm(), List.of("--sync-standbys", "1", "--sync-method", "first")));
  }

  @AfterEach
  void stopCluster() {
    if (load != null) {
      load.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void killingTheLeaderUnderLoadElectsANewOneAndLosesNoAcknowledgedWrite() {
    run(() -> {
      String leader = cluster.awaitLeader(CLUSTER_UP);
      long epoch = epochOf(leader);
      load = new HttpWriteLoad(cluster, "kill-", RATE).start();
      await("50 writes are acknowledged by " + leader, Duration.ofSeconds(30), () -> load.acknowledged() >= 50);

      beforeFault = cluster.statuses().toString();
      cluster.kill(leader);
      await("a write is acknowledged by a new leader after " + leader + " was killed in epoch " + epoch, ELECTION,
          () -> load.firstAckAfterEpoch(epoch).isPresent());
      String newLeader = load.firstAckAfterEpoch(epoch).orElseThrow().node();
      assertNotEquals(leader, newLeader);
      int resumedAt = load.acknowledged();
      await("writes resume on " + newLeader, Duration.ofSeconds(20), () -> load.acknowledged() >= resumedAt + 50);

      cluster.restart(leader);
      await(leader + " rejoins as a follower of " + newLeader, CATCH_UP, () -> {
        JsonNode s = cluster.statuses().get(leader);
        return s != null && "follower".equals(s.path("role").asText())
            && newLeader.equals(s.path("leader").asText());
      });
      int rejoinedAt = load.acknowledged();
      await("writes go on with " + leader + " back", Duration.ofSeconds(20),
          () -> load.acknowledged() >= rejoinedAt + 20);
      load.close();

      checkNothingLost(newLeader);
    });
  }

  @Test
  void aFrozenLeaderStepsDownWhenItWakesAndGetsNoWriteAcknowledged() {
    run(() -> {
      String leader = cluster.awaitLeader(CLUSTER_UP);
      long epoch = epochOf(leader);
      load = new HttpWriteLoad(cluster, "freeze-", RATE).start();
      await("50 writes are acknowledged by " + leader, Duration.ofSeconds(30), () -> load.acknowledged() >= 50);

      beforeFault = cluster.statuses().toString();
      cluster.freeze(leader);
      String newLeader;
      try {
        // well inside the Split Brain Resolver's stable-after (7s): the frozen node must come back as a member
        await("the other two elect a leader while " + leader + " is frozen", Duration.ofSeconds(6),
            () -> load.acknowledgedAfterEpoch(epoch) >= 20);
        newLeader = load.firstAckAfterEpoch(epoch).orElseThrow().node();
      } finally {
        cluster.thaw(leader);
      }
      assertNotEquals(leader, newLeader);

      // straight after SIGCONT the old leader still believes it leads epoch `epoch`: it must not acknowledge
      KvClient.Response probe = sendDirect(leader, "PUT", KvClient.kvPath(GROUP, "written-to-the-old-leader"),
          "{\"stale\":true}");
      assertTrue(probe.status() == 307 || probe.status() == 503,
          "a write sent to the deposed leader right after SIGCONT is refused (307/503), got " + probe);

      await(leader + " steps down and follows " + newLeader, ELECTION, () -> {
        JsonNode s = cluster.statuses().get(leader);
        return s != null && "follower".equals(s.path("role").asText())
            && newLeader.equals(s.path("leader").asText()) && s.path("epoch").asLong() > epoch;
      });
      KvClient.Response absent = sendDirect(newLeader, "GET", KvClient.kvPath(GROUP, "written-to-the-old-leader"),
          null);
      assertEquals(404, absent.status(), "the refused write was never applied: " + absent);
      int wokenAt = load.acknowledged();
      await("writes go on after " + leader + " woke", Duration.ofSeconds(20),
          () -> load.acknowledged() >= wokenAt + 20);
      load.close();

      checkNothingLost(newLeader);
      // whatever the old leader set aside, no acknowledged write is among it
      KvClient.Response divergent = sendDirect(leader, "GET", "/admin/divergent/" + GROUP, null);
      assertEquals(200, divergent.status(), divergent.toString());
      Set<String> acknowledged = load.acks().stream().map(HttpWriteLoad.Ack::key).collect(Collectors.toSet());
      for (JsonNode w : divergent.body().path("writes")) {
        String key = w.path("entry").path("change").path("key").asText();
        assertTrue(!acknowledged.contains(key), "acknowledged write " + key + " was set aside: " + w);
      }
    });
  }

  @Test
  void aSwitchoverUnderLoadLosesNothing() {
    run(() -> {
      String leader = cluster.awaitLeader(CLUSTER_UP);
      long epoch = epochOf(leader);
      String target = cluster.nodes().stream().map(LocalCluster.Node::name).filter(n -> !n.equals(leader))
          .findFirst().orElseThrow();
      String bystander = cluster.nodes().stream().map(LocalCluster.Node::name)
          .filter(n -> !n.equals(leader) && !n.equals(target)).findFirst().orElseThrow();
      load = new HttpWriteLoad(cluster, "switch-", RATE).start();
      await("50 writes are acknowledged by " + leader, Duration.ofSeconds(30), () -> load.acknowledged() >= 50);

      // an operator who asks a follower is sent to the leader
      String path = "/admin/switchover/" + GROUP + "?to=" + target;
      KvClient.Response redirected = sendDirect(bystander, "POST", path, null);
      assertEquals(307, redirected.status(), redirected.toString());
      URI location = URI.create(redirected.header("Location").orElseThrow());
      assertEquals(cluster.node(leader).httpPort(), location.getPort(), "redirected to the leader: " + location);
      KvClient.Response done = send("POST", location, null, Duration.ofSeconds(20));
      assertEquals(200, done.status(), "switchover: " + done);
      assertEquals(target, done.body().path("newLeader").asText());

      await("writes are acknowledged by " + target, ELECTION, () -> load.acknowledgedAfterEpoch(epoch) >= 50);
      assertEquals(target, load.firstAckAfterEpoch(epoch).orElseThrow().node());
      load.close();
      checkNothingLost(target);
    });
  }

  @Test
  void aLeaderStoppedGracefullyHandsOverFirst() {
    run(() -> {
      String leader = cluster.awaitLeader(CLUSTER_UP);
      long epoch = epochOf(leader);
      load = new HttpWriteLoad(cluster, "term-", RATE).start();
      await("50 writes are acknowledged by " + leader, Duration.ofSeconds(30), () -> load.acknowledged() >= 50);

      cluster.terminate(leader, Duration.ofSeconds(30));
      String log = cluster.node(leader).tail(200);
      assertTrue(log.contains("handover of group " + GROUP + ": SwitchoverDone"),
          "the stopping leader handed the group over before it exited:\n" + log);
      await("writes are acknowledged by the member it handed over to", ELECTION,
          () -> load.acknowledgedAfterEpoch(epoch) >= 50);
      String newLeader = load.firstAckAfterEpoch(epoch).orElseThrow().node();
      load.close();
      checkNothingLost(newLeader);
    });
  }

  // --- helpers ---

  /** Runs a scenario; on failure, adds every node's status and log tail to the message. */
  private void run(Runnable scenario) {
    try {
      scenario.run();
    } catch (AssertionError | RuntimeException e) {
      String context = "\nload: " + (load == null ? "not started" : load.summary()) + "\nbefore the fault: "
          + beforeFault + "\n" + cluster.describe();
      throw new AssertionError(e.getMessage() + context, e);
    }
  }

  /**
   * With the load stopped: every running node applies the leader's whole log, and every acknowledged write is
   * readable with its acknowledged version from the leader and from each other node.
   */
  private void checkNothingLost(String leader) {
    List<HttpWriteLoad.Ack> acks = load.acks();
    assertTrue(acks.size() >= 50, "the load made progress: " + load.summary());
    assertEquals(0, load.refused(), "no write was refused: " + load.lastRefusal());
    await("every node applied " + leader + "'s whole log", CATCH_UP, () -> {
      Map<String, JsonNode> s = cluster.statuses();
      JsonNode l = s.get(leader);
      if (l == null || s.size() < cluster.nodes().stream().filter(LocalCluster.Node::running).count()) {
        return false;
      }
      long last = l.path("lastPosition").asLong();
      return s.values().stream().allMatch(n -> n.path("appliedPosition").asLong() == last);
    });
    Set<Long> versions = new HashSet<>();
    for (HttpWriteLoad.Ack a : acks) {
      assertTrue(versions.add(a.version()), "two acknowledged writes share version " + a.version());
    }
    for (LocalCluster.Node n : cluster.nodes()) {
      if (n.running()) {
        List<String> missing = HttpWriteLoad.missing(cluster, n.name(), acks, 8);
        assertTrue(missing.isEmpty(), missing.size() + " of " + acks.size() + " acknowledged writes missing on "
            + n.name() + (n.name().equals(leader) ? " (the leader)" : "") + ", e.g. "
            + missing.subList(0, Math.min(5, missing.size())));
      }
    }
  }

  private long epochOf(String node) {
    JsonNode s = cluster.statuses().get(node);
    if (s == null) {
      throw new AssertionError(node + " did not answer its status");
    }
    return s.path("epoch").asLong();
  }

  private KvClient.Response sendDirect(String node, String method, String path, String body) {
    return send(method, URI.create(cluster.node(node).baseUrl() + path), body, Duration.ofSeconds(20));
  }

  private KvClient.Response send(String method, URI uri, String body, Duration timeout) {
    try {
      return cluster.client().send(method, uri, body, timeout);
    } catch (IOException e) {
      throw new AssertionError(method + " " + uri + " got no answer: " + e, e);
    }
  }

  private static void await(String what, Duration timeout, BooleanSupplier condition) {
    if (!Poll.within(timeout, Duration.ofMillis(50), condition)) {
      throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting until " + what);
    }
  }
}
