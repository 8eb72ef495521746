package io.replikit.leaderless.ring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Examples of the ring a user can check by hand: balance, datacenters, hinted stand-ins, and refused input. */
class RingTest {
  private static List<RingNode> nodes(int count, String dc) {
    List<RingNode> nodes = new ArrayList<>();
    for (int i = 1; i <= count; i++) {
      nodes.add(new RingNode(dc + "-n" + i, dc));
    }
    return nodes;
  }

  @Test
  void tenNodesWith64VnodesShareTenThousandKeysWithin35PercentOfFairAsFirstReplica() {
    Ring ring = Ring.of(nodes(10, "dc1"), 64);
    Map<String, Integer> first = new HashMap<>();
    Map<String, Integer> any = new HashMap<>();
    for (int k = 0; k < 10_000; k++) {
      List<RingNode> list = ring.preferenceList("user:" + k, 3);
      first.merge(list.get(0).id(), 1, Integer::sum);
      list.forEach(x -> any.merge(x.id(), 1, Integer::sum));
    }
    // A node's share spreads by about 1/sqrt(64) = 12.5% of fair; 35% is close to three of those. Being any of the
    // three replicas averages over three arcs, so it spreads less: 20%. (Seen here: 796..1145 and 2766..3231.)
    for (RingNode node : ring.nodes()) {
      int f = first.getOrDefault(node.id(), 0);
      int a = any.getOrDefault(node.id(), 0);
      assertTrue(f > 650 && f < 1350, node.id() + " is first replica of " + f + " keys, fair 1000");
      assertTrue(a > 2400 && a < 3600, node.id() + " is a replica of " + a + " keys, fair 3000");
    }
  }

  @Test
  void tokensAndListsAreFixedAcrossJvms() {
    // MD5 of the key's UTF-8 bytes, first 8 bytes big-endian: a value any JVM (or any language) recomputes.
    Ring ring = Ring.of(nodes(5, "dc1"), 8);
    assertEquals(0x5d41402abc4b2a76L, ring.token("hello"));
    assertEquals(ring.preferenceList("hello", 3), Ring.of(nodes(5, "dc1"), 8).preferenceList("hello", 3));
  }

  @Test
  void twoDatacentersGetTheirOwnReplicasInNameOrder() {
    List<RingNode> all = new ArrayList<>(nodes(4, "east"));
    all.addAll(nodes(3, "west"));
    Ring ring = Ring.of(all, 16);
    for (int k = 0; k < 200; k++) {
      List<RingNode> list = ring.preferenceList("cart:" + k, Map.of("west", 2, "east", 3));
      assertEquals(5, list.size());
      assertEquals(List.of("east", "east", "east", "west", "west"),
          list.stream().map(RingNode::datacenter).toList());
      assertEquals(5, Set.copyOf(list).size());
    }
    // Asking more of a datacenter than it has gives all it has.
    assertEquals(3, ring.preferenceList("k", Map.of("west", 5)).size());
    assertEquals(List.of(), ring.preferenceList("k", Map.of("west", 0)));
  }

  @Test
  void aDownHomeIsReplacedByTheNextUpNodeWithAHint() {
    Ring ring = Ring.of(nodes(5, "dc1"), 16);
    List<RingNode> walk = ring.preferenceList("k", 5);
    String downHome = walk.get(1).id();
    List<Placement> sloppy = ring.sloppyPreferenceList("k", 3, id -> !id.equals(downHome));
    assertEquals(List.of(new Placement(walk.get(0), null), new Placement(walk.get(3), downHome),
        new Placement(walk.get(2), null)), sloppy);
    // Only two nodes up: two placements, fewer than n.
    Set<String> up = Set.of(walk.get(2).id(), walk.get(4).id());
    List<Placement> few = ring.sloppyPreferenceList("k", 3, up::contains);
    assertEquals(List.of(new Placement(walk.get(4), walk.get(0).id()), new Placement(walk.get(2), null)), few);
  }

