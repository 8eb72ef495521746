package io.replikit.multileader;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.function.BinaryOperator;

/**
 * How a key's concurrent writes (two or more writes none of which saw the others, by version vector; never by
 * wall-clock time) are turned into what a read returns. Every strategy is a deterministic function of the set of
 * concurrent versions, and every replica ends with the same set once all changes are delivered, so every replica
 * converges to the same value whatever the delivery order.
 */
public sealed interface ConflictStrategy {

  /**
   * The version with the highest hybrid-logical-clock timestamp wins (ties by replica id); the others are
   * discarded, and counted (silent data loss made visible).
   */
  record LastWriteWins() implements ConflictStrategy {}

  /** The version written at the replica listed first in {@code highestFirst} wins; then last-write-wins. */
  record ReplicaPriority(List<String> highestFirst) implements ConflictStrategy {
    public ReplicaPriority {
      highestFirst = List.copyOf(highestFirst);
    }
  }

  /**
   * The versions merged by {@code merge}, applied in a fixed order (by the writes' ids); it should be commutative
   * and associative (a set union, a sum, a max), so the result does not depend on that order either.
   */
  record Merge(BinaryOperator<JsonNode> merge) implements ConflictStrategy {}

  /**
   * All concurrent versions are kept and returned together on read (CouchDB-style); the application resolves them
   * with its next write to that replica, which supersedes every version it has seen.
   */
  record KeepSiblings() implements ConflictStrategy {}

  /**
   * {@code resolver} is called when a conflict is detected in the replicated log, on every replica that detects it,
   * and its answer is what reads return. It must be quick and deterministic (the same versions, the same answer).
   */
  record OnWrite(ConflictResolver resolver) implements ConflictStrategy {}

  /** User code that resolves a conflict on write. */
  @FunctionalInterface
  interface ConflictResolver {
    /** {@code versions}: the concurrent versions in a fixed order; null in the answer deletes the key. */
    JsonNode resolve(String key, List<VersionedValue> versions);
  }

  /**
   * One version of a key: its value (null for a delete), the replica that wrote it, its write id and timestamp.
   */
  record VersionedValue(JsonNode value, String origin, long counter, long hlcMillis) {}

  static ConflictStrategy lastWriteWins() {
    return new LastWriteWins();
  }

  static ConflictStrategy keepSiblings() {
    return new KeepSiblings();
  }
}
