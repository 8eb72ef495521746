package io.replikit.versioning;

/**
 * One event of one replica: the {@code counter}-th change that replica {@code replica} originated (counters start
 * at 1 and have no gaps). A dot names a write uniquely, and a version vector that covers it has seen that write.
 */
public record Dot(String replica, long counter) implements Comparable<Dot> {
  public Dot {
    if (replica == null || replica.isEmpty()) {
      throw new IllegalArgumentException("a dot needs a replica id");
    }
    if (counter < 1) {
      throw new IllegalArgumentException("a dot's counter starts at 1, was " + counter);
    }
  }

  @Override
  public int compareTo(Dot o) {
    int c = replica.compareTo(o.replica);
    return c != 0 ? c : Long.compare(counter, o.counter);
  }

  @Override
  public String toString() {
    return replica + ":" + counter;
  }
}
