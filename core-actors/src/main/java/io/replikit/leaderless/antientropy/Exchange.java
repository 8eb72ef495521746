package io.replikit.leaderless.antientropy;

import io.replikit.leaderless.ring.TokenRange;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The initiator's side of one exchange, without actors: it says which tree nodes to ask the peer for next, given the
 * peer's answers and the local tree, and finally which keys differ. Descends only into nodes whose hashes differ,
 * so the traffic is O(differing segments x depth), not O(keys).
 */
public final class Exchange {
  /** What to ask next: hashes of {@code nodes} at {@code level}, or (when {@code level} is -1) segment entries. */
  public record Ask(int level, List<Integer> nodes) {
    public boolean segments() {
      return level < 0;
    }
  }

  /** The keys that differ: {@code push} the local set of these keys, {@code pull} the peer's. */
  public record Diff(List<String> push, List<String> pull) {
    public List<String> keys() {
      TreeSet<String> all = new TreeSet<>(push);
      all.addAll(pull);
      return List.copyOf(all);
    }
  }

  private final TokenRange range;
  private final HashTree local;
  private List<Integer> segmentsAsked = List.of();

  public Exchange(TokenRange range, HashTree local) {
    this.range = range;
    this.local = local;
  }

  public TokenRange range() {
    return range;
  }

  public Ask start() {
    return new Ask(0, List.of(0));
  }

  /** The peer's hashes of {@code nodes} at {@code level}: the next question, or null when the trees are equal. */
  public Ask onHashes(int level, List<Integer> nodes, List<Long> remote) {
    if (remote.size() != nodes.size()) {
      throw new IllegalArgumentException("asked for " + nodes.size() + " hashes, got " + remote.size());
    }
    long[] mine = local.hashes(level, nodes);
    List<Integer> differing = new ArrayList<>();
    for (int i = 0; i < mine.length; i++) {
      if (mine[i] != remote.get(i)) {
        differing.add(nodes.get(i));
      }
    }
    if (differing.isEmpty()) {
      return null;
    }
    if (level == local.depth()) {
      segmentsAsked = List.copyOf(differing);
      return new Ask(-1, segmentsAsked);
    }
    List<Integer> children = new ArrayList<>();
    for (int p : differing) {
      for (int c = p * local.fanOut(); c < (p + 1) * local.fanOut(); c++) {
        children.add(c);
      }
    }
    return new Ask(level + 1, children);
  }

  /** The peer's entries of the segments asked: the keys whose digests differ, or that only one side holds. */
  public Diff onEntries(List<AntiEntropy.KeyDigest> remote) {
    Map<String, Long> theirs = new HashMap<>();
    for (AntiEntropy.KeyDigest kd : remote) {
      theirs.put(kd.key(), kd.digest());
    }
    List<String> push = new ArrayList<>();
    List<String> pull = new ArrayList<>();
    for (AntiEntropy.KeyDigest kd : local.entries(segmentsAsked)) {
      Long t = theirs.remove(kd.key());
      if (t == null || t != kd.digest()) {
        push.add(kd.key());
        if (t != null) {
          pull.add(kd.key());
        }
      }
    }
    pull.addAll(theirs.keySet());
    pull.sort(null);
    return new Diff(push, pull);
  }
}
