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

  /** Scenario timers: a failover within about half a second, multi-leader digests every 100 ms. */
  public static Config config() {
    return inMemory("""
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
        """);
  }

  /**
   * {@code overrides} (HOCON) over a test system's base: every message serialized through Jackson as on a wire
   * ({@code akka.actor.serialize-messages}), logging through SLF4J at WARNING, Akka's in-memory persistence test
   * kit as journal and snapshot store, then the application's and reference configuration.
   */
  public static Config inMemory(String overrides) {
    return ConfigFactory.parseString(overrides)
        .withFallback(ConfigFactory.parseString("""
            akka.actor.serialize-messages = on
            akka.loglevel = WARNING
            akka.loggers = ["akka.event.slf4j.Slf4jLogger"]
            akka.logging-filter = "akka.event.slf4j.Slf4jLoggingFilter"
            """))
        .withFallback(PersistenceTestKitPlugin.getInstance().config())
        .withFallback(PersistenceTestKitSnapshotPlugin.config())
        .withFallback(ConfigFactory.load());
  }
}
