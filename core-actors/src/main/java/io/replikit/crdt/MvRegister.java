package io.replikit.crdt;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import io.replikit.versioning.Dot;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.pcollections.TreePMap;

/**
 * A multi-value register: each assignment is a dot carrying a JSON value and replaces every value its replica had
 * seen; assignments that did not see each other are all kept, and a read returns them all (siblings), for the
 * application to resolve, typically by its next assignment, which replaces them. No write is lost to a clock.
 *
 * <p>What it does not do: pick a winner; readers must cope with several values. Serialized as
 * {@code {"crdt": "mv-register", "versions": {"r1:2": ..., "r2:1": ...}, "context": {...}}}.
 */
public record MvRegister(
    @JsonInclude(JsonInclude.Include.NON_EMPTY) @JsonDeserialize(keyUsing = DotKeyDeserializer.class)
    Map<Dot, JsonNode> versions,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) CausalContext context) implements CausalCrdt<MvRegister> {
  private static final MvRegister EMPTY = new MvRegister(TreePMap.empty(), CausalContext.empty());

  public MvRegister {
    versions = versions == null ? TreePMap.empty() : versions instanceof TreePMap ? versions
        : TreePMap.from(versions);
    context = context == null ? CausalContext.empty() : context;
  }

  public static MvRegister empty() {
    return EMPTY;
  }

  /** The delta that sets {@code value} on behalf of {@code replica}, replacing every value this replica sees. */
  public MvRegister assign(String replica, JsonNode value) {
    if (value == null) {
      throw new IllegalArgumentException("a write needs a value (NullNode for JSON null)");
    }
    Dot dot = context.next(replica);
    List<Dot> replaced = new ArrayList<>(versions.keySet());
    replaced.add(dot);
    return new MvRegister(TreePMap.singleton(dot, value), CausalContext.of(replaced));
  }

  /** The delta that empties the register as this replica sees it (a concurrent assignment survives). */
  public MvRegister clear() {
    return new MvRegister(TreePMap.empty(), CausalContext.of(versions.keySet()));
  }

  /** The current values, without repeats, in the order of their dots; more than one means concurrent writes. */
  public List<JsonNode> value() {
    return List.copyOf(new LinkedHashSet<>(versions.values()));
  }

  @JsonIgnore
  public boolean isEmpty() {
    return versions.isEmpty();
  }

  @Override
  public MvRegister merge(MvRegister other) {
    return new MvRegister(DotStores.join(versions, context, other.versions, other.context,
        (a, b) -> a.toString().compareTo(b.toString()) >= 0 ? a : b), context.union(other.context));
  }

  @Override
  public MvRegister withContext(CausalContext context) {
    return new MvRegister(versions, context);
  }

  @Override
  public Set<Dot> dots() {
    return versions.keySet();
  }

  @Override
  public MvRegister bottom() {
    return EMPTY;
  }
}
