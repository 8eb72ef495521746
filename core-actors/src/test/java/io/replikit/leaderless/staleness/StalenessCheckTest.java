package io.replikit.leaderless.staleness;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.TextNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.replikit.versioning.DottedVersionVectorSet;
import io.replikit.versioning.VersionVector;
import java.util.List;
import org.junit.jupiter.api.Test;

class StalenessCheckTest {
  private static final DottedVersionVectorSet EMPTY = DottedVersionVectorSet.empty();
  /** v1 written through replica a at 100 ms. */
  private static final DottedVersionVectorSet V1 = EMPTY.update(VersionVector.empty(), TextNode.valueOf("v1"), "a",
      100);
  /** v2 written over v1 through a at 120 ms. */
  private static final DottedVersionVectorSet V2 = V1.update(V1.context(), TextNode.valueOf("v2"), "a", 120);

  @Test
  void aReadThatMissedAWriteHeldByWReplicasIsStale() {
    StalenessCheck.Verdict v = StalenessCheck.check(2, 150, EMPTY, List.of(V1, V1, EMPTY));
    assertEquals(new StalenessCheck.Verdict(true, 1, 50), v);
  }

  @Test
  void aWriteHeldByFewerThanWIsNotEvidence() {
    assertEquals(StalenessCheck.Verdict.FRESH, StalenessCheck.check(3, 150, EMPTY, List.of(V1, V1, EMPTY)));
  }

  @Test
  void aWriteStampedAfterTheReadBeganIsNotMissed() {
    assertEquals(StalenessCheck.Verdict.FRESH, StalenessCheck.check(1, 100, EMPTY, List.of(V1, EMPTY, EMPTY)));
  }

  @Test
  void anAnswerWithTheNewestWriteIsFresh() {
    assertEquals(StalenessCheck.Verdict.FRESH, StalenessCheck.check(1, 150, V2, List.of(V2, V1, EMPTY)));
  }

  @Test
  void versionsBehindCountTheCounterGap() {
    // the answer has nothing, and a minted two writes: 2 behind; ms from the live (newest) one, v1's time is gone
    assertEquals(new StalenessCheck.Verdict(true, 2, 30), StalenessCheck.check(1, 150, EMPTY, List.of(V2, EMPTY)));
    // the answer has v1: one behind
    assertEquals(new StalenessCheck.Verdict(true, 1, 30), StalenessCheck.check(1, 150, V1, List.of(V2, V1)));
  }

  @Test
  void concurrentSiblingsCountPerReplica() {
    DottedVersionVectorSet fromB = EMPTY.update(VersionVector.empty(), TextNode.valueOf("b1"), "b", 90);
    DottedVersionVectorSet both = V1.sync(fromB);
    // the answer holds only b's write; a's v1 (100 ms) is missed, held by two
    assertEquals(new StalenessCheck.Verdict(true, 1, 60),
        StalenessCheck.check(2, 160, fromB, List.of(both, both, fromB)));
    // the answer holds neither: two versions, the oldest missed write is b's at 90 ms
    assertEquals(new StalenessCheck.Verdict(true, 2, 70),
        StalenessCheck.check(2, 160, EMPTY, List.of(both, both, EMPTY)));
  }

  @Test
  void theMonitorCountsAndSamples() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    StalenessMonitor m = new StalenessMonitor("ks", "n1", registry, 0.5, 16, 1);
    m.readDone(1, 150, EMPTY, List.of(V2, EMPTY), true);
    m.readDone(1, 150, V2, List.of(V2, V2), true);
    m.readDone(1, 150, EMPTY, List.of(EMPTY), false);
    m.readDone(1, 200, V1, List.of(V2, V1), true);
    StalenessMonitor.Snapshot s = m.snapshot();
    assertEquals(3, s.checked());
    assertEquals(1, s.unchecked());
    assertEquals(2, s.stale());
    assertEquals(2.0 / 3, s.staleShare(), 1e-9);
    assertEquals(1, s.versionsP50());
    assertEquals(2, s.versionsP99());
    assertEquals(30, s.msP50());
    assertEquals(80, s.msP99());
    assertEquals(2, registry.get("replikit.leaderless.reads.stale").tag("keyspace", "ks").counter().count());
    assertEquals(3, registry.get("replikit.leaderless.reads.checked").counter().count());
    assertEquals(110, registry.get("replikit.leaderless.staleness.ms").summary().totalAmount());

    m.writeAcknowledged(0, 10);
    m.writeAcknowledged(1, 8);
    m.readAnswered(1, 6);
    LatencySamples l = m.latencies();
    assertEquals(List.of(5.0), l.positions().get(0).w());
    assertEquals(List.of(5.0), l.positions().get(0).a());
    assertEquals(List.of(4.0), l.positions().get(1).w());
    assertEquals(List.of(4.0), l.positions().get(1).a());
    assertEquals(List.of(3.0), l.positions().get(1).r());
    assertEquals(List.of(3.0), l.positions().get(1).s());
  }
}
