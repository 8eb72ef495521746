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
 * @param incarnateWhenEmpty whether a replica that starts with an empty journal writes under a fresh incarnation
 *     of its id ({@code <id>~<incarnation>}) instead of its id, so that it never reuses a dot it may have written
 *     under before the journal was lost (peers would drop those writes as duplicates). Sharded groups switch it on,
 *     since sharding places replicas on nodes without their journal; off, a replica must never lose its journal.
 */
public record MultiLeaderSettings(Duration digestInterval, int maxBatch, int maxPending, boolean originTags,
    boolean incarnateWhenEmpty) {
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

  /** Settings without incarnations (a replica's journal is never lost). */
  public MultiLeaderSettings(Duration digestInterval, int maxBatch, int maxPending, boolean originTags) {
    this(digestInterval, maxBatch, maxPending, originTags, false);
  }

  public static MultiLeaderSettings fromConfig(Config root) {
    try {
      Config c = root.getConfig("replikit.multi-leader");
      return new MultiLeaderSettings(c.getDuration("digest-interval"), c.getInt("max-batch"),
          c.getInt("max-pending"), c.getBoolean("origin-tags"), c.getBoolean("incarnate-when-empty"));
    } catch (ConfigException e) {
      throw new IllegalArgumentException("invalid replikit configuration: " + e.getMessage(), e);
    }
  }

  public MultiLeaderSettings withDigestInterval(Duration d) {
    return new MultiLeaderSettings(d, maxBatch, maxPending, originTags, incarnateWhenEmpty);
  }

  public MultiLeaderSettings withMaxBatch(int n) {
    return new MultiLeaderSettings(digestInterval, n, maxPending, originTags, incarnateWhenEmpty);
  }

  public MultiLeaderSettings withIncarnateWhenEmpty(boolean on) {
    return new MultiLeaderSettings(digestInterval, maxBatch, maxPending, originTags, on);
  }
}
