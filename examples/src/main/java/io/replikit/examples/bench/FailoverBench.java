package io.replikit.examples.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.replikit.examples.support.HttpWriteLoad;
import io.replikit.examples.support.LocalCluster;
import io.replikit.examples.support.Poll;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Failover of a group spread over real processes: a cluster of {@code replikit serve} JVMs on loopback
 * ({@link LocalCluster}) under a steady HTTP write load ({@link HttpWriteLoad}).
 *
 * <p>With {@code kills > 0}, the leader's JVM is killed (SIGKILL) that many times; each time the figure is the
 * time from the kill to the first write acknowledged by the new leader (as the client sees it: detection,
 * election, and the client finding the new leader), then the killed node is restarted and the run waits until it
 * has caught up as a follower. With {@code idleSeconds > 0}, nothing is killed and every epoch change seen is a
 * false failover. Either way, at the end every acknowledged write is read back from the leader: those missing are
 * {@code lost_acknowledged} (must be 0 in sync and semi-sync), and the divergent writes the nodes set aside are
 * summed. Times never fail a run: the figures are the output; a run that cannot make progress (no leader, no
 * acknowledged write after a failover) fails with every node's status and log tail.
 */
public final class FailoverBench {
  private static final Duration STARTUP = Duration.ofSeconds(120);
  private static final Duration FAILOVER_LIMIT = Duration.ofSeconds(60);
  private static final Duration CATCH_UP_LIMIT = Duration.ofSeconds(120);

  /**
   * What to run.
   *
   * @param jar the shaded replikit.jar the nodes run
   * @param workDir where the nodes' data and logs go
   * @param mode async, semi-sync or sync
   * @param nodes how many nodes (3 or more)
   * @param kills how many times the leader is killed (0 with {@code idleSeconds})
   * @param idleSeconds how long to run without faults (0 with {@code kills})
   * @param ratePerSecond write load, over all clients
   * @param clients client threads, each with one write in flight (more clients: more writes in flight when the
   *     leader dies, hence more chances for async to lose acknowledged ones)
   * @param failoverTimeout the nodes' {@code --failover-timeout}
   */
  public record Options(Path jar, Path workDir, String mode, int nodes, int kills, int idleSeconds,
      double ratePerSecond, int clients, String failoverTimeout) {
    public Options {
      check(nodes, kills, idleSeconds, ratePerSecond, clients);
    }

    /** The checks of the numbers alone, so that a command line can report them before it looks for a jar. */
    public static void check(int nodes, int kills, int idleSeconds, double ratePerSecond, int clients) {
      if (nodes < 3) {
        throw new IllegalArgumentException("--nodes must be at least 3 (a majority must survive a kill), was "
            + nodes);
      }
      if (kills < 0 || idleSeconds < 0) {
        throw new IllegalArgumentException("--kills and --idle-seconds must not be negative");
      }
      if ((kills == 0) == (idleSeconds == 0)) {
        throw new IllegalArgumentException("give exactly one of --kills K (K >= 1) and --idle-seconds S (S >= 1)");
      }
      if (ratePerSecond <= 0) {
        throw new IllegalArgumentException("--rate must be positive, was " + ratePerSecond);
      }
      if (clients < 1 || clients > 64) {
        throw new IllegalArgumentException("--clients must be between 1 and 64, was " + clients);
      }
    }
  }

  private FailoverBench() {}

