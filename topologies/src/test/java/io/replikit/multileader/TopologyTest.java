package io.replikit.multileader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.replikit.multileader.internal.Topology;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The propagation rules alone: loops, exactly-once delivery along each topology, and re-wiring around failures. */
class TopologyTest {
  private record Hop(String to, List<String> tags) {}

  /**
   * Plays one change from {@code origin} over the topology, every node forwarding what it receives by the rules;
   * returns how often each node received it (null: still going after 1000 messages, a loop).
   */
  private static Map<String, Integer> spread(TopologySpec spec, String origin, Set<String> alive, boolean tags) {
    Map<String, Integer> received = new HashMap<>();
    ArrayDeque<Hop> inFlight = new ArrayDeque<>();
    for (String t : Topology.forwardTargets(spec, origin, alive, List.of(origin), tags)) {
      inFlight.add(new Hop(t, List.of(origin)));
    }
    int messages = 0;
    while (!inFlight.isEmpty()) {
      if (++messages > 1000) {
        return null;
      }
      Hop hop = inFlight.poll();
      if (tags && hop.tags().contains(hop.to())) {
        continue; // bears this node's id: dropped, not applied
      }
      received.merge(hop.to(), 1, Integer::sum);
      List<String> next = new ArrayList<>(hop.tags());
      next.add(hop.to());
      for (String t : Topology.forwardTargets(spec, hop.to(), alive, next, tags)) {
        inFlight.add(new Hop(t, next));
      }
    }
    return received;
  }

  @Test
  void withoutOriginTagsARingLoopsForeverAndWithThemEveryNodeGetsEachChangeOnce() {
    TopologySpec ring = TopologySpec.circular("g", "a", "b", "c", "d");
    Set<String> all = Set.of("a", "b", "c", "d");
    assertEquals(null, spread(ring, "a", all, false), "the change goes round and round");
    assertEquals(Map.of("b", 1, "c", 1, "d", 1), spread(ring, "a", all, true));
  }

  @Test
  void starsAndTreesDeliverEachChangeOnceToEveryNode() {
    Set<String> all = Set.of("r", "x", "y", "z");
    TopologySpec star = TopologySpec.star("g", "r", "x", "y", "z");
    assertEquals(Map.of("r", 1, "y", 1, "z", 1), spread(star, "x", all, true));
    assertEquals(Map.of("x", 1, "y", 1, "z", 1), spread(star, "r", all, true));
    TopologySpec tree = TopologySpec.tree("g", List.of("r", "x", "y", "z"), Map.of("x", "r", "y", "r", "z", "x"));
    assertEquals(Map.of("r", 1, "x", 1, "y", 1), spread(tree, "z", all, true));
    TopologySpec everyone = TopologySpec.allToAll("g", "r", "x", "y", "z");
    assertEquals(Map.of("r", 1, "x", 1, "z", 1), spread(everyone, "y", all, true));
  }

  @Test
  void aRingSkipsADownNodeAndATreeReattachesItsChildren() {
    TopologySpec ring = TopologySpec.circular("g", "a", "b", "c", "d");
    Set<String> withoutB = Set.of("a", "c", "d");
    assertEquals(Map.of("c", 1, "d", 1), spread(ring, "a", withoutB, true));
    assertEquals(List.of("c", "d"), Topology.neighbours(ring, "a", withoutB));

    TopologySpec tree = TopologySpec.tree("g", List.of("r", "x", "y", "z"), Map.of("x", "r", "y", "r", "z", "x"));
    assertEquals(Map.of("y", "r", "z", "r"), Topology.liveParents(tree, Set.of("r", "y", "z")),
        "z hangs from its grandparent when x is down");
    assertEquals(Map.of("r", 1, "y", 1), spread(tree, "z", Set.of("r", "y", "z"), true));
    TopologySpec star = TopologySpec.star("g", "r", "x", "y", "z");
    assertEquals(Map.of("y", "x", "z", "x"), Topology.liveParents(star, Set.of("x", "y", "z")),
        "the first live member becomes the root when the root is down");
    assertEquals(Map.of("x", 1, "z", 1), spread(star, "y", Set.of("x", "y", "z"), true));
  }

  @Test
  void impossibleTopologiesAreRefusedNamingTheProblem() {
    IllegalArgumentException twoRoots = assertThrows(IllegalArgumentException.class,
        () -> TopologySpec.tree("g", List.of("a", "b"), Map.of()));
    assertTrue(twoRoots.getMessage().contains("exactly one member without a parent"), twoRoots.getMessage());
    IllegalArgumentException cycle = assertThrows(IllegalArgumentException.class,
        () -> TopologySpec.tree("g", List.of("r", "a", "b"), Map.of("a", "b", "b", "a")));
    assertTrue(cycle.getMessage().contains("cycle") || cycle.getMessage().contains("root"), cycle.getMessage());
    assertThrows(IllegalArgumentException.class, () -> TopologySpec.circular("g", "a", "a"));
    IllegalArgumentException kind = assertThrows(IllegalArgumentException.class,
        () -> TopologySpec.Kind.parse("replikit.multi-leader.topology", "mesh"));
    assertTrue(kind.getMessage().contains("all-to-all, circular, star or tree"), kind.getMessage());
  }
}
