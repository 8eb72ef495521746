package io.replikit.crdt;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import io.replikit.versioning.Dot;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.pcollections.TreePMap;
import org.pcollections.TreePSet;

/**
 * An observed-remove map from string keys to nested causal CRDTs of one kind ({@link AwORSet}, {@link MvRegister},
 * another {@code OrMap}, or any CRDT wrapped in a {@link Resettable}, which is how counters, last-write-wins
 * registers and sequences nest). All nested values share the map's causal context: a key is present while its value
 * holds a visible dot, and removing a key takes away the dots its replica had observed under it. So an update
 * concurrent with a remove survives (add wins on key presence) and shows just that update: the value is reset to
 * what the remover had not seen, not resurrected whole. A key re-created after a remove starts empty.
 *
 * <p>The design is the ORMap of Almeida, Shoker and Baquero, "Delta State Replicated Data Types" (2018). An
 * update's delta is the nested value's delta under its key; a remove's delta is the removed dots in the context
 * only. Serialized as {@code {"crdt": "or-map", "entries": {"k": {"crdt": "aw-set", ...}}, "context": {...}}}
 * (nested values carry no context of their own). What it does not survive: a remove cannot win over a concurrent
 * update (there is no remove-wins variant), and the context keeps the dots of every removed value.
 */
public record OrMap<V extends CausalCrdt<V>>(
    // the self-referential bound hides the nested type from Jackson: write and read each value with its "crdt" kind
    @JsonInclude(JsonInclude.Include.NON_EMPTY) @JsonSerialize(contentAs = CausalCrdt.class)
    @JsonDeserialize(contentAs = CausalCrdt.class) Map<String, V> entries,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) CausalContext context) implements CausalCrdt<OrMap<V>> {

  public OrMap {
    entries = entries == null ? TreePMap.empty() : entries instanceof TreePMap ? entries : TreePMap.from(entries);
    context = context == null ? CausalContext.empty() : context;
  }

  public static <V extends CausalCrdt<V>> OrMap<V> empty() {
    return new OrMap<V>(TreePMap.empty(), CausalContext.empty());
  }

  /**
   * The delta that applies {@code mutator} to the value under {@code key}. {@code mutator} receives the current
   * value (or {@code empty}'s when the key is absent) under the map's context, so the dots it issues are new to the
   * whole map, and returns that value's delta, calling the nested mutator with the acting replica's id, e.g.
   * {@code map.update("cart", AwORSet::empty, s -> s.add("r1", "apple"))}.
   */
  public OrMap<V> update(String key, Supplier<V> empty, UnaryOperator<V> mutator) {
    V current = entries.containsKey(key) ? entries.get(key) : empty.get().bottom();
    V delta = mutator.apply(current.withContext(context));
    Map<String, V> changed = delta.dots().isEmpty() ? TreePMap.empty()
        : TreePMap.singleton(key, delta.withContext(CausalContext.empty()));
    return new OrMap<V>(changed, delta.context());
  }

  /** The delta that removes {@code key} as this replica sees it (updates it has not seen survive). */
  public OrMap<V> remove(String key) {
    V value = entries.get(key);
    return new OrMap<V>(TreePMap.empty(), value == null ? CausalContext.empty() : CausalContext.of(value.dots()));
  }

  /**
   * The value under {@code key}, for reading. Change it through {@link #update}: a mutator called on it directly
   * would return a delta of the nested value, not of this map.
   */
  public Optional<V> get(String key) {
    return Optional.ofNullable(entries.get(key));
  }

  /** The present keys, sorted. */
  public Set<String> keys() {
    return entries.keySet();
  }

  @JsonIgnore
  public boolean isEmpty() {
    return entries.isEmpty();
  }

  @Override
  public OrMap<V> merge(OrMap<V> other) {
    TreePMap<String, V> out = TreePMap.empty();
    TreeSet<String> keys = new TreeSet<>(entries.keySet());
    keys.addAll(other.entries.keySet());
    for (String key : keys) {
      V mine = entries.get(key);
      V theirs = other.entries.get(key);
      V bottom = (mine != null ? mine : theirs).bottom();
      V joined = (mine != null ? mine : bottom).withContext(context)
          .merge((theirs != null ? theirs : bottom).withContext(other.context));
      if (!joined.dots().isEmpty()) {
        out = out.plus(key, joined.withContext(CausalContext.empty()));
      }
    }
    return new OrMap<V>(out, context.union(other.context));
  }

  @Override
  public OrMap<V> withContext(CausalContext context) {
    return new OrMap<V>(entries, context);
  }

  @Override
  public Set<Dot> dots() {
    TreePSet<Dot> dots = TreePSet.empty();
    for (V value : entries.values()) {
      dots = dots.plusAll(value.dots());
    }
    return dots;
  }

  @Override
  public OrMap<V> bottom() {
    return empty();
  }
}
