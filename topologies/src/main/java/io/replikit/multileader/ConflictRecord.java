package io.replikit.multileader;

import java.util.List;

/**
 * A conflict one replica detected: at {@code key}, the write {@code detectedBy} arrived while the versions
 * {@code concurrentWith} (written without having seen it, nor it them) were current; {@code strategy} handled it
 * and {@code outcome} says how (the winner, the merged value, the siblings kept, how many writes were discarded).
 * {@code winner}: the replica whose write reads now show, for strategies that pick one (last-write-wins, replica
 * priority), else null; {@code atMillis}: the hybrid-logical-clock time (ms since the epoch) of the write
 * {@code detectedBy}, the same on every replica that detects the conflict.
 */
public record ConflictRecord(String replica, String key, String detectedBy, List<String> concurrentWith,
    String strategy, String outcome, int discarded, String winner, long atMillis) {

  /** A conflict without a single winner or time (as recorded before those were kept). */
  public ConflictRecord(String replica, String key, String detectedBy, List<String> concurrentWith, String strategy,
      String outcome, int discarded) {
    this(replica, key, detectedBy, concurrentWith, strategy, outcome, discarded, null, 0);
  }
}
