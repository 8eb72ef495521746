package io.replikit.crdt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.replikit.versioning.HlcTimestamp;
import io.replikit.versioning.HybridLogicalClock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What each CRDT does with the concurrent writes a user cares about, played out on two or three replicas. */
class CrdtSemanticsTest {

  private static JsonNode text(String s) {
    return TextNode.valueOf(s);
  }

  @Test
  void countersAddUpIncrementsAndDecrementsMadeConcurrentlyAtEveryReplica() {
    PNCounter r1 = PNCounter.empty();
    PNCounter r2 = PNCounter.empty();
    PNCounter d1 = r1.increment("r1", 3);
    r1 = r1.merge(d1);
    PNCounter d2 = r1.increment("r1", 2);
    r1 = r1.merge(d2);
    PNCounter d3 = r2.decrement("r2", 1);
    r2 = r2.merge(d3);
    assertEquals(4, r1.merge(d3).value());
    assertEquals(4, r2.merge(d2).merge(d1).merge(d2).value()); // out of order and twice: still 4
    GCounter g = GCounter.empty();
    assertEquals(7, g.merge(g.increment("r1", 5)).merge(g.increment("r2", 2)).value());
  }

  @Test
  void anAddWinsOverARemoveThatDidNotSeeIt() {
    AwORSet r1 = AwORSet.empty();
    AwORSet add = r1.add("r1", "milk");
    r1 = r1.merge(add);
    AwORSet r2 = AwORSet.empty().merge(add);
    // concurrently: r2 removes the milk it saw, r1 adds milk again (and r3, seeing nothing, adds it too)
    AwORSet remove = r2.remove("milk");
    AwORSet addAgain = r1.add("r1", "milk");
    AwORSet addAtR3 = AwORSet.empty().add("r3", "milk");
    r1 = r1.merge(addAgain).merge(remove).merge(addAtR3);
    r2 = r2.merge(remove).merge(addAtR3).merge(addAgain);
    assertEquals(r1, r2);
    assertEquals(Set.of("milk"), r1.value());
    // a remove that saw every add does remove
    AwORSet removeAll = r1.remove("milk");
    assertFalse(r1.merge(removeAll).contains("milk"));
    assertFalse(r2.merge(removeAll).contains("milk"));
    // and the element can come back
    assertTrue(r2.merge(removeAll).merge(r2.merge(removeAll).add("r2", "milk")).contains("milk"));
  }

  @Test
  void lastWriteWinsKeepsTheHigherTimestampAndSilentlyLosesTheConcurrentWrite() {
    LwwRegister base = LwwRegister.empty();
    List<LwwRegister> concurrent = List.of(
        base.assign(text("blue"), new HlcTimestamp(1000, 0, "r1")),
        base.assign(text("green"), new HlcTimestamp(1000, 0, "r2")), // same instant: the replica id breaks the tie
        base.assign(text("red"), new HlcTimestamp(999, 7, "r3")));
    List<LwwRegister> order = new ArrayList<>(concurrent);
    for (long seed = 0; seed < 5; seed++) {
      Collections.shuffle(order, new Random(seed));
      LwwRegister end = Replicas.mergeAll(base, order);
      assertEquals(text("green"), end.value());
    }
    long discarded = concurrent.stream().filter(w -> !w.value().equals(text("green"))).count();
    assertEquals(2, discarded, "two of three concurrent writes are lost: the fault LWW does not survive");

    // a write through a clock that has observed the register wins even if its wall clock is behind
    LwwRegister seen = Replicas.mergeAll(base, concurrent);
    HybridLogicalClock slow = new HybridLogicalClock("r3", () -> 10);
    assertEquals(text("mine"), seen.merge(seen.assign(text("mine"), slow)).value());
  }

  @Test
  void aMultiValueRegisterKeepsConcurrentValuesAndALaterWriteReplacesThem() {
    MvRegister r1 = MvRegister.empty();
    MvRegister r2 = MvRegister.empty();
    MvRegister a = r1.assign("r1", text("10:00"));
    MvRegister b = r2.assign("r2", text("11:00"));
    r1 = r1.merge(a).merge(b);
    r2 = r2.merge(b).merge(a);
    assertEquals(r1, r2);
    assertEquals(List.of(text("10:00"), text("11:00")), r1.value(), "both concurrent values are siblings");
    MvRegister resolve = r2.assign("r2", text("10:30")); // r2 saw both: its write replaces them
    assertEquals(List.of(text("10:30")), r1.merge(resolve).value());
    assertEquals(List.of(text("10:30")), r2.merge(resolve).value());
    // a write made without seeing the resolution is concurrent with it and stays beside it
    MvRegister stale = MvRegister.empty().merge(a).assign("r3", text("12:00"));
    assertEquals(List.of(text("10:30"), text("12:00")), r1.merge(resolve).merge(stale).value());
  }

