package io.replikit.singleleader;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import io.replikit.logformat.LogFormat;
import io.replikit.logformat.TableTriggers;
import io.replikit.logformat.Transactions;
import io.replikit.store.StoreLimits;
import java.time.Duration;

/**
 * Typed form of {@code replikit.single-leader} and {@code replikit.store}, read once; every default and its
 * trade-off is documented in core-actors' {@code reference.conf}.
 */
public record SingleLeaderSettings(
    AckPolicy ackPolicy,
    AckLevel ackLevel,
    Duration writeTimeout,
    Duration syncStandbyTimeout,
    Duration heartbeatInterval,
    Duration followerTimeout,
    Duration resendAfter,
    Duration failoverTimeout,
    int maxBatchEntries,
    int maxBatchesInFlight,
    int snapshotEvery,
    int snapshotChunkItems,
    int snapshotChunksInFlight,
    int logRetentionEntries,
    int maxRetainedEntries,
    Duration journalRestartMinBackoff,
    Duration journalRestartMaxBackoff,
    int journalMaxRestarts,
    StoreLimits storeLimits,
    Transactions.Encoding logEncoding,
    Duration readWaitTimeout,
    boolean rejoinWhenEmpty) {

  public SingleLeaderSettings {
    positive("write-timeout", writeTimeout);
    positive("sync-standby-timeout", syncStandbyTimeout);
    positive("heartbeat-interval", heartbeatInterval);
    positive("follower-timeout", followerTimeout);
    positive("resend-after", resendAfter);
    positive("failover-timeout", failoverTimeout);
    if (failoverTimeout != null && heartbeatInterval != null
        && failoverTimeout.compareTo(heartbeatInterval.multipliedBy(3)) < 0) {
      throw new IllegalArgumentException("replikit.single-leader.failover-timeout (" + failoverTimeout
          + ") must be at least three heartbeat-intervals (" + heartbeatInterval + "), or a few lost heartbeats "
          + "would start needless elections");
    }
    atLeast("max-batch-entries", maxBatchEntries, 1);
    atLeast("max-batches-in-flight", maxBatchesInFlight, 1);
    atLeast("snapshot-every", snapshotEvery, 1);
    atLeast("snapshot-chunk-items", snapshotChunkItems, 1);
    atLeast("snapshot-chunks-in-flight", snapshotChunksInFlight, 1);
    atLeast("log-retention-entries", logRetentionEntries, 0);
    if (maxRetainedEntries < logRetentionEntries) {
      throw new IllegalArgumentException("replikit.single-leader.max-retained-entries (" + maxRetainedEntries
          + ") must be at least log-retention-entries (" + logRetentionEntries + ")");
    }
    positive("journal-restart-min-backoff", journalRestartMinBackoff);
    positive("journal-restart-max-backoff", journalRestartMaxBackoff);
    atLeast("journal-max-restarts", journalMaxRestarts, 0);
    if (followerTimeout.compareTo(heartbeatInterval) <= 0) {
      throw new IllegalArgumentException("replikit.single-leader.follower-timeout (" + followerTimeout
          + ") must be longer than heartbeat-interval (" + heartbeatInterval + "), or followers reconnect needlessly");
    }
    if (storeLimits == null) {
      throw new IllegalArgumentException("store limits are missing");
    }
    if (logEncoding == null) {
      throw new IllegalArgumentException("log encoding is missing");
    }
    if (readWaitTimeout == null || readWaitTimeout.isNegative()) {
      throw new IllegalArgumentException(
          "replikit.single-leader.read-wait-timeout must be zero or positive, was " + readWaitTimeout);
    }
  }

  /** Reads the settings from a config that includes core-actors' reference.conf; errors name the bad path. */
  public static SingleLeaderSettings fromConfig(Config root) {
    try {
      Config c = root.getConfig("replikit.single-leader");
      String base = "replikit.single-leader.";
      AckPolicy.Mode mode = AckPolicy.parseMode(base + "ack-policy", c.getString("ack-policy"));
      AckPolicy.SyncMethod method =
          AckPolicy.parseMethod(base + "sync-standby-method", c.getString("sync-standby-method"));
      int k = c.getInt("sync-standby-count");
      if (mode == AckPolicy.Mode.SEMI_SYNC && k < 1) {
        throw new IllegalArgumentException(base + "sync-standby-count must be at least 1 for semi-sync, was " + k);
      }
      AckPolicy policy = new AckPolicy(mode, mode == AckPolicy.Mode.SEMI_SYNC ? k : 0, method);
      return new SingleLeaderSettings(
          policy,
          AckLevel.parse(base + "ack-level", c.getString("ack-level")),
          c.getDuration("write-timeout"),
          c.getDuration("sync-standby-timeout"),
          c.getDuration("heartbeat-interval"),
          c.getDuration("follower-timeout"),
          c.getDuration("resend-after"),
          c.getDuration("failover-timeout"),
          c.getInt("max-batch-entries"),
          c.getInt("max-batches-in-flight"),
          c.getInt("snapshot-every"),
          c.getInt("snapshot-chunk-items"),
          c.getInt("snapshot-chunks-in-flight"),
          c.getInt("log-retention-entries"),
          c.getInt("max-retained-entries"),
          c.getDuration("journal-restart-min-backoff"),
          c.getDuration("journal-restart-max-backoff"),
          c.getInt("journal-max-restarts"),
          StoreLimits.fromConfig(root),
          new Transactions.Encoding(LogFormat.parse(base + "log-format", c.getString("log-format")),
              c.getInt("wal-storage-version"), TableTriggers.none()),
          c.getDuration("read-wait-timeout"),
          c.getBoolean("rejoin-when-empty"));
    } catch (ConfigException e) {
      throw new IllegalArgumentException("invalid replikit configuration: " + e.getMessage(), e);
    }
  }

  public SingleLeaderSettings withAckPolicy(AckPolicy policy) {
    return new SingleLeaderSettings(policy, ackLevel, writeTimeout, syncStandbyTimeout, heartbeatInterval,
        followerTimeout, resendAfter, failoverTimeout, maxBatchEntries, maxBatchesInFlight, snapshotEvery,
        snapshotChunkItems, snapshotChunksInFlight, logRetentionEntries, maxRetainedEntries, journalRestartMinBackoff,
        journalRestartMaxBackoff, journalMaxRestarts, storeLimits, logEncoding, readWaitTimeout, rejoinWhenEmpty);
  }

  public SingleLeaderSettings withAckLevel(AckLevel level) {
    return new SingleLeaderSettings(ackPolicy, level, writeTimeout, syncStandbyTimeout, heartbeatInterval,
        followerTimeout, resendAfter, failoverTimeout, maxBatchEntries, maxBatchesInFlight, snapshotEvery,
        snapshotChunkItems, snapshotChunksInFlight, logRetentionEntries, maxRetainedEntries, journalRestartMinBackoff,
        journalRestartMaxBackoff, journalMaxRestarts, storeLimits, logEncoding, readWaitTimeout, rejoinWhenEmpty);
  }

  /** These settings with transactions logged in {@code format}. */
  public SingleLeaderSettings withLogFormat(LogFormat format) {
    return withLogEncoding(new Transactions.Encoding(format, logEncoding.walStorageVersion(), logEncoding.triggers()));
  }

  /** These settings writing and reading WAL records of storage {@code version} (to play an older or newer node). */
  public SingleLeaderSettings withWalStorageVersion(int version) {
    return withLogEncoding(new Transactions.Encoding(logEncoding.format(), version, logEncoding.triggers()));
  }

  /** These settings with {@code triggers} run on commit (used by the trigger log format). */
  public SingleLeaderSettings withTriggers(TableTriggers triggers) {
    return withLogEncoding(new Transactions.Encoding(logEncoding.format(), logEncoding.walStorageVersion(), triggers));
  }

  public SingleLeaderSettings withLogEncoding(Transactions.Encoding encoding) {
    return new SingleLeaderSettings(ackPolicy, ackLevel, writeTimeout, syncStandbyTimeout, heartbeatInterval,
        followerTimeout, resendAfter, failoverTimeout, maxBatchEntries, maxBatchesInFlight, snapshotEvery,
        snapshotChunkItems, snapshotChunksInFlight, logRetentionEntries, maxRetainedEntries, journalRestartMinBackoff,
        journalRestartMaxBackoff, journalMaxRestarts, storeLimits, encoding, readWaitTimeout, rejoinWhenEmpty);
  }

  /**
   * These settings with {@code rejoin-when-empty} set: a voter that recovers an empty journal asks its peers before
   * it votes, and rejoins as a non-voting member until caught up if the group has a history (see reference.conf).
   */
  public SingleLeaderSettings withRejoinWhenEmpty(boolean rejoin) {
    return new SingleLeaderSettings(ackPolicy, ackLevel, writeTimeout, syncStandbyTimeout, heartbeatInterval,
        followerTimeout, resendAfter, failoverTimeout, maxBatchEntries, maxBatchesInFlight, snapshotEvery,
        snapshotChunkItems, snapshotChunksInFlight, logRetentionEntries, maxRetainedEntries, journalRestartMinBackoff,
        journalRestartMaxBackoff, journalMaxRestarts, storeLimits, logEncoding, readWaitTimeout, rejoin);
  }

  private static void positive(String name, Duration d) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException("replikit.single-leader." + name + " must be a positive duration, was " + d);
    }
  }

  private static void atLeast(String name, int value, int min) {
    if (value < min) {
      throw new IllegalArgumentException(
          "replikit.single-leader." + name + " must be at least " + min + ", was " + value);
    }
  }
}
