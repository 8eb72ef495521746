package io.replikit.leaderless.handoff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.typesafe.config.ConfigFactory;
import io.replikit.leaderless.Keyspace;
import io.replikit.versioning.DottedVersionVectorSet;
import io.replikit.versioning.VersionVector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

/** The hint store's pure core: merging, delivery, expiry and counts; and the keyspace's handoff settings. */
class HintsTest {
  private static DottedVersionVectorSet write(DottedVersionVectorSet on, String replica, String value) {
    return on.update(on.context(), JsonNodeFactory.instance.textNode(value), replica, 0);
  }

  @Test
  void hintsForOneHomeAndKeyMergeAndKeepTheirFirstTime() {
    DottedVersionVectorSet a = write(DottedVersionVectorSet.empty(), "n1", "a");
    DottedVersionVectorSet b = DottedVersionVectorSet.empty().update(VersionVector.empty(),
        JsonNodeFactory.instance.textNode("b"), "n2", 0); // concurrent with a
    Hints h = Hints.empty();
    Hints.Hint first = h.merge("n3", "k", a, 10);
    h = h.withHint("n3", "k", first);
    assertNull(h.merge("n3", "k", a, 20), "a duplicate adds nothing to persist");
    Hints.Hint second = h.merge("n3", "k", b, 30);
    h = h.withHint("n3", "k", second);
    assertEquals(10, second.firstStoredMillis());
    assertEquals(2, second.set().values().size(), "concurrent writes stay siblings in the hint");
    assertEquals(Map.of("n3", 1), h.waiting());

    assertFalse(h.deliveredBy("n3", "k", a), "the home holding only a has not got the whole hint");
    assertTrue(h.deliveredBy("n3", "k", a.sync(b)));
    h = h.handedOff("n3", "k");
    assertEquals(Map.of(), h.waiting());
    assertEquals(1, h.handedOff());
    assertEquals(1, h.handedOff("n3", "k").handedOff(), "a second acknowledgement deletes nothing more");
  }

  @Test
  void onlyHintsPastTheWindowExpire() {
    DottedVersionVectorSet a = write(DottedVersionVectorSet.empty(), "n1", "a");
    Hints h = Hints.empty().withHint("n3", "old", new Hints.Hint(a, 0)).withHint("n4", "new", new Hints.Hint(a, 900));
    assertEquals(List.of(new Hints.HintKey("n3", "old")), h.olderThan(1000, 500));
    h = h.expired("n3", "old");
    assertEquals(Map.of("n4", 1), h.waiting());
    assertEquals(1, h.expired());
  }

  /** Whatever order the parts of a hint arrive in, the hint is the same, and a home holding all of it descends it. */
  @Property(tries = 200)
  void theHintIsTheJoinOfItsPartsInAnyOrder(@ForAll long seed) {
    Random random = new Random(seed);
    List<DottedVersionVectorSet> parts = new ArrayList<>();
    DottedVersionVectorSet[] perReplica = new DottedVersionVectorSet[3];
    for (int i = 0; i < 3; i++) {
      perReplica[i] = DottedVersionVectorSet.empty();
    }
    for (int i = 0; i < 1 + random.nextInt(6); i++) {
      int r = random.nextInt(3);
      perReplica[r] = write(perReplica[r], "n" + r, "v" + i);
      parts.add(perReplica[r]);
    }
    List<DottedVersionVectorSet> shuffled = new ArrayList<>(parts);
    Collections.shuffle(shuffled, random);
    Hints one = store(parts);
    Hints other = store(shuffled);
    DottedVersionVectorSet x = one.get("home", "k").set();
    DottedVersionVectorSet y = other.get("home", "k").set();
    assertTrue(x.descends(y) && y.descends(x), x + " vs " + y);
    DottedVersionVectorSet home = DottedVersionVectorSet.empty();
    for (DottedVersionVectorSet p : shuffled) {
      home = home.sync(p);
    }
    assertTrue(one.deliveredBy("home", "k", home));
  }

  private static Hints store(List<DottedVersionVectorSet> parts) {
    Hints h = Hints.empty();
    long t = 0;
    for (DottedVersionVectorSet p : parts) {
      Hints.Hint next = h.merge("home", "k", p, t++);
      if (next != null) {
        h = h.withHint("home", "k", next);
      }
    }
    return h;
  }

  @Test
  void theKeyspaceReadsTheHandoffSettingsAndRefusesAnEmptyWindow() {
    Keyspace ks = Keyspace.fromConfig("k", ConfigFactory.load());
    assertFalse(ks.sloppyQuorum(), "off by default");
    assertEquals(Duration.ofHours(3), ks.hintWindow());
    assertEquals(Duration.ofSeconds(1), ks.handoffInterval());
    assertFalse(Keyspace.of("k", 3, 2, 2).sloppyQuorum());
    assertTrue(ks.withSloppyQuorum(true).sloppyQuorum());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ks.withHintWindow(Duration.ZERO));
    assertTrue(e.getMessage().contains("hint-window"), e.getMessage());
    Keyspace on = Keyspace.fromConfig("k", ConfigFactory.parseString(
        "replikit.leaderless { sloppy-quorum = on, hint-window = 10m }").withFallback(ConfigFactory.load()));
    assertTrue(on.sloppyQuorum());
    assertEquals(Duration.ofMinutes(10), on.hintWindow());
  }
}