  @Test
  void aStandInComesFromTheDownNodesOwnDatacenter() {
    List<RingNode> all = new ArrayList<>(nodes(3, "east"));
    all.addAll(nodes(3, "west"));
    Ring ring = Ring.of(all, 16);
    RingNode westHome = ring.preferenceList("k", Map.of("west", 1)).get(0);
    List<Placement> sloppy = ring.sloppyPreferenceList("k", Map.of("east", 1, "west", 1),
        id -> !id.equals(westHome.id()));
    assertEquals(2, sloppy.size());
    assertEquals("west", sloppy.get(1).node().datacenter());
    assertEquals(westHome.id(), sloppy.get(1).homeFor());
  }

  @Test
  void aRingOfOneVnodeIsOneArcCoveringEverything() {
    Ring ring = Ring.of(List.of(new RingNode("solo", "dc1")), 1);
    TokenRange arc = ring.rangeOf("anything").orElseThrow();
    assertEquals(List.of(arc), ring.ranges());
    assertEquals(List.of(arc), ring.rangesOf("solo", 3));
    assertTrue(arc.contains(Long.MIN_VALUE) && arc.contains(Long.MAX_VALUE) && arc.contains(0));
    Ring empty = ring.without("solo");
    assertEquals(Optional.empty(), empty.rangeOf("anything"));
    assertEquals(List.of(), empty.preferenceList("anything", 3));
  }

  @Test
  void tokenRangesWrapWhenTheStartIsNotBeforeTheEnd() {
    TokenRange plain = new TokenRange(10, 20);
    assertTrue(plain.contains(11) && plain.contains(20));
    assertTrue(!plain.contains(10) && !plain.contains(21));
    TokenRange wrapping = new TokenRange(Long.MAX_VALUE - 1, Long.MIN_VALUE + 1);
    assertTrue(wrapping.contains(Long.MAX_VALUE) && wrapping.contains(Long.MIN_VALUE)
        && wrapping.contains(Long.MIN_VALUE + 1));
    assertTrue(!wrapping.contains(Long.MAX_VALUE - 1) && !wrapping.contains(0));
  }

  @Test
  void badInputIsRefusedWithAMessageNamingWhatIsWrong() {
    List<RingNode> three = nodes(3, "dc1");
    Ring ring = Ring.of(three, 4);
    refused("duplicate node id 'dc1-n1'", () -> Ring.of(List.of(three.get(0), new RingNode("dc1-n1", "dc2")), 4));
    refused("vnodesPerNode must be at least 1, was 0", () -> Ring.of(three, 0));
    refused("no nodes", () -> Ring.of(List.of(), 4));
    refused("RingNode id must not be blank", () -> new RingNode(" ", "dc1"));
    refused("RingNode datacenter must not be blank (node 'a')", () -> new RingNode("a", ""));
    refused("node id 'dc1-n2' is already in the ring", () -> ring.with(new RingNode("dc1-n2", "dc9")));
    refused("no node 'ghost' in the ring", () -> ring.without("ghost"));
    refused("no node 'ghost' in the ring", () -> ring.rangesOf("ghost", 3));
    refused("replication factor n must be at least 1, was 0", () -> ring.preferenceList("k", 0));
    refused("replication factor n must be at least 1, was -1", () -> ring.sloppyPreferenceList("k", -1, id -> true));
    refused("unknown datacenter 'mars' (the ring has [dc1])", () -> ring.preferenceList("k", Map.of("mars", 1)));
    refused("unknown datacenter 'mars'", () -> ring.sloppyPreferenceList("k", Map.of("mars", 1), id -> true));
    refused("replicas for datacenter 'dc1' must be at least 0, was -2",
        () -> ring.preferenceList("k", Map.of("dc1", -2)));
  }

  private static void refused(String message, Executable call) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::execute);
    assertTrue(e.getMessage().contains(message), "expected '" + message + "' in '" + e.getMessage() + "'");
  }

  @FunctionalInterface
  interface Executable {
    void execute();
  }
}