  /** Runs the benchmark; progress goes to {@code log}; the result is one JSON object. */
  public static ObjectNode run(Options o, PrintWriter log) {
    long began = System.nanoTime();
    LocalCluster.Options clusterOptions = new LocalCluster.Options(o.jar(), o.workDir(), o.nodes(), "bench",
        o.mode(), o.failoverTimeout(), LocalCluster.Options.smallJvm(), List.of("--log-level", "INFO"));
    progress(log, "starting " + o.nodes() + " nodes (" + o.mode() + ", failover-timeout " + o.failoverTimeout()
        + ") in " + o.workDir());
    try (LocalCluster cluster = LocalCluster.start(clusterOptions)) {
      String leader = cluster.awaitLeader(STARTUP);
      long startEpoch = cluster.statuses().get(leader).path("epoch").asLong();
      progress(log, leader + " leads in epoch " + startEpoch);
      ObjectNode result = JsonNodeFactory.instance.objectNode();
      result.put("mode", o.mode());
      result.put("nodes", o.nodes());
      result.put("failover_timeout", o.failoverTimeout());
      result.put("rate_per_s", o.ratePerSecond());
      result.put("clients", o.clients());
      Loads load = new Loads(cluster, o.clients(), o.ratePerSecond());
      try {
        await(cluster, Duration.ofSeconds(30), "the load has 20 acknowledged writes", () -> load.acknowledged() >= 20);
        if (o.kills() > 0) {
          killLoop(o, cluster, load, result, log);
        } else {
          idle(o, cluster, load, startEpoch, result, log);
        }
      } finally {
        load.close();
      }
      String finalLeader = cluster.awaitLeader(STARTUP);
      awaitConverged(cluster, finalLeader);
      List<HttpWriteLoad.Ack> acks = load.acks();
      List<String> lost = HttpWriteLoad.missing(cluster, finalLeader, acks, 16);
      Map<String, JsonNode> statuses = cluster.statuses();
      long setAside = statuses.values().stream().mapToLong(s -> s.path("divergentWrites").asLong()).sum();
      long endEpoch = statuses.get(finalLeader).path("epoch").asLong();
      result.put("acknowledged", acks.size());
      result.put("lost_acknowledged", lost.size());
      result.put("set_aside", setAside);
      result.put("uncertain", load.uncertain());
      result.put("elections", endEpoch - startEpoch);
      result.put("duration_s", Math.round((System.nanoTime() - began) / 1e8) / 10.0);
      if (!lost.isEmpty()) {
        progress(log, lost.size() + " acknowledged writes missing on " + finalLeader + ", e.g. "
            + lost.subList(0, Math.min(5, lost.size())));
      }
      progress(log, "load: " + load.summary());
      return result;
    }
  }

  /** Several {@link HttpWriteLoad}s (one thread each, disjoint keys) seen as one load. */
  private static final class Loads implements AutoCloseable {
    private final List<HttpWriteLoad> loads = new ArrayList<>();

    Loads(LocalCluster cluster, int clients, double rate) {
      for (int i = 0; i < clients; i++) {
        loads.add(new HttpWriteLoad(cluster, "c" + i + "-", rate / clients).start());
      }
    }

    int acknowledged() {
      return loads.stream().mapToInt(HttpWriteLoad::acknowledged).sum();
    }

    int acknowledgedAfterEpoch(long epoch) {
      return loads.stream().mapToInt(l -> l.acknowledgedAfterEpoch(epoch)).sum();
    }

    Optional<HttpWriteLoad.Ack> firstAckAfterEpoch(long epoch) {
      return loads.stream().map(l -> l.firstAckAfterEpoch(epoch)).flatMap(Optional::stream)
          .min((a, b) -> Long.compare(a.atNanos(), b.atNanos()));
    }

    List<HttpWriteLoad.Ack> acks() {
      List<HttpWriteLoad.Ack> all = new ArrayList<>();
      loads.forEach(l -> all.addAll(l.acks()));
      return all;
    }

    long uncertain() {
      return loads.stream().mapToLong(HttpWriteLoad::uncertain).sum();
    }

    String summary() {
      return "attempts=" + loads.stream().mapToLong(HttpWriteLoad::attempts).sum() + " acknowledged="
          + acknowledged() + " uncertain=" + uncertain() + " redirects="
          + loads.stream().mapToLong(HttpWriteLoad::redirects).sum() + " unavailable="
          + loads.stream().mapToLong(HttpWriteLoad::unavailable).sum() + " refused="
          + loads.stream().mapToLong(HttpWriteLoad::refused).sum();
    }

    @Override
    public void close() {
      loads.forEach(HttpWriteLoad::close);
    }
  }

