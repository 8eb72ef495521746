package io.replikit.versioning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.serialization.Serialization;
import akka.serialization.SerializationExtension;
import akka.serialization.Serializers;
import akka.serialization.jackson.JacksonCborSerializer;
import akka.serialization.jackson.JacksonJsonSerializer;
import akka.serialization.jackson.JacksonObjectMapperProvider;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import io.replikit.serialization.JournalEvent;
import io.replikit.serialization.WireMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Dotted version vector sets read back equal from JSON through a plain Jackson mapper and through Akka's own
 * mappers and serializers: JSON as in the journal, CBOR as on the wire; tombstones stay tombstones.
 */
class DottedVersionVectorSetJsonTest {
  private static final ObjectMapper PLAIN = new ObjectMapper();
  private static final ActorTestKit KIT = ActorTestKit.create("dvvset-json");

  @AfterAll
  static void stop() {
    KIT.shutdownTestKit();
  }

  /** A key's versions as a journal entry holds them. */
  public record LoggedVersions(String key, DottedVersionVectorSet versions) implements JournalEvent {}

  /** And as a replica ships them (read repair, anti-entropy). */
  public record ShippedVersions(String key, DottedVersionVectorSet versions) implements WireMessage {}

  private static List<DottedVersionVectorSet> samples() throws Exception {
    List<DottedVersionVectorSet> out = new ArrayList<>();
    out.add(DottedVersionVectorSet.empty());
    DottedVersionVectorSet s = DottedVersionVectorSet.empty()
        .update(VersionVector.empty(), PLAIN.readTree("{\"items\":[\"milk\",1,2.5,true,null],\"n\":{}}"),
            "r:with:colons", 1700000000000L)
        .update(VersionVector.empty(), PLAIN.readTree("\"eggs\""), "b", 1700000000001L)
        .delete(VersionVector.empty(), "b", 1700000000002L);
    out.add(s);
    out.add(s.withoutTombstonesCoveredBy(s.context()).delete(s.context(), "a", 3)
        .withoutTombstonesCoveredBy(VersionVector.of(java.util.Map.of("a", 1L)))); // only context left
    for (long seed = 1; seed <= 5; seed++) {
      out.add(DvvHistory.run(seed, 40, true).converged());
    }
    return out;
  }

  @Test
  void readsBackEqualFromPlainJackson() throws Exception {
    for (DottedVersionVectorSet s : samples()) {
      String json = PLAIN.writeValueAsString(s);
      assertEquals(s, PLAIN.readValue(json, DottedVersionVectorSet.class), json);
      LoggedVersions entry = new LoggedVersions("k", s);
      assertEquals(entry, PLAIN.readValue(PLAIN.writeValueAsString(entry), LoggedVersions.class));
    }
  }

  @Test
  void isSmallReadableJsonWithTombstonesWithoutAValue() throws Exception {
    DottedVersionVectorSet s = DottedVersionVectorSet.empty()
        .update(VersionVector.empty(), PLAIN.readTree("[\"milk\"]"), "a", 7)
        .delete(VersionVector.empty(), "b", 8);
    assertEquals("{\"context\":{\"a\":1,\"b\":1},\"siblings\":["
        + "{\"dot\":{\"replica\":\"a\",\"counter\":1},\"value\":[\"milk\"],\"wallMillis\":7},"
        + "{\"dot\":{\"replica\":\"b\",\"counter\":1},\"wallMillis\":8}]}", PLAIN.writeValueAsString(s));
    // a JSON null value is a tombstone too
    DottedVersionVectorSet back = PLAIN.readValue("{\"context\":{\"b\":1},\"siblings\":["
        + "{\"dot\":{\"replica\":\"b\",\"counter\":1},\"value\":null,\"wallMillis\":8}]}", DottedVersionVectorSet.class);
    assertTrue(back.deleted());
    assertEquals(DottedVersionVectorSet.empty(), PLAIN.readValue("{}", DottedVersionVectorSet.class));
  }

  @Test
  void aSiblingTheContextDoesNotCoverIsRefused() {
    assertThrows(Exception.class, () -> PLAIN.readValue("{\"context\":{\"a\":1},\"siblings\":["
        + "{\"dot\":{\"replica\":\"a\",\"counter\":2},\"value\":1,\"wallMillis\":8}]}", DottedVersionVectorSet.class));
  }

  @Test
  void readsBackEqualThroughAkkasJsonAndCborMappers() throws Exception {
    ObjectMapper json = JacksonObjectMapperProvider.get(KIT.system()).getOrCreate("jackson-json", Optional.empty());
    ObjectMapper cbor = JacksonObjectMapperProvider.get(KIT.system())
        .getOrCreate("jackson-cbor", Optional.of(new CBORFactory()));
    for (DottedVersionVectorSet s : samples()) {
      assertEquals(s, json.readValue(json.writeValueAsBytes(s), DottedVersionVectorSet.class));
      assertEquals(s, cbor.readValue(cbor.writeValueAsBytes(s), DottedVersionVectorSet.class));
    }
  }

  @Test
  void insideJournalEventsAndWireMessagesGoesThroughAkkasSerializers() throws Exception {
    Serialization serialization = SerializationExtension.get(KIT.system().classicSystem());
    for (DottedVersionVectorSet s : samples()) {
      for (Object message : List.of(new LoggedVersions("k", s), new ShippedVersions("k", s))) {
        byte[] bytes = serialization.serialize(message).get();
        var serializer = serialization.findSerializerFor(message);
        Object back = serialization.deserialize(bytes, serializer.identifier(),
            Serializers.manifestFor(serializer, message)).get();
        assertEquals(message, back);
      }
    }
    assertEquals(JacksonJsonSerializer.class,
        serialization.findSerializerFor(new LoggedVersions("k", DottedVersionVectorSet.empty())).getClass());
    assertEquals(JacksonCborSerializer.class,
        serialization.findSerializerFor(new ShippedVersions("k", DottedVersionVectorSet.empty())).getClass());
  }
}
