package io.replikit.crdt;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import io.replikit.versioning.Dot;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import org.pcollections.TreePMap;
import org.pcollections.TreePSet;

/**
 * An add-wins observed-remove set of strings (store structured elements as their JSON text). Each add is a dot
 * tagging its element; a remove takes away the dots of the element that its replica had observed, so an add
 * concurrent with a remove (one the remover had not seen) survives it: add wins. Re-adding after a remove works, as
 * often as wanted. The delta of an add is the new dot (and the element's older dots, which it replaces); of a
 * remove, the removed dots in the context only.
 *
 * <p>Serialized as {@code {"crdt": "aw-set", "entries": {"r1:1": "apple"}, "context": {...}}}. Removed elements
 * leave nothing in the store, but the context keeps the dots of every add ever seen; it stays small (a version
 * vector) once deltas have arrived without gaps. What it does not give: a remove-wins set, or any order among
 * concurrent adds and removes other than "add wins".
 */
public record AwORSet(
    @JsonInclude(JsonInclude.Include.NON_EMPTY) @JsonDeserialize(keyUsing = DotKeyDeserializer.class)
    Map<Dot, String> entries,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) CausalContext context) implements CausalCrdt<AwORSet> {
  private static final AwORSet EMPTY = new AwORSet(TreePMap.empty(), CausalContext.empty());

  public AwORSet {
    entries = entries == null ? TreePMap.empty() : entries instanceof TreePMap ? entries : TreePMap.from(entries);
    context = context == null ? CausalContext.empty() : context;
  }

  public static AwORSet empty() {
    return EMPTY;
  }

  /** The delta that adds {@code element} on behalf of {@code replica}. */
  public AwORSet add(String replica, String element) {
    Dot dot = context.next(replica);
    List<Dot> replaced = dotsOf(element);
    replaced.add(dot);
    return new AwORSet(TreePMap.singleton(dot, element), CausalContext.of(replaced));
  }

  /** The delta that removes {@code element} as this replica sees it (adds it has not seen survive). */
  public AwORSet remove(String element) {
    return new AwORSet(TreePMap.empty(), CausalContext.of(dotsOf(element)));
  }

  /** The delta that removes every element this replica sees. */
  public AwORSet clear() {
    return new AwORSet(TreePMap.empty(), CausalContext.of(entries.keySet()));
  }

  public boolean contains(String element) {
    return entries.containsValue(element);
  }

  /** The elements, sorted. */
  public SortedSet<String> value() {
    return TreePSet.from(entries.values());
  }

  private List<Dot> dotsOf(String element) {
    List<Dot> dots = new ArrayList<>();
    for (Map.Entry<Dot, String> e : entries.entrySet()) {
      if (e.getValue().equals(element)) {
        dots.add(e.getKey());
      }
    }
    return dots;
  }

  @Override
  public AwORSet merge(AwORSet other) {
    // one dot tags one element; should a replica ever reuse a dot, the larger element wins on every replica alike
    return new AwORSet(DotStores.join(entries, context, other.entries, other.context,
        (a, b) -> a.compareTo(b) >= 0 ? a : b), context.union(other.context));
  }

  @Override
  public AwORSet withContext(CausalContext context) {
    return new AwORSet(entries, context);
  }

  @Override
  @JsonIgnore
  public Set<Dot> dots() {
    return entries.keySet();
  }

  @Override
  public AwORSet bottom() {
    return EMPTY;
  }

  @JsonIgnore
  public boolean isEmpty() {
    return entries.isEmpty();
  }
}
