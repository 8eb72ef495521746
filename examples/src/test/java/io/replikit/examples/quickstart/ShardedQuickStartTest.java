package io.replikit.examples.quickstart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.replikit.singleleader.Replica;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The README's sharding example runs as printed: groups spread evenly, a write by key read back by key. */
class ShardedQuickStartTest {

  @Test
  void theReadmeShardingExamplePlacesEveryGroupOnThreeNodesAndRoutesByKey() throws Exception {
    ShardedQuickStart.Outcome o = ShardedQuickStart.run();
    assertEquals(List.of(), o.placement().unplaced());
    assertFalse(o.placement().coLocated(), "no node hosts two replicas of one group: " + o.placement().placed());
    assertEquals(8, o.placement().maxPerNode(), o.placement().perNode().toString());
    assertEquals(8, o.placement().minPerNode(), o.placement().perNode().toString());
    assertInstanceOf(Replica.Written.class, o.written());
    Replica.Found found = assertInstanceOf(Replica.Found.class, o.read());
    assertEquals("2 books", found.value().asText());
  }
}
