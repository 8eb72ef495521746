package io.replikit.examples.bench;

import akka.actor.typed.ActorSystem;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.replikit.examples.support.Poll;
import io.replikit.examples.support.ReplicaHost;
import io.replikit.examples.support.RunningGroup;
import io.replikit.persistence.ReplikitJournal;
import io.replikit.replication.ReplicaId;
import io.replikit.replication.ReplicaTransport;
import io.replikit.singleleader.AckPolicy;
import io.replikit.singleleader.ReplicaGroupSpec;
import io.replikit.singleleader.ReplicaObserver;
import io.replikit.singleleader.ReplicaStatus;
import io.replikit.singleleader.SingleLeaderSettings;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * What the benches share: the actor system on a journal, groups, stopping the nodes, and figure formatting. Public
 * only for {@link #stopAll}, which the benches of the family packages use; the rest stays package-private. Stopping
 * never throws: a system that does not stop in time costs a progress line and is left to the JVM's exit.
 */
public final class BenchSupport {
  static final Duration CATCH_UP = Duration.ofSeconds(60);

  private BenchSupport() {}

  /** Whether {@code journal} is a kind the benches run on. */
  static void checkJournal(String journal) {
    if (!ReplikitJournal.H2_MEMORY.equals(journal) && !ReplikitJournal.H2_FILE.equals(journal)) {
      throw new IllegalArgumentException("--journal must be h2-memory or h2-file, was '" + journal + "'");
    }
  }

  /**
   * An actor system on a fresh journal: an in-memory H2 database of its own, or the H2 file {@code fileName}.mv.db
   * under {@code dataDir} (its own file, so that bench runs do not grow the demo's journal).
   */
  static ActorSystem<ReplicaHost.Command> startSystem(String journal, Path dataDir, String fileName) {
    Config base = ConfigFactory.parseString("replikit.journal.h2-file.name = \"" + fileName + "\"")
        .withFallback(ConfigFactory.load());
    Config config = ReplikitJournal.H2_FILE.equals(journal)
        ? ReplikitJournal.h2File(dataDir, base)
        // a name of its own: in-memory databases are shared by name within a JVM
        : ReplikitJournal.h2InMemory(fileName + "-" + System.nanoTime(), base);
    ActorSystem<ReplicaHost.Command> system = ActorSystem.create(ReplicaHost.create(), "replikit-bench", config);
    try {
      ReplikitJournal.createSchemaBlocking(system, Duration.ofSeconds(30));
    } catch (RuntimeException e) {
      system.terminate();
      throw e;
    }
    return system;
  }

  static void shutdown(ActorSystem<?> system, PrintWriter progress) {
    system.terminate();
    try {
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      note(progress, "the actor system did not shut down within 30 s: %s", e);
    }
  }

  /**
   * Terminates every node of {@code systems} at once, then waits up to 30 s for each to stop; one that does not is
   * named on {@code progress} and left to the JVM's exit, so that a bench still reports its figures.
   */
  public static void stopAll(List<? extends ActorSystem<?>> systems, PrintWriter progress) {
    for (ActorSystem<?> s : systems) {
      s.terminate();
    }
    for (ActorSystem<?> s : systems) {
      try {
        s.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        note(progress, "a node did not shut down within 30 s: %s", e);
      }
    }
  }

  /**
   * Starts the group {@code leader} + {@code followers} and waits until the leader sees every follower streaming
   * (and, under semi-sync, one of them synchronous).
   */
  static RunningGroup startGroup(ActorSystem<ReplicaHost.Command> system, String groupId, ReplicaId leader,
      List<ReplicaId> followers, SingleLeaderSettings settings, ReplicaTransport transport,
      ReplicaObserver observer) {
    ReplicaGroupSpec spec = new ReplicaGroupSpec(groupId, leader, followers);
    RunningGroup group = new RunningGroup(system, spec, settings, transport, observer).startAll();
    Poll.until(Duration.ofSeconds(30), "every follower of " + groupId + " streams", () -> {
      List<ReplicaStatus.FollowerStatus> fs = group.status(group.leader()).followers();
      boolean streaming = fs.size() == followers.size() && fs.stream().allMatch(f -> f.state().equals("streaming"));
      boolean syncChosen = settings.ackPolicy().mode() != AckPolicy.Mode.SEMI_SYNC
          || fs.stream().anyMatch(f -> f.syncState().equals("sync"));
      return streaming && syncChosen;
    });
    return group;
  }

  static void awaitCaughtUp(RunningGroup group, PrintWriter progress) {
    if (!Poll.within(CATCH_UP, group::allCaughtUp)) {
      note(progress, "  followers did not catch up within %d s; measuring on", CATCH_UP.toSeconds());
    }
  }

  static void note(PrintWriter progress, String format, Object... args) {
    progress.printf(Locale.ROOT, format + "%n", args);
    progress.flush();
  }

  /** A percentile of a histogram of microseconds, in milliseconds (0 when empty). */
  static double millis(Histogram h, double percentile) {
    return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(percentile) / 1000.0;
  }

  static Double round(Double v) {
    return v == null || v.isNaN() ? null : Math.round(v * 1000) / 1000.0;
  }

  static String num(Double v) {
    return v == null || v.isNaN() ? "-" : String.format(Locale.ROOT, v >= 100 ? "%.0f" : "%.3f", v);
  }
}
