package io.replikit.replication;

/**
 * Where a replica reads time: wall-clock milliseconds (for timestamps shown to people) and a monotonic nanosecond
 * counter (for timeouts and lag). Injected so that tests and simulations control it.
 */
public interface ReplicaClock {
  long millis();

  long nanos();

  static ReplicaClock system() {
    return SystemClock.INSTANCE;
  }

  /** The machine's clocks. */
  enum SystemClock implements ReplicaClock {
    INSTANCE;

    @Override
    public long millis() {
      return System.currentTimeMillis();
    }

    @Override
    public long nanos() {
      return System.nanoTime();
    }
  }
}
