package io.replikit.multileader.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SilentSlotsTest {
  private final AtomicLong clock = new AtomicLong(1_000);
  private final SilentSlots slots = new SilentSlots(3, 100, clock::get);

  @Test
  void aSilentHomeIsSkippedUntilItsTimeIsUpThenAskedAgain() {
    assertEquals(1, slots.first(7, 1), "the home first");
    slots.silent(7, 1);
    assertEquals(2, slots.first(7, 1), "the next slot while the home is silent");
    assertEquals(1, slots.first(8, 1), "another partition's slot 1 is not silent");
    clock.addAndGet(99);
    assertEquals(2, slots.first(7, 1));
    clock.addAndGet(1);
    assertEquals(1, slots.first(7, 1), "its time is up: the home is asked again");
    slots.silent(7, 1);
    slots.answered(7, 1);
    assertEquals(1, slots.first(7, 1), "an answer ends it at once");
  }

  @Test
  void silentSlotsAreSkippedInRingOrderAndTheHomeIsAskedWhenAllAreSilent() {
    slots.silent(0, 2);
    slots.silent(0, 0);
    assertEquals(1, slots.first(0, 2), "2 and 0 silent: wraps past them to 1");
    slots.silent(0, 1);
    assertEquals(2, slots.first(0, 2), "every slot silent: the home");
    assertEquals(0, slots.first(0, 0));
  }

  @Test
  void impossibleSettingsAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> new SilentSlots(0, 1, clock::get));
    assertThrows(IllegalArgumentException.class, () -> new SilentSlots(3, -1, clock::get));
  }
}
