package io.replikit.sessions;

/** The session guarantees of reads under replication lag that a {@link Session} can keep. */
public enum Guarantee {
  /** Reads see the session user's own writes (from any device sharing the {@link TokenStore}). */
  READ_YOUR_WRITES,
  /** A session never sees older data after newer data, even when it moves to another replica. */
  MONOTONIC_READS,
  /**
   * Across groups (partitions): a value written as depending on others ({@link Session#writeAfterSeen}) is never
   * shown without them; {@link Session#readConsistent} returns a consistent prefix.
   */
  CONSISTENT_PREFIX
}
