package io.replikit.crdt;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import io.replikit.versioning.Dot;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.pcollections.TreePMap;

/**
 * Any CRDT made resettable by observed-remove, and so able to nest in an {@link OrMap}: the value is kept as one
 * part per replica that wrote it (its "life", named by a dot), and the value read is the merge of the parts. An
 * update replaces the acting replica's part with that part merged with the update's delta; a reset takes away the
 * parts its replica had observed. A replica that updates concurrently with a reset keeps its part, so the value
 * after both holds that replica's whole contribution since it last saw a reset (for a counter: its whole count, as
 * in the causal counter of Almeida et al.), and nothing the resetting replica had seen from the others.
 *
 * <p>An update's delta carries the acting replica's whole part: cheap for counters and registers, growing with the
 * replica's edits for a sequence ({@link Rga}). Serialized as {@code {"crdt": "resettable", "lives": {"r1:4":
 * {"crdt": "g-counter", ...}}, "context": {...}}}.
 */
public record Resettable<V extends Crdt<V>>(
    @JsonInclude(JsonInclude.Include.NON_EMPTY) @JsonSerialize(contentAs = Crdt.class)
    @JsonDeserialize(keyUsing = DotKeyDeserializer.class, contentAs = Crdt.class) Map<Dot, V> lives,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) CausalContext context) implements CausalCrdt<Resettable<V>> {

  public Resettable {
    lives = lives == null ? TreePMap.empty() : lives instanceof TreePMap ? lives : TreePMap.from(lives);
    context = context == null ? CausalContext.empty() : context;
  }

  public static <V extends Crdt<V>> Resettable<V> empty() {
    return new Resettable<V>(TreePMap.empty(), CausalContext.empty());
  }

  /**
   * The delta that applies {@code mutator} on behalf of {@code replica}: it receives the current value (or
   * {@code empty}'s when there is none) and returns that value's delta, e.g.
   * {@code r.update("r1", PNCounter::empty, c -> c.increment("r1", 2))}.
   */
  public Resettable<V> update(String replica, Supplier<V> empty, UnaryOperator<V> mutator) {
    V delta = mutator.apply(value().orElseGet(empty));
    V part = delta;
    List<Dot> replaced = new ArrayList<>();
    for (Map.Entry<Dot, V> life : lives.entrySet()) {
      if (life.getKey().replica().equals(replica)) {
        part = life.getValue().merge(part);
        replaced.add(life.getKey());
      }
    }
    Dot dot = context.next(replica);
    replaced.add(dot);
    return new Resettable<V>(TreePMap.singleton(dot, part), CausalContext.of(replaced));
  }

  /** The delta that resets the value as this replica sees it (updates it has not seen survive). */
  public Resettable<V> reset() {
    return new Resettable<V>(TreePMap.empty(), CausalContext.of(lives.keySet()));
  }

  /** The merge of every replica's part; empty if none has written since the last reset. */
  public Optional<V> value() {
    return lives.values().stream().reduce(Crdt::merge);
  }

  @JsonIgnore
  public boolean isEmpty() {
    return lives.isEmpty();
  }

  @Override
  public Resettable<V> merge(Resettable<V> other) {
    return new Resettable<V>(DotStores.join(lives, context, other.lives, other.context, Crdt::merge),
        context.union(other.context));
  }

  @Override
  public Resettable<V> withContext(CausalContext context) {
    return new Resettable<V>(lives, context);
  }

  @Override
  public Set<Dot> dots() {
    return lives.keySet();
  }

  @Override
  public Resettable<V> bottom() {
    return empty();
  }
}
