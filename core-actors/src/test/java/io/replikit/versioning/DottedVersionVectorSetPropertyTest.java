package io.replikit.versioning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * The laws of dotted version vector sets, over seeded histories of one key on three replicas (writes with fresh,
 * stale and no contexts, deletes, pairwise syncs): the join is a semilattice, delivery order and duplicates do not
 * matter, no value disappears unless a write that knew it replaced it, last-write-wins counts what it loses, and
 * tombstone collection never brings a value back.
 */
class DottedVersionVectorSetPropertyTest {

  private static List<DottedVersionVectorSet> pickThree(DvvHistory h, long seed) {
    Random r = new Random(seed);
    List<DottedVersionVectorSet> pool = new ArrayList<>(h.states);
    pool.add(DottedVersionVectorSet.empty());
    return List.of(pool.get(r.nextInt(pool.size())), pool.get(r.nextInt(pool.size())),
        pool.get(r.nextInt(pool.size())));
  }

  @Property(seed = "20261203", tries = 300)
  void syncIsCommutativeAssociativeAndIdempotent(@ForAll long seed) {
    DvvHistory h = DvvHistory.run(seed, 40, seed % 2 == 0);
    List<DottedVersionVectorSet> xyz = pickThree(h, seed);
    DottedVersionVectorSet x = xyz.get(0);
    DottedVersionVectorSet y = xyz.get(1);
    DottedVersionVectorSet z = xyz.get(2);
    assertEquals(x.sync(y), y.sync(x));
    assertEquals(x.sync(y).sync(z), x.sync(y.sync(z)));
    assertEquals(x, x.sync(x));
    assertEquals(x, x.sync(DottedVersionVectorSet.empty()));
  }

  @Property(seed = "20261203", tries = 300)
  void descendsIsExactlyWhenSyncChangesNothing(@ForAll long seed) {
    DvvHistory h = DvvHistory.run(seed, 40, seed % 2 == 0);
    List<DottedVersionVectorSet> xyz = pickThree(h, seed);
    DottedVersionVectorSet x = xyz.get(0);
    DottedVersionVectorSet y = xyz.get(1);
    assertEquals(x.sync(y).equals(x), x.descends(y), () -> x + " descends " + y);
    DottedVersionVectorSet joined = x.sync(y);
    assertTrue(joined.descends(x) && joined.descends(y));
    assertTrue(joined.context().dominates(x.context()) && joined.context().dominates(y.context()));
  }

  @Property(seed = "20261203", tries = 200)
  void everyStateDeliveredInAnyOrderWithDuplicatesConverges(@ForAll long seed) {
    DvvHistory h = DvvHistory.run(seed, 60, false);
    DottedVersionVectorSet expected = h.converged();
    Random r = new Random(seed);
    List<DottedVersionVectorSet> deliveries = new ArrayList<>(h.states);
    for (int i = 0; i < h.states.size() / 2; i++) {
      deliveries.add(h.states.get(r.nextInt(h.states.size()))); // duplicates
    }
    for (int receiver = 0; receiver < 3; receiver++) {
      Collections.shuffle(deliveries, r);
      DottedVersionVectorSet s = DottedVersionVectorSet.empty();
      for (DottedVersionVectorSet d : deliveries) {
        s = s.sync(d);
      }
      assertEquals(expected, s, "receiver " + receiver);
    }
  }

  @Property(seed = "20261203", tries = 300)
  void concurrentWritesNeverLoseAValue(@ForAll long seed) {
    DvvHistory h = DvvHistory.run(seed, 60, false);
    // a write's value may go only if a later write's context covered its dot (that client read it and merged it)
    Set<Dot> mustSurvive = new TreeSet<>();
    for (DvvHistory.Write w : h.writes) {
      if (h.writes.stream().noneMatch(later -> later.clientContext().covers(w.dot()))) {
        mustSurvive.add(w.dot());
      }
    }
    DottedVersionVectorSet all = h.converged();
    Set<Dot> present = all.siblings().stream().map(DottedVersionVectorSet.Sibling::dot)
        .collect(Collectors.toCollection(TreeSet::new));
    assertEquals(mustSurvive, present); // and nothing superseded lingers either
    for (DottedVersionVectorSet.Sibling s : all.siblings()) {
      DvvHistory.Write w = h.writes.stream().filter(x -> x.dot().equals(s.dot())).findFirst().orElseThrow();
      assertEquals(w.value(), s.value(), "the value written with " + s.dot());
    }
  }

  @Property(seed = "20261203", tries = 300)
  void aWriteWhoseContextCoversEverySiblingLeavesExactlyOne(@ForAll long seed) {
    DvvHistory h = DvvHistory.run(seed, 40, false);
    DottedVersionVectorSet s = h.states.isEmpty() ? DottedVersionVectorSet.empty()
        : h.states.get(new Random(seed).nextInt(h.states.size()));
    DottedVersionVectorSet written = s.update(s.context(), TextNode.valueOf("merged"), "b", 5_000);
    assertEquals(List.of(TextNode.valueOf("merged")), written.values());
    assertEquals(1, written.siblings().size());
    assertTrue(written.descends(s) && !s.descends(written));
    assertEquals(s.context().get("b") + 1, written.context().get("b"));
  }

  @Property(seed = "20261203", tries = 300)
  void lastWriteWinsKeepsTheNewestAndCountsTheLiveValuesItDiscards(@ForAll long seed) {
    DvvHistory h = DvvHistory.run(seed, 50, false);
    DottedVersionVectorSet all = h.converged();
    DottedVersionVectorSet.Lww lww = all.lastWriteWins();
    if (all.isEmpty()) {
      assertEquals(0, lww.discarded());
      return;
    }
    DottedVersionVectorSet.Sibling newest = all.siblings().stream()
        .max(Comparator.comparingLong(DottedVersionVectorSet.Sibling::wallMillis)
            .thenComparing(DottedVersionVectorSet.Sibling::dot)).orElseThrow();
    assertEquals(List.of(newest), lww.set().siblings());
    assertEquals(all.values().size() - (newest.tombstone() ? 0 : 1), lww.discarded());
    assertEquals(all.context(), lww.set().context());
    // what LWW threw away stays away when an old replica's copy syncs in
    for (DottedVersionVectorSet old : h.states) {
      assertEquals(lww.set(), lww.set().sync(old));
    }
  }

  @Property(seed = "20261203", tries = 300)
  void tombstoneCollectionNeverResurrectsNorDropsALiveValue(@ForAll long seed) {
    DvvHistory with = DvvHistory.run(seed, 80, true);
    DvvHistory without = DvvHistory.run(seed, 80, false);
    // the same choices; at every step every replica reads the same live values with or without collection
    assertEquals(without.liveByStep, with.liveByStep);
    DottedVersionVectorSet collected = with.converged();
    DottedVersionVectorSet kept = without.converged();
    assertEquals(kept.values(), collected.values());
    assertEquals(kept.context(), collected.context());
    List<JsonNode> liveTombstonesAside = kept.siblings().stream().filter(s -> !s.tombstone())
        .map(DottedVersionVectorSet.Sibling::value).toList();
    assertEquals(liveTombstonesAside, collected.values());
    // and a collected set wins against every older copy that still has the tombstone or what it deleted
    for (DottedVersionVectorSet old : with.states) {
      assertEquals(collected, collected.sync(old));
    }
  }
}
