package io.replikit.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.replikit.replication.LocalTransport;
import io.replikit.replication.LogEntry;
import io.replikit.replication.ReplicaId;
import io.replikit.singleleader.Replica;
import io.replikit.singleleader.ReplicaGroupSpec;
import io.replikit.singleleader.SingleLeaderSettings;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The journal holds readable JSON: a replica's log entry, read back over plain JDBC, is Jackson JSON. */
class JournalJsonFormatTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static ActorTestKit testKit;
  private static Config config;

  @BeforeAll
  static void start() {
    config = ReplikitJournal.h2InMemory("journal-json-format-test",
        ConfigFactory.parseString("akka.actor.serialize-messages = on").withFallback(ConfigFactory.load()));
    testKit = ActorTestKit.create("JournalJsonFormatTest", config);
    ReplikitJournal.createSchemaBlocking(testKit.system(), Duration.ofSeconds(20));
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  /** One stored event row. */
  private record Row(int serializerId, String manifest, byte[] payload) {}

  @Test
  void aWrittenEntryIsStoredAsJacksonJson() throws Exception {
    ReplicaGroupSpec spec = ReplicaGroupSpec.of("json", "leader");
    SingleLeaderSettings settings = SingleLeaderSettings.fromConfig(config);
    ActorRef<Replica.Command> leader = testKit.spawn(
        Replica.create(spec, ReplicaId.of("leader"), settings, new LocalTransport()), "json-leader");

    ObjectNode value = JSON.createObjectNode().put("colour", "blue").put("size", 42);
    TestProbe<Replica.WriteReply> probe = testKit.createTestProbe();
    leader.tell(Replica.put("json-key", value, probe.getRef()));
    probe.expectMessageClass(Replica.Written.class, Duration.ofSeconds(5));

    int jacksonJson = config.getInt("akka.actor.serialization-identifiers.jackson-json");
    int jacksonCbor = config.getInt("akka.actor.serialization-identifiers.jackson-cbor");
    assertEquals(31, jacksonJson, "Akka 2.6 gives jackson-json the id 31 (33 is jackson-cbor)");
    assertNotEquals(jacksonJson, jacksonCbor);

    List<Row> rows = eventsOf("replikit-json|leader");
    // the first entry starts the leader's epoch; the client's write is the next one
    Row entry = rows.stream().filter(r -> r.manifest().equals(LogEntry.class.getName())).skip(1).findFirst()
        .orElseThrow(() -> new AssertionError("no second LogEntry row among " + rows.size() + " journal rows"));
    assertEquals(jacksonJson, entry.serializerId());

    JsonNode stored = JSON.readTree(entry.payload());
    assertEquals(2, stored.get("position").asLong());
    assertEquals("leader", stored.get("origin").asText());
    JsonNode change = stored.get("change");
    assertEquals("put", change.get("type").asText());
    assertEquals("json-key", change.get("key").asText());
    assertEquals(value, change.get("value"));
    for (Row r : rows) {
      assertEquals(jacksonJson, r.serializerId(), "every event is JSON, also " + r.manifest());
      assertTrue(JSON.readTree(r.payload()).isObject(), r.manifest());
    }
  }

  private static List<Row> eventsOf(String persistenceId) throws Exception {
    // plain JDBC on the same in-memory database (DB_CLOSE_DELAY=-1 keeps it while the pool holds it too)
    String url = config.getString("akka-persistence-jdbc.shared-databases.slick.db.url");
    try (Connection c = DriverManager.getConnection(url, "sa", "");
        PreparedStatement q = c.prepareStatement("SELECT \"event_ser_id\", \"event_ser_manifest\", "
            + "\"event_payload\" FROM \"event_journal\" WHERE \"persistence_id\" = ? ORDER BY \"sequence_number\"")) {
      q.setString(1, persistenceId);
      List<Row> rows = new ArrayList<>();
      try (ResultSet rs = q.executeQuery()) {
        while (rs.next()) {
          rows.add(new Row(rs.getInt(1), rs.getString(2), rs.getBytes(3)));
        }
      }
      return rows;
    }
  }
}
