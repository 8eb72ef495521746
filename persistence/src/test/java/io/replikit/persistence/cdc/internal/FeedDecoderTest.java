package io.replikit.persistence.cdc.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.replikit.persistence.cdc.FeedRestarted;
import io.replikit.persistence.cdc.UnreadableJournalException;
import io.replikit.replication.LogEntry;
import io.replikit.replication.ReplicaEvent;
import io.replikit.replication.ReplicaId;
import io.replikit.singleleader.internal.ReplicaEvents;
import io.replikit.store.Change;
import io.replikit.store.StoreItem;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The decoder's rules for snapshot transfers and unknown events, without a journal. */
class FeedDecoderTest {
  private static final ReplicaId R = ReplicaId.of("r");
  private static final StoreItem X = new StoreItem("x", JsonNodeFactory.instance.numberNode(1), 3);

  private static ReplicaEvents.SnapshotChunkStored chunk(long transfer, int index, int total) {
    return new ReplicaEvents.SnapshotChunkStored(transfer, 9, 2, index, total, List.of(X), List.of(), 4);
  }

  @Test
  void aTransferInterruptedByALogEntryOrATruncationIsAbandonedAsTheReplicaAbandonsIt() {
    FeedDecoder d = new FeedDecoder("p");
    assertEquals(List.of(), d.decode(1, 0, chunk(1, 0, 2)));
    assertEquals(1, d.decode(2, 1, new LogEntry(5, 2, R, 0, new Change.Delete("k"))).size());
    assertEquals(List.of(), d.decode(3, 2, chunk(1, 1, 2)), "the transfer's start was abandoned");

    assertEquals(List.of(), d.decode(4, 3, chunk(2, 0, 2)));
    assertEquals(1, d.decode(5, 4, new ReplicaEvents.LogTruncated(4, List.of(), List.of(), false, 3, 0)).size());
    assertEquals(List.of(), d.decode(6, 5, chunk(2, 1, 2)));

    assertEquals(List.of(), d.decode(7, 6, chunk(3, 0, 3)));
    assertEquals(List.of(), d.decode(8, 7, chunk(3, 2, 3)), "a chunk out of order abandons the transfer");
    assertEquals(List.of(), d.decode(9, 8, chunk(3, 1, 3)));

    assertEquals(List.of(new FeedRestarted(10, 9, 2, 4, List.of(X))), d.decode(10, 9, chunk(4, 0, 1)));
  }

  /** A replica event of a kind this decoder does not know. */
  private record Newer() implements ReplicaEvent {}

  @Test
  void anUnknownKindOfReplicaEventIsRefusedNotSkipped() {
    UnreadableJournalException e = assertThrows(UnreadableJournalException.class,
        () -> new FeedDecoder("replikit-g|r").decode(7, 6, new Newer()));
    assertEquals(7, e.sequenceNr());
    assertEquals(6, e.lastReadSequenceNr());
    assertTrue(e.getMessage().contains("a replica event of a kind this change feed does not know"), e.getMessage());
  }
}
