package io.replikit.examples.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.replikit.examples.support.Poll;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The progress lines benches print on stderr while a long phase runs. */
class ProgressTest {
  @Test
  void aLineSaysHowFarThePhaseGotAndNoneFollowsItsEnd() {
    assertEquals("41200/100000 writes (41%)", Progress.describe("writes", 41_200, 100_000));
    assertEquals("7 writes", Progress.describe("writes", 7, 0), "no total: a count only");
    StringWriter text = new StringWriter();
    AtomicLong done = new AtomicLong(3);
    try (Progress p = Progress.every(new PrintWriter(text, true), Duration.ofMillis(20), "max rate",
        () -> Progress.describe("writes acknowledged", done.get(), 10))) {
      Poll.until(Duration.ofSeconds(10), "a progress line", () -> text.toString().contains("max rate: 3/10"));
      done.set(9);
      Poll.until(Duration.ofSeconds(10), "a later line", () -> text.toString().contains("9/10 writes acknowledged (90%)"));
    }
    String atClose = text.toString();
    assertTrue(atClose.lines().allMatch(l -> l.matches("  max rate: \\d+/10 writes acknowledged \\(\\d+%\\), \\d+ s")),
        atClose);
    // closing waits for the timer to stop: what was printed by then is all there is
    assertEquals(atClose, text.toString());
  }

  @Test
  void aProgressStreamCarriesItsIntervalToEveryPhaseAndPassesTextThrough() {
    StringWriter text = new StringWriter();
    PrintWriter plain = new PrintWriter(text, true);
    assertEquals(Progress.EVERY, Progress.intervalOf(plain), "any other writer: the default");
    PrintWriter stream = Progress.to(plain, Duration.ofMillis(20));
    assertEquals(Duration.ofMillis(20), Progress.intervalOf(stream));
    stream.printf("a note%n");
    assertEquals("a note" + System.lineSeparator(), text.toString(), "notes reach the target at once");
    AtomicLong done = new AtomicLong(4);
    try (Progress p = Progress.of(stream, "load", "keys", done::get, 8)) {
      // sooner than the default interval of 3 s could print one
      Poll.until(Duration.ofSeconds(2), "a line at the stream's interval", () -> text.toString().contains(
          "  load: 4/8 keys (50%), "));
    }
    assertThrows(IllegalArgumentException.class, () -> Progress.to(plain, Duration.ofMillis(-1)));
  }
}
