package io.replikit.persistence.cdc;

import akka.persistence.query.Offset;
import io.replikit.serialization.WireMessage;

/**
 * One element of a {@link ChangeFeed}: a change ({@link ChangeEvent}), a retraction of changes already emitted
 * ({@link ChangesRetracted}), or a restart of the feed from a snapshot ({@link FeedRestarted}).
 *
 * <p>Every element carries the offset a consumer stores once it has processed it; a feed started from that offset
 * continues with the next element, so a consumer that stores the offset together with its own effect (in one
 * transaction) sees every element exactly once. Offsets are journal sequence numbers of one replica: they mean
 * nothing for another replica of the same group.
 */
public sealed interface FeedEvent extends WireMessage permits ChangeEvent, ChangesRetracted, FeedRestarted {

  /** The journal sequence number of the replica event this element came from: the offset to store. */
  long sequenceNr();

  /** {@link #sequenceNr()} as the Persistence Query offset that {@link ChangeFeed} resumes after. */
  default Offset offset() {
    return Offset.sequence(sequenceNr());
  }
}
