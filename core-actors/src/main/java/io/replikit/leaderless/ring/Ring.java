package io.replikit.leaderless.ring;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.IntPredicate;
import java.util.function.Predicate;

/**
 * The consistent-hash ring of the leaderless family: which nodes are home to a key (its preference list), which
 * nodes stand in when homes are down (sloppy quorum), and which key ranges a node answers for (anti-entropy).
 *
 * <p>Each node owns {@code vnodesPerNode} virtual nodes whose tokens are the first 8 bytes of MD5 over the node id
 * and the vnode number; a key's token is the first 8 bytes of MD5 over its UTF-8 bytes. Tokens are compared as
 * signed {@code long}s and the ring wraps from {@link Long#MAX_VALUE} to {@link Long#MIN_VALUE}. A key belongs to the
 * arc ending at the first vnode token at or clockwise after its own, and its replicas are the distinct nodes met
 * walking clockwise from there (as in riak_core's preference lists and Dynamo).
 *
 * <p>Guarantees: the ring is immutable and a pure function of its node set and {@code vnodesPerNode} (same nodes,
 * in any order, on any JVM: same ring and same lists); a node joining changes only the lists it enters, and a node
 * leaving only the lists it was in (consistent hashing); with 64 or more vnodes per node keys spread roughly evenly.
 *
 * <p>Not survived: two coordinators holding different rings (during a membership change they pick different
 * homes, which is what read repair, hinted handoff and anti-entropy have to mend); changing {@code vnodesPerNode},
 * which moves nearly every key; racks (placement knows datacenters only); balance is statistical, not exact; and
 * the ring only places keys: moving the data after a change is handoff's job, not the ring's.
 */
public final class Ring {
  private final int vnodesPerNode;
  private final RingNode[] nodes; // sorted by id; a vnode refers to its node by index here
  private final long[] tokens; // vnode tokens, ascending
  private final int[] owners; // owners[i] is the index in nodes of the vnode at tokens[i]

  private Ring(Collection<RingNode> members, int vnodesPerNode) {
    this.vnodesPerNode = vnodesPerNode;
    this.nodes = members.stream().sorted(Comparator.comparing(RingNode::id)).toArray(RingNode[]::new);
    long[][] vnodes = new long[nodes.length * vnodesPerNode][]; // {token, node index, vnode number}
    for (int n = 0; n < nodes.length; n++) {
      for (int v = 0; v < vnodesPerNode; v++) {
        vnodes[n * vnodesPerNode + v] = new long[] {hash("vnode:" + v + ":" + nodes[n].id()), n, v};
      }
    }
    // Equal tokens are astronomically rare; ordering them by node id and vnode keeps even that case deterministic.
    Arrays.sort(vnodes, Comparator.<long[]>comparingLong(x -> x[0]).thenComparingLong(x -> x[1])
        .thenComparingLong(x -> x[2]));
    this.tokens = new long[vnodes.length];
    this.owners = new int[vnodes.length];
    for (int i = 0; i < vnodes.length; i++) {
      tokens[i] = vnodes[i][0];
      owners[i] = (int) vnodes[i][1];
    }
  }

  /** A ring of {@code nodes}, each with {@code vnodesPerNode} virtual nodes. */
  public static Ring of(Collection<RingNode> nodes, int vnodesPerNode) {
    Objects.requireNonNull(nodes, "nodes must not be null");
    if (vnodesPerNode < 1) {
      throw new IllegalArgumentException("vnodesPerNode must be at least 1, was " + vnodesPerNode);
    }
    if (nodes.isEmpty()) {
      throw new IllegalArgumentException("a ring needs at least one node, got no nodes");
    }
    Set<String> ids = new TreeSet<>();
    for (RingNode node : nodes) {
      Objects.requireNonNull(node, "nodes must not contain null");
      if (!ids.add(node.id())) {
        throw new IllegalArgumentException("duplicate node id '" + node.id() + "'");
      }
    }
    return new Ring(nodes, vnodesPerNode);
  }

  /** This ring with {@code node} joined. */
  public Ring with(RingNode node) {
    Objects.requireNonNull(node, "node must not be null");
    if (indexOf(node.id()) >= 0) {
      throw new IllegalArgumentException("node id '" + node.id() + "' is already in the ring");
    }
    List<RingNode> members = new ArrayList<>(Arrays.asList(nodes));
    members.add(node);
    return new Ring(members, vnodesPerNode);
  }

  /** This ring without the node {@code nodeId}; leaving the last node gives an empty ring that places nothing. */
  public Ring without(String nodeId) {
    int gone = requireNode(nodeId);
    List<RingNode> members = new ArrayList<>(Arrays.asList(nodes));
    members.remove(gone);
    return new Ring(members, vnodesPerNode);
  }

  /** The members, in id order. */
  public Set<RingNode> nodes() {
    return Collections.unmodifiableSet(new LinkedHashSet<>(Arrays.asList(nodes)));
  }

