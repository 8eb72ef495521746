package io.replikit.persistence.cdc;

/**
 * A {@link ChangeFeed} met a journal row it cannot turn into replication log elements: the row does not
 * deserialize (corrupt bytes, a class the serializer does not know or allow), or it holds something that is not a
 * Replikit replica event (another actor persisted under the replica's persistence id). The feed fails with this
 * exception rather than skip the row, because skipping could lose a change without anyone noticing.
 *
 * <p>The stream fails; elements after the bad row are never emitted. The JDBC read journal reads rows in batches
 * ({@code jdbc-read-journal.max-buffer-size}) and may fail a batch as a whole when its last row does not
 * deserialize, so elements of that batch before the bad row may not have been emitted either: the consumer's stored
 * offset stays at or before the bad row. Restarting the feed from that offset meets the same row and fails again.
 * Repair or remove the row, or, as a deliberate decision that accepts the loss, start after the bad row.
 */
public final class UnreadableJournalException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String persistenceId;
  private final long lastReadSequenceNr;
  private final long sequenceNr;

  public UnreadableJournalException(String persistenceId, long lastReadSequenceNr, long sequenceNr, String message,
      Throwable cause) {
    super(message, cause);
    this.persistenceId = persistenceId;
    this.lastReadSequenceNr = lastReadSequenceNr;
    this.sequenceNr = sequenceNr;
  }

  /** The persistence id (replica) whose journal holds the row. */
  public String persistenceId() {
    return persistenceId;
  }

  /** The sequence number of the last row read successfully (0: none); the bad row comes after it. */
  public long lastReadSequenceNr() {
    return lastReadSequenceNr;
  }

  /** The sequence number of the bad row, or -1 when the journal failed before telling (a row that did not deserialize). */
  public long sequenceNr() {
    return sequenceNr;
  }
}
