package io.replikit.singleleader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SingleLeaderSettingsTest {

  private static SingleLeaderSettings read(String overrides) {
    return SingleLeaderSettings.fromConfig(ConfigFactory.parseString(overrides).withFallback(ConfigFactory.load()));
  }

  private static void assertRefused(String overrides, String mentions) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> read(overrides));
    assertTrue(e.getMessage().contains(mentions), "'" + e.getMessage() + "' should mention '" + mentions + "'");
  }

  @Test
  void theDefaultsAreAsynchronousWithPersistedAcknowledgements() {
    SingleLeaderSettings s = read("");
    assertEquals(AckPolicy.async(), s.ackPolicy());
    assertEquals(AckLevel.PERSISTED, s.ackLevel());
    assertEquals(Duration.ofMillis(200), s.heartbeatInterval());
  }

  @Test
  void semiSyncReadsItsCountAndMethod() {
    SingleLeaderSettings s = read("""
        replikit.single-leader { ack-policy = semi-sync, sync-standby-count = 2, sync-standby-method = any,
          ack-level = remote-apply-is-not-a-level-here }
        """.replace("remote-apply-is-not-a-level-here", "applied"));
    assertEquals(AckPolicy.semiSync(AckPolicy.SyncMethod.ANY, 2), s.ackPolicy());
    assertEquals(AckLevel.APPLIED, s.ackLevel());
    assertEquals("semi-sync ANY 2", s.ackPolicy().toString());
  }

  @Test
  void unknownOrImpossibleValuesAreRefusedNamingThePath() {
    assertRefused("replikit.single-leader.ack-policy = quorum", "replikit.single-leader.ack-policy");
    assertRefused("replikit.single-leader.ack-level = flushed", "replikit.single-leader.ack-level: unknown");
    assertRefused("replikit.single-leader.sync-standby-method = random", "sync-standby-method");
    assertRefused("replikit.single-leader { ack-policy = semi-sync, sync-standby-count = 0 }", "sync-standby-count");
    assertRefused("replikit.single-leader.heartbeat-interval = 0s", "heartbeat-interval must be a positive");
    assertRefused("replikit.single-leader.follower-timeout = 100ms", "follower-timeout");
    assertRefused("replikit.single-leader.max-batch-entries = 0", "max-batch-entries must be at least 1");
    assertRefused("replikit.single-leader.write-timeout = soon", "write-timeout");
    assertRefused("replikit.store.max-key-length = 0", "replikit.store.max-key-length");
    assertRefused("replikit.single-leader { log-retention-entries = 10, max-retained-entries = 5 }",
        "max-retained-entries");
  }
}
