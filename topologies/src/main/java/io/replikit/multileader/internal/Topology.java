package io.replikit.multileader.internal;

import io.replikit.multileader.TopologySpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The propagation rules of a topology, without actors: who a replica sends a change to, given the live members and
 * the change's origin tags, and who its neighbours are for anti-entropy. Re-wiring around down members is a
 * function of the live set, so every replica with the same view of membership wires the same way.
 */
public final class Topology {
  private Topology() {}

  /**
   * Where {@code self} sends a change carrying {@code tags} (its origin first, then every replica it passed
   * through; {@code self} has been added if it is forwarding), when {@code alive} are the live members. With
   * {@code useTags} false the tag check is skipped (only to show that a ring then loops forever).
   */
  public static List<String> forwardTargets(TopologySpec spec, String self, Set<String> alive, List<String> tags,
      boolean useTags) {
    String origin = tags.isEmpty() ? self : tags.get(0);
    List<String> out = new ArrayList<>();
    switch (spec.kind()) {
      case ALL_TO_ALL:
        // the origin sends to every leader itself; a received change goes no further
        if (origin.equals(self)) {
          for (String m : spec.members()) {
            if (!m.equals(self) && alive.contains(m)) {
              out.add(m);
            }
          }
        }
        return out;
      case CIRCULAR: {
        String next = nextInRing(spec, self, alive);
        if (next != null && (!useTags || !tags.contains(next))) {
          out.add(next);
        }
        return out;
      }
      case STAR:
      case TREE:
      default:
        for (String n : treeNeighbours(spec, self, alive)) {
          if (!useTags || !tags.contains(n)) {
            out.add(n);
          }
        }
        return out;
    }
  }

  /** The replicas {@code self} exchanges anti-entropy digests with: those it sends to and receives from. */
  public static List<String> neighbours(TopologySpec spec, String self, Set<String> alive) {
    Set<String> out = new LinkedHashSet<>();
    switch (spec.kind()) {
      case ALL_TO_ALL:
        for (String m : spec.members()) {
          if (!m.equals(self) && alive.contains(m)) {
            out.add(m);
          }
        }
        break;
      case CIRCULAR:
        String next = nextInRing(spec, self, alive);
        String prev = previousInRing(spec, self, alive);
        if (next != null) {
          out.add(next);
        }
        if (prev != null) {
          out.add(prev);
        }
        break;
      default:
        out.addAll(treeNeighbours(spec, self, alive));
    }
    return new ArrayList<>(out);
  }

  static String nextInRing(TopologySpec spec, String self, Set<String> alive) {
    List<String> ring = spec.members();
    int i = ring.indexOf(self);
    for (int step = 1; step < ring.size(); step++) {
      String candidate = ring.get((i + step) % ring.size());
      if (alive.contains(candidate)) {
        return candidate;
      }
    }
    return null;
  }

  static String previousInRing(TopologySpec spec, String self, Set<String> alive) {
    List<String> ring = spec.members();
    int i = ring.indexOf(self);
    for (int step = 1; step < ring.size(); step++) {
      String candidate = ring.get(Math.floorMod(i - step, ring.size()));
      if (alive.contains(candidate)) {
        return candidate;
      }
    }
    return null;
  }

  /**
   * The live tree: each live member hangs from its nearest live ancestor; members whose ancestors are all down (the
   * root's part of the tree, when the root is down) hang from the first live member in {@code members} order,
   * which becomes the root.
   */
  public static Map<String, String> liveParents(TopologySpec spec, Set<String> alive) {
    Map<String, String> configured = spec.configuredParents();
    String root = null;
    for (String m : spec.members()) {
      if (alive.contains(m)) {
        boolean hasLiveAncestor = false;
        for (String a = configured.get(m); a != null; a = configured.get(a)) {
          if (alive.contains(a)) {
            hasLiveAncestor = true;
            break;
          }
        }
        if (!hasLiveAncestor) {
          root = m;
          break;
        }
      }
    }
    Map<String, String> parents = new LinkedHashMap<>();
    for (String m : spec.members()) {
      if (!alive.contains(m) || m.equals(root)) {
        continue;
      }
      String parent = null;
      for (String a = configured.get(m); a != null; a = configured.get(a)) {
        if (alive.contains(a)) {
          parent = a;
          break;
        }
      }
      parents.put(m, parent == null ? root : parent);
    }
    return parents;
  }

  static List<String> treeNeighbours(TopologySpec spec, String self, Set<String> alive) {
    Map<String, String> parents = liveParents(spec, alive);
    List<String> out = new ArrayList<>();
    String parent = parents.get(self);
    if (parent != null) {
      out.add(parent);
    }
    for (Map.Entry<String, String> e : parents.entrySet()) {
      if (self.equals(e.getValue())) {
        out.add(e.getKey());
      }
    }
    return out;
  }
}
