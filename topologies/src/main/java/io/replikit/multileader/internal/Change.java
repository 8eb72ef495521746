package io.replikit.multileader.internal;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import io.replikit.crdt.Crdt;
import io.replikit.versioning.Dot;
import io.replikit.versioning.HlcTimestamp;
import io.replikit.versioning.VersionVector;

/**
 * One write as its origin made it, and the event every replica persists when it applies it: {@code dot} names it,
 * {@code deps} is what its origin had applied when it wrote (its causal past: a version whose dot {@code deps}
 * covers was seen, and is superseded), {@code hlc} orders it for last-write-wins. {@code value} null: a delete.
 * {@code delta}: for a CRDT-valued key, the delta to merge into the key's CRDT (then {@code value} is unused).
 */
public record Change(Dot dot, VersionVector deps, HlcTimestamp hlc, String key, JsonNode value,
    @JsonInclude(JsonInclude.Include.NON_NULL) Crdt<?> delta) implements MultiLeaderEvent {
  public Change(Dot dot, VersionVector deps, HlcTimestamp hlc, String key, JsonNode value) {
    this(dot, deps, hlc, key, value, null);
  }

  public String origin() {
    return dot.replica();
  }

  public long counter() {
    return dot.counter();
  }

  public boolean isDelete() {
    return delta == null && (value == null || value.isNull());
  }
}
