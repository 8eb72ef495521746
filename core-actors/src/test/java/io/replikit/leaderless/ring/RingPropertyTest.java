package io.replikit.leaderless.ring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** Laws of the ring, on random memberships: placement is a function of membership, and changes move little. */
class RingPropertyTest {
  private static final List<String> DCS = List.of("dc-a", "dc-b", "dc-c");

  private static List<RingNode> randomNodes(Random r, int count) {
    List<RingNode> nodes = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      nodes.add(new RingNode("node-" + r.nextInt(1_000_000) + "-" + i, DCS.get(r.nextInt(DCS.size()))));
    }
    return nodes;
  }

  private static List<String> keys(Random r, int count) {
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      keys.add("key-" + r.nextLong());
    }
    return keys;
  }

  @Property(seed = "20261202", tries = 100)
  void preferenceListsHoldNDistinctNodesWhateverOrderTheRingWasBuiltIn(@ForAll long seed,
      @ForAll @IntRange(min = 1, max = 12) int size, @ForAll @IntRange(min = 1, max = 5) int n) {
    Random r = new Random(seed);
    List<RingNode> nodes = randomNodes(r, size);
    int vnodes = 1 + r.nextInt(32);
    Ring ring = Ring.of(nodes, vnodes);
    List<RingNode> shuffled = new ArrayList<>(nodes);
    Collections.shuffle(shuffled, r);
    Ring other = Ring.of(shuffled, vnodes);
    assertEquals(ring, other);
    for (String key : keys(r, 50)) {
      List<RingNode> list = ring.preferenceList(key, n);
      assertEquals(Math.min(n, size), list.size(), "list " + list);
      assertEquals(list.size(), new HashSet<>(list).size(), "distinct nodes in " + list);
      assertEquals(list, other.preferenceList(key, n));
      // Lists of different n are prefixes of each other: the walk is the same.
      assertEquals(list, ring.preferenceList(key, size).subList(0, list.size()));
    }
  }

  @Property(seed = "20261202", tries = 100)
  void aJoiningNodeMovesOnlyKeysWhoseListGainsIt(@ForAll long seed,
      @ForAll @IntRange(min = 1, max = 10) int size, @ForAll @IntRange(min = 1, max = 4) int n) {
    Random r = new Random(seed);
    Ring before = Ring.of(randomNodes(r, size), 16);
    RingNode joiner = new RingNode("joiner", DCS.get(r.nextInt(DCS.size())));
    Ring after = before.with(joiner);
    assertEquals(before, after.without("joiner"), "leaving undoes joining");
    for (String key : keys(r, 100)) {
      List<RingNode> old = before.preferenceList(key, n);
      List<RingNode> now = after.preferenceList(key, n);
      if (!now.contains(joiner)) {
        assertEquals(old, now, "a list without the joiner must not change, key " + key);
      } else {
        // The joiner slots in; everyone else keeps their order, and only the last home (if any) drops out.
        List<RingNode> others = now.stream().filter(x -> !x.equals(joiner)).toList();
        assertEquals(old.subList(0, others.size()), others, "key " + key);
      }
    }
  }

  @Property(seed = "20261202", tries = 50)
  void aJoiningNodeTakesRoughlyOneNthOfTheFirstReplicas(@ForAll long seed,
      @ForAll @IntRange(min = 2, max = 9) int size) {
    Random r = new Random(seed);
    Ring before = Ring.of(randomNodes(r, size), 64);
    RingNode joiner = new RingNode("joiner", "dc-a");
    Ring after = before.with(joiner);
    List<String> keys = keys(r, 2_000);
    int moved = 0;
    for (String key : keys) {
      RingNode first = after.preferenceList(key, 1).get(0);
      if (!first.equals(before.preferenceList(key, 1).get(0))) {
        assertEquals(joiner, first, "a first replica only ever moves to the joiner");
        moved++;
      }
    }
    double share = (double) moved / keys.size();
    double fair = 1.0 / (size + 1);
    // 64 vnodes give a node's share a relative spread of about 1/sqrt(64) = 12.5%; half to double is ~4 sigma.
    assertTrue(share > fair / 2 && share < fair * 2, "joiner took " + share + " of first replicas, fair " + fair);
  }

  @Property(seed = "20261202", tries = 100)
  void perDatacenterListsHonourEachCountInDatacenterThenRingOrder(@ForAll long seed,
      @ForAll @IntRange(min = 1, max = 12) int size) {
    Random r = new Random(seed);
    Ring ring = Ring.of(randomNodes(r, size), 8);
    Map<String, Integer> ask = new TreeMap<>();
    for (String dc : ring.datacenters()) {
      ask.put(dc, r.nextInt(4));
    }
    for (String key : keys(r, 30)) {
      List<RingNode> all = ring.preferenceList(key, size);
      List<RingNode> expected = new ArrayList<>();
      ask.forEach((dc, count) -> expected.addAll(
          all.stream().filter(x -> x.datacenter().equals(dc)).limit(count).toList()));
      List<RingNode> list = ring.preferenceList(key, ask);
      assertEquals(expected, list);
      for (String dc : ask.keySet()) {
        long inDc = ring.nodes().stream().filter(x -> x.datacenter().equals(dc)).count();
        assertEquals(Math.min(ask.get(dc), inDc), list.stream().filter(x -> x.datacenter().equals(dc)).count());
      }
    }
  }

  @Property(seed = "20261202", tries = 200)
  void sloppyListsStandInOnlyForDownHomesAndNeverPickANodeTwice(@ForAll long seed,
      @ForAll @IntRange(min = 1, max = 10) int size, @ForAll @IntRange(min = 1, max = 5) int n) {
    Random r = new Random(seed);
    Ring ring = Ring.of(randomNodes(r, size), 8);
    Set<String> down = ring.nodes().stream().filter(x -> r.nextInt(3) == 0).map(RingNode::id)
        .collect(Collectors.toSet());
    Predicate<String> up = id -> !down.contains(id);
    for (String key : keys(r, 20)) {
      List<RingNode> homes = ring.preferenceList(key, n);
      List<Placement> sloppy = ring.sloppyPreferenceList(key, n, up);
      checkSloppy(homes, sloppy, up, ring.preferenceList(key, size), ring.nodes());
      // Everyone up: the sloppy list is the home list.
      assertEquals(homes.stream().map(h -> new Placement(h, null)).toList(),
          ring.sloppyPreferenceList(key, n, id -> true));
    }
  }

  @Property(seed = "20261202", tries = 100)
  void sloppyPerDatacenterListsTakeStandInsFromTheDownNodesOwnDatacenter(@ForAll long seed,
      @ForAll @IntRange(min = 1, max = 12) int size) {
    Random r = new Random(seed);
    Ring ring = Ring.of(randomNodes(r, size), 8);
    Map<String, Integer> ask = new TreeMap<>();
    for (String dc : ring.datacenters()) {
      ask.put(dc, 1 + r.nextInt(3));
    }
    Set<String> down = ring.nodes().stream().filter(x -> r.nextInt(3) == 0).map(RingNode::id)
        .collect(Collectors.toSet());
    Predicate<String> up = id -> !down.contains(id);
    for (String key : keys(r, 20)) {
      List<Placement> sloppy = ring.sloppyPreferenceList(key, ask, up);
      List<Placement> expected = new ArrayList<>();
      ask.forEach((dc, count) -> {
        Ring dcOnly = Ring.of(ring.nodes().stream().filter(x -> x.datacenter().equals(dc)).toList(), 8);
        expected.addAll(dcOnly.sloppyPreferenceList(key, count, up));
      });
      // A datacenter's list is what a ring of that datacenter alone would choose: its own walk, its own stand-ins.
      assertEquals(expected, sloppy);
      for (Placement p : sloppy) {
        if (p.isHint()) {
          String homeDc = ring.nodes().stream().filter(x -> x.id().equals(p.homeFor())).findFirst().orElseThrow()
              .datacenter();
          assertEquals(homeDc, p.node().datacenter(), "stand-in " + p);
        }
      }
    }
  }

  static void checkSloppy(List<RingNode> homes, List<Placement> sloppy, Predicate<String> up,
      List<RingNode> walk, Set<RingNode> all) {
    Set<RingNode> chosen = new HashSet<>();
    Set<String> covered = new HashSet<>();
    for (Placement p : sloppy) {
      assertTrue(chosen.add(p.node()), "picked twice: " + p.node() + " in " + sloppy);
      assertTrue(up.test(p.node().id()), "a down node was chosen: " + p);
      if (p.homeFor() == null) {
        assertTrue(homes.contains(p.node()), "not a home yet no hint: " + p);
      } else {
        assertFalse(homes.contains(p.node()), "a home standing in for another: " + p);
        assertFalse(up.test(p.homeFor()), "standing in for a home that is up: " + p);
        assertTrue(homes.stream().anyMatch(h -> h.id().equals(p.homeFor())), "not a home: " + p.homeFor());
        assertTrue(covered.add(p.homeFor()), "two stand-ins for " + p.homeFor());
      }
    }
    for (RingNode h : homes) {
      if (up.test(h.id())) {
        assertTrue(sloppy.contains(new Placement(h, null)), "an up home is missing: " + h);
      }
    }
    // Stand-ins are the first up non-homes clockwise, and there are as many as up nodes allow.
    List<RingNode> candidates = walk.stream().filter(x -> up.test(x.id()) && !homes.contains(x)).toList();
    List<RingNode> standIns = sloppy.stream().filter(Placement::isHint).map(Placement::node).toList();
    assertEquals(candidates.subList(0, standIns.size()), standIns);
    long upCount = all.stream().filter(x -> up.test(x.id())).count();
    assertEquals(Math.min(homes.size(), upCount), sloppy.size(), "size of " + sloppy);
  }

  @Property(seed = "20261202", tries = 60)
  void rangesOfANodeHoldExactlyTheKeysWhoseListHasIt(@ForAll long seed,
      @ForAll @IntRange(min = 1, max = 8) int size, @ForAll @IntRange(min = 1, max = 4) int n) {
    Random r = new Random(seed);
    Ring ring = Ring.of(randomNodes(r, size), 1 + r.nextInt(16));
    List<TokenRange> arcs = ring.ranges();
    assertEquals(size * ring.vnodesPerNode(), arcs.size(), "one arc per vnode (no token collisions here)");
    Map<RingNode, List<TokenRange>> byNode = new TreeMap<>((a, b) -> a.id().compareTo(b.id()));
    for (RingNode node : ring.nodes()) {
      byNode.put(node, ring.rangesOf(node.id(), n));
    }
    List<Long> probes = new ArrayList<>();
    for (String key : keys(r, 200)) {
      probes.add(ring.token(key));
    }
    // The arc ends themselves and their neighbours, where an off-by-one would show.
    for (TokenRange arc : arcs) {
      probes.add(arc.endInclusive());
      probes.add(arc.endInclusive() + 1);
    }
    for (String key : keys(r, 200)) {
      long t = ring.token(key);
      TokenRange arc = ring.rangeOf(key).orElseThrow();
      assertTrue(arc.contains(t), arc + " must contain " + t);
      assertEquals(1, arcs.stream().filter(a -> a.contains(t)).count(), "arcs partition the ring");
      assertTrue(arcs.contains(arc));
      List<RingNode> list = ring.preferenceList(key, n);
      assertEquals(list, ring.preferenceListAt(t, n));
      byNode.forEach((node, ranges) -> assertEquals(list.contains(node),
          ranges.stream().anyMatch(a -> a.contains(t)), node + " and key " + key + " with list " + list));
    }
    for (long t : probes) {
      assertEquals(1, arcs.stream().filter(a -> a.contains(t)).count(), "token " + t + " in exactly one arc");
      // A token on an arc's end belongs to that arc: the coordinator and anti-entropy agree on the boundary.
      List<RingNode> list = ring.preferenceListAt(t, n);
      byNode.forEach((node, ranges) -> assertEquals(list.contains(node),
          ranges.stream().anyMatch(a -> a.contains(t)), node + " and token " + t + " with list " + list));
    }
    // Each arc has min(n, size) home nodes.
    int total = byNode.values().stream().mapToInt(List::size).sum();
    assertEquals(arcs.size() * Math.min(n, size), total);
  }

  @Property(seed = "20261203", tries = 60)
  void perDatacenterRangesOfANodeHoldExactlyTheKeysWhosePerDatacenterListHasIt(@ForAll long seed,
      @ForAll @IntRange(min = 1, max = 8) int size, @ForAll @IntRange(min = 0, max = 3) int perDc) {
    Random r = new Random(seed);
    Ring ring = Ring.of(randomNodes(r, size), 1 + r.nextInt(16));
    Map<String, Integer> dcs = new TreeMap<>();
    ring.datacenters().forEach(dc -> dcs.put(dc, perDc));
    List<Long> probes = new ArrayList<>();
    for (String key : keys(r, 200)) {
      probes.add(ring.token(key));
      assertEquals(ring.preferenceList(key, dcs), ring.preferenceListAt(ring.token(key), dcs), key);
    }
    ring.ranges().forEach(arc -> {
      probes.add(arc.endInclusive());
      probes.add(arc.endInclusive() + 1);
    });
    for (RingNode node : ring.nodes()) {
      List<TokenRange> ranges = ring.rangesOf(node.id(), dcs);
      for (long t : probes) {
        assertEquals(ring.preferenceListAt(t, dcs).contains(node), ranges.stream().anyMatch(a -> a.contains(t)),
            node + " and token " + t);
      }
    }
  }
}
