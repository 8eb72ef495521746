package io.replikit.crdt;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * A state-based CRDT (conflict-free replicated data type) with delta mutators: an immutable value whose
 * {@link #merge} is a join (commutative, associative, idempotent), so replicas that have received the same states or
 * deltas hold equal values whatever order, grouping or repetition those arrived in. Each type's mutators return a
 * <em>delta</em>: a small value of the same type which, merged into any replica's state (the acting replica's own
 * first), applies the operation; those that issue a new write (an add, an increment, an insert) take the acting
 * replica's id. Deltas are what a replicated log entry carries.
 *
 * <p>Every type is a Jackson value (JSON in the journal, CBOR on the wire) and carries its kind in a {@code "crdt"}
 * property, so that a field typed {@code Crdt} is read back as the right type. None is Java-serializable.
 *
 * <p>What no CRDT survives: a replica that issues the same dot or identifier twice (for instance after restarting
 * from a state older than deltas it had already sent). Replica ids must be unique and a replica's state must be
 * durable before its deltas leave it.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "crdt")
@JsonSubTypes({
  @JsonSubTypes.Type(value = GCounter.class, name = "g-counter"),
  @JsonSubTypes.Type(value = PNCounter.class, name = "pn-counter"),
  @JsonSubTypes.Type(value = AwORSet.class, name = "aw-set"),
  @JsonSubTypes.Type(value = LwwRegister.class, name = "lww-register"),
  @JsonSubTypes.Type(value = MvRegister.class, name = "mv-register"),
  @JsonSubTypes.Type(value = OrMap.class, name = "or-map"),
  @JsonSubTypes.Type(value = Resettable.class, name = "resettable"),
  @JsonSubTypes.Type(value = Rga.class, name = "rga")
})
public sealed interface Crdt<T extends Crdt<T>> permits GCounter, PNCounter, LwwRegister, Rga, CausalCrdt {
  /** The least state that includes both this one and {@code other}. */
  T merge(T other);
}
