package io.replikit.examples.serve;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import io.replikit.multileader.ConflictPolicy;
import io.replikit.multileader.ConflictStrategy;
import io.replikit.multileader.TopologySpec;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One multi-leader group a {@code replikit serve} node hosts ({@code replikit.serve.multi-leader}): its id, its
 * members (every one a leader), the topology its changes travel along, and how concurrent writes are resolved.
 *
 * @param topology all-to-all, circular or star (the first member is the star's root)
 * @param resolution {@code last-write-wins} (the highest hybrid-logical-clock write wins, the others are discarded
 *     and counted), {@code keep-siblings} (all kept, returned together) or {@code replica-priority} (the write of the
 *     member listed first shows)
 */
public record MultiLeaderConfig(String id, List<String> members, TopologySpec.Kind topology, String resolution) {
  public static final List<String> RESOLUTIONS = List.of("last-write-wins", "keep-siblings", "replica-priority");
  static final Set<String> FIELDS = Set.of("id", "members", "topology", "resolution");

  public MultiLeaderConfig {
    members = List.copyOf(members);
  }

  public TopologySpec spec() {
    return new TopologySpec(id, topology, members, Map.of());
  }

  public ConflictPolicy policy() {
    return switch (resolution) {
      case "keep-siblings" -> ConflictPolicy.of(ConflictStrategy.keepSiblings());
      case "replica-priority" -> ConflictPolicy.of(new ConflictStrategy.ReplicaPriority(members));
      default -> ConflictPolicy.lastWriteWins();
    };
  }

  /** The topology as configured and shown: all-to-all, circular or star. */
  public String topologyName() {
    return topology.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /**
   * Reads {@code replikit.serve.multi-leader} of {@code root}.
   *
   * @throws IllegalArgumentException naming the entry and what is wrong with it
   */
  static List<MultiLeaderConfig> listFromConfig(Config root, Pattern idPattern, Pattern nodePattern) {
    String section = ServeSettings.SECTION + ".multi-leader";
    List<? extends Config> list;
    try {
      list = root.getConfigList(section);
    } catch (ConfigException e) {
      throw new IllegalArgumentException(section + " must be a list of { id = ..., members = [...], topology = "
          + "all-to-all, resolution = last-write-wins }: " + e.getMessage(), e);
    }
    List<MultiLeaderConfig> groups = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      String where = section + "[" + i + "]";
      Config c = list.get(i);
      for (String key : c.root().keySet()) {
        if (!FIELDS.contains(key)) {
          throw new IllegalArgumentException(where + ": unknown field '" + key + "'; a multi-leader group has "
              + FIELDS.stream().sorted().toList());
        }
      }
      String id;
      List<String> members;
      String topology;
      String resolution;
      try {
        id = c.getString("id").trim();
        members = c.getStringList("members").stream().map(String::trim).toList();
        topology = c.hasPath("topology") ? c.getString("topology") : "all-to-all";
        resolution = c.hasPath("resolution") ? c.getString("resolution") : "last-write-wins";
      } catch (ConfigException e) {
        throw new IllegalArgumentException(where + " needs id (a string) and members (a list of node names), and "
            + "may have topology and resolution: " + e.getMessage(), e);
      }
      TopologySpec.Kind kind = TopologySpec.Kind.parse(where + ".topology", topology);
      if (kind == TopologySpec.Kind.TREE) {
        throw new IllegalArgumentException(where + ".topology: tree needs each member's parent, which serve does not "
            + "take; use all-to-all, circular or star");
      }
      String r = resolution.trim().toLowerCase(Locale.ROOT);
      if (r.equals("lww")) {
        r = "last-write-wins";
      }
      if (!RESOLUTIONS.contains(r)) {
        throw new IllegalArgumentException(where + ".resolution must be one of " + RESOLUTIONS + ", was '"
            + resolution + "'");
      }
      MultiLeaderConfig g = new MultiLeaderConfig(id, members, kind, r);
      g.validate(where, idPattern, nodePattern);
      groups.add(g);
    }
    return groups;
  }

  void validate(String where, Pattern idPattern, Pattern nodePattern) {
    if (!idPattern.matcher(id).matches()) {
      throw new IllegalArgumentException(where + ": multi-leader group id '" + id
          + "' must be 1 to 64 letters, digits, '_', '-' or '.'");
    }
    if (members.isEmpty()) {
      throw new IllegalArgumentException(where + ": multi-leader group '" + id + "' has no members");
    }
    Set<String> seen = new HashSet<>();
    for (String m : members) {
      if (!nodePattern.matcher(m).matches()) {
        throw new IllegalArgumentException(where + ": member '" + m + "' of multi-leader group '" + id
            + "' is not a node name (1 to 64 letters, digits, '_' or '-')");
      }
      if (!seen.add(m)) {
        throw new IllegalArgumentException(where + ": multi-leader group '" + id + "' lists member '" + m
            + "' twice");
      }
    }
  }
}
