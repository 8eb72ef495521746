package io.replikit.crdt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.serialization.Serialization;
import akka.serialization.SerializationExtension;
import akka.serialization.Serializers;
import akka.serialization.jackson.JacksonCborSerializer;
import akka.serialization.jackson.JacksonJsonSerializer;
import akka.serialization.jackson.JacksonObjectMapperProvider;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import io.replikit.serialization.JournalEvent;
import io.replikit.serialization.WireMessage;
import io.replikit.versioning.HlcTimestamp;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Every CRDT reads back equal from JSON through a plain Jackson mapper, from a field typed {@code Crdt} (as a log
 * entry holds a delta), and through Akka's own mappers and serializers: JSON as in the journal, CBOR as on the wire.
 */
class CrdtJsonTest {
  private static final ObjectMapper PLAIN = new ObjectMapper();
  private static final ActorTestKit KIT = ActorTestKit.create("crdt-json");

  @AfterAll
  static void stop() {
    KIT.shutdownTestKit();
  }

  /** What a replicated log entry carrying a delta looks like to the journal. */
  public record LoggedDelta(String key, Crdt<?> delta) implements JournalEvent {}

  /** And to the wire. */
  public record ShippedDelta(String key, Crdt<?> delta) implements WireMessage {}

  private static List<Crdt<?>> samples() {
    long seed = 20261122L;
    return List.of(
        GCounter.empty(),
        Workloads.gCounter(seed).all(),
        Workloads.pnCounter(seed).all(),
        Workloads.awORSet(seed).all(),
        Workloads.awORSet(seed).deltas.get(3),
        LwwRegister.empty(),
        Workloads.lwwRegister(seed).all(),
        LwwRegister.empty().assign(JsonNodeFactory.instance.objectNode().put("title", "standup").put("at", 9),
            new HlcTimestamp(1700000000000L, 2, "r:with:colons")),
        Workloads.mvRegister(seed).all(),
        Workloads.rga(seed).all(),
        Workloads.resettableCounter(seed).all(),
        Workloads.mapOfSets(seed).all(),
        Workloads.mapOfCounters(seed).all(),
        Workloads.mapOfMapsOfRegisters(seed).all(),
        Workloads.mapOfTexts(seed).all(),
        // a state with gaps in its context (a cloud), as out-of-order delivery leaves
        Replicas.mergeAll(AwORSet.empty(), Workloads.awORSet(seed).deltas.subList(5, 9)));
  }

  @Test
  void everyTypeReadsBackEqualFromPlainJackson() throws Exception {
    for (Crdt<?> crdt : samples()) {
      String json = PLAIN.writerFor(Crdt.class).writeValueAsString(crdt);
      assertEquals(crdt, PLAIN.readValue(json, Crdt.class), json);
      assertEquals(crdt, PLAIN.readValue(PLAIN.writeValueAsString(crdt), crdt.getClass()), json);
      LoggedDelta entry = new LoggedDelta("k", crdt);
      assertEquals(entry, PLAIN.readValue(PLAIN.writeValueAsString(entry), LoggedDelta.class));
    }
  }

  @Test
  void deltasAreSmallReadableJson() throws Exception {
    AwORSet set = AwORSet.empty();
    set = set.merge(set.add("r1", "apple"));
    assertEquals("{\"crdt\":\"aw-set\",\"entries\":{\"r1:2\":\"pear\"},\"context\":{\"cloud\":[\"r1:2\"]}}",
        PLAIN.writeValueAsString(set.add("r1", "pear")));
    assertEquals("{\"crdt\":\"aw-set\",\"context\":{\"vv\":{\"r1\":1}}}",
        PLAIN.writeValueAsString(set.remove("apple")));
    assertEquals("{\"crdt\":\"pn-counter\",\"decrements\":{\"r2\":4}}",
        PLAIN.writeValueAsString(PNCounter.empty().decrement("r2", 4)));
    assertEquals("{\"crdt\":\"rga\",\"nodes\":{\"1@r1\":{\"element\":\"h\"},\"2@r1\":{\"after\":\"1@r1\",\"element\":"
        + "\"i\"}}}", PLAIN.writeValueAsString(Rga.empty().insert("r1", 0, "hi")));
    assertEquals("{\"crdt\":\"mv-register\",\"versions\":{\"r1:1\":\"x\"},\"context\":{\"vv\":{\"r1\":1}}}",
        PLAIN.writeValueAsString(MvRegister.empty().assign("r1", TextNode.valueOf("x"))));
    OrMap<AwORSet> map = OrMap.empty();
    assertEquals("{\"crdt\":\"or-map\",\"entries\":{\"cart\":{\"crdt\":\"aw-set\",\"entries\":{\"r1:1\":\"milk\"}}},"
        + "\"context\":{\"vv\":{\"r1\":1}}}",
        PLAIN.writeValueAsString(map.update("cart", AwORSet::empty, s -> s.add("r1", "milk"))));
  }

  @Test
  void aDotThatIsNotOneIsRefused() {
    assertThrows(Exception.class, () -> PLAIN.readValue(
        "{\"crdt\":\"mv-register\",\"versions\":{\"r1\":\"x\"}}", Crdt.class));
    assertThrows(Exception.class, () -> PLAIN.readValue("{\"crdt\":\"no-such-crdt\"}", Crdt.class));
  }

  @Test
  void everyTypeReadsBackEqualThroughAkkasJsonAndCborMappers() throws Exception {
    ObjectMapper json = JacksonObjectMapperProvider.get(KIT.system()).getOrCreate("jackson-json", Optional.empty());
    ObjectMapper cbor = JacksonObjectMapperProvider.get(KIT.system())
        .getOrCreate("jackson-cbor", Optional.of(new CBORFactory()));
    for (Crdt<?> crdt : samples()) {
      assertEquals(crdt, json.readValue(json.writerFor(Crdt.class).writeValueAsBytes(crdt), Crdt.class));
      assertEquals(crdt, cbor.readValue(cbor.writerFor(Crdt.class).writeValueAsBytes(crdt), Crdt.class));
    }
  }

  @Test
  void deltasInsideJournalEventsAndWireMessagesGoThroughAkkasSerializers() throws Exception {
    Serialization serialization = SerializationExtension.get(KIT.system().classicSystem());
    for (Crdt<?> crdt : samples()) {
      for (Object message : List.of(new LoggedDelta("k", crdt), new ShippedDelta("k", crdt))) {
        byte[] bytes = serialization.serialize(message).get();
        var serializer = serialization.findSerializerFor(message);
        Object back = serialization.deserialize(bytes, serializer.identifier(),
            Serializers.manifestFor(serializer, message)).get();
        assertEquals(message, back);
      }
    }
    assertEquals(JacksonJsonSerializer.class, serialization.findSerializerFor(new LoggedDelta("k", null)).getClass());
    assertEquals(JacksonCborSerializer.class, serialization.findSerializerFor(new ShippedDelta("k", null)).getClass());
  }
}
