package io.replikit.testkit.scenario;

import io.replikit.testkit.history.Convergence;
import io.replikit.testkit.history.Linearizability;
import io.replikit.testkit.history.LostWrites;
import io.replikit.testkit.history.SessionGuarantees;
import io.replikit.testkit.history.StaleReads;

/**
 * A guarantee a replica group's configuration may promise, each judged by one checker of
 * {@link io.replikit.testkit.history} that looks only at the recorded history and the settled replicas.
 */
public enum Guarantee {
  /** No acknowledged write lost ({@link LostWrites}). */
  NO_LOST_WRITES(LostWrites.NAME),
  /** The leader's reads and writes are linearizable, key by key ({@link Linearizability}). */
  LINEARIZABLE(Linearizability.NAME),
  /** A client reads its own acknowledged writes ({@link SessionGuarantees#readYourWrites}). */
  READ_YOUR_WRITES("read-your-writes"),
  /** A client never reads older than it read before ({@link SessionGuarantees#monotonicReads}). */
  MONOTONIC_READS("monotonic-reads"),
  /** A client never sees an answer before its question ({@link SessionGuarantees#consistentPrefix}). */
  CONSISTENT_PREFIX("consistent-prefix"),
  /** After the faults heal and the group goes quiet every replica holds the same values ({@link Convergence}). */
  CONVERGENCE(Convergence.NAME),
  /** No read older than a write acknowledged before it began: the n/w/r promise ({@link StaleReads}). */
  FRESH_READS(StaleReads.NAME);

  private final String checker;

  Guarantee(String checker) {
    this.checker = checker;
  }

  /** The name of the checker that judges it, as verdicts and reports print it. */
  public String checker() {
    return checker;
  }
}