  private static void killLoop(Options o, LocalCluster cluster, Loads load, ObjectNode result,
      PrintWriter log) {
    List<Long> failoverMillis = new ArrayList<>();
    for (int k = 1; k <= o.kills(); k++) {
      String leader = cluster.awaitLeader(CATCH_UP_LIMIT);
      long epoch = cluster.statuses().get(leader).path("epoch").asLong();
      int before = load.acknowledged();
      await(cluster, Duration.ofSeconds(30), "writes are acknowledged in epoch " + epoch,
          () -> load.acknowledgedAfterEpoch(epoch - 1) > 0 && load.acknowledged() >= before + 20);
      long killedAt = System.nanoTime();
      cluster.kill(leader);
      await(cluster, FAILOVER_LIMIT, "a write is acknowledged after " + leader + " was killed in epoch " + epoch,
          () -> load.firstAckAfterEpoch(epoch).isPresent());
      HttpWriteLoad.Ack first = load.firstAckAfterEpoch(epoch).orElseThrow();
      long ms = (first.atNanos() - killedAt) / 1_000_000;
      failoverMillis.add(ms);
      progress(log, "kill " + k + "/" + o.kills() + ": " + leader + " killed in epoch " + epoch + "; " + first.node()
          + " acknowledged a write in epoch " + first.epoch() + " after " + ms + " ms");
      cluster.restart(leader);
      awaitCaughtUp(cluster, leader);
      progress(log, leader + " restarted and caught up: " + HttpWriteLoad.positions(cluster));
    }
    List<Long> sorted = failoverMillis.stream().sorted().toList();
    result.put("kills", o.kills());
    result.putPOJO("failover_ms", failoverMillis);
    result.put("failover_ms_p50", sorted.get((sorted.size() - 1) / 2));
    result.put("failover_ms_max", sorted.get(sorted.size() - 1));
  }

  private static void idle(Options o, LocalCluster cluster, Loads load, long startEpoch, ObjectNode result,
      PrintWriter log) {
    long end = System.nanoTime() + Duration.ofSeconds(o.idleSeconds()).toNanos();
    long maxEpoch = startEpoch;
    long nextReport = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    List<String> changes = new ArrayList<>();
    while (System.nanoTime() < end) {
      for (Map.Entry<String, JsonNode> e : cluster.statuses().entrySet()) {
        long epoch = e.getValue().path("epoch").asLong();
        if (epoch > maxEpoch) {
          changes.add(e.getKey() + " saw epoch " + epoch + " (" + e.getValue().path("role").asText() + ", leader "
              + e.getValue().path("leader").asText() + ")");
          progress(log, "epoch change without a fault: " + changes.get(changes.size() - 1));
          maxEpoch = epoch;
        }
      }
      if (System.nanoTime() > nextReport) {
        progress(log, "idle: " + load.acknowledged() + " writes acknowledged; " + HttpWriteLoad.positions(cluster));
        nextReport += Duration.ofSeconds(30).toNanos();
      }
      sleep(500);
    }
    result.put("idle_seconds", o.idleSeconds());
    result.put("false_failovers", maxEpoch - startEpoch);
    result.putPOJO("epoch_changes", changes);
  }

  /** The restarted node follows the current leader and has applied what the leader held when it came back. */
  private static void awaitCaughtUp(LocalCluster cluster, String restarted) {
    long[] target = {-1};
    await(cluster, CATCH_UP_LIMIT, restarted + " follows the leader and catches up", () -> {
      Map<String, JsonNode> s = cluster.statuses();
      Optional<String> leader = cluster.leaderNow();
      JsonNode mine = s.get(restarted);
      if (mine == null || leader.isEmpty() || !s.containsKey(leader.get()) || leader.get().equals(restarted)) {
        return false;
      }
      if (!"follower".equals(mine.path("role").asText()) || !leader.get().equals(mine.path("leader").asText())) {
        return false;
      }
      if (target[0] < 0) {
        target[0] = s.get(leader.get()).path("lastPosition").asLong();
      }
      return mine.path("appliedPosition").asLong() >= target[0];
    });
  }

  /** With the load stopped: every node has applied exactly what the leader holds. */
  static void awaitConverged(LocalCluster cluster, String leader) {
    await(cluster, CATCH_UP_LIMIT, "every node applied the leader's whole log", () -> {
      Map<String, JsonNode> s = cluster.statuses();
      JsonNode l = s.get(leader);
      long running = cluster.nodes().stream().filter(LocalCluster.Node::running).count();
      if (l == null || s.size() < running) {
        return false;
      }
      long last = l.path("lastPosition").asLong();
      return s.values().stream().allMatch(n -> n.path("appliedPosition").asLong() == last
          && n.path("lastPosition").asLong() == last);
    });
  }

  private static void await(LocalCluster cluster, Duration timeout, String what,
      java.util.function.BooleanSupplier condition) {
    if (!Poll.within(timeout, Duration.ofMillis(50), condition)) {
      throw new IllegalStateException("timed out after " + timeout.toMillis() + " ms waiting until " + what + "\n"
          + cluster.describe());
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void progress(PrintWriter log, String line) {
    log.println(String.format(Locale.ROOT, "[bench failover] %s", line));
    log.flush();
  }
}
