package io.replikit.examples.support;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Bounded waiting for a condition that other actors make true: the programs never wait for a fixed time. */
public final class Poll {
  private static final long INTERVAL_MILLIS = 20;

  private Poll() {}

  /** Waits until {@code condition} holds; {@code false} if {@code timeout} passed first. */
  public static boolean within(Duration timeout, BooleanSupplier condition) {
    return within(timeout, Duration.ofMillis(INTERVAL_MILLIS), condition);
  }

  /**
   * Waits until {@code condition} holds, asking every {@code interval} (longer for conditions that cost a round of
   * HTTP requests); {@code false} if {@code timeout} passed first.
   */
  public static boolean within(Duration timeout, Duration interval, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      if (condition.getAsBoolean()) {
        return true;
      }
      if (System.nanoTime() - deadline > 0) {
        return false;
      }
      try {
        Thread.sleep(interval.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
  }

  /** Waits until {@code condition} holds, or fails naming {@code what} did not happen within {@code timeout}. */
  public static void until(Duration timeout, String what, BooleanSupplier condition) {
    if (!within(timeout, condition)) {
      throw new IllegalStateException("timed out after " + timeout.toMillis() + " ms waiting until " + what);
    }
  }
}