  /** The datacenters of the members, in name order. */
  public Set<String> datacenters() {
    Set<String> dcs = new TreeSet<>();
    for (RingNode node : nodes) {
      dcs.add(node.datacenter());
    }
    return Collections.unmodifiableSet(dcs);
  }

  public int vnodesPerNode() {
    return vnodesPerNode;
  }

  /** The key's position on the ring (the same on every JVM). */
  public long token(String key) {
    Objects.requireNonNull(key, "key must not be null");
    return hash(key);
  }

  /** The key's n home replicas: the first n distinct nodes clockwise from its token (all nodes if fewer). */
  public List<RingNode> preferenceList(String key, int n) {
    requireReplicas(n);
    return walk(start(key), any -> true, n);
  }

  /**
   * The n home replicas of any key whose token is {@code token}: for anti-entropy, which asks about a range's end
   * ({@link TokenRange#endInclusive()}) rather than about a key.
   */
  public List<RingNode> preferenceListAt(long token, int n) {
    requireReplicas(n);
    return walk(startAt(token), any -> true, n);
  }

  /**
   * Per datacenter: that datacenter's first n_dc distinct nodes clockwise (NetworkTopologyStrategy-like); ordered by
   * datacenter name, then ring order. Error if a datacenter is unknown. A datacenter with fewer nodes than asked
   * contributes all its nodes; 0 asks for none.
   */
  public List<RingNode> preferenceList(String key, Map<String, Integer> perDatacenter) {
    int start = start(key);
    List<RingNode> result = new ArrayList<>();
    requireDatacenters(perDatacenter).forEach((dc, n) -> result.addAll(walk(start, inDc(dc), n)));
    return Collections.unmodifiableList(result);
  }

  /**
   * Sloppy quorum: the n home replicas that are up, and for each home replica that is down the next up node clockwise
   * that is not already chosen, with homeFor = the down home's id. Fewer than n if too few nodes are up. Stand-ins
   * take the place of the home they replace, in preference-list order; the first down home gets the first stand-in.
   */
  public List<Placement> sloppyPreferenceList(String key, int n, Predicate<String> up) {
    requireReplicas(n);
    Objects.requireNonNull(up, "up must not be null");
    return sloppy(start(key), any -> true, n, up);
  }

  /** The same per datacenter (a stand-in is taken from the down node's own datacenter). */
  public List<Placement> sloppyPreferenceList(String key, Map<String, Integer> perDatacenter, Predicate<String> up) {
    Objects.requireNonNull(up, "up must not be null");
    int start = start(key);
    List<Placement> result = new ArrayList<>();
    requireDatacenters(perDatacenter).forEach((dc, n) -> result.addAll(sloppy(start, inDc(dc), n, up)));
    return Collections.unmodifiableList(result);
  }

  /**
   * The per-datacenter home replicas of any key whose token is {@code token} (as {@link #preferenceList(String, Map)}
   * for a key): for anti-entropy of a keyspace placed per datacenter.
   */
  public List<RingNode> preferenceListAt(long token, Map<String, Integer> perDatacenter) {
    int start = startAt(token);
    List<RingNode> result = new ArrayList<>();
    requireDatacenters(perDatacenter).forEach((dc, n) -> result.addAll(walk(start, inDc(dc), n)));
    return Collections.unmodifiableList(result);
  }

  /** Every arc between consecutive vnode tokens, in ring order; together they cover the ring exactly once. */
  public List<TokenRange> ranges() {
    List<TokenRange> result = new ArrayList<>();
    for (int i : arcEnds()) {
      result.add(arcEndingAt(i));
    }
    return Collections.unmodifiableList(result);
  }

  /**
   * Key ranges for anti-entropy: the ring split into the arcs between consecutive vnode tokens; for a node, the arcs
   * whose keys it is a home replica of with replication factor n, in ring order.
   */
  public List<TokenRange> rangesOf(String nodeId, int n) {
    int node = requireNode(nodeId);
    requireReplicas(n);
    List<TokenRange> result = new ArrayList<>();
    for (int i : arcEnds()) {
      if (walk(i, any -> true, n).contains(nodes[node])) {
        result.add(arcEndingAt(i));
      }
    }
    return Collections.unmodifiableList(result);
  }

  /**
   * The same for a keyspace placed per datacenter: the arcs whose keys have {@code nodeId} in their per-datacenter
   * preference list ({@link #preferenceList(String, Map)}), in ring order.
   */
  public List<TokenRange> rangesOf(String nodeId, Map<String, Integer> perDatacenter) {
    int node = requireNode(nodeId);
    Map<String, Integer> dcs = requireDatacenters(perDatacenter);
    List<TokenRange> result = new ArrayList<>();
    for (int i : arcEnds()) {
      Integer inOwnDc = dcs.get(nodes[node].datacenter());
      if (inOwnDc != null && walk(i, inDc(nodes[node].datacenter()), inOwnDc).contains(nodes[node])) {
        result.add(arcEndingAt(i));
      }
    }
    return Collections.unmodifiableList(result);
  }

