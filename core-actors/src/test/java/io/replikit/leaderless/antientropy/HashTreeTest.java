package io.replikit.leaderless.antientropy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.replikit.leaderless.ring.TokenRange;
import io.replikit.versioning.DottedVersionVectorSet;
import io.replikit.versioning.VersionVector;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * The hash tree's laws: equal entries give equal trees whatever the order (and however often a key was rewritten on
 * the way), an incrementally updated tree equals one rebuilt from scratch, and an exchange between two trees that
 * differ in one key finds exactly that key.
 */
class HashTreeTest {
  private static final TokenRange RANGE = new TokenRange(0, 100);

  private static Map<String, Long> data(long seed, int size) {
    Random r = new Random(seed);
    Map<String, Long> m = new LinkedHashMap<>();
    for (int i = 0; i < size; i++) {
      m.put("k" + r.nextInt(size * 4), r.nextLong());
    }
    return m;
  }

  private static HashTree build(Map<String, Long> data, List<String> order) {
    HashTree t = new HashTree(256, 16);
    for (String k : order) {
      t.put(k, data.get(k));
    }
    return t;
  }

  private static void assertSameTree(HashTree a, HashTree b) {
    for (int level = 0; level <= a.depth(); level++) {
      List<Integer> all = new ArrayList<>();
      for (int i = 0, w = (int) Math.pow(a.fanOut(), level); i < w; i++) {
        all.add(i);
      }
      assertEquals(toList(a.hashes(level, all)), toList(b.hashes(level, all)), "level " + level);
    }
  }

  private static List<Long> toList(long[] h) {
    List<Long> l = new ArrayList<>();
    for (long x : h) {
      l.add(x);
    }
    return l;
  }

  @Property(seed = "20261202", tries = 100)
  void equalEntriesGiveEqualTreesInAnyInsertionOrder(@ForAll long seed, @ForAll @IntRange(min = 0, max = 300) int size) {
    Map<String, Long> d = data(seed, size);
    List<String> order = new ArrayList<>(d.keySet());
    HashTree a = build(d, order);
    Collections.shuffle(order, new Random(seed ^ 0x5eed));
    HashTree b = new HashTree(256, 16);
    Random r = new Random(seed);
    for (String k : order) {
      b.put(k, r.nextLong()); // an older version first: the incremental update must remove it exactly
    }
    for (String k : order) {
      b.put(k, d.get(k));
    }
    assertSameTree(a, b);
    assertEquals(d.size(), b.size());
  }

  @Property(seed = "20261203", tries = 50)
  void anIncrementallyUpdatedTreeEqualsOneRebuiltFromScratch(@ForAll long seed) {
    Random r = new Random(seed);
    HashTree live = new HashTree(256, 16);
    Map<String, Long> now = new LinkedHashMap<>();
    for (int i = 0; i < 500; i++) {
      String k = "k" + r.nextInt(120);
      long d = r.nextLong();
      now.put(k, d);
      live.put(k, d);
      if (r.nextInt(50) == 0) {
        live.root(); // reads in between: the lazy refresh must pick up later changes too
      }
    }
    assertSameTree(build(now, new ArrayList<>(now.keySet())), live);
  }

  @Property(seed = "20261204", tries = 50)
  void anExchangeFindsExactlyTheOneChangedKey(@ForAll long seed, @ForAll @IntRange(min = 1, max = 400) int size) {
    Map<String, Long> d = data(seed, size);
    HashTree a = build(d, new ArrayList<>(d.keySet()));
    List<String> keys = new ArrayList<>(d.keySet());
    String changed = keys.get(new Random(seed).nextInt(keys.size()));
    Map<String, Long> d2 = new LinkedHashMap<>(d);
    d2.put(changed, d.get(changed) + 1);
    HashTree b = build(d2, keys);
    Exchange.Diff diff = exchange(a, b);
    assertEquals(List.of(changed), diff.push());
    assertEquals(List.of(changed), diff.pull());
  }

