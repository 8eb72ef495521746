package io.replikit.persistence.cdc;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The in-memory twin of a {@link TriggerTarget}, for tests: it records every delivery it applied and each relay's
 * offset, under one lock, so it is exactly once like the real targets. Survives relay restarts, not its own JVM.
 */
public final class InMemoryTarget implements TriggerTarget {
  private final Map<String, Long> offsets = new HashMap<>();
  private final List<Delivery> applied = new ArrayList<>();

  @Override
  public synchronized CompletionStage<Long> lastDelivered(String relayId) {
    return CompletableFuture.completedFuture(offsets.getOrDefault(relayId, 0L));
  }

  @Override
  public synchronized CompletionStage<Boolean> deliver(String relayId, Delivery delivery) {
    if (delivery.sequenceNr() <= offsets.getOrDefault(relayId, 0L)) {
      return CompletableFuture.completedFuture(false);
    }
    applied.add(delivery);
    offsets.put(relayId, delivery.sequenceNr());
    return CompletableFuture.completedFuture(true);
  }

  /** Every delivery applied so far, in the order applied. */
  public synchronized List<Delivery> applied() {
    return List.copyOf(applied);
  }
}
