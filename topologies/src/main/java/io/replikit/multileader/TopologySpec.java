package io.replikit.multileader;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The leaders of a multi-leader group and the paths their changes travel along.
 *
 * <ul>
 *   <li>{@code ALL_TO_ALL}: every leader sends its own writes to every other leader.
 *   <li>{@code CIRCULAR}: each leader forwards what it receives, plus its own writes, to the next one in
 *       {@code members} order (the last to the first).
 *   <li>{@code STAR}: the first member is the root; a leaf sends to the root, the root forwards to every leaf.
 *   <li>{@code TREE}: a star generalised: {@code parents} names each member's parent (one member has none: the
 *       root); a change travels along every tree edge.
 * </ul>
 *
 * <p>When members are down, circular and tree topologies are re-wired around them: the ring skips them, and a
 * member whose parent is down hangs from its nearest live ancestor (or the first live member, when the root is
 * down).
 */
public record TopologySpec(String groupId, Kind kind, List<String> members, Map<String, String> parents) {

  public enum Kind {
    ALL_TO_ALL, CIRCULAR, STAR, TREE;

    /** Parses a configured value: all-to-all, circular (or ring), star, tree; the error names {@code path}. */
    public static Kind parse(String path, String value) {
      String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
      switch (v) {
        case "all-to-all":
          return ALL_TO_ALL;
        case "circular":
        case "ring":
          return CIRCULAR;
        case "star":
          return STAR;
        case "tree":
          return TREE;
        default:
          throw new IllegalArgumentException(path + " must be all-to-all, circular, star or tree; was '" + value + "'");
      }
    }
  }

  public TopologySpec {
    if (groupId == null || groupId.isEmpty()) {
      throw new IllegalArgumentException("a multi-leader group needs an id");
    }
    if (kind == null) {
      throw new IllegalArgumentException("group " + groupId + " needs a topology kind");
    }
    members = List.copyOf(members);
    if (members.isEmpty()) {
      throw new IllegalArgumentException("group " + groupId + " has no members");
    }
    Set<String> seen = new HashSet<>();
    for (String m : members) {
      if (m == null || m.isEmpty() || !seen.add(m)) {
        throw new IllegalArgumentException("group " + groupId + " lists member '" + m + "' twice or empty");
      }
      if (m.indexOf('~') >= 0) {
        throw new IllegalArgumentException("group " + groupId + ": member '" + m + "' contains '~', which is "
            + "reserved for the incarnations of a replica that restarted with an empty journal");
      }
    }
    parents = parents == null ? Map.of() : Map.copyOf(parents);
    if (kind == Kind.TREE) {
      int roots = 0;
      for (String m : members) {
        String p = parents.get(m);
        if (p == null) {
          roots++;
        } else if (!seen.contains(p) || p.equals(m)) {
          throw new IllegalArgumentException("group " + groupId + ": the parent '" + p + "' of " + m
              + " is not another member");
        }
      }
      if (roots != 1) {
        throw new IllegalArgumentException("group " + groupId + ": a tree has exactly one member without a parent "
            + "(its root), this one has " + roots);
      }
      for (String m : members) {
        Set<String> path = new HashSet<>();
        for (String at = m; at != null; at = parents.get(at)) {
          if (!path.add(at)) {
            throw new IllegalArgumentException("group " + groupId + ": the parents of " + m + " form a cycle");
          }
        }
      }
    }
  }

  public static TopologySpec allToAll(String groupId, String... members) {
    return new TopologySpec(groupId, Kind.ALL_TO_ALL, List.of(members), Map.of());
  }

  public static TopologySpec circular(String groupId, String... members) {
    return new TopologySpec(groupId, Kind.CIRCULAR, List.of(members), Map.of());
  }

  /** A star whose root is {@code root}. */
  public static TopologySpec star(String groupId, String root, String... leaves) {
    List<String> all = new ArrayList<>();
    all.add(root);
    all.addAll(List.of(leaves));
    return new TopologySpec(groupId, Kind.STAR, all, Map.of());
  }

  public static TopologySpec tree(String groupId, List<String> members, Map<String, String> parents) {
    return new TopologySpec(groupId, Kind.TREE, members, parents);
  }

  /** The parent of each member as configured (a star: the first member is every other's parent). */
  public Map<String, String> configuredParents() {
    if (kind == Kind.STAR) {
      Map<String, String> p = new LinkedHashMap<>();
      for (String m : members.subList(1, members.size())) {
        p.put(m, members.get(0));
      }
      return p;
    }
    return parents;
  }
}
