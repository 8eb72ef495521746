package io.replikit.multileader;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.time.Duration;

/**
 * Typed form of {@code replikit.multi-leader} (documented in the topologies module's {@code reference.conf}).
 *
 * @param digestInterval how often a replica tells its topology neighbours what it has applied (anti-entropy)
 * @param maxBatch changes per message, when forwarding and when answering a digest
 * @param maxPending received changes held back until what they depend on arrives; beyond it the newest are dropped
 *     (anti-entropy brings them again)
 * @param originTags whether changes carry origin tags (off only to show a ring looping forever)
 */
public record MultiLeaderSettings(Duration digestInterval, int maxBatch, int maxPending, boolean originTags) {
  public MultiLeaderSettings {
    if (digestInterval == null || digestInterval.isNegative() || digestInterval.isZero()) {
      throw new IllegalArgumentException("replikit.multi-leader.digest-interval must be positive, was "
          + digestInterval);
    }
    if (maxBatch < 1) {
      throw new IllegalArgumentException("replikit.multi-leader.max-batch must be at least 1, was " + maxBatch);
    }
    if (maxPending < 1) {
      throw new IllegalArgumentException("replikit.multi-leader.max-pending must be at least 1, was " + maxPending);
    }
  }

  public static MultiLeaderSettings fromConfig(Config root) {
    try {
      Config c = root.getConfig("replikit.multi-leader");
      return new MultiLeaderSettings(c.getDuration("digest-interval"), c.getInt("max-batch"),
          c.getInt("max-pending"), c.getBoolean("origin-tags"));
    } catch (ConfigException e) {
      throw new IllegalArgumentException("invalid replikit configuration: " + e.getMessage(), e);
    }
  }

  public MultiLeaderSettings withDigestInterval(Duration d) {
    return new MultiLeaderSettings(d, maxBatch, maxPending, originTags);
  }

  public MultiLeaderSettings withMaxBatch(int n) {
    return new MultiLeaderSettings(digestInterval, n, maxPending, originTags);
  }
}
