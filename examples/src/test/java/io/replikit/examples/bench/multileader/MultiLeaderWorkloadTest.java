package io.replikit.examples.bench.multileader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.replikit.examples.bench.multileader.MultiLeaderWorkload.Placement;
import io.replikit.examples.bench.multileader.MultiLeaderWorkload.Shape;
import io.replikit.examples.bench.multileader.MultiLeaderWorkload.Write;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The workload is the same for one seed, spreads its writes as asked, and hits the hot keys in the asked share. */
class MultiLeaderWorkloadTest {
  private static final Shape SHAPE = new Shape(3, 100, 4, 0.25, Placement.ROUND_ROBIN);

  @Test
  void oneSeedGivesOneWorkloadAndAnotherSeedAnother() {
    assertEquals(MultiLeaderWorkload.generate(SHAPE, 5, 0, 1000, ""),
        MultiLeaderWorkload.generate(SHAPE, 5, 0, 1000, ""));
    assertNotEquals(MultiLeaderWorkload.generate(SHAPE, 5, 0, 1000, ""),
        MultiLeaderWorkload.generate(SHAPE, 6, 0, 1000, ""));
  }

  @Test
  void writesAreNumberedFromTheFirstIdAndPlacedRoundRobin() {
    List<Write> writes = MultiLeaderWorkload.generate(SHAPE, 1, 50, 30, "warm-");
    for (int i = 0; i < writes.size(); i++) {
      assertEquals(50 + i, writes.get(i).id());
      assertEquals(i % 3, writes.get(i).leader());
      assertTrue(writes.get(i).key().startsWith("warm-"), writes.get(i).key());
    }
  }

  @Test
  void theHotShareOfTheWritesGoesToTheHotKeys() {
    List<Write> writes = MultiLeaderWorkload.generate(SHAPE, 9, 0, 20000, "");
    long hot = writes.stream().filter(Write::hot).count();
    assertEquals(0.25, hot / 20000.0, 0.02);
    assertEquals(4, writes.stream().filter(Write::hot).map(Write::key).distinct().count());
    assertTrue(writes.stream().filter(w -> !w.hot()).allMatch(w -> w.key().startsWith("key-")));
    List<Write> random = MultiLeaderWorkload.generate(new Shape(3, 100, 4, 0.25, Placement.RANDOM), 9, 0, 3000, "");
    for (int l = 0; l < 3; l++) {
      int leader = l;
      assertEquals(1000, random.stream().filter(w -> w.leader() == leader).count(), 100);
    }
  }

  @Test
  void aShapeThatCannotBeDrawnIsRefusedNamingTheOption() {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> new Shape(1, 10, 0, 0, Placement.RANDOM))
        .getMessage().contains("--leaders"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> new Shape(2, 10, 0, 0.5, Placement.RANDOM))
        .getMessage().contains("--hot-keys"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> new Shape(2, 10, 1, 1.5, Placement.RANDOM))
        .getMessage().contains("--hot-share"));
  }
}
