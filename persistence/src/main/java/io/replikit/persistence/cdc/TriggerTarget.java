package io.replikit.persistence.cdc;

import io.replikit.store.RowRecord;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Where a {@link TriggerRelay} delivers trigger outputs: another database, another replica group, a message queue.
 * The target keeps the relay's offset itself, written atomically with the outputs it applies, which is what makes
 * delivery exactly once across relay restarts and crashes.
 *
 * <p>An implementation must guarantee: {@link #deliver} applies the changes and records {@code sequenceNr} as the
 * relay's offset in one atomic step, and applies nothing when it already recorded an offset at or after
 * {@code sequenceNr}; {@link #lastDelivered} returns the recorded offset. It need not survive two relays with the
 * same id writing at once unless it says so.
 */
public interface TriggerTarget {

  /** The trigger outputs of one log entry for one target, in the order the triggers produced them. */
  record Delivery(long sequenceNr, long position, long epoch, long timestampMillis,
      List<RowRecord.RowChange> changes) {
    public Delivery {
      changes = List.copyOf(changes);
    }
  }

  /** The offset (journal sequence number) this target last recorded for relay {@code relayId}; 0 for none. */
  CompletionStage<Long> lastDelivered(String relayId);

  /**
   * Applies {@code delivery} and records its offset for {@code relayId}, atomically. Completes with {@code true}
   * when applied, {@code false} when the target already had this offset (nothing changed), and fails when nothing
   * was applied for another reason (the relay then stops; restarting it retries the same delivery).
   */
  CompletionStage<Boolean> deliver(String relayId, Delivery delivery);
}
