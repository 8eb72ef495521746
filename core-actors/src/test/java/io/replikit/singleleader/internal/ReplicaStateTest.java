package io.replikit.singleleader.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.replikit.replication.LogEntry;
import io.replikit.replication.ReplicaId;
import io.replikit.store.Change;
import io.replikit.store.StoreItem;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReplicaStateTest {
  private static final ReplicaId L = ReplicaId.of("L");

  private static Change put(String k, String v) {
    return new Change.Put(k, JsonNodeFactory.instance.textNode(v));
  }

  private static ReplicaState write(ReplicaState s, Change... changes) {
    List<ReplicaState.Proposed> proposed = new ArrayList<>();
    for (Change c : changes) {
      proposed.add(new ReplicaState.Proposed(c, null));
    }
    for (LogEntry e : s.decide(proposed, 1, L, 0).entries()) {
      s = s.apply(e);
    }
    return s;
  }

  @Test
  void conditionalWritesInOneBatchSeeTheWritesBeforeThem() {
    ReplicaState s = write(ReplicaState.empty(), put("a", "1"));
    ReplicaState.Appended a = s.decide(List.of(
        new ReplicaState.Proposed(put("a", "2"), 1L), // ok: a is at version 1
        new ReplicaState.Proposed(put("a", "3"), 1L), // stale: the write before moved a to version 2
        new ReplicaState.Proposed(put("b", "x"), 0L), // ok: b is absent
        new ReplicaState.Proposed(new Change.Delete("a"), 2L)), 1, L, 0);
    assertInstanceOf(ReplicaState.Decision.Accepted.class, a.decisions().get(0));
    ReplicaState.Decision.VersionMismatch m =
        assertInstanceOf(ReplicaState.Decision.VersionMismatch.class, a.decisions().get(1));
    assertEquals(2, m.actual());
    assertEquals(List.of(2L, 3L, 4L), a.entries().stream().map(LogEntry::position).toList(),
        "positions stay gapless: the refused write takes none");
    for (LogEntry e : a.entries()) {
      s = s.apply(e);
    }
    assertTrue(s.store().get("a").isEmpty());
    assertEquals(3, s.store().versionOf("b"));
  }

  @Test
  void aJournalWithAGapIsReportedAsCorrupt() {
    ReplicaState s = write(ReplicaState.empty(), put("a", "1"));
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> s.apply(new LogEntry(3, 1, L, 0, put("a", "2"))));
    assertTrue(e.getMessage().contains("position 3 does not follow position 1"), e.getMessage());
  }

  @Test
  void aFollowerAcceptsOnlyWhatExtendsItsLog() {
    ReplicaState s = write(ReplicaState.empty(), put("a", "1"), put("b", "2")); // last = 2
    List<LogEntry> batch = List.of(new LogEntry(2, 1, L, 0, put("b", "2")), new LogEntry(3, 1, L, 0, put("c", "3")));
    ReplicaState.Receipt.Accept accept = assertInstanceOf(ReplicaState.Receipt.Accept.class, s.receive(1, batch));
    assertEquals(3, accept.fresh().get(0).position(), "the entry it holds is skipped");
    assertInstanceOf(ReplicaState.Receipt.UpToDate.class, s.receive(1, batch.subList(0, 1)));
    assertEquals(2, assertInstanceOf(ReplicaState.Receipt.Gap.class,
        s.receive(4, List.of(new LogEntry(5, 1, L, 0, put("x", "y"))))).lastPosition());
    assertInstanceOf(ReplicaState.Receipt.Malformed.class,
        s.receive(2, List.of(new LogEntry(4, 1, L, 0, put("x", "y")))));
    assertInstanceOf(ReplicaState.Receipt.UpToDate.class, s.receive(2, List.of()), "a heartbeat");
  }

  @Test
  void aSnapshotIsInstalledOnlyWhenEveryChunkOfOneTransferArrivedInOrder() {
    ReplicaState s = write(ReplicaState.empty(), put("old", "1"));
    List<StoreItem> c0 = List.of(new StoreItem("a", JsonNodeFactory.instance.textNode("A"), 7));
    List<StoreItem> c1 = List.of(new StoreItem("b", JsonNodeFactory.instance.textNode("B"), 9));
    s = s.apply(new ReplicaEvents.SnapshotChunkStored(5, 10, 1, 0, 2, c0));
    assertEquals(1, s.lastPosition(), "nothing replaced before the last chunk");
    ReplicaState other = s.apply(new ReplicaEvents.SnapshotChunkStored(6, 10, 1, 1, 2, c1));
    assertNull(other.staging(), "a chunk of another transfer drops the staged one");
    assertEquals(1, other.lastPosition());
    s = s.apply(new ReplicaEvents.SnapshotChunkStored(5, 10, 1, 1, 2, c1));
    assertEquals(10, s.lastPosition());
    assertEquals(11, s.logStart());
    assertEquals(List.of("a", "b"), s.store().items().stream().map(StoreItem::key).toList());
    assertTrue(s.store().get("old").isEmpty());
    assertEquals(7, s.store().versionOf("a"));
  }

  @Test
  void trimmingKeepsTheLogAfterThePointAndASnapshotRoundTrips() {
    ReplicaState s = ReplicaState.empty();
    for (int i = 0; i < 10; i++) {
      s = write(s, put("k" + (i % 3), "v" + i));
    }
    s = s.apply(new ReplicaEvents.LogTrimmed(6));
    assertEquals(7, s.logStart());
    assertEquals(4, s.retainedEntries());
    assertEquals(List.of(7L, 8L), s.entries(7, 8).stream().map(LogEntry::position).toList());
    ReplicaState restored = ReplicaState.fromSnapshot(s.toSnapshot());
    assertEquals(s.store(), restored.store());
    assertEquals(10, restored.lastPosition());
    assertEquals(11, restored.logStart(), "a restored replica keeps no log before its snapshot");
  }
}
