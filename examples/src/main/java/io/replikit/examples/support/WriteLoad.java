package io.replikit.examples.support;

import io.replikit.singleleader.Replica;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.IntFunction;
import java.util.function.LongConsumer;

/**
 * Writes with at most {@code concurrency} writes outstanding (closed loop), optionally paced to a rate. The bound
 * matters: a leader stashes the writes that arrive while its journal is busy, and Akka's stash holds 4096 commands;
 * an unbounded sender would overflow it.
 */
public final class WriteLoad {
  private WriteLoad() {}

  /**
   * What a load did.
   *
   * @param sent writes sent
   * @param written writes acknowledged: answered {@link Replica.Written}, {@link Replica.Committed} (a transaction)
   *     or {@link Replica.Inserted}
   * @param failed writes answered otherwise or not at all
   * @param firstFailure the first failure's reply or error, null when none
   * @param elapsedNanos from the first send to the last reply
   */
  public record Outcome(int sent, int written, int failed, String firstFailure, long elapsedNanos) {
    public double writtenPerSecond() {
      return elapsedNanos <= 0 ? 0 : written * 1e9 / elapsedNanos;
    }
  }

  /**
   * Sends write {@code i} through {@code send} for i = 0, 1, ... until {@code count} were sent or {@code stop}
   * says so, then waits for every reply (each ask ends within its own timeout, so this wait is bounded).
   *
   * @param ratePerSecond writes per second to pace to; 0 sends as fast as replies come back
   * @param latencyNanos told the send-to-reply time of every acknowledged write, from reply threads
   */
  public static Outcome run(int count, BooleanSupplier stop, int concurrency, double ratePerSecond,
      IntFunction<CompletionStage<Replica.WriteReply>> send, LongConsumer latencyNanos) {
    if (concurrency < 1) {
      throw new IllegalArgumentException("concurrency must be at least 1, was " + concurrency);
    }
    Semaphore inFlight = new Semaphore(concurrency);
    AtomicInteger written = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    AtomicReference<String> firstFailure = new AtomicReference<>();
    long start = System.nanoTime();
    AtomicLong lastReply = new AtomicLong(start);
    int sent = 0;
    while (sent < count && !stop.getAsBoolean()) {
      if (ratePerSecond > 0) {
        // pace against the schedule, not the previous send, so that a late send does not shift every later one
        long due = start + (long) (sent * 1e9 / ratePerSecond);
        for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
          LockSupport.parkNanos(wait);
        }
      }
      inFlight.acquireUninterruptibly();
      long sentAt = System.nanoTime();
      send.apply(sent).whenComplete((reply, error) -> {
        long now = System.nanoTime();
        if (error == null && acknowledged(reply)) {
          written.incrementAndGet();
          latencyNanos.accept(now - sentAt);
        } else {
          failed.incrementAndGet();
          firstFailure.compareAndSet(null, error != null ? error.toString() : String.valueOf(reply));
        }
        lastReply.accumulateAndGet(now, Math::max);
        inFlight.release();
      });
      sent++;
    }
    inFlight.acquireUninterruptibly(concurrency);
    return new Outcome(sent, written.get(), failed.get(), firstFailure.get(), lastReply.get() - start);
  }

  /** Whether {@code reply} acknowledges the write under its policy (a key, a transaction or an insert). */
  public static boolean acknowledged(Replica.WriteReply reply) {
    return reply instanceof Replica.Written || reply instanceof Replica.Committed || reply instanceof Replica.Inserted;
  }
}