  @Test
  void removingAMapKeyConcurrentlyWithAnUpdateKeepsOnlyTheUpdate() {
    OrMap<AwORSet> r1 = OrMap.empty();
    OrMap<AwORSet> first = r1.update("cart", AwORSet::empty, s -> s.add("r1", "milk"));
    r1 = r1.merge(first);
    OrMap<AwORSet> r2 = OrMap.<AwORSet>empty().merge(first);
    OrMap<AwORSet> remove = r2.remove("cart");
    OrMap<AwORSet> update = r1.update("cart", AwORSet::empty, s -> s.add("r1", "eggs"));
    r1 = r1.merge(update).merge(remove);
    r2 = r2.merge(remove).merge(update);
    assertEquals(r1, r2);
    assertEquals(Set.of("eggs"), r1.get("cart").orElseThrow().value(), "the key stays, with the update alone");

    // a key removed and then written again starts empty
    OrMap<AwORSet> removeAll = r1.remove("cart");
    r1 = r1.merge(removeAll);
    assertTrue(r1.keys().isEmpty());
    r1 = r1.merge(r1.update("cart", AwORSet::empty, s -> s.add("r1", "tea")));
    assertEquals(Set.of("tea"), r1.get("cart").orElseThrow().value());
  }

  @Test
  void aStaleRemoveInsideAKeyDoesNotTouchWhatWasWrittenAfterTheKeyCameBack() {
    // the nested set shares the map's context, so the element written after the re-creation gets a new dot
    OrMap<AwORSet> r1 = OrMap.empty();
    OrMap<AwORSet> addX = r1.update("k", AwORSet::empty, s -> s.add("r1", "x"));
    r1 = r1.merge(addX);
    OrMap<AwORSet> r2 = OrMap.<AwORSet>empty().merge(addX);
    OrMap<AwORSet> r3 = OrMap.<AwORSet>empty().merge(addX);
    OrMap<AwORSet> dropKey = r3.remove("k");
    r1 = r1.merge(dropKey);
    OrMap<AwORSet> addY = r1.update("k", AwORSet::empty, s -> s.add("r1", "y"));
    OrMap<AwORSet> removeX = r2.update("k", AwORSet::empty, s -> s.remove("x")); // never saw the drop
    OrMap<AwORSet> end = r1.merge(addY).merge(removeX);
    assertEquals(Set.of("y"), end.get("k").orElseThrow().value());
    assertEquals(end, r2.merge(removeX).merge(addY).merge(dropKey));
  }

  @Test
  void aCounterInAMapKeepsTheUpdatingReplicasCountWhenRemovedConcurrently() {
    OrMap<Resettable<PNCounter>> r1 = OrMap.empty();
    OrMap<Resettable<PNCounter>> r2 = OrMap.empty();
    OrMap<Resettable<PNCounter>> three = r1.update("apples", Resettable::empty,
        c -> c.update("r1", PNCounter::empty, n -> n.increment("r1", 3)));
    OrMap<Resettable<PNCounter>> five = r2.update("apples", Resettable::empty,
        c -> c.update("r2", PNCounter::empty, n -> n.increment("r2", 5)));
    r1 = r1.merge(three).merge(five);
    r2 = r2.merge(five).merge(three);
    assertEquals(8, count(r1, "apples"));
    OrMap<Resettable<PNCounter>> remove = r2.remove("apples");
    OrMap<Resettable<PNCounter>> one = r1.update("apples", Resettable::empty,
        c -> c.update("r1", PNCounter::empty, n -> n.increment("r1", 1)));
    r1 = r1.merge(one).merge(remove);
    r2 = r2.merge(remove).merge(one);
    assertEquals(r1, r2);
    // r2's five, which the remover saw, are gone; r1's part survives whole (3 + 1), as in a causal counter
    assertEquals(4, count(r1, "apples"));
    // after a remove every replica has seen, the count starts from zero
    OrMap<Resettable<PNCounter>> again = r2.merge(r2.remove("apples"));
    again = again.merge(again.update("apples", Resettable::empty,
        c -> c.update("r1", PNCounter::empty, n -> n.increment("r1", 1))));
    assertEquals(1, count(again, "apples"));
  }

