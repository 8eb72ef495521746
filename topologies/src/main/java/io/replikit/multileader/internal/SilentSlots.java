package io.replikit.multileader.internal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Which replica slot of a group a router asks first: the key's home, unless the home did not answer lately. A slot
 * that did not answer is remembered as silent for {@code skipNanos}; requests in that time start at the next slot
 * that is not, and the first request after it asks the slot again (a replica placed anew gets its keys back). When
 * every slot is silent the home is asked anyway. Pure (the clock is given) and safe for concurrent callers.
 */
public final class SilentSlots {
  private final int replicas;
  private final long skipNanos;
  private final LongSupplier nanoClock;
  /** "partition/slot" to the clock reading until which requests skip it. */
  private final Map<Long, Long> silentUntil = new ConcurrentHashMap<>();

  public SilentSlots(int replicas, long skipNanos, LongSupplier nanoClock) {
    if (replicas < 1 || skipNanos < 0) {
      throw new IllegalArgumentException("replicas must be at least 1 and the skip time not negative, were "
          + replicas + " and " + skipNanos + " ns");
    }
    this.replicas = replicas;
    this.skipNanos = skipNanos;
    this.nanoClock = nanoClock;
  }

  /** The slot to ask first for a key homed at {@code home} of {@code partition} (or the next after a failure). */
  public int first(int partition, int home) {
    long now = nanoClock.getAsLong();
    for (int i = 0; i < replicas; i++) {
      int slot = (home + i) % replicas;
      Long until = silentUntil.get(key(partition, slot));
      if (until == null) {
        return slot;
      }
      if (now - until >= 0) {
        silentUntil.remove(key(partition, slot), until); // its time is up: ask it again
        return slot;
      }
    }
    return home;
  }

  /** {@code slot} of {@code partition} answered: ask it first again. */
  public void answered(int partition, int slot) {
    silentUntil.remove(key(partition, slot));
  }

  /** {@code slot} of {@code partition} did not answer in time: skip it for a while. */
  public void silent(int partition, int slot) {
    silentUntil.put(key(partition, slot), nanoClock.getAsLong() + skipNanos);
  }

  private static long key(int partition, int slot) {
    return ((long) partition << 32) | (slot & 0xffffffffL);
  }
}
