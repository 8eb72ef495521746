package io.replikit.crdt;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;

/**
 * A counter that goes up and down: two grow-only counters, one of increments and one of decrements, per replica;
 * the value is their difference. Never loses an increment or a decrement, whatever the delivery order. The value may
 * go below any bound the application has in mind (two replicas decrementing the last item concurrently both
 * succeed): a CRDT cannot keep an invariant that needs coordination. Cannot be reset on its own; nest it in a
 * {@link Resettable} (or an {@link OrMap}) for that.
 */
public record PNCounter(
    @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, Long> increments,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, Long> decrements) implements Crdt<PNCounter> {
  private static final PNCounter EMPTY = new PNCounter(Map.of(), Map.of());

  public PNCounter {
    increments = new GCounter(increments).counts();
    decrements = new GCounter(decrements).counts();
  }

  public static PNCounter empty() {
    return EMPTY;
  }

  /** The delta that adds {@code amount} (not negative) on behalf of {@code replica}. */
  public PNCounter increment(String replica, long amount) {
    return new PNCounter(new GCounter(increments).increment(replica, amount).counts(), Map.of());
  }

  /** The delta that subtracts {@code amount} (not negative) on behalf of {@code replica}. */
  public PNCounter decrement(String replica, long amount) {
    return new PNCounter(Map.of(), new GCounter(decrements).increment(replica, amount).counts());
  }

  public long value() {
    return Math.subtractExact(new GCounter(increments).value(), new GCounter(decrements).value());
  }

  @Override
  public PNCounter merge(PNCounter other) {
    return new PNCounter(new GCounter(increments).merge(new GCounter(other.increments)).counts(),
        new GCounter(decrements).merge(new GCounter(other.decrements)).counts());
  }
}
