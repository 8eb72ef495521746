package io.replikit.leaderless.antientropy;

import io.replikit.leaderless.Keyspace;
import io.replikit.leaderless.ring.Ring;
import io.replikit.leaderless.ring.RingNode;
import io.replikit.leaderless.ring.TokenRange;
import io.replikit.versioning.DottedVersionVectorSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One replica's hash trees, one per token range it holds as its keyspace places keys ({@link Keyspace#rangesOf}: its
 * first n nodes, or each datacenter's share, the placement the coordinators use); a key goes into the tree of the
 * range its token falls in ({@link Ring#rangeOf}), a key of a range not held here (a hint) into none. Mutable, owned
 * by the replica actor; rebuilt by journal replay after a restart.
 */
public final class AntiEntropyTrees {
  private final Ring ring;
  private final Keyspace keyspace;
  private final Map<TokenRange, HashTree> trees = new HashMap<>();
  private final List<TokenRange> ranges;

  /**
   * The trees of {@code self}'s ranges on {@code ring} (none when the ring is null or does not hold {@code self});
   * error when the keyspace's datacenters are not on the ring.
   */
  public AntiEntropyTrees(Ring ring, Keyspace keyspace, String self, int segments, int fanOut) {
    this.ring = ring;
    this.keyspace = keyspace;
    this.ranges = ring == null ? List.of() : keyspace.rangesOf(ring, self);
    for (TokenRange r : ranges) {
      trees.put(r, new HashTree(segments, fanOut));
    }
  }

  /** The replicas that hold {@code range} with this one (the keyspace's placement at the range's end). */
  public List<RingNode> replicasOf(TokenRange range) {
    return keyspace.homesAt(ring, range.endInclusive());
  }

  public Ring ring() {
    return ring;
  }

  /** The ranges held, in ring order. */
  public List<TokenRange> ranges() {
    return ranges;
  }

  /** The tree of {@code range}, or null when this replica does not hold it. */
  public HashTree tree(TokenRange range) {
    return trees.get(range);
  }

  /** Records that {@code key} now holds {@code set}. */
  public void put(String key, DottedVersionVectorSet set) {
    if (trees.isEmpty()) {
      return;
    }
    HashTree t = trees.get(ring.rangeOf(key).orElseThrow());
    if (t != null) {
      t.put(key, SetDigest.of(set));
    }
  }
}
