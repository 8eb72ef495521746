package io.replikit.multileader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Each conflict strategy on a real conflict: two leaders cut off from each other both write one key, then the
 * link heals. Every replica ends the same, and the conflict is detected by version vector, never by clock.
 */
class ConflictResolutionTest {
  private static ActorTestKit kit;

  @BeforeAll
  static void start() {
    kit = ActorTestKit.create("conflicts", MlGroup.testConfig());
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  /** a and b write {@code key} while partitioned (a first, b a moment later in real time), then heal. */
  private static MlGroup conflict(ConflictPolicy policy, JsonNode fromA, JsonNode fromB, long skewOfA) {
    MlGroup g = new MlGroup(kit, TopologySpec.Kind.ALL_TO_ALL, policy, 11, "a", "b");
    g.clockSkew.computeIfAbsent("a", n -> new java.util.concurrent.atomic.AtomicLong()).set(skewOfA);
    g.startAll();
    g.transport.partition(Set.of(g.id("a")), Set.of(g.id("b")));
    g.put("a", "k", fromA);
    g.put("b", "k", fromB);
    g.transport.heal();
    g.awaitConverged();
    return g;
  }

  @Test
  void lastWriteWinsKeepsTheHigherTimestampAndCountsTheWriteItThrewAway() {
    // a's wall clock runs 10 s ahead: its write wins although b wrote later, and b's write is lost
    try (MlGroup g = conflict(ConflictPolicy.lastWriteWins(), MlGroup.json("from-a"), MlGroup.json("from-b"),
        10_000)) {
      for (String r : List.of("a", "b")) {
        assertEquals("from-a", g.get(r, "k").value().asText());
        assertEquals(1, g.status(r).conflicts(), r + " detected the conflict");
        assertEquals(1, g.status(r).discarded(), r + " threw one write away");
        assertEquals(java.util.Map.of("last-write-wins", 1L), g.status(r).conflictsByResolution(),
            r + " counts it by its resolution");
        assertEquals("a", g.status(r).recentConflicts().get(0).winner(), "a's write won on " + r);
      }
      assertTrue(g.recorder.conflicts.stream().allMatch(c -> c.strategy().equals("last-write-wins")));
    }
  }

  @Test
  void writesInCausalOrderNeverConflictWhateverTheClocksSay() {
    try (MlGroup g = new MlGroup(kit, TopologySpec.Kind.ALL_TO_ALL, ConflictPolicy.lastWriteWins(), 12, "a", "b")) {
      g.clockSkew.computeIfAbsent("a", n -> new java.util.concurrent.atomic.AtomicLong()).set(10_000);
      g.startAll();
      g.put("a", "k", "first");
      kit.createTestProbe().awaitAssert(MlGroup.WAIT, () -> {
        assertEquals("first", g.get("b", "k").value().asText());
        return null;
      });
      g.put("b", "k", "second"); // b's clock is 10 s behind, but b saw "first": this write follows it
      g.awaitConverged();
      assertEquals("second", g.get("a", "k").value().asText());
      assertEquals(0, g.status("a").conflicts() + g.status("b").conflicts());
    }
  }

  @Test
  void replicaPriorityShowsTheHigherReplicasWrite() {
    ConflictPolicy policy = ConflictPolicy.of(new ConflictStrategy.ReplicaPriority(List.of("b", "a")));
    try (MlGroup g = conflict(policy, MlGroup.json("from-a"), MlGroup.json("from-b"), 10_000)) {
      for (String r : List.of("a", "b")) {
        assertEquals("from-b", g.get(r, "k").value().asText(), "b outranks a, whatever the clocks");
        assertEquals(0, g.status(r).discarded());
      }
    }
  }

  @Test
  void aMergeFunctionCombinesTheConcurrentValues() {
    ConflictPolicy policy = ConflictPolicy.lastWriteWins().forKeys("k", new ConflictStrategy.Merge((x, y) -> {
      TreeSet<String> union = new TreeSet<>();
      x.forEach(e -> union.add(e.asText()));
      y.forEach(e -> union.add(e.asText()));
      ArrayNode out = JsonNodeFactory.instance.arrayNode();
      union.forEach(out::add);
      return out;
    }));
    ArrayNode fromA = JsonNodeFactory.instance.arrayNode().add("milk");
    ArrayNode fromB = JsonNodeFactory.instance.arrayNode().add("eggs");
    try (MlGroup g = conflict(policy, fromA, fromB, 0)) {
      for (String r : List.of("a", "b")) {
        assertEquals("[\"eggs\",\"milk\"]", g.get(r, "k").value().toString());
      }
    }
  }

  @Test
  void siblingsAreReturnedTogetherAndTheApplicationsNextWriteResolvesThem() {
    try (MlGroup g = conflict(ConflictPolicy.of(ConflictStrategy.keepSiblings()), MlGroup.json("from-a"),
        MlGroup.json("from-b"), 0)) {
      MultiLeaderReplica.Value v = g.get("b", "k");
      assertNull(v.value(), "no single value: the application decides");
      assertEquals(Set.of("from-a", "from-b"), Set.of(v.siblings().get(0).asText(), v.siblings().get(1).asText()));
      assertEquals(List.of("a:1", "b:1"), v.versions());
      g.put("a", "k", "from-a and from-b"); // a has seen both: this write supersedes them
      g.awaitConverged();
      MultiLeaderReplica.Value resolved = g.get("b", "k");
      assertEquals("from-a and from-b", resolved.value().asText());
      assertEquals(List.of("a:2"), resolved.versions());
    }
  }

  @Test
  void aResolverOnWriteIsCalledWhenTheConflictIsDetectedOnEveryReplica() {
    AtomicInteger calls = new AtomicInteger();
    ConflictPolicy policy = ConflictPolicy.of(new ConflictStrategy.OnWrite((key, versions) -> {
      calls.incrementAndGet();
      TreeSet<String> values = new TreeSet<>();
      versions.forEach(v -> values.add(v.value().asText()));
      return JsonNodeFactory.instance.textNode(String.join("+", values));
    }));
    try (MlGroup g = conflict(policy, MlGroup.json("from-a"), MlGroup.json("from-b"), 0)) {
      for (String r : List.of("a", "b")) {
        assertEquals("from-a+from-b", g.get(r, "k").value().asText());
      }
      assertEquals(2, calls.get(), "once on each replica that detected it");
    }
  }

  @Test
  void aDeleteConcurrentWithAnUpdateIsAConflictNotAResurrection() {
    try (MlGroup g = new MlGroup(kit, TopologySpec.Kind.ALL_TO_ALL, ConflictPolicy.of(ConflictStrategy.keepSiblings()),
        13, "a", "b").startAll()) {
      g.put("a", "k", "v1");
      g.awaitConverged();
      g.transport.partition(Set.of(g.id("a")), Set.of(g.id("b")));
      akka.actor.testkit.typed.javadsl.TestProbe<MultiLeaderReplica.WriteReply> probe = kit.createTestProbe();
      g.ref("a").tell(new MultiLeaderReplica.Delete("k", probe.getRef()));
      probe.receiveMessage(MlGroup.WAIT);
      g.put("b", "k", "v2");
      g.transport.heal();
      g.awaitConverged();
      MultiLeaderReplica.Value v = g.get("a", "k");
      assertEquals(List.of("a:2", "b:1"), v.versions(), "the tombstone and the update are both kept");
      assertEquals(List.of("v2"), v.siblings().stream().map(JsonNode::asText).toList());
    }
  }
}
