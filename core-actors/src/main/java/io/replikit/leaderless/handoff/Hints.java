package io.replikit.leaderless.handoff;

import io.replikit.versioning.DottedVersionVectorSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.pcollections.HashTreePMap;
import org.pcollections.PMap;

/**
 * The hints one stand-in holds, per home replica and key, with the counts of hints handed off and expired: the
 * pure core of the hint store (no actors, no clock of its own). A hint is the merge (dvv sync) of every set
 * written here for its home and key, stamped with the time its first part was stored, so that the hint window
 * bounds how long hints for one absent home pile up.
 */
public record Hints(PMap<String, PMap<String, Hint>> byHome, long handedOff, long expired) {

  /** One hint: the set to hand back and when its first part was stored here (epoch millis). */
  public record Hint(DottedVersionVectorSet set, long firstStoredMillis) {}

  /** A (home, key) pair. */
  public record HintKey(String home, String key) {}

  public static Hints empty() {
    return new Hints(HashTreePMap.empty(), 0, 0);
  }

  public Hint get(String home, String key) {
    PMap<String, Hint> keys = byHome.get(home);
    return keys == null ? null : keys.get(key);
  }

  /**
   * The hint after storing {@code set} for {@code home} and {@code key} at {@code nowMillis}, or null when the hint
   * held already descends {@code set} (nothing new to persist).
   */
  public Hint merge(String home, String key, DottedVersionVectorSet set, long nowMillis) {
    Hint current = get(home, key);
    if (current == null) {
      return new Hint(set, nowMillis);
    }
    if (current.set().descends(set)) {
      return null;
    }
    return new Hint(current.set().sync(set), current.firstStoredMillis());
  }

  /** Applies a stored hint (the result of {@link #merge}). */
  public Hints withHint(String home, String key, Hint hint) {
    PMap<String, Hint> keys = byHome.getOrDefault(home, HashTreePMap.empty());
    return new Hints(byHome.plus(home, keys.plus(key, hint)), handedOff, expired);
  }

  /** Whether {@code homeSet}, what the home answered holding, covers the whole hint held for it. */
  public boolean deliveredBy(String home, String key, DottedVersionVectorSet homeSet) {
    Hint h = get(home, key);
    return h != null && homeSet != null && homeSet.descends(h.set());
  }

  public Hints handedOff(String home, String key) {
    return get(home, key) == null ? this : new Hints(without(home, key), handedOff + 1, expired);
  }

  public Hints expired(String home, String key) {
    return get(home, key) == null ? this : new Hints(without(home, key), handedOff, expired + 1);
  }

  /** Hints whose first part was stored more than {@code windowMillis} before {@code nowMillis}. */
  public List<HintKey> olderThan(long nowMillis, long windowMillis) {
    List<HintKey> old = new ArrayList<>();
    byHome.forEach((home, keys) -> keys.forEach((key, h) -> {
      if (nowMillis - h.firstStoredMillis() > windowMillis) {
        old.add(new HintKey(home, key));
      }
    }));
    old.sort(java.util.Comparator.comparing(HintKey::home).thenComparing(HintKey::key));
    return old;
  }

  /** Hints waiting per home (home id to number of keys), homes in order. */
  public Map<String, Integer> waiting() {
    Map<String, Integer> m = new TreeMap<>();
    byHome.forEach((home, keys) -> {
      if (!keys.isEmpty()) {
        m.put(home, keys.size());
      }
    });
    return m;
  }

  /** The hints held for {@code home}, keys in order. */
  public Map<String, Hint> forHome(String home) {
    PMap<String, Hint> keys = byHome.get(home);
    return keys == null ? Map.of() : new TreeMap<>(keys);
  }

  private PMap<String, PMap<String, Hint>> without(String home, String key) {
    PMap<String, Hint> keys = byHome.get(home).minus(key);
    return keys.isEmpty() ? byHome.minus(home) : byHome.plus(home, keys);
  }
}
