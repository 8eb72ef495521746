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
 * shorter than one interval prints none (its own start and end notes say enough). How often is the stream's own
 * ({@link #to}: the CLI's {@code --progress-ms}), {@link #EVERY} on any other writer.
 */
public final class Progress implements AutoCloseable {
  /** How often a line is printed unless the stream says otherwise. */
  public static final Duration EVERY = Duration.ofSeconds(3);

  private final ScheduledExecutorService timer;

  private Progress(ScheduledExecutorService timer) {
    this.timer = timer;
  }

  /**
   * {@code out} as a progress stream whose phases print a line every {@code interval} (zero: no lines, the notes
   * between phases stay). Benches hand the writer down as it is, so every phase they run keeps the interval.
   */
  public static PrintWriter to(PrintWriter out, Duration interval) {
    if (interval.isNegative()) {
      throw new IllegalArgumentException("a progress interval must be 0 or more, was " + interval);
    }
    return new Stream(out, interval);
  }

  /** The interval of a stream made by {@link #to}; {@link #EVERY} for any other writer. */
  public static Duration intervalOf(PrintWriter out) {
    return out instanceof Stream s ? s.interval : EVERY;
  }

  /** Prints {@code done}/{@code total} {@code unit} (with a percentage; no total when it is 0 or less). */
  public static Progress of(PrintWriter out, String phase, String unit, LongSupplier done, long total) {
    return every(out, phase, () -> describe(unit, done.getAsLong(), total));
  }

  /** Prints whatever {@code state} says (e.g. replicas placed), at the stream's interval. */
  public static Progress every(PrintWriter out, String phase, Supplier<String> state) {
    return every(out, intervalOf(out), phase, state);
  }

  /** Prints whatever {@code state} says every {@code interval}; none at all when it is zero. */
  public static Progress every(PrintWriter out, Duration interval, String phase, Supplier<String> state) {
    if (interval.isZero()) {
      return new Progress(null);
    }
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
    if (timer == null) {
      return;
    }
    timer.shutdownNow();
    try {
      timer.awaitTermination(1, TimeUnit.SECONDS); // no line after the phase's own end note
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** A writer that passes everything to its target and carries the interval of the progress lines. */
  private static final class Stream extends PrintWriter {
    final Duration interval;

    Stream(PrintWriter target, Duration interval) {
      super(target, true);
      this.interval = interval;
    }
  }
}
