package io.replikit.leaderless.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.replikit.leaderless.Coordinator;
import io.replikit.leaderless.ring.RingNode;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The quorum levels as rules over who answered: counts, the local datacenter's majority, every datacenter's. */
class QuorumRuleTest {
  private static final List<RingNode> REPLICAS = List.of(new RingNode("a1", "a"), new RingNode("a2", "a"),
      new RingNode("a3", "a"), new RingNode("b1", "b"), new RingNode("b2", "b"));

  @Test
  void countIsMetByWAnswersFromAnywhereAndIgnoresNodesItDidNotAsk() {
    QuorumRule rule = QuorumRule.of(Coordinator.Level.COUNT, 2, REPLICAS, "a");
    assertFalse(rule.met(List.of("a1", "stranger")));
    assertTrue(rule.met(List.of("a1", "b2")));
    assertEquals(2, rule.needed());
    assertEquals("1 of 5 replicas (needs 2)", rule.progress(List.of("b1")));
  }

  @Test
  void localQuorumWaitsForAMajorityOfTheLocalDatacenterOnly() {
    QuorumRule rule = QuorumRule.of(Coordinator.Level.LOCAL_QUORUM, 0, REPLICAS, "b");
    assertEquals(2, rule.needed(), "2 of b's 2");
    assertFalse(rule.met(List.of("a1", "a2", "a3", "b1")), "dc a's answers do not count");
    assertTrue(rule.met(List.of("b1", "b2")));
    assertEquals(1, rule.counted(List.of("a1", "b2")));
    assertEquals(Set.of("b"), rule.datacenters());
  }

  @Test
  void eachQuorumWaitsForAMajorityInEveryDatacenterAndNamesTheMissingOne() {
    QuorumRule rule = QuorumRule.of(Coordinator.Level.EACH_QUORUM, 0, REPLICAS, "a");
    assertEquals(4, rule.needed(), "2 of a's 3 and 2 of b's 2");
    assertFalse(rule.met(List.of("a1", "a2", "a3", "b1")));
    assertTrue(rule.met(List.of("a1", "a3", "b1", "b2")));
    assertEquals(3, rule.counted(List.of("a1", "a2", "a3", "b1")), "a third answer in a counts no more");
    assertEquals("EACH_QUORUM: a 3 of 3 (needs 2), b 1 of 2 (needs 2)",
        rule.progress(List.of("a1", "a2", "a3", "b1")));
  }

  @Test
  void localQuorumWithoutLocalReplicasIsImpossibleAndSaysWhy() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> QuorumRule.of(Coordinator.Level.LOCAL_QUORUM, 0, REPLICAS, "c"));
    assertTrue(e.getMessage().contains("datacenter c"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> QuorumRule.of(Coordinator.Level.LOCAL_QUORUM, 0, REPLICAS,
        null));
  }
}
