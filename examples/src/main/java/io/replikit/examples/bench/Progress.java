package io.replikit.examples.bench;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * A line on the progress stream (stderr in the CLI: stdout keeps the JSON or the table) every few seconds while a
 * long bench phase runs: {@code  max rate: 41200/100000 writes (41%), 6 s}. Closing it stops the lines; a phase
 * shorter than one interval prints none (its own start and end notes say enough).
 */
public final class Progress implements AutoCloseable {
  /** How often a line is printed unless a bench asks otherwise. */
  public static final Duration EVERY = Duration.ofSeconds(3);

  private final ScheduledExecutorService timer;

  private Progress(ScheduledExecutorService timer) {
    this.timer = timer;
  }

  /** Prints {@code done}/{@code total} {@code unit} (with a percentage; no total when it is 0 or less). */
  public static Progress of(PrintWriter out, String phase, String unit, LongSupplier done, long total) {
    return every(out, EVERY, phase, () -> describe(unit, done.getAsLong(), total));
  }

  /** Prints whatever {@code state} says (e.g. replicas placed), every {@code interval}. */
  public static Progress every(PrintWriter out, Duration interval, String phase, Supplier<String> state) {
    long start = System.nanoTime();
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "bench-progress");
      t.setDaemon(true); // never keeps a finished bench alive
      return t;
    });
    long ms = Math.max(1, interval.toMillis());
    timer.scheduleAtFixedRate(() -> {
      String line;
      try {
        line = state.get();
      } catch (RuntimeException e) {
        line = "(progress unknown: " + e + ")";
      }
      out.printf(Locale.ROOT, "  %s: %s, %d s%n", phase, line,
          TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start));
      out.flush();
    }, ms, ms, TimeUnit.MILLISECONDS);
    return new Progress(timer);
  }

  /** {@code 41200/100000 writes (41%)}, or {@code 41200 writes} without a total. */
  static String describe(String unit, long done, long total) {
    if (total <= 0) {
      return done + " " + unit;
    }
    return String.format(Locale.ROOT, "%d/%d %s (%d%%)", done, total, unit, Math.min(100, done * 100 / total));
  }

  @Override
  public void close() {
    timer.shutdownNow();
    try {
      timer.awaitTermination(1, TimeUnit.SECONDS); // no line after the phase's own end note
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
