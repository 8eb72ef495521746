package io.replikit.examples.bench.leaderless;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;
import java.util.function.IntPredicate;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * A closed loop: {@code concurrency} requests outstanding at once until {@code count} were sent or the deadline
 * passed (then no new request is sent and the phase says it was cut short). Each request's latency, from send to
 * completion, goes to the put or the get histogram (microseconds).
 */
final class ClosedLoop {
  private static final long MAX_MICROS = TimeUnit.SECONDS.toMicros(120);

  /** What one request is: a put or a get, and the stage that completes true when it succeeded. */
  interface Request {
    CompletionStage<Boolean> send(int index);
  }

  /** A phase's outcome; histograms in microseconds. */
  record Result(int sent, int completed, double seconds, Histogram puts, Histogram gets, long failedPuts,
      long failedGets, String firstFailure, boolean cutShort) {}

  private ClosedLoop() {}

  /**
   * Runs a callback on the thread that completed the stage. The stages of Akka's ask (Scala's converted futures)
   * turn every callback into its async twin on the default async pool, which on a machine with 2 cores is a new
   * thread per callback (CompletableFuture's ThreadPerTaskExecutor): one thread per request, seen in a JFR profile.
   */
  static final Executor DIRECT = Runnable::run;

  /** {@code stage} as a plain CompletableFuture, whose callbacks run where it completes (see {@link #DIRECT}). */
  static <T> CompletableFuture<T> plain(CompletionStage<T> stage) {
    CompletableFuture<T> f = new CompletableFuture<>();
    stage.whenCompleteAsync((v, e) -> {
      if (e != null) {
        f.completeExceptionally(e);
      } else {
        f.complete(v);
      }
    }, DIRECT);
    return f;
  }

  static Result run(int count, int concurrency, long deadlineNanos, IntPredicate isGet, Request request)
      throws InterruptedException {
    return run(count, concurrency, deadlineNanos, isGet, request, null, null);
  }

  /** As above, with a line on {@code progress} every few seconds ({@link io.replikit.examples.bench.Progress}). */
  static Result run(int count, int concurrency, long deadlineNanos, IntPredicate isGet, Request request,
      java.io.PrintWriter progress, String phase) throws InterruptedException {
    return run(count, concurrency, deadlineNanos, isGet, request, progress, phase, "requests answered");
  }

  /** As above, counting the requests answered as {@code unit} (e.g. write-then-read pairs). */
  static Result run(int count, int concurrency, long deadlineNanos, IntPredicate isGet, Request request,
      java.io.PrintWriter progress, String phase, String unit) throws InterruptedException {
    ConcurrentHistogram puts = new ConcurrentHistogram(MAX_MICROS, 3);
    ConcurrentHistogram gets = new ConcurrentHistogram(MAX_MICROS, 3);
    AtomicInteger next = new AtomicInteger();
    AtomicInteger completed = new AtomicInteger();
    AtomicInteger workersDone = new AtomicInteger();
    AtomicLong failedPuts = new AtomicLong();
    AtomicLong failedGets = new AtomicLong();
    AtomicReference<String> firstFailure = new AtomicReference<>();
    CompletableFuture<Void> done = new CompletableFuture<>();
    int workers = Math.max(1, Math.min(concurrency, count));
    boolean[] cut = {false};
    long start = System.nanoTime();
    Runnable[] worker = new Runnable[1];
    worker[0] = () -> {
      int i = next.getAndIncrement();
      if (i >= count || System.nanoTime() > deadlineNanos) {
        if (i < count) {
          cut[0] = true;
        }
        if (workersDone.incrementAndGet() == workers) {
          done.complete(null);
        }
        return;
      }
      boolean get = isGet.test(i);
      long t0 = System.nanoTime();
      CompletionStage<Boolean> stage;
      try {
        stage = request.send(i);
      } catch (RuntimeException e) {
        stage = CompletableFuture.failedFuture(e);
      }
      stage.whenCompleteAsync((ok, err) -> {
        long micros = Math.min(MAX_MICROS, Math.max(1, (System.nanoTime() - t0) / 1000));
        (get ? gets : puts).recordValue(micros);
        if (err != null || !Boolean.TRUE.equals(ok)) {
          (get ? failedGets : failedPuts).incrementAndGet();
          firstFailure.compareAndSet(null, err != null ? err.toString() : (get ? "get" : "put") + " #" + i
              + " answered without success");
        }
        completed.incrementAndGet();
        worker[0].run();
      }, DIRECT);
    };
    try (io.replikit.examples.bench.Progress ticker = progress == null ? null
        : io.replikit.examples.bench.Progress.of(progress, phase, unit, completed::get, count)) {
      for (int w = 0; w < workers; w++) {
        worker[0].run();
      }
      try {
        done.get();
      } catch (java.util.concurrent.ExecutionException e) {
        throw new IllegalStateException(e.getCause());
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    return new Result(Math.min(next.get(), count), completed.get(), seconds, puts, gets, failedPuts.get(),
        failedGets.get(), firstFailure.get(), cut[0]);
  }
}
