package io.replikit.logformat;

import java.util.Locale;

/**
 * What a single-leader group's log holds for a transaction on rows (plain single-key writes are logged the same
 * way in every format). Chosen per group by {@code replikit.single-leader.log-format}.
 */
public enum LogFormat {
  /**
   * The statements, with {@code now()}, {@code random()} and {@code nextId()} replaced by the values the leader drew;
   * followers execute them. Compact for statements that touch many rows; every replica must execute them alike.
   */
  STATEMENT,
  /**
   * The storage engine's byte records (row images), tagged with a storage format version; followers store the bytes
   * as they are. A follower on another storage version refuses the stream: no zero-downtime upgrade.
   */
  WAL,
  /**
   * Row-based records (insert with every column, update with the key and new values, delete with the key) ending in
   * a commit record; decoupled from the storage engine, so leader and followers may run different versions.
   */
  LOGICAL,
  /**
   * Logical records plus what user code registered per table (a trigger) chose to replicate elsewhere; a relay
   * delivers those outputs to their targets. Flexible, with the overhead of running user code on every commit.
   */
  TRIGGER;

  /** Parses a configured value (any case); the error names {@code path} and the accepted values. */
  public static LogFormat parse(String path, String value) {
    try {
      return valueOf(value.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(path + " must be one of statement, wal, logical, trigger; was '" + value
          + "'");
    }
  }

  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