  /** Whether {@code nodeId} is a member. */
  public boolean contains(String nodeId) {
    return nodeId != null && indexOf(nodeId) >= 0;
  }

  /** The arc the key's token falls in; empty only for an empty ring. */
  public Optional<TokenRange> rangeOf(String key) {
    return tokens.length == 0 ? Optional.empty() : Optional.of(arcEndingAt(start(key)));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Ring r && r.vnodesPerNode == vnodesPerNode && Arrays.equals(r.nodes, nodes);
  }

  @Override
  public int hashCode() {
    return 31 * vnodesPerNode + Arrays.hashCode(nodes);
  }

  @Override
  public String toString() {
    return "Ring[nodes=" + Arrays.toString(nodes) + ", vnodesPerNode=" + vnodesPerNode + "]";
  }

  // The first vnode at or clockwise after the key's token (the end of the key's arc).
  private int start(String key) {
    return startAt(token(key));
  }

  private int startAt(long t) {
    int lo = 0;
    int hi = tokens.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (tokens[mid] < t) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo == tokens.length ? 0 : lo;
  }

  // Distinct nodes accepted by the filter, clockwise from vnode start, at most limit of them.
  private List<RingNode> walk(int start, IntPredicate accept, int limit) {
    List<RingNode> result = new ArrayList<>();
    boolean[] seen = new boolean[nodes.length];
    for (int step = 0; step < tokens.length && result.size() < limit; step++) {
      int owner = owners[(start + step) % tokens.length];
      if (!seen[owner] && accept.test(owner)) {
        seen[owner] = true;
        result.add(nodes[owner]);
      }
    }
    return result;
  }

  private List<Placement> sloppy(int start, IntPredicate accept, int n, Predicate<String> up) {
    List<RingNode> homes = walk(start, accept, n);
    Set<RingNode> homeSet = Set.copyOf(homes);
    long down = homes.stream().filter(h -> !up.test(h.id())).count();
    List<RingNode> standIns = walk(start,
        i -> accept.test(i) && !homeSet.contains(nodes[i]) && up.test(nodes[i].id()), (int) down);
    List<Placement> result = new ArrayList<>();
    int next = 0;
    for (RingNode home : homes) {
      if (up.test(home.id())) {
        result.add(new Placement(home, null));
      } else if (next < standIns.size()) {
        result.add(new Placement(standIns.get(next++), home.id()));
      }
    }
    return Collections.unmodifiableList(result);
  }

  private IntPredicate inDc(String dc) {
    return i -> nodes[i].datacenter().equals(dc);
  }

  // The indices of the first vnode at each distinct token: each ends one arc.
  private List<Integer> arcEnds() {
    List<Integer> ends = new ArrayList<>();
    for (int i = 0; i < tokens.length; i++) {
      if (i == 0 || tokens[i] != tokens[i - 1]) {
        ends.add(i);
      }
    }
    return ends;
  }

  // The arc ending at the distinct token tokens[i]: it starts after the previous distinct token (wrapping).
  private TokenRange arcEndingAt(int i) {
    int prev = Math.floorMod(i - 1, tokens.length);
    while (tokens[prev] == tokens[i] && prev != i) {
      prev = Math.floorMod(prev - 1, tokens.length);
    }
    return new TokenRange(tokens[prev], tokens[i]);
  }

  private int indexOf(String nodeId) {
    for (int i = 0; i < nodes.length; i++) {
      if (nodes[i].id().equals(nodeId)) {
        return i;
      }
    }
    return -1;
  }

  private int requireNode(String nodeId) {
    Objects.requireNonNull(nodeId, "nodeId must not be null");
    int i = indexOf(nodeId);
    if (i < 0) {
      throw new IllegalArgumentException("no node '" + nodeId + "' in the ring (members: "
          + Arrays.stream(nodes).map(RingNode::id).toList() + ")");
    }
    return i;
  }

  private static void requireReplicas(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("replication factor n must be at least 1, was " + n);
    }
  }

  private Map<String, Integer> requireDatacenters(Map<String, Integer> perDatacenter) {
    Objects.requireNonNull(perDatacenter, "perDatacenter must not be null");
    Set<String> known = datacenters();
    Map<String, Integer> sorted = new TreeMap<>();
    perDatacenter.forEach((dc, n) -> {
      if (!known.contains(dc)) {
        throw new IllegalArgumentException("unknown datacenter '" + dc + "' (the ring has " + known + ")");
      }
      if (n == null || n < 0) {
        throw new IllegalArgumentException("replicas for datacenter '" + dc + "' must be at least 0, was " + n);
      }
      sorted.put(dc, n);
    });
    return sorted;
  }

  private static long hash(String s) {
    try {
      byte[] digest = MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8));
      return ByteBuffer.wrap(digest).getLong();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK provides MD5", e);
    }
  }
}