  private static long count(OrMap<Resettable<PNCounter>> map, String key) {
    return map.get(key).flatMap(Resettable::value).map(PNCounter::value).orElse(0L);
  }

  @Test
  void aResetConcurrentWithAnIncrementKeepsTheIncrementingReplicasPart() {
    Resettable<GCounter> r1 = Resettable.empty();
    Resettable<GCounter> inc = r1.update("r1", GCounter::empty, c -> c.increment("r1", 2));
    r1 = r1.merge(inc);
    Resettable<GCounter> r2 = Resettable.<GCounter>empty().merge(inc);
    Resettable<GCounter> reset = r2.reset();
    assertTrue(r2.merge(reset).value().isEmpty());
    Resettable<GCounter> more = r1.update("r1", GCounter::empty, c -> c.increment("r1", 1));
    assertEquals(3, r1.merge(more).merge(reset).value().orElseThrow().value());
    assertEquals(r1.merge(more).merge(reset), r2.merge(reset).merge(more));
  }

  @Test
  void twoUsersTypingAtTheSamePlaceGetTheirWordsOneAfterTheOtherNeverInterleaved() {
    Rga base = Rga.empty();
    Rga hi = base.insert("r1", 0, "[]");
    base = base.merge(hi);
    Rga ab = base.insert("alice", 1, "ab");
    Rga xy = base.insert("bob", 1, "xy");
    // the same two users, typing one key at a time
    Rga a = base.insert("carol", 1, "a");
    Rga b = base.merge(a).insert("carol", 2, "b");
    Rga x = base.merge(b).insert("dave", 1, "x"); // dave saw none of carol's keys: the anchor is "["
    Rga y = base.merge(x).insert("dave", 2, "y");
    Set<String> allowed = Set.of("[abxy]", "[xyab]");
    String first = null;
    for (List<Rga> order : List.of(List.of(hi, ab, xy), List.of(xy, hi, ab), List.of(ab, xy, ab, hi))) {
      String seen = Replicas.mergeAll(Rga.empty(), order).value();
      assertTrue(allowed.contains(seen), seen);
      first = first == null ? seen : first;
      assertEquals(first, seen, "every replica shows the same text");
    }
    String keyByKey = null;
    for (List<Rga> order : List.of(List.of(base, a, b, x, y), List.of(y, x, base, b, a), List.of(x, b, y, a, base))) {
      String seen = Replicas.mergeAll(Rga.empty(), order).value();
      assertTrue(allowed.contains(seen), seen);
      keyByKey = keyByKey == null ? seen : keyByKey;
      assertEquals(keyByKey, seen);
    }
  }

  @Test
  void aLongerConcurrentEditInTheMiddleOfATextStaysInOnePiece() {
    Rga doc = Rga.empty();
    doc = doc.merge(doc.insert("r1", 0, "Hello world"));
    Rga r1 = doc.insert("r1", 5, ", dear");
    Rga r2 = doc.insert("r2", 5, " there");
    Rga r3 = doc.delete(6, 5); // "world" goes
    String end = doc.merge(r1).merge(r2).merge(r3).value();
    assertTrue(Set.of("Hello, dear there ", "Hello there, dear ").contains(end), end);
    assertEquals(end, doc.merge(r3).merge(r2).merge(r1).value());
  }

  @Test
  void anInsertAfterAConcurrentlyDeletedCharacterKeepsItsPlace() {
    Rga doc = Rga.empty();
    doc = doc.merge(doc.insert("r1", 0, "abc"));
    Rga deleteB = doc.delete(1, 1);
    Rga afterB = doc.insert("r2", 2, "X");
    assertEquals("aXc", doc.merge(deleteB).merge(afterB).value());
    assertEquals("aXc", doc.merge(afterB).merge(deleteB).value());
  }

  @Test
  void anInsertThatArrivesBeforeTheTextItFollowsWaitsUnseenUntilItDoes() {
    Rga typed = Rga.empty().insert("r1", 0, "ab");
    Rga more = typed.insert("r1", 2, "c");
    Rga early = Rga.empty().merge(more);
    assertEquals("", early.value());
    assertEquals("abc", early.merge(typed).value());
  }

  @Test
  void aLongTypedTextReadsWithoutRecursion() {
    String text = "x".repeat(200_000); // one chain of 200000 nodes, each after the previous
    Rga doc = Rga.empty().insert("r1", 0, text);
    assertEquals(text, doc.value());
    assertEquals(List.of("a", "😀", "b"), Rga.empty().insert("r1", 0, "a😀b").elements()); // code points
  }
}
