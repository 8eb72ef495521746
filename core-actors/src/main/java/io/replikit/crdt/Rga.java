package io.replikit.crdt;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.KeyDeserializer;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.pcollections.TreePMap;
import org.pcollections.TreePSet;

/**
 * A replicated growable array (RGA, Roh et al. 2011) for collaborative text or lists: every element ever inserted
 * is a node with a unique id (a Lamport counter and the inserting replica) and the id of the node it was inserted
 * after; the sequence is the tree of nodes read depth first, children in descending id order. A new node's counter
 * is above every counter its replica has seen, so it lands right after its anchor, before anything inserted there
 * earlier; nodes inserted concurrently after the same anchor are ordered by id, identically on every replica, each
 * followed by the run typed after it, so two users typing "ab" and "xy" at one place get "abxy" or "xyab",
 * never "axby". A delete adds a tombstone: the node stays as an anchor for inserts that refer to it.
 *
 * <p>Deltas: an insert's delta holds only its new nodes, a delete's only its tombstones; a node that arrives before
 * the node it follows waits unseen until that one arrives. The faults it does not survive: tombstones and the
 * deleted elements' nodes grow without bound (no garbage collection: that needs knowing every replica has seen a
 * delete); positions are a local view (an index names a different element on another replica, ids do not); and two
 * users' concurrent edits of one word merge element by element, without knowing about words.
 * Serialized as {@code {"crdt": "rga", "nodes": {"1@r1": {"element": "a"}, "2@r1": {"after": "1@r1", "element":
 * "b"}}, "removed": ["1@r1"]}}.
 */
