package io.replikit.leaderless.antientropy;

import io.replikit.leaderless.ring.Ring;
import io.replikit.leaderless.ring.TokenRange;
import io.replikit.versioning.DottedVersionVectorSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One replica's hash trees, one per token range it holds on the ring ({@link Ring#rangesOf}); a key goes into the
 * tree of the range its token falls in ({@link Ring#rangeOf}), a key of a range not held here (a hint) into none.
 * Mutable, owned by the replica actor; rebuilt by journal replay after a restart.
 */
public final class AntiEntropyTrees {
  private final Ring ring;
  private final Map<TokenRange, HashTree> trees = new HashMap<>();
  private final List<TokenRange> ranges;

  public AntiEntropyTrees(Ring ring, String self, int n, int segments, int fanOut) {
    this.ring = ring;
    this.ranges = ring == null ? List.of() : ring.rangesOf(self, n);
    for (TokenRange r : ranges) {
      trees.put(r, new HashTree(segments, fanOut));
    }
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
