package io.replikit.persistence.cdc;

/**
 * A {@link TriggerRelay} stopped at an element it must not pass on its own: an output naming a target it does not
 * have, entries whose outputs it delivered were retracted by a failover, or the replica it follows replaced its
 * store from a snapshot (so outputs of the entries it skipped are not in its log). Its offset stays before that
 * element, so a restarted relay halts there again until an operator reconciles the targets and records the
 * element's offset in them (an empty {@link TriggerTarget.Delivery} at {@link #sequenceNr()} does that).
 */
public final class RelayHaltedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final long sequenceNr;

  public RelayHaltedException(long sequenceNr, String message) {
    super(message);
    this.sequenceNr = sequenceNr;
  }

  /** The offset of the element the relay halted at. */
  public long sequenceNr() {
    return sequenceNr;
  }
}
