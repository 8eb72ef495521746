package io.replikit.singleleader;

import static org.junit.jupiter.api.Assertions.assertEquals;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.serialization.Serialization;
import akka.serialization.SerializationExtension;
import akka.serialization.Serializers;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.replikit.replication.LogEntry;
import io.replikit.replication.ReplicaId;
import io.replikit.singleleader.internal.Protocol;
import io.replikit.singleleader.internal.ReplicaEvents;
import io.replikit.singleleader.internal.ReplicaSnapshot;
import io.replikit.store.Change;
import io.replikit.store.StoreItem;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every message and event goes through Jackson and comes back equal: CBOR on the wire, JSON in the journal. */
class WireFormatTest {
  private static ActorTestKit kit;
  private static Serialization serialization;

  @BeforeAll
  static void start() {
    kit = ActorTestKit.create("WireFormatTest", TestGroup.testConfig());
    serialization = SerializationExtension.get(kit.system().classicSystem());
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  private static Object roundTrip(Object message) throws Exception {
    byte[] bytes = serialization.serialize(message).get();
    akka.serialization.Serializer serializer = serialization.findSerializerFor(message);
    return serialization.deserialize(bytes, serializer.identifier(), Serializers.manifestFor(serializer, message))
        .get();
  }

  private static String serializerOf(Object message) {
    akka.serialization.Serializer serializer = serialization.findSerializerFor(message);
    return serializer.getClass().getSimpleName() + "/" + serializer.identifier();
  }

  @Test
  void everyReplicationMessageRoundTripsAsCbor() throws Exception {
    ObjectNode doc = JsonNodeFactory.instance.objectNode().put("name", "ada").put("n", 3);
    ReplicaId l = ReplicaId.of("L");
    LogEntry entry = new LogEntry(7, 2, l, 1234, new Change.Put("k", doc));
    LogEntry delete = new LogEntry(8, 2, l, 1235, new Change.Delete("k"));
    TestProbe<Replica.WriteReply> replies = kit.createTestProbe();
    List<Object> messages = List.of(
        new Protocol.FollowRequest(ReplicaId.of("f"), 2, 6, 2, List.of(new ReplicaEvents.EpochStart(2, 1)), true),
        new Protocol.AppendEntries(l, 2, 6, 2, List.of(entry, delete), 8, 123456789L, true, 4_000_000L),
        new Protocol.Progress(ReplicaId.of("f"), 2, 8, 7, 7, true, 123456789L, false),
        new Protocol.HistoryQuery(ReplicaId.of("f"), 0, 42),
        new Protocol.HistoryReply(l, 2, 42, 8, false, l),
        new Protocol.RejoinPoint(l, 2, 8, 2),
        new Protocol.SnapshotChunk(l, 2, 99, 8, 2, 0, 1, List.of(new StoreItem("k", doc, 7)),
            List.of(new ReplicaEvents.EpochStart(2, 1)), 5),
        new Protocol.SnapshotProgress(ReplicaId.of("f"), 2, 99, 1),
        new Protocol.RequestVote(ReplicaId.of("f"), 3, 8, 2, true),
        new Protocol.Vote(l, 3, true, false),
        new Protocol.TimeoutNow(l, 2),
        new Protocol.LeaderHint(l, 2, ReplicaId.of("f")),
        Replica.insert("order-", doc, replies.getRef()),
        new Replica.Inserted("order-4294967297", 4294967297L, 9, 1),
        new Replica.Unavailable("no majority"),
        Replica.put("k", doc, WriteOptions.of(AckPolicy.semiSync(AckPolicy.SyncMethod.ANY, 2), AckLevel.APPLIED),
            replies.getRef()),
        new Replica.Written("k", 7, 2),
        new Replica.NotConfirmed("k", 7, "why"),
        new Replica.Found("k", doc, 7, l, 8));
    for (Object m : messages) {
      assertEquals(m, roundTrip(m), m.getClass().getSimpleName());
      assertEquals(33, serialization.findSerializerFor(m).identifier(),
          m.getClass().getSimpleName() + " goes as CBOR: " + serializerOf(m));
    }
  }

  @Test
  void everyJournalEventIsReadableJson() throws Exception {
    ReplicaId l = ReplicaId.of("L");
    List<Object> events = List.of(
        new LogEntry(7, 2, l, 1234, new Change.Put("k", JsonNodeFactory.instance.textNode("v"))),
        new ReplicaEvents.LogTrimmed(5),
        new ReplicaEvents.FollowerJoined(ReplicaId.of("f9")),
        new ReplicaEvents.SnapshotChunkStored(99, 8, 2, 0, 1, List.of(), List.of(), 0),
        new ReplicaEvents.EpochVoted(3, ReplicaId.of("f9")),
        new ReplicaEvents.EpochVoted(4, null),
        new LogEntry(9, 3, l, 1, new Change.NewEpoch("L")),
        new ReplicaEvents.LogTruncated(7, List.of(new LogEntry(8, 2, l, 1, new Change.Delete("k"))),
            List.of(new ReplicaEvents.Restore("k", JsonNodeFactory.instance.textNode("v"), 7, true)), false, 3, 5),
        new ReplicaSnapshot(8, 2, 3, ReplicaId.of("f9"), List.of(new ReplicaEvents.EpochStart(1, 1)),
            List.of(ReplicaId.of("f9")), List.of(new DivergentWrite(new LogEntry(8, 2, l, 1, new Change.Delete("k")),
            3, 5)), List.of(), true),
        new ReplicaEvents.RejoinStarted("L holds a history", 5),
        new ReplicaEvents.RejoinFinished(l, 2, 8, 6),
        new ReplicaEvents.RejoinForced("operator: two journals lost", 7));
    for (Object e : events) {
      assertEquals(e, roundTrip(e), e.getClass().getSimpleName());
      assertEquals(31, serialization.findSerializerFor(e).identifier(), e.getClass().getSimpleName() + " is JSON");
    }
    String json = new String(serialization.serialize(events.get(0)).get(), StandardCharsets.UTF_8);
    assertEquals("{\"position\":7,\"epoch\":2,\"origin\":\"L\",\"timestampMillis\":1234,"
        + "\"change\":{\"type\":\"put\",\"key\":\"k\",\"value\":\"v\"}}", json);
  }
}
