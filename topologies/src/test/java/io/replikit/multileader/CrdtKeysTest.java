package io.replikit.multileader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.replikit.crdt.Crdt;
import io.replikit.crdt.MvRegister;
import io.replikit.crdt.OrMap;
import io.replikit.crdt.PNCounter;
import io.replikit.crdt.Rga;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * CRDT-valued keys on multi-leader groups: counters, a calendar on three devices that work offline, and a text two
 * users edit at once. Concurrent updates are merged, never lost, and every replica ends the same.
 */
class CrdtKeysTest {
  private static ActorTestKit kit;

  @BeforeAll
  static void start() {
    kit = ActorTestKit.create("crdt-keys", MlGroup.testConfig());
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  private static MultiLeaderReplica.WriteReply update(MlGroup g, String leader, String key,
      MultiLeaderReplica.CrdtUpdate update) {
    TestProbe<MultiLeaderReplica.WriteReply> probe = kit.createTestProbe();
    g.ref(leader).tell(new MultiLeaderReplica.UpdateCrdt(key, update, probe.getRef()));
    return probe.receiveMessage(MlGroup.WAIT);
  }

  private static void isolateEachOther(MlGroup g, String... leaders) {
    for (String a : leaders) {
      for (String b : leaders) {
        if (!a.equals(b)) {
          g.transport.block(g.id(a), g.id(b));
        }
      }
    }
  }

  @Test
  void concurrentIncrementsAtEveryLeaderAreAllCounted() {
    try (MlGroup g = new MlGroup(kit, TopologySpec.Kind.CIRCULAR, ConflictPolicy.lastWriteWins(), 31, "a", "b", "c")
        .startAll()) {
      isolateEachOther(g, "a", "b", "c");
      for (String leader : List.of("a", "b", "c")) {
        for (int i = 0; i < 5; i++) {
          assertInstanceOf(MultiLeaderReplica.Written.class, update(g, leader, "likes", (current, replica, clock) ->
              (current == null ? PNCounter.empty() : (PNCounter) current).increment(replica, 1)));
        }
      }
      assertEquals(5, g.get("a", "likes").value().asInt(), "a counts its own while cut off");
      g.transport.heal();
      g.awaitConverged();
      for (String r : List.of("a", "b", "c")) {
        assertEquals(15, g.get(r, "likes").value().asInt(), "every increment counted on " + r);
        assertEquals(0, g.status(r).discarded());
      }
      assertTrue(g.recorder.conflicts.stream().anyMatch(c -> c.strategy().equals("crdt:pn-counter")
          && c.outcome().contains("nothing lost")), "the concurrent increments were seen as concurrent");
    }
  }

  @Test
  void aCalendarOnThreeDevicesThatWorkOfflineSyncsWithoutLosingAnEvent() {
    // each device is a leader; the calendar is a map of event id -> multi-value register of the event's details
    try (MlGroup g = new MlGroup(kit, TopologySpec.Kind.ALL_TO_ALL, ConflictPolicy.lastWriteWins(), 32, "phone",
        "laptop", "tablet").startAll()) {
      String cal = "calendar:ada";
      update(g, "phone", cal, (cur, r, clock) -> calendar(cur).update("standup", MvRegister::empty,
          e -> e.assign(r, JsonNodeFactory.instance.textNode("09:00 standup"))));
      g.awaitConverged();
      isolateEachOther(g, "phone", "laptop", "tablet"); // all three offline
      update(g, "phone", cal, (cur, r, clock) -> calendar(cur).update("dentist", MvRegister::empty,
          e -> e.assign(r, JsonNodeFactory.instance.textNode("14:00 dentist"))));
      update(g, "laptop", cal, (cur, r, clock) -> calendar(cur).update("standup", MvRegister::empty,
          e -> e.assign(r, JsonNodeFactory.instance.textNode("09:30 standup (moved)"))));
      update(g, "tablet", cal, (cur, r, clock) -> calendar(cur).remove("standup"));
      update(g, "tablet", cal, (cur, r, clock) -> calendar(cur).update("gym", MvRegister::empty,
          e -> e.assign(r, JsonNodeFactory.instance.textNode("18:00 gym"))));
      g.transport.heal();
      g.awaitConverged();
      String expected = "{\"dentist\":[\"14:00 dentist\"],\"gym\":[\"18:00 gym\"],"
          + "\"standup\":[\"09:30 standup (moved)\"]}";
      for (String device : List.of("phone", "laptop", "tablet")) {
        assertEquals(expected, g.get(device, cal).value().toString(),
            device + ": every event kept, and the move made offline survives the concurrent delete (add wins)");
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static OrMap<MvRegister> calendar(Crdt<?> current) {
    return current == null ? OrMap.empty() : (OrMap<MvRegister>) current;
  }

  @Test
  void aDocumentEditedConcurrentlyByTwoUsersConvergesWithoutInterleavingTheirWords() {
    try (MlGroup g = new MlGroup(kit, TopologySpec.Kind.ALL_TO_ALL, ConflictPolicy.lastWriteWins(), 33, "alice",
        "bob").startAll()) {
      String doc = "doc:notes";
      update(g, "alice", doc, (cur, r, clock) -> text(cur).insert(r, 0, "Meeting: "));
      g.awaitConverged();
      g.transport.partition(Set.of(g.id("alice")), Set.of(g.id("bob")));
      update(g, "alice", doc, (cur, r, clock) -> text(cur).insert(r, text(cur).value().length(), "budget"));
      update(g, "bob", doc, (cur, r, clock) -> text(cur).insert(r, text(cur).value().length(), "hiring"));
      update(g, "bob", doc, (cur, r, clock) -> text(cur).delete(0, "Meeting".length())); // bob retitles
      update(g, "bob", doc, (cur, r, clock) -> text(cur).insert(r, 0, "Agenda"));
      g.transport.heal();
      g.awaitConverged();
      String text = g.get("alice", doc).value().asText();
      assertEquals(text, g.get("bob", doc).value().asText());
      assertTrue(text.equals("Agenda: budgethiring") || text.equals("Agenda: hiringbudget"),
          "both users' words are kept whole, and bob's retitle applies: " + text);
    }
  }

  private static Rga text(Crdt<?> current) {
    return current == null ? Rga.empty() : (Rga) current;
  }

  @Test
  void anUpdateOfTheWrongKindIsRefusedNamingBoth() {
    try (MlGroup g = new MlGroup(kit, TopologySpec.Kind.ALL_TO_ALL, ConflictPolicy.lastWriteWins(), 34, "a", "b")
        .startAll()) {
      update(g, "a", "k", (cur, r, clock) -> PNCounter.empty().increment(r, 1));
      MultiLeaderReplica.WriteReply refused = update(g, "a", "k", (cur, r, clock) -> Rga.empty().insert(r, 0, "x"));
      assertTrue(((MultiLeaderReplica.WriteRejected) refused).reason().contains("holds a pn-counter"),
          refused.toString());
    }
  }
}
