package io.replikit.leaderless.antientropy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A Merkle tree over the keys of one token range at one replica (Riak's {@code hashtree}, Cassandra's repair trees):
 * the leaves are {@code segments} buckets chosen by a hash of the key; a segment's hash is the sum (mod 2^64) of
 * {@link SetDigest#entryHash} over its (key, digest) entries, so {@link #put} is O(1) and exact (the old entry's hash
 * is subtracted, the new one's added); inner levels of {@code fanOut} children are recomputed lazily, only above
 * segments that changed since the last read. Level 0 is the root; level {@link #depth()} holds the segments.
 *
 * <p>Guarantee: two trees holding the same (key, digest) entries have equal hashes at every node, whatever order the
 * entries were put in. Mutable and not thread-safe: one replica actor owns it. Not survived on its own: a restart,
 * which is why the replica rebuilds it from its journal by replaying every event through {@link #put}.
 */
public final class HashTree {
  private final int segments;
  private final int fanOut;
  private final int depth;
  /** levels[d][i]: hash of node i at level d; levels[depth] are the segments. */
  private final long[][] levels;
  /** Per segment, key -> digest (null until the segment has a key). */
  private final Map<String, Long>[] entries;
  private final boolean[] dirtySegments;
  private boolean dirty;
  private int size;

  @SuppressWarnings("unchecked")
  public HashTree(int segments, int fanOut) {
    this.depth = depthOf(segments, fanOut);
    this.segments = segments;
    this.fanOut = fanOut;
    this.levels = new long[depth + 1][];
    for (int d = 0, width = 1; d <= depth; d++, width *= fanOut) {
      levels[d] = new long[width];
    }
    this.entries = new Map[segments];
    this.dirtySegments = new boolean[segments];
    java.util.Arrays.fill(dirtySegments, true); // inner nodes start as the hash of empty children, not 0
    this.dirty = true;
  }

  /** The number of levels below the root; error unless {@code segments} is a power of {@code fanOut}. */
  public static int depthOf(int segments, int fanOut) {
    if (fanOut < 2) {
      throw new IllegalArgumentException("a hash tree's fan-out must be at least 2, was " + fanOut);
    }
    int d = 0;
    long w = 1;
    while (w < segments) {
      w *= fanOut;
      d++;
    }
    if (w != segments || segments < fanOut) {
      throw new IllegalArgumentException("a hash tree's segments (" + segments + ") must be a power of its fan-out ("
          + fanOut + "), at least the fan-out");
    }
    return d;
  }

  public int segments() {
    return segments;
  }

  public int fanOut() {
    return fanOut;
  }

  public int depth() {
    return depth;
  }

  /** Keys held. */
  public int size() {
    return size;
  }

  public int segmentOf(String key) {
    return (int) Long.remainderUnsigned(SetDigest.keyHash(key), segments);
  }

  /** Records that {@code key} now holds a set whose digest is {@code digest}. */
  public void put(String key, long digest) {
    long kh = SetDigest.keyHash(key);
    int seg = (int) Long.remainderUnsigned(kh, segments);
    Map<String, Long> m = entries[seg];
    if (m == null) {
      m = entries[seg] = new HashMap<>(4);
    }
    Long old = m.put(key, digest);
    if (old != null) {
      if (old == digest) {
        return;
      }
      levels[depth][seg] -= SetDigest.entryHash(kh, old);
    } else {
      size++;
    }
    levels[depth][seg] += SetDigest.entryHash(kh, digest);
    dirtySegments[seg] = true;
    dirty = true;
  }

  /** The hashes of nodes {@code indices} at {@code level} (0 = root). Error for a level or index out of bounds. */
  public long[] hashes(int level, List<Integer> indices) {
    if (level < 0 || level > depth) {
      throw new IllegalArgumentException("level " + level + " is outside 0.." + depth);
    }
    refresh();
    long[] out = new long[indices.size()];
    for (int i = 0; i < out.length; i++) {
      int idx = indices.get(i);
      if (idx < 0 || idx >= levels[level].length) {
        throw new IllegalArgumentException("node " + idx + " is outside level " + level);
      }
      out[i] = levels[level][idx];
    }
    return out;
  }

  /** The nodes of {@code level} a {@link AntiEntropy.TreeLevel} with {@code parents} asks about. */
  public List<Integer> children(int level, List<Integer> parents) {
    if (level == 0) {
      return List.of(0);
    }
    List<Integer> out = new ArrayList<>(parents.size() * fanOut);
    for (int p : parents) {
      for (int c = p * fanOut; c < (p + 1) * fanOut; c++) {
        out.add(c);
      }
    }
    return out;
  }

  public long root() {
    refresh();
    return levels[0][0];
  }

  /** The (key, digest) entries of the given segments, by key. */
  public List<AntiEntropy.KeyDigest> entries(List<Integer> segmentIds) {
    List<AntiEntropy.KeyDigest> out = new ArrayList<>();
    for (int seg : segmentIds) {
      if (seg < 0 || seg >= segments) {
        throw new IllegalArgumentException("segment " + seg + " is outside 0.." + (segments - 1));
      }
      Map<String, Long> m = entries[seg];
      if (m != null) {
        m.forEach((k, d) -> out.add(new AntiEntropy.KeyDigest(k, d)));
      }
    }
    out.sort(null);
    return Collections.unmodifiableList(out);
  }

  /** Recomputes the inner nodes above segments that changed: an inner hash mixes its children's in order. */
  private void refresh() {
    if (!dirty) {
      return;
    }
    boolean[] changed = dirtySegments.clone();
    java.util.Arrays.fill(dirtySegments, false);
    for (int d = depth - 1; d >= 0; d--) {
      boolean[] up = new boolean[levels[d].length];
      for (int i = 0; i < changed.length; i++) {
        if (changed[i]) {
          up[i / fanOut] = true;
        }
      }
      for (int p = 0; p < up.length; p++) {
        if (up[p]) {
          long h = 17;
          for (int c = p * fanOut; c < (p + 1) * fanOut; c++) {
            h = SetDigest.mix(h * 31 + levels[d + 1][c]);
          }
          levels[d][p] = h;
        }
      }
      changed = up;
    }
    dirty = false;
  }
}
