package io.replikit.examples.serve;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import io.replikit.leaderless.Keyspace;
import io.replikit.leaderless.ring.Ring;
import io.replikit.leaderless.ring.RingNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One leaderless keyspace a {@code replikit serve} node hosts ({@code replikit.serve.rings}): its id (the keyspace
 * name), the nodes of its consistent-hash ring, and the quorum knobs; what is not given comes from
 * {@code replikit.leaderless}. The ring is static: the same {@code nodes} on every node give the same ring.
 *
 * @param id keyspace name, unique across every family a node hosts
 * @param nodes the ring's nodes; each hosts a storage replica (any other node hosting the ring runs a coordinator only)
 * @param vnodes virtual nodes per ring node ({@code replikit.leaderless.membership.vnodes} by default)
 */
public record RingConfig(String id, List<String> nodes, int n, int w, int r, Keyspace.Conflicts conflicts,
    Keyspace.ReadRepair readRepair, boolean sloppyQuorum, int vnodes) {
  /** The datacenter every node of a served ring is in (the served rings are not placed per datacenter). */
  public static final String DATACENTER = "default";
  static final Set<String> FIELDS =
      Set.of("id", "nodes", "n", "w", "r", "conflicts", "read-repair", "sloppy-quorum", "vnodes");

  public RingConfig {
    nodes = List.copyOf(nodes);
  }

  /** The keyspace: these knobs on top of {@code replikit.leaderless} in {@code root}. */
  public Keyspace keyspace(Config root) {
    Keyspace defaults = Keyspace.fromConfig(id, root);
    return new Keyspace(id, n, w, r, defaults.timeout(), conflicts, readRepair, Map.of(), sloppyQuorum,
        defaults.hintWindow(), defaults.handoffInterval(), defaults.fallOverAfter());
  }

  /** The ring of {@link #nodes}, every node in {@link #DATACENTER}. */
  public Ring ring() {
    return Ring.of(nodes.stream().map(n -> new RingNode(n, DATACENTER)).toList(), vnodes);
  }

  /**
   * Reads {@code replikit.serve.rings} of {@code root}.
   *
   * @throws IllegalArgumentException naming the entry and what is wrong with it
   */
  static List<RingConfig> listFromConfig(Config root, Pattern idPattern, Pattern nodePattern) {
    String section = ServeSettings.SECTION + ".rings";
    List<? extends Config> list;
    try {
      list = root.getConfigList(section);
    } catch (ConfigException e) {
      throw new IllegalArgumentException(section + " must be a list of { id = ..., nodes = [...], n = 3, w = 2, "
          + "r = 2 }: " + e.getMessage(), e);
    }
    Config ll;
    try {
      ll = root.getConfig("replikit.leaderless");
    } catch (ConfigException e) {
      throw new IllegalArgumentException("replikit.leaderless is missing: " + e.getMessage(), e);
    }
    List<RingConfig> rings = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      String where = section + "[" + i + "]";
      Config c = list.get(i);
      for (String key : c.root().keySet()) {
        if (!FIELDS.contains(key)) {
          throw new IllegalArgumentException(where + ": unknown field '" + key + "'; a ring has "
              + FIELDS.stream().sorted().toList());
        }
      }
      RingConfig ring;
      try {
        String id = c.getString("id").trim();
        List<String> nodes = c.getStringList("nodes").stream().map(String::trim).toList();
        // a ring of fewer nodes than replikit.leaderless.n keeps every key on all of them
        int n = c.hasPath("n") ? c.getInt("n") : Math.min(ll.getInt("n"), Math.max(1, nodes.size()));
        ring = new RingConfig(id, nodes, n,
            c.hasPath("w") ? c.getInt("w") : Math.min(ll.getInt("w"), n),
            c.hasPath("r") ? c.getInt("r") : Math.min(ll.getInt("r"), n),
            Keyspace.Conflicts.parse(where + ".conflicts",
                c.hasPath("conflicts") ? c.getString("conflicts") : ll.getString("conflicts")),
            Keyspace.ReadRepair.parse(where + ".read-repair",
                c.hasPath("read-repair") ? c.getString("read-repair") : ll.getString("read-repair")),
            c.hasPath("sloppy-quorum") ? c.getBoolean("sloppy-quorum") : ll.getBoolean("sloppy-quorum"),
            c.hasPath("vnodes") ? c.getInt("vnodes") : ll.getInt("membership.vnodes"));
      } catch (ConfigException e) {
        throw new IllegalArgumentException(where + " needs id (a string) and nodes (a list of node names), and may "
            + "have n, w, r (numbers), conflicts, read-repair, sloppy-quorum, vnodes: " + e.getMessage(), e);
      }
      ring.validate(where, idPattern, nodePattern);
      rings.add(ring);
    }
    return rings;
  }

  void validate(String where, Pattern idPattern, Pattern nodePattern) {
    if (!idPattern.matcher(id).matches()) {
      throw new IllegalArgumentException(where + ": ring id '" + id
          + "' must be 1 to 64 letters, digits, '_', '-' or '.'");
    }
    if (nodes.isEmpty()) {
      throw new IllegalArgumentException(where + ": ring '" + id + "' has no nodes");
    }
    Set<String> seen = new HashSet<>();
    for (String node : nodes) {
      if (!nodePattern.matcher(node).matches()) {
        throw new IllegalArgumentException(where + ": node '" + node + "' of ring '" + id
            + "' is not a node name (1 to 64 letters, digits, '_' or '-')");
      }
      if (!seen.add(node)) {
        throw new IllegalArgumentException(where + ": ring '" + id + "' lists node '" + node + "' twice");
      }
    }
    if (n < 1 || n > nodes.size()) {
      throw new IllegalArgumentException(where + ": ring '" + id + "' has n = " + n + " but " + nodes.size()
          + " nodes " + nodes + ": n must be between 1 and the number of nodes");
    }
    if (w < 1 || w > n || r < 1 || r > n) {
      throw new IllegalArgumentException(where + ": ring '" + id + "' has w = " + w + " and r = " + r
          + ": each must be between 1 and n = " + n);
    }
    if (vnodes < 1 || vnodes > 4096) {
      throw new IllegalArgumentException(where + ": ring '" + id + "' has vnodes = " + vnodes
          + ": it must be between 1 and 4096");
    }
  }
}
