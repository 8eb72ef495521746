package io.replikit.examples.bench.multileader;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * The writes of the multi-leader bench: a list drawn from a seed (the same seed gives the same list, so every system
 * gets the same workload), and the driver that issues them at their leaders.
 *
 * <p>Each write puts a value under a key at one leader. A share of the writes ({@code hotShare}) goes to a few hot
 * keys, so that leaders write the same key at about the same time and the systems have real conflicts to resolve;
 * the rest spread uniformly over {@code keys} other keys. Writes are placed on the leaders round-robin or at random.
 */
public final class MultiLeaderWorkload {

  /**
   * Most writes outstanding at once in an open loop ({@code --rate}): a system that cannot keep up makes the bench
   * fall behind its schedule instead of piling up writes without bound (Akka's stash holds 4096 commands per actor).
   */
  public static final int OPEN_LOOP_OUTSTANDING = 1024;

  private MultiLeaderWorkload() {}

  /** How writes are spread over the leaders. */
  public enum Placement {
    ROUND_ROBIN("round-robin"), RANDOM("random");

    private final String cliName;

    Placement(String cliName) {
      this.cliName = cliName;
    }

    public String cliName() {
      return cliName;
    }

    public static Placement parse(String value) {
      for (Placement p : values()) {
        if (p.cliName.equals(value.trim().toLowerCase(Locale.ROOT))) {
          return p;
        }
      }
      throw new IllegalArgumentException("--placement must be round-robin or random, was '" + value + "'");
    }
  }

  /**
   * The shape of a workload.
   *
   * @param leaders leaders the writes are placed on (at least 2)
   * @param keys keys outside the hot set (at least 1)
   * @param hotKeys hot keys (0 for none)
   * @param hotShare share of the writes that go to a hot key, 0 to 1 (must be 0 when there are no hot keys)
   */
  public record Shape(int leaders, int keys, int hotKeys, double hotShare, Placement placement) {
    public Shape {
      if (leaders < 2) {
        throw new IllegalArgumentException("--leaders must be at least 2, was " + leaders);
      }
      if (keys < 1) {
        throw new IllegalArgumentException("--keys must be at least 1, was " + keys);
      }
      if (hotKeys < 0) {
        throw new IllegalArgumentException("--hot-keys must be 0 or more, was " + hotKeys);
      }
      if (!(hotShare >= 0 && hotShare <= 1)) {
        throw new IllegalArgumentException("--hot-share must be between 0 and 1, was " + hotShare);
      }
      if (hotKeys == 0 && hotShare > 0) {
        throw new IllegalArgumentException("--hot-share " + hotShare + " needs --hot-keys of at least 1");
      }
    }
  }

  /**
   * One write: {@code id} is its index in the run (warm-up first, then the measured writes), {@code leader} the
   * 0-based leader it is sent to, {@code hot} whether its key is one of the hot keys.
   */
  public record Write(long id, int leader, String key, String value, boolean hot) {}

  /**
   * {@code count} writes with ids {@code firstId, firstId + 1, ...}, drawn from {@code seed}; their keys start with
   * {@code keyPrefix} ({@code hot-<n>} and {@code key-<n>} after it), their values name the write.
   */
  public static List<Write> generate(Shape shape, long seed, long firstId, int count, String keyPrefix) {
    if (count < 0) {
      throw new IllegalArgumentException("count must be 0 or more, was " + count);
    }
    Random random = new Random(seed);
    List<Write> writes = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      long id = firstId + i;
      // always draw the same numbers per write, so that one option does not shift the draws of the others
      int leaderDraw = random.nextInt(shape.leaders());
      double hotDraw = random.nextDouble();
      int hotKeyDraw = shape.hotKeys() == 0 ? 0 : random.nextInt(shape.hotKeys());
      int keyDraw = random.nextInt(shape.keys());
      int leader = shape.placement() == Placement.ROUND_ROBIN ? i % shape.leaders() : leaderDraw;
      boolean hot = hotDraw < shape.hotShare();
      String key = keyPrefix + (hot ? "hot-" + hotKeyDraw : "key-" + keyDraw);
      writes.add(new Write(id, leader, key, "w" + id + "@" + leader, hot));
    }
    return writes;
  }

  /** Told of every acknowledged write, from the thread that completed its stage. */
  @FunctionalInterface
  public interface AckSink {
    void acked(Write write, long sentNanos, long ackNanos);
  }

  /**
   * What a drive did.
   *
   * @param sent writes sent
   * @param acked writes whose stage completed normally
   * @param failed writes whose stage completed exceptionally
   * @param firstFailure the first failure, null when none
   * @param startNanos {@link System#nanoTime()} at the first send
   * @param lastAckNanos at the last completion (acknowledged or failed)
   */
  public record Outcome(int sent, int acked, int failed, String firstFailure, long startNanos, long lastAckNanos) {
    public double ackedPerSecond() {
      long elapsed = lastAckNanos - startNanos;
      return elapsed <= 0 ? 0 : acked * 1e9 / elapsed;
    }
  }

  /**
   * Sends {@code writes} in list order from the calling thread and returns once every one is answered (each system
   * bounds its own writes by a timeout, so this wait is bounded).
   *
   * @param concurrency in a closed loop ({@code ratePerSecond} 0): writes outstanding at once
   * @param ratePerSecond writes per second to send at, on a fixed schedule (an open loop, with at most
   *     {@link #OPEN_LOOP_OUTSTANDING} outstanding); 0 for a closed loop
   */
  public static Outcome drive(List<Write> writes, MultiLeaderSystemUnderTest system, int concurrency,
      double ratePerSecond, AckSink sink) {
    int limit = ratePerSecond > 0 ? OPEN_LOOP_OUTSTANDING : concurrency;
    if (limit < 1) {
      throw new IllegalArgumentException("--concurrency must be at least 1, was " + concurrency);
    }
    Semaphore inFlight = new Semaphore(limit);
    AtomicInteger acked = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    AtomicReference<String> firstFailure = new AtomicReference<>();
    long start = System.nanoTime();
    AtomicLong last = new AtomicLong(start);
    int sent = 0;
    for (Write w : writes) {
      if (ratePerSecond > 0) {
        // pace against the schedule, not the previous send, so that one late send does not shift every later one
        long due = start + (long) (sent * 1e9 / ratePerSecond);
        for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
          LockSupport.parkNanos(wait);
        }
      }
      inFlight.acquireUninterruptibly();
      long sentAt = System.nanoTime();
      CompletionStage<?> stage;
      try {
        stage = system.write(w.leader(), w.id(), w.key(), w.value());
      } catch (RuntimeException e) {
        stage = java.util.concurrent.CompletableFuture.failedFuture(e);
      }
      stage.whenComplete((reply, error) -> {
        long now = System.nanoTime();
        if (error == null) {
          acked.incrementAndGet();
          sink.acked(w, sentAt, now);
        } else {
          failed.incrementAndGet();
          firstFailure.compareAndSet(null, error.toString());
        }
        last.accumulateAndGet(now, Math::max);
        inFlight.release();
      });
      sent++;
    }
    inFlight.acquireUninterruptibly(limit);
    return new Outcome(sent, acked.get(), failed.get(), firstFailure.get(), start, last.get());
  }
}
