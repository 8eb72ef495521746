package io.replikit.sharding.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.replikit.replication.ReplicaId;
import io.replikit.singleleader.Replica;
import org.junit.jupiter.api.Test;

class RouteRuleTest {
  private static final ReplicaId R0 = ReplicaId.of("r0");
  private static final ReplicaId R1 = ReplicaId.of("r1");
  private static final ReplicaId R2 = ReplicaId.of("r2");

  @Test
  void aWriteFollowsNotLeaderToTheNamedLeader() {
    assertEquals(R2, RouteRule.next(R0, new Replica.NotLeader(R2, "not me"), 3));
    assertFalse(RouteRule.done(new Replica.NotLeader(R2, "not me")));
    assertFalse(RouteRule.backOff(new Replica.NotLeader(R2, "not me")));
  }

  @Test
  void silenceOrAnElectionMovesToTheNextSlotInTurn() {
    assertEquals(R1, RouteRule.next(R0, null, 3));
    assertEquals(R0, RouteRule.next(R2, null, 3));
    assertEquals(R2, RouteRule.next(R1, new Replica.NotLeader(null, "electing"), 3));
    assertEquals(R1, RouteRule.next(R0, new Replica.Unavailable("lease lost"), 3));
    assertTrue(RouteRule.backOff(new Replica.Unavailable("lease lost")));
    assertTrue(RouteRule.backOff(new Replica.NotLeader(null, "electing")));
  }

  @Test
  void anyOtherAnswerEndsTheRequest() {
    assertTrue(RouteRule.done(new Replica.Written("k", 3, 1)));
    assertTrue(RouteRule.done(new Replica.Rejected("too big")));
    assertFalse(RouteRule.done(null));
  }
}
