package io.replikit.versioning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The chapter's scenarios, played on dotted version vector sets of one key. */
class DottedVersionVectorSetTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static JsonNode cart(String... items) {
    ArrayNode a = JSON.createArrayNode();
    for (String i : items) {
      a.add(i);
    }
    return a;
  }

  private static VersionVector vv(String replica, long n) {
    return VersionVector.of(Map.of(replica, n));
  }

  /** Figure 5-13 of the chapter: two clients adding to one cart at one server, each writing with its last read. */
  @Test
  void twoClientsFillingOneCartConcurrentlyGetSiblingsThatTheNextWriteMerges() {
    DottedVersionVectorSet s = DottedVersionVectorSet.empty();
    s = s.update(VersionVector.empty(), cart("milk"), "s", 1);        // client 1, no prior read
    VersionVector client1 = s.context();
    assertEquals(List.of(cart("milk")), s.values());
    s = s.update(VersionVector.empty(), cart("eggs"), "s", 2);        // client 2, concurrent: a sibling
    VersionVector client2 = s.context();
    assertEquals(List.of(cart("milk"), cart("eggs")), s.values());
    s = s.update(client1, cart("milk", "flour"), "s", 3);             // replaces milk only
    assertEquals(List.of(cart("eggs"), cart("milk", "flour")), s.values());
    client1 = s.context();
    s = s.update(client2, cart("eggs", "milk", "ham"), "s", 4);       // client 2 merged [milk] and [eggs]
    assertEquals(List.of(cart("milk", "flour"), cart("eggs", "milk", "ham")), s.values());
    client2 = s.context();
    s = s.update(client1, cart("milk", "flour", "eggs", "bacon"), "s", 5);
    assertEquals(List.of(cart("eggs", "milk", "ham"), cart("milk", "flour", "eggs", "bacon")), s.values());
    assertEquals(vv("s", 5), s.context());

    // a client that read both merges them (a union: nothing was removed) and writes with that context: one value
    TreeSet<String> union = new TreeSet<>();
    s.values().forEach(v -> v.forEach(i -> union.add(i.asText())));
    s = s.update(s.context(), cart(union.toArray(String[]::new)), "s", 6);
    assertEquals(List.of(cart("bacon", "eggs", "flour", "ham", "milk")), s.values());
    assertEquals(List.of(new Dot("s", 6)), s.siblings().stream().map(DottedVersionVectorSet.Sibling::dot).toList());
  }

  @Test
  void aWriteWithoutAContextReplacesNothing() {
    DottedVersionVectorSet s = DottedVersionVectorSet.empty().update(VersionVector.empty(), cart("milk"), "a", 1);
    DottedVersionVectorSet blind = s.update(VersionVector.empty(), cart("tea"), "a", 2);
    assertEquals(List.of(cart("milk"), cart("tea")), blind.values());
    assertTrue(blind.descends(s));
  }

  /** Concurrent writes through two replicas come back as siblings on any replica that syncs both. */
  @Test
  void concurrentWritesAtTwoReplicasAreBothKeptWhicheverWayTheySync() {
    DottedVersionVectorSet base = DottedVersionVectorSet.empty().update(VersionVector.empty(), cart("milk"), "a", 1);
    DottedVersionVectorSet atA = base.update(base.context(), cart("milk", "eggs"), "a", 2);
    DottedVersionVectorSet atB = base.update(base.context(), cart("milk", "ham"), "b", 2);
    assertEquals(atA.sync(atB), atB.sync(atA));
    assertEquals(List.of(cart("milk", "eggs"), cart("milk", "ham")), atA.sync(atB).values());
    assertFalse(atA.descends(atB) || atB.descends(atA));
    assertTrue(atA.sync(atB).descends(atA) && atA.sync(atB).descends(atB));
  }

  /**
   * The chapter's removed item, for a cart: the client merges siblings with removals recorded in the value (its
   * own tombstones per item), so a removed item does not come back; and an old replica's copy of the cart from
   * before the removal does not come back either, because the set's context has seen it.
   */
  @Test
  void aRemovedItemDoesNotComeBackWhenSiblingsAreMerged() {
    DottedVersionVectorSet a = DottedVersionVectorSet.empty().update(VersionVector.empty(),
        cartWithRemovals(List.of("milk", "ham"), List.of()), "a", 1);
    DottedVersionVectorSet b = a; // replicated to b
    VersionVector read = a.context();
    a = a.update(read, cartWithRemovals(List.of("milk"), List.of("ham")), "a", 2); // ham removed via a
    b = b.update(read, cartWithRemovals(List.of("milk", "ham", "eggs"), List.of()), "b", 3); // eggs added via b

    DottedVersionVectorSet both = a.sync(b);
    assertEquals(2, both.values().size()); // siblings: the removal raced with the addition
    JsonNode merged = mergeCarts(both.values());
    assertEquals(JSON.valueToTree(List.of("eggs", "milk")), merged.get("items"));
    DottedVersionVectorSet written = both.update(both.context(), merged, "b", 4);
    assertEquals(List.of(merged), written.values());

    // the old replica still holding the first cart (milk, ham) syncs in: nothing comes back
    DottedVersionVectorSet old = DottedVersionVectorSet.empty().update(VersionVector.empty(),
        cartWithRemovals(List.of("milk", "ham"), List.of()), "a", 1);
    assertEquals(written, written.sync(old));
    assertEquals(written, old.sync(written));
    assertTrue(written.descends(old));
  }

  private static JsonNode cartWithRemovals(List<String> items, List<String> removed) {
    ObjectNode o = JSON.createObjectNode();
    o.set("items", JSON.valueToTree(items));
    o.set("removed", JSON.valueToTree(removed));
    return o;
  }

  /** A client's merge of sibling carts: the union of items, minus the union of removed items. */
  private static JsonNode mergeCarts(List<JsonNode> siblings) {
    TreeSet<String> items = new TreeSet<>();
    TreeSet<String> removed = new TreeSet<>();
    for (JsonNode c : siblings) {
      c.get("items").forEach(i -> items.add(i.asText()));
      c.get("removed").forEach(i -> removed.add(i.asText()));
    }
    items.removeAll(removed);
    return cartWithRemovals(List.copyOf(items), List.copyOf(removed));
  }

  /** A deleted key: an old replica's live value syncing into a set that saw the delete does not resurrect it. */
  @Test
  void aDeletedKeyStaysDeletedThroughSyncAndTombstoneCollection() {
    DottedVersionVectorSet a = DottedVersionVectorSet.empty().update(VersionVector.empty(), cart("milk"), "a", 1);
    DottedVersionVectorSet stale = a; // b has the value, and misses the delete
    a = a.delete(a.context(), "a", 2);
    assertTrue(a.deleted() && a.values().isEmpty() && !a.isEmpty());
    assertEquals(a, a.sync(stale));
    assertEquals(a, stale.sync(a));

    // not collected while b has not seen the delete
    VersionVector everywhere = DottedVersionVectorSet.commonContext(List.of(a.context(), stale.context()));
    assertSame(a, a.withoutTombstonesCoveredBy(everywhere));
    DottedVersionVectorSet b = stale.sync(a);
    everywhere = DottedVersionVectorSet.commonContext(List.of(a.context(), b.context()));
    DottedVersionVectorSet collected = a.withoutTombstonesCoveredBy(everywhere);
    assertTrue(collected.isEmpty() && !collected.deleted());
    assertEquals(vv("a", 2), collected.context()); // the context is kept ...
    assertEquals(collected, collected.sync(stale)); // ... so a copy from before the delete stays dead
    assertEquals(collected, b.sync(collected)); // and a copy with the tombstone converges to the collected set
    assertTrue(collected.descends(b) && collected.descends(stale));
  }

  @Test
  void aDeleteConcurrentWithAWriteKeepsTheWrittenValueAndItsTombstoneUntilTheNextWrite() {
    DottedVersionVectorSet base = DottedVersionVectorSet.empty().update(VersionVector.empty(), cart("milk"), "a", 1);
    DottedVersionVectorSet deleted = base.delete(base.context(), "a", 2);
    DottedVersionVectorSet updated = base.update(base.context(), cart("milk", "tea"), "b", 2);
    DottedVersionVectorSet both = deleted.sync(updated);
    assertEquals(List.of(cart("milk", "tea")), both.values());
    assertEquals(2, both.siblings().size());
    assertFalse(both.deleted());
    // every replica has seen both, yet the tombstone stays while a live value races with it
    assertSame(both, both.withoutTombstonesCoveredBy(both.context()));
    assertEquals(1, both.update(both.context(), cart("tea"), "a", 3).siblings().size());
  }

  @Test
  void lastWriteWinsIsAnExplicitChoiceThatCountsWhatItLoses() {
    DottedVersionVectorSet s = DottedVersionVectorSet.empty()
        .update(VersionVector.empty(), cart("milk"), "a", 10)
        .update(VersionVector.empty(), cart("eggs"), "a", 30)
        .update(VersionVector.empty(), cart("ham"), "a", 20);
    DottedVersionVectorSet.Lww lww = s.lastWriteWins();
    assertEquals(List.of(cart("eggs")), lww.set().values());
    assertEquals(2, lww.discarded());
    assertEquals(s.context(), lww.set().context());
    assertEquals(0, lww.set().lastWriteWins().discarded());

    // a delete may win: every live value is then lost, and counted
    DottedVersionVectorSet withDelete = s.delete(VersionVector.empty(), "b", 40);
    assertEquals(3, withDelete.lastWriteWins().discarded());
    assertTrue(withDelete.lastWriteWins().set().deleted());
    // equal clocks: the higher dot wins
    DottedVersionVectorSet tie = DottedVersionVectorSet.empty()
        .update(VersionVector.empty(), cart("x"), "b", 5)
        .update(VersionVector.empty(), cart("y"), "a", 5);
    assertEquals(List.of(cart("x")), tie.lastWriteWins().set().values());
    assertEquals(0, DottedVersionVectorSet.empty().lastWriteWins().discarded());
  }

  @Test
  void aCoordinatorThatHoldsLessThanTheClientReadStillIssuesAFreshDot() {
    DottedVersionVectorSet a = DottedVersionVectorSet.empty()
        .update(VersionVector.empty(), cart("milk"), "a", 1)
        .update(VersionVector.empty(), cart("eggs"), "a", 2);
    // the client read a:2 elsewhere and writes through a replica that has only seen a:1 under "a"
    DottedVersionVectorSet behind = DottedVersionVectorSet.empty().update(VersionVector.empty(), cart("milk"), "a", 1);
    DottedVersionVectorSet w = behind.update(a.context(), cart("tea"), "a", 3);
    assertEquals(new Dot("a", 3), w.siblings().get(0).dot());
    assertEquals(List.of(cart("tea")), w.sync(a).values()); // and it supersedes eggs, which the client saw
  }

  @Test
  void aSetFromPartsIsCheckedAndCommonContextIsTheMeet() {
    DottedVersionVectorSet.Sibling s = new DottedVersionVectorSet.Sibling(new Dot("a", 3), cart("x"), 1);
    assertThrows(IllegalArgumentException.class, () -> DottedVersionVectorSet.of(vv("a", 2), List.of(s)));
    assertThrows(IllegalArgumentException.class, () -> DottedVersionVectorSet.of(vv("a", 3), List.of(s, s)));
    assertEquals(DottedVersionVectorSet.empty(), DottedVersionVectorSet.of(VersionVector.empty(), List.of()));
    assertEquals(VersionVector.of(Map.of("a", 1L)), DottedVersionVectorSet.commonContext(
        List.of(VersionVector.of(Map.of("a", 3L, "b", 1L)), VersionVector.of(Map.of("a", 1L, "c", 4L)))));
    assertEquals(VersionVector.empty(), DottedVersionVectorSet.commonContext(List.of()));
    assertTrue(new DottedVersionVectorSet.Sibling(new Dot("a", 1), JSON.nullNode(), 1).tombstone());
  }

  @Test
  void aSeededHistoryCollectsSomeTombstones() {
    int collected = 0;
    for (long seed = 1; seed <= 50; seed++) {
      collected += DvvHistory.run(seed, 80, true).collected;
    }
    assertTrue(collected > 0, "the collection property would test nothing");
  }
}
