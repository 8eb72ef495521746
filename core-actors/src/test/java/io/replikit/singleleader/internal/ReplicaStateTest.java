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
    ReplicaState.Receipt.Accept accept = assertInstanceOf(ReplicaState.Receipt.Accept.class, s.receive(1, 1, batch));
    assertEquals(0, accept.truncateFrom());
    assertEquals(3, accept.fresh().get(0).position(), "the entry it holds is skipped");
    assertInstanceOf(ReplicaState.Receipt.UpToDate.class, s.receive(1, 1, batch.subList(0, 1)));
    assertEquals(2, assertInstanceOf(ReplicaState.Receipt.Gap.class,
        s.receive(4, 1, List.of(new LogEntry(5, 1, L, 0, put("x", "y"))))).lastPosition());
    assertInstanceOf(ReplicaState.Receipt.Malformed.class,
        s.receive(2, 1, List.of(new LogEntry(4, 1, L, 0, put("x", "y")))));
    assertInstanceOf(ReplicaState.Receipt.UpToDate.class, s.receive(2, 1, List.of()), "a heartbeat");
    assertInstanceOf(ReplicaState.Receipt.Mismatch.class, s.receive(2, 3, List.of()),
        "the leader's entry at 2 is of another epoch");
  }

  @Test
  void aDivergentSuffixIsSetAsideAndItsEffectOnTheStoreUndone() {
    // positions 1-2 from the leader of epoch 1; 3-4 written by this replica as leader of epoch 1, never replicated
    ReplicaState s = write(ReplicaState.empty(), put("a", "1"), put("b", "1"), put("a", "2"), new Change.Delete("b"));
    // the leader of epoch 2 had 1-2 and wrote its first entry at 3
    List<LogEntry> batch = List.of(new LogEntry(3, 2, ReplicaId.of("N"), 0, new Change.NewEpoch("N")),
        new LogEntry(4, 2, ReplicaId.of("N"), 0, put("c", "3")));
    ReplicaState.Receipt.Accept accept = assertInstanceOf(ReplicaState.Receipt.Accept.class, s.receive(2, 1, batch));
    assertEquals(3, accept.truncateFrom());
    ReplicaEvents.LogTruncated cut = s.truncation(3, 2, 99);
    assertEquals(2, cut.afterPosition());
    s = s.apply(cut);
    for (LogEntry e : accept.fresh()) {
      s = s.apply(e);
    }
    assertEquals("1", s.store().get("a").orElseThrow().value().asText(), "a is back to what the leader has");
    assertEquals(1, s.store().versionOf("a"));
    assertEquals(2, s.store().versionOf("b"), "the delete of b is undone");
    assertEquals(4, s.lastPosition());
    assertEquals(List.of(3L, 4L), s.divergentWrites().stream().map(d -> d.entry().position()).toList());
    assertEquals(List.of(new ReplicaEvents.EpochStart(1, 1), new ReplicaEvents.EpochStart(2, 3)), s.epochHistory());
  }

  @Test
  void theLeaderFindsWhereAFollowersLogPartsFromTheEpochHistories() {
    ReplicaId n = ReplicaId.of("N");
    // leader: 1-8 in epoch 1, 9.. in epoch 2
    ReplicaState leader = ReplicaState.empty();
    for (int i = 0; i < 8; i++) {
      leader = write(leader, put("k" + i, "v"));
    }
    leader = leader.apply(new LogEntry(9, 2, n, 0, new Change.NewEpoch("N")));
    leader = leader.apply(new LogEntry(10, 2, n, 0, put("x", "y")));
    List<ReplicaEvents.EpochStart> oldLeader = List.of(new ReplicaEvents.EpochStart(1, 1));
    assertEquals(8, leader.matchPoint(oldLeader, 12), "epoch 1 ends at 8 on the leader: 9-12 are set aside");
    assertEquals(5, leader.matchPoint(oldLeader, 5), "a follower that is merely behind matches to its end");
    assertEquals(10, leader.matchPoint(List.of(new ReplicaEvents.EpochStart(1, 1),
        new ReplicaEvents.EpochStart(2, 9)), 10));
    assertEquals(8, leader.matchPoint(List.of(new ReplicaEvents.EpochStart(1, 1),
        new ReplicaEvents.EpochStart(3, 9)), 11), "an epoch the leader never saw matches nothing");
  }

  @Test
  void aSnapshotIsInstalledOnlyWhenEveryChunkOfOneTransferArrivedInOrder() {
    ReplicaState s = write(ReplicaState.empty(), put("old", "1"));
    List<StoreItem> c0 = List.of(new StoreItem("a", JsonNodeFactory.instance.textNode("A"), 7));
    List<StoreItem> c1 = List.of(new StoreItem("b", JsonNodeFactory.instance.textNode("B"), 9));
    s = s.apply(new ReplicaEvents.SnapshotChunkStored(5, 10, 1, 0, 2, c0, List.of(), 1));
    assertEquals(1, s.lastPosition(), "nothing replaced before the last chunk");
    ReplicaState other = s.apply(new ReplicaEvents.SnapshotChunkStored(6, 10, 1, 1, 2, c1, List.of(), 1));
    assertNull(other.staging(), "a chunk of another transfer drops the staged one");
    assertEquals(1, other.lastPosition());
    s = s.apply(new ReplicaEvents.SnapshotChunkStored(5, 10, 1, 1, 2, c1, List.of(new ReplicaEvents.EpochStart(1, 1)), 0));
    assertEquals(10, s.lastPosition());
    assertEquals(11, s.logStart());
    assertEquals(List.of("a", "b"), s.store().items().stream().map(StoreItem::key).toList());
    assertTrue(s.store().get("old").isEmpty());
    assertEquals(7, s.store().versionOf("a"));
    assertEquals(List.of("old"), s.divergentWrites().stream().map(d -> d.entry().change().key()).toList(),
        "what this replica held after the match point is set aside, not lost");
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