  /** Runs the initiator's side against {@code peer} directly, as the actors do through messages. */
  static Exchange.Diff exchange(HashTree local, HashTree peer) {
    Exchange ex = new Exchange(RANGE, local);
    Exchange.Ask ask = ex.start();
    while (ask != null && !ask.segments()) {
      ask = ex.onHashes(ask.level(), ask.nodes(), toList(peer.hashes(ask.level(), ask.nodes())));
    }
    return ask == null ? new Exchange.Diff(List.of(), List.of()) : ex.onEntries(peer.entries(ask.nodes()));
  }

  @Test
  void equalTreesNeedOneQuestionAndKeysOnOneSideArePushedOrPulled() {
    Map<String, Long> d = data(7, 200);
    HashTree a = build(d, new ArrayList<>(d.keySet()));
    HashTree b = build(d, new ArrayList<>(d.keySet()));
    Exchange ex = new Exchange(RANGE, a);
    Exchange.Ask root = ex.start();
    assertEquals(null, ex.onHashes(0, root.nodes(), toList(b.hashes(0, root.nodes()))));
    a.put("only-here", 1);
    b.put("only-there", 2);
    Exchange.Diff diff = exchange(a, b);
    assertEquals(List.of("only-here"), diff.push());
    assertEquals(List.of("only-there"), diff.pull());
  }

  @Test
  void theDigestOfASetIsCanonical() {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode ab = f.objectNode().put("a", 1).put("b", 2);
    ObjectNode ba = f.objectNode().put("b", 2).put("a", 1);
    DottedVersionVectorSet x = DottedVersionVectorSet.empty().update(VersionVector.empty(), ab, "n1", 5)
        .sync(DottedVersionVectorSet.empty().update(VersionVector.empty(), f.textNode("v"), "n2", 6));
    DottedVersionVectorSet y = DottedVersionVectorSet.empty().update(VersionVector.empty(), f.textNode("v"), "n2", 6)
        .sync(DottedVersionVectorSet.empty().update(VersionVector.empty(), ba, "n1", 5));
    assertEquals(SetDigest.of(x), SetDigest.of(y), "same siblings built in another order, fields in another order");
    DottedVersionVectorSet deleted = x.delete(x.context(), "n1", 7);
    assertNotEquals(SetDigest.of(x), SetDigest.of(deleted));
    assertNotEquals(SetDigest.of(DottedVersionVectorSet.empty().update(VersionVector.empty(), f.textNode("v"), "n1", 5)),
        SetDigest.of(DottedVersionVectorSet.empty().update(VersionVector.empty(), f.textNode("w"), "n1", 5)));
  }

  @Test
  void aBadShapeOrQuestionIsAClearError() {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> new HashTree(1000, 32)).getMessage()
        .contains("power of its fan-out"));
    HashTree t = new HashTree(16, 4);
    assertThrows(IllegalArgumentException.class, () -> t.hashes(3, List.of(0)));
    assertThrows(IllegalArgumentException.class, () -> t.hashes(1, List.of(4)));
    assertThrows(IllegalArgumentException.class, () -> t.entries(List.of(16)));
  }

  @Test
  void theTokenBucketGrantsItsBurstThenItsRate() {
    TokenBucket b = new TokenBucket(10, 20, 0);
    assertEquals(20, b.take(50, 0));
    assertEquals(0, b.take(5, 0));
    assertEquals(5, b.take(5, 500_000_000L), "half a second at 10/s");
    assertEquals(20, b.take(100, 100_000_000_000L), "never more than the burst saved up");
  }

  @Test
  void theSettingsComeFromReferenceConfAndABadShapeIsNamed() {
    AntiEntropySettings s = AntiEntropySettings.fromConfig(com.typesafe.config.ConfigFactory.load());
    assertEquals(32768, s.segments());
    assertEquals(32, s.fanOut());
    assertTrue(s.enabled());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AntiEntropySettings.fromConfig(
        com.typesafe.config.ConfigFactory.parseString("replikit.leaderless.anti-entropy.segments = 1000")
            .withFallback(com.typesafe.config.ConfigFactory.load())));
    assertTrue(e.getMessage().contains("segments (1000)"), e.getMessage());
  }
}