public record Rga(
    @JsonInclude(JsonInclude.Include.NON_EMPTY) @JsonDeserialize(keyUsing = Rga.IdKeyDeserializer.class)
    Map<Id, Node> nodes, @JsonInclude(JsonInclude.Include.NON_EMPTY) Set<Id> removed)
    implements Crdt<Rga> {
  private static final Rga EMPTY = new Rga(TreePMap.empty(), TreePSet.empty());

  /** A node's id: Lamport counter, then replica. Written {@code "3@r1"}. */
  public record Id(long counter, String replica) implements Comparable<Id> {
    public Id {
      if (counter < 1 || replica == null || replica.isEmpty()) {
        throw new IllegalArgumentException("an element id needs a counter from 1 and a replica: " + counter + "@"
            + replica);
      }
    }

    @JsonCreator(mode = JsonCreator.Mode.DELEGATING) // not a property "text", whatever parameter names say
    public static Id valueOf(String text) {
      int at = text.indexOf('@');
      if (at <= 0) {
        throw new IllegalArgumentException("not an element id (counter@replica): " + text);
      }
      return new Id(Long.parseLong(text.substring(0, at)), text.substring(at + 1));
    }

    @Override
    public int compareTo(Id o) {
      int c = Long.compare(counter, o.counter);
      return c != 0 ? c : replica.compareTo(o.replica);
    }

    @JsonValue
    @Override
    public String toString() {
      return counter + "@" + replica;
    }
  }

  /** Reads an id written as a JSON object key. */
  static final class IdKeyDeserializer extends KeyDeserializer {
    @Override
    public Object deserializeKey(String key, DeserializationContext ctxt) {
      return Id.valueOf(key);
    }
  }

  /** One inserted element and the node it was inserted after ({@code null}: the start). */
  public record Node(@JsonInclude(JsonInclude.Include.NON_NULL) Id after, String element) {
    public Node {
      if (element == null) {
        throw new IllegalArgumentException("an element is a string");
      }
    }
  }

  public Rga {
    nodes = nodes == null ? TreePMap.empty() : nodes instanceof TreePMap ? nodes : TreePMap.from(nodes);
    removed = removed == null ? TreePSet.empty() : removed instanceof TreePSet ? removed : TreePSet.from(removed);
  }

  public static Rga empty() {
    return EMPTY;
  }

  /**
   * The delta that inserts {@code element} (one list element, or one character of a text) right after the node
   * {@code after} ({@code null}: at the start), on behalf of {@code replica}.
   */
  public Rga insertAfter(String replica, Id after, String element) {
    checkAnchor(after);
    Id id = new Id(maxCounter() + 1, replica);
    return new Rga(TreePMap.singleton(id, new Node(after, element)), TreePSet.empty());
  }

  /**
   * The delta that inserts {@code text} before the visible element at {@code index} (0: the start; the length:
   * the end), one node per code point, each after the previous one.
   */
  public Rga insert(String replica, int index, String text) {
    List<Id> visible = ids();
    if (index < 0 || index > visible.size()) {
      throw new IndexOutOfBoundsException("insert at " + index + " of " + visible.size());
    }
    Id after = index == 0 ? null : visible.get(index - 1);
    long counter = maxCounter();
    TreePMap<Id, Node> added = TreePMap.empty();
    for (int cp : text.codePoints().toArray()) {
      Id id = new Id(++counter, replica);
      added = added.plus(id, new Node(after, new String(Character.toChars(cp))));
      after = id;
    }
    return new Rga(added, TreePSet.empty());
  }

  /** The delta that deletes the node {@code id} (deleting it again, or concurrently, is harmless). */
  public Rga delete(Id id) {
    return new Rga(TreePMap.empty(), TreePSet.singleton(id));
  }

  /** The delta that deletes {@code length} visible elements from {@code index}. */
  public Rga delete(int index, int length) {
    List<Id> visible = ids();
    if (index < 0 || length < 0 || index + length > visible.size()) {
      throw new IndexOutOfBoundsException("delete " + length + " at " + index + " of " + visible.size());
    }
    return new Rga(TreePMap.empty(), TreePSet.from(visible.subList(index, index + length)));
  }

  /** The text: the visible elements concatenated. */
  public String value() {
    StringBuilder text = new StringBuilder();
    for (Id id : ids()) {
      text.append(nodes.get(id).element());
    }
    return text.toString();
  }

  /** The visible elements in order. */
  public List<String> elements() {
    return ids().stream().map(id -> nodes.get(id).element()).toList();
  }

  /** The ids of the visible elements in order (what {@link #insertAfter} and {@link #delete(Id)} take). */
  public List<Id> ids() {
    Map<Id, List<Id>> children = new HashMap<>(); // the null key holds the nodes inserted at the start
    for (Map.Entry<Id, Node> e : nodes.entrySet()) { // ascending ids, so each list ends up ascending
      children.computeIfAbsent(e.getValue().after(), k -> new ArrayList<>()).add(e.getKey());
    }
    List<Id> out = new ArrayList<>();
    Deque<Id> stack = new ArrayDeque<>(); // depth first without recursion: a typed text is a chain as deep as long
    stack.addAll(children.getOrDefault(null, List.of())); // ascending onto the stack, so the highest pops first
    while (!stack.isEmpty()) {
      Id id = stack.removeLast();
      if (!removed.contains(id)) {
        out.add(id);
      }
      stack.addAll(children.getOrDefault(id, List.of()));
    }
    return Collections.unmodifiableList(out);
  }

  @JsonIgnore
  public boolean isEmpty() {
    return nodes.isEmpty() && removed.isEmpty();
  }

  @Override
  public Rga merge(Rga other) {
    TreePMap<Id, Node> n = (TreePMap<Id, Node>) nodes;
    for (Map.Entry<Id, Node> e : other.nodes.entrySet()) {
      Node mine = n.get(e.getKey());
      // one id names one insert; should a replica ever reuse an id, the same node wins everywhere
      if (mine == null || compare(e.getValue(), mine) > 0) {
        n = n.plus(e.getKey(), e.getValue());
      }
    }
    return new Rga(n, ((TreePSet<Id>) removed).plusAll(other.removed));
  }

  private static int compare(Node a, Node b) {
    int c = String.valueOf(a.after()).compareTo(String.valueOf(b.after()));
    return c != 0 ? c : a.element().compareTo(b.element());
  }

  private long maxCounter() {
    long max = nodes.isEmpty() ? 0 : ((TreePMap<Id, Node>) nodes).lastKey().counter();
    return removed.isEmpty() ? max : Math.max(max, ((TreePSet<Id>) removed).last().counter());
  }

  private void checkAnchor(Id after) {
    if (after != null && !nodes.containsKey(after)) {
      throw new IllegalArgumentException("no element " + after + " to insert after");
    }
  }
}
