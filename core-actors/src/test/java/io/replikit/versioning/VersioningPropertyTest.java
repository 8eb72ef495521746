package io.replikit.versioning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** Version vectors as a join semilattice, their order, and hybrid logical clocks that respect causality. */
class VersioningPropertyTest {

  @Provide
  Arbitrary<VersionVector> vectors() {
    Arbitrary<Long> count = Arbitraries.longs().between(0, 5);
    return Combinators.combine(count, count, count).as((a, b, c) -> VersionVector.of(Map.of("a", a, "b", b, "c", c)));
  }

  @Property(seed = "20261122")
  void mergeIsCommutativeAssociativeAndIdempotent(@ForAll("vectors") VersionVector x,
      @ForAll("vectors") VersionVector y, @ForAll("vectors") VersionVector z) {
    assertEquals(x.merge(y), y.merge(x));
    assertEquals(x.merge(y).merge(z), x.merge(y.merge(z)));
    assertEquals(x, x.merge(x));
  }

  @Property(seed = "20261122")
  void theMergeDominatesBothAndTheOrderIsAntisymmetric(@ForAll("vectors") VersionVector x,
      @ForAll("vectors") VersionVector y) {
    assertTrue(x.merge(y).dominates(x) && x.merge(y).dominates(y));
    VersionVector.Order o = x.compare(y);
    VersionVector.Order back = y.compare(x);
    switch (o) {
      case BEFORE -> assertEquals(VersionVector.Order.AFTER, back);
      case AFTER -> assertEquals(VersionVector.Order.BEFORE, back);
      case EQUAL -> assertEquals(x, y);
      default -> assertEquals(VersionVector.Order.CONCURRENT, back);
    }
  }

  @Test
  void twoWritesThatDidNotSeeEachOtherAreConcurrent() {
    VersionVector base = VersionVector.empty().increment("l1");
    VersionVector onL2 = base.increment("l2");
    VersionVector onL3 = base.increment("l3");
    assertEquals(VersionVector.Order.CONCURRENT, onL2.compare(onL3));
    assertEquals(VersionVector.Order.BEFORE, base.compare(onL2));
    assertTrue(onL2.merge(onL3).increment("l1").dominates(onL3));
    assertTrue(onL2.covers(new Dot("l2", 1)) && !onL2.covers(new Dot("l3", 1)));
  }

  @Test
  void aVectorIsAJsonObjectOfCounters() throws Exception {
    ObjectMapper json = new ObjectMapper();
    VersionVector v = VersionVector.empty().increment("l1").increment("l1").increment("l2");
    assertEquals("{\"l1\":2,\"l2\":1}", json.writeValueAsString(v));
    assertEquals(v, json.readValue("{\"l1\":2,\"l2\":1,\"l3\":0}", VersionVector.class));
  }

  @Property(seed = "20261122", tries = 200)
  void hybridClocksOrderCausallyRelatedEventsWhateverTheWallClocksSay(@ForAll long seed) {
    Random r = new Random(seed);
    long[] walls = {1000, 1000 - r.nextInt(500), 1000 + r.nextInt(500)}; // skewed by up to half a second
    List<HybridLogicalClock> clocks = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      int n = i;
      clocks.add(new HybridLogicalClock("r" + i, () -> walls[n]));
    }
    HlcTimestamp last = clocks.get(0).now();
    int at = 0;
    for (int step = 0; step < 50; step++) {
      walls[r.nextInt(3)] += r.nextInt(3); // wall clocks creep, some not at all
      int next = r.nextInt(3);
      if (next != at) {
        clocks.get(next).observe(last); // a message carries the last event to another replica
        at = next;
      }
      HlcTimestamp t = clocks.get(at).now();
      assertTrue(t.compareTo(last) > 0, "an event after " + last + " is stamped " + t);
      last = t;
    }
  }
}
