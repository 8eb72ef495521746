package io.replikit.multileader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Conflict avoidance by home leaders. */
class HomeRouterTest {
  private static ActorTestKit kit;

  @BeforeAll
  static void start() {
    kit = ActorTestKit.create("home-router", MlGroup.testConfig());
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  @Test
  void homesAreSpreadStableAndOnlyAFailedLeadersRecordsMove() {
    Set<String> up = new HashSet<>(Set.of("a", "b", "c"));
    HomeRouter router = new HomeRouter(List.of("a", "b", "c"), () -> up);
    Map<String, String> before = new HashMap<>();
    Map<String, Integer> perLeader = new HashMap<>();
    for (int i = 0; i < 3000; i++) {
      String home = router.homeOf("user-" + i);
      before.put("user-" + i, home);
      perLeader.merge(home, 1, Integer::sum);
    }
    for (int n : perLeader.values()) {
      assertTrue(n > 800 && n < 1200, "homes are spread: " + perLeader);
    }
    up.remove("b");
    for (Map.Entry<String, String> e : before.entrySet()) {
      String now = router.homeOf(e.getKey());
      if (e.getValue().equals("b")) {
        assertTrue(!now.equals("b"), "b's records moved");
      } else {
        assertEquals(e.getValue(), now, "records of live leaders stay home");
      }
    }
  }

  @Test
  void writesRoutedHomeDoNotConflictWhereWritesAtTheirOwnLeadersDo() {
    try (MlGroup g = new MlGroup(kit, TopologySpec.Kind.ALL_TO_ALL, ConflictPolicy.of(ConflictStrategy.keepSiblings()),
        21, "a", "b", "c").startAll()) {
      HomeRouter router = new HomeRouter(g.spec.members(), () -> Set.of("a", "b", "c"));
      // two clients near different leaders update the same profiles while a and b's link is slow
      g.transport.slow(g.id("a"), g.id("b"), java.time.Duration.ofMillis(200));
      g.transport.slow(g.id("b"), g.id("a"), java.time.Duration.ofMillis(200));
      for (int i = 0; i < 5; i++) {
        String record = "profile-" + i;
        g.put(router.homeOf(record), record, "from client 1");
        g.put(router.homeOf(record), record, "from client 2");
        g.put("a", "unrouted-" + i, "from client 1");
        g.put("b", "unrouted-" + i, "from client 2");
      }
      g.awaitConverged();
      for (int i = 0; i < 5; i++) {
        assertEquals(1, g.get("c", "profile-" + i).versions().size(), "routed home: one order, no conflict");
        assertEquals(2, g.get("c", "unrouted-" + i).versions().size(), "written at two leaders: a conflict");
      }
    }
  }
}
