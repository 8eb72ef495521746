package io.replikit.testkit;

import akka.actor.typed.ActorSystem;
import akka.cluster.MemberStatus;
import akka.cluster.typed.Cluster;
import akka.cluster.typed.Join;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.StreamSupport;

/**
 * Several Akka Cluster nodes in one JVM, for scenario tests of replicas spread over a cluster: each node an actor
 * system with Artery TCP on 127.0.0.1 and a free port. The journal is the caller's to add (a fallback with the
 * persistence test kit's plugin, say). Not for production: ports are probed, not reserved.
 */
public final class LoopbackCluster {
  private LoopbackCluster() {}

  /**
   * The configuration of one node: cluster provider, loopback Artery on a free port, coordinated shutdown that
   * leaves the JVM alone, and {@code overrides} (HOCON, may be empty) on top; {@code ConfigFactory.load()} beneath.
   */
  public static Config nodeConfig(String overrides) {
    return ConfigFactory.parseString(overrides == null ? "" : overrides)
        .withFallback(ConfigFactory.parseString("""
            akka.actor.provider = cluster
            akka.remote.artery.canonical.hostname = "127.0.0.1"
            akka.remote.artery.canonical.port = %d
            akka.cluster.jmx.multi-mbeans-in-same-jvm = on
            akka.coordinated-shutdown.terminate-actor-system = on
            akka.coordinated-shutdown.run-by-jvm-shutdown-hook = off
            akka.cluster.run-coordinated-shutdown-when-down = off
            akka.loglevel = WARNING
            """.formatted(freePort())));
  }

  /**
   * A node of a sharded-keyspace scenario ({@code io.replikit.sharding}): {@link #nodeConfig} with {@code overrides}
   * (the family's settings) on top of timings that let a test watch replicas move within seconds (keep-alive every
   * 300 ms, a 1 s request timeout, sharding retries every 300 ms, a downed node's shards placed again after 1 s),
   * a node whose system terminates crashing rather than leaving, and a journal of its own (the persistence test
   * kit's, per actor system: a replica placed anew starts empty, as with a journal per node).
   */
  public static Config shardedNodeConfig(String overrides) {
    return nodeConfig((overrides == null ? "" : overrides) + """

        replikit.sharding {
          keep-alive-interval = 300ms
          request-timeout = 1s
        }
        akka.cluster.sharding.retry-interval = 300ms
        # the coordinator waits this long before re-placing a downed node's shards (with the Split Brain Resolver
        # the default is its stable-after, 7s); the downed node here is really gone
        akka.cluster.down-removal-margin = 1s
        # a crash, not a graceful leave: the node's system stops without leaving the cluster
        akka.coordinated-shutdown.run-by-actor-system-terminate = off
        """)
        .withFallback(akka.persistence.testkit.PersistenceTestKitPlugin.getInstance().config())
        .withFallback(akka.persistence.testkit.PersistenceTestKitSnapshotPlugin.config())
        .withFallback(ConfigFactory.load());
  }

  /**
   * Has every system join the first one and returns once every system sees all of them Up; throws
   * {@link IllegalStateException} naming how many it saw if that takes longer than {@code within}.
   */
  public static void joinAndAwaitUp(List<? extends ActorSystem<?>> systems, Duration within) {
    akka.actor.Address seed = Cluster.get(systems.get(0)).selfMember().address();
    for (ActorSystem<?> s : systems) {
      Cluster.get(s).manager().tell(new Join(seed));
    }
    long deadline = System.nanoTime() + within.toNanos();
    while (true) {
      long fewest = Long.MAX_VALUE;
      for (ActorSystem<?> s : systems) {
        fewest = Math.min(fewest, StreamSupport.stream(Cluster.get(s).state().getMembers().spliterator(), false)
            .filter(m -> m.status() == MemberStatus.up()).count());
      }
      if (fewest == systems.size()) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("after " + within.toMillis() + " ms some node saw only " + fewest + " of "
            + systems.size() + " members Up");
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
    }
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port on 127.0.0.1", e);
    }
  }
}
