package io.replikit.examples.bench.multileader;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Where and when each write became visible: the {@link MultiLeaderSystemUnderTest.VisibilityListener} the bench
 * hands to a system. Each report is stamped with {@link System#nanoTime()} and with its place in that leader's
 * sequence of reports (1, 2, ...), which is the order the leader applied the writes in. Everything here is
 * lock-free, because leaders report from their own threads while writes are running.
 */
final class Visibility implements MultiLeaderSystemUnderTest.VisibilityListener {
  /** Order of a write that a leader never reported: after everything, so it was never seen there. */
  static final long NEVER = Long.MAX_VALUE;

  private final int leaders;
  private final int writes;
  private final AtomicLong[] nextOrder;
  // per (write, leader): the order of the report there (0 = none yet) and its time
  private final AtomicLongArray order;
  private final AtomicLongArray nanos;
  private final AtomicIntegerArray flagged;
  private final AtomicIntegerArray acked;
  private final AtomicLongArray ackNanos;
  private final AtomicInteger reports = new AtomicInteger();
  private final AtomicInteger unknown = new AtomicInteger();

  Visibility(int leaders, int writes) {
    this.leaders = leaders;
    this.writes = writes;
    this.nextOrder = new AtomicLong[leaders];
    for (int i = 0; i < leaders; i++) {
      nextOrder[i] = new AtomicLong();
    }
    this.order = new AtomicLongArray(Math.multiplyExact(writes, leaders));
    this.nanos = new AtomicLongArray(writes * leaders); // same size as order, checked there
    this.flagged = new AtomicIntegerArray(writes);
    this.acked = new AtomicIntegerArray(writes);
    this.ackNanos = new AtomicLongArray(writes);
  }

  @Override
  public void applied(int leader, long writeId, boolean conflictFlagged) {
    long now = System.nanoTime();
    if (leader < 0 || leader >= leaders || writeId < 0 || writeId >= writes) {
      unknown.incrementAndGet();
      return;
    }
    int at = (int) writeId * leaders + leader;
    long o = nextOrder[leader].incrementAndGet();
    if (order.compareAndSet(at, 0, o)) {
      nanos.set(at, now);
      reports.incrementAndGet();
    }
    if (conflictFlagged) {
      flagged.set((int) writeId, 1);
    }
  }

  /** Records that the leader that took {@code writeId} acknowledged it at {@code nanos}. */
  void acked(long writeId, long nanos) {
    ackNanos.set((int) writeId, nanos);
    acked.set((int) writeId, 1);
  }

  boolean isAcked(long writeId) {
    return acked.get((int) writeId) == 1;
  }

  long ackNanos(long writeId) {
    return ackNanos.get((int) writeId);
  }

  /** Whether write {@code writeId} was reported by every leader. */
  boolean visibleEverywhere(long writeId) {
    for (int l = 0; l < leaders; l++) {
      if (order.get((int) writeId * leaders + l) == 0) {
        return false;
      }
    }
    return true;
  }

  /** How many of the writes {@code from} (inclusive) to {@code to} (exclusive) some leader has not reported. */
  int notVisibleEverywhere(long from, long to) {
    int n = 0;
    for (long w = from; w < to; w++) {
      if (!visibleEverywhere(w)) {
        n++;
      }
    }
    return n;
  }

  /** The order in which {@code leader} reported {@code writeId}, or {@link #NEVER}. */
  long order(long writeId, int leader) {
    long o = order.get((int) writeId * leaders + leader);
    return o == 0 ? NEVER : o;
  }

  /** When {@code leader} reported {@code writeId}; only meaningful when {@link #order} is not {@link #NEVER}. */
  long nanos(long writeId, int leader) {
    return nanos.get((int) writeId * leaders + leader);
  }

  boolean flagged(long writeId) {
    return flagged.get((int) writeId) == 1;
  }

  /** Reports naming a leader or write the bench does not know (a system bug; printed as a note). */
  int unknownReports() {
    return unknown.get();
  }

  int leaders() {
    return leaders;
  }
}
