package io.replikit.testkit.scenario;

import akka.persistence.testkit.PersistenceTestKitPlugin;
import akka.persistence.testkit.PersistenceTestKitSnapshotPlugin;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;

/**
 * The configuration of an actor system (an {@code ActorTestKit}'s) that runs scenarios: every message through
 * Jackson as on a wire, Akka's in-memory persistence test kit as journal (replicas that crash recover from it), and
 * short replication timers so that failovers and repairs happen within a few rounds.
 */
public final class ScenarioKit {
  private ScenarioKit() {}

  public static Config config() {
    return ConfigFactory.parseString("""
        akka.actor.serialize-messages = on
        akka.loglevel = WARNING
        akka.loggers = ["akka.event.slf4j.Slf4jLogger"]
        akka.logging-filter = "akka.event.slf4j.Slf4jLoggingFilter"
        replikit.single-leader {
          heartbeat-interval = 50ms
          follower-timeout = 300ms
          sync-standby-timeout = 600ms
          resend-after = 150ms
          failover-timeout = 500ms
          write-timeout = 1s
          read-wait-timeout = 300ms
        }
        replikit.multi-leader.digest-interval = 100ms
        """)
        .withFallback(PersistenceTestKitPlugin.getInstance().config())
        .withFallback(PersistenceTestKitSnapshotPlugin.config())
        .withFallback(ConfigFactory.load());
  }
}
