package io.replikit.crdt;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import io.replikit.versioning.HlcTimestamp;
import io.replikit.versioning.HybridLogicalClock;

/**
 * A last-write-wins register: one JSON value stamped with the {@link HlcTimestamp} of its write; the merge keeps the
 * higher timestamp, and timestamps of different replicas never tie (the replica id breaks ties), so every replica
 * ends with the same value. An assignment's delta is the new register itself.
 *
 * <p>The fault it does not survive, by design: of two concurrent writes, the one with the lower timestamp is
 * silently lost, and with it any write whose clock ran behind (a hybrid clock keeps causally later writes later,
 * but says nothing about writes that did not see each other). Use {@link MvRegister} to keep concurrent writes.
 * Serialized as {@code {"crdt": "lww-register", "value": ..., "timestamp": {"millis": .., "logical": ..,
 * "replica": ..}}}; an unassigned register has neither.
 */
public record LwwRegister(
    @JsonInclude(JsonInclude.Include.NON_NULL) JsonNode value,
    @JsonInclude(JsonInclude.Include.NON_NULL) HlcTimestamp timestamp) implements Crdt<LwwRegister> {
  private static final LwwRegister EMPTY = new LwwRegister(null, null);

  public LwwRegister {
    if ((value == null) != (timestamp == null)) {
      throw new IllegalArgumentException("a register's value and timestamp come together");
    }
  }

  public static LwwRegister empty() {
    return EMPTY;
  }

  /**
   * The delta that sets {@code value} at {@code at} (whose replica is the acting replica). A timestamp lower than
   * the current one makes a write that loses at once; {@link #assign(JsonNode, HybridLogicalClock)} avoids that.
   */
  public LwwRegister assign(JsonNode value, HlcTimestamp at) {
    if (value == null || at == null) {
      throw new IllegalArgumentException("a write needs a value (NullNode for JSON null) and a timestamp");
    }
    return new LwwRegister(value, at);
  }

  /**
   * The delta that sets {@code value}, stamped by {@code clock} (the acting replica's) after it has observed this
   * register's timestamp, so that the write wins over every write this replica has seen.
   */
  public LwwRegister assign(JsonNode value, HybridLogicalClock clock) {
    if (timestamp != null) {
      clock.observe(timestamp);
    }
    return assign(value, clock.now());
  }

  @JsonIgnore
  public boolean isEmpty() {
    return timestamp == null;
  }

  @Override
  public LwwRegister merge(LwwRegister other) {
    if (other.timestamp == null) {
      return this;
    }
    if (timestamp == null) {
      return other;
    }
    int c = timestamp.compareTo(other.timestamp);
    if (c == 0) { // one timestamp names one write; should it not, pick alike everywhere
      c = value.toString().compareTo(other.value.toString());
    }
    return c >= 0 ? this : other;
  }
}
