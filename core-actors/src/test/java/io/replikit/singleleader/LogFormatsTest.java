package io.replikit.singleleader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.replikit.logformat.LogFormat;
import io.replikit.logformat.TableTriggers;
import io.replikit.logformat.WalCodec;
import io.replikit.store.Expr;
import io.replikit.store.RowRecord;
import io.replikit.store.Rows;
import io.replikit.store.Statement;
import io.replikit.store.TriggerOutput;
import io.replikit.store.Where;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Groups logging transactions in each of the four formats, replicas crossing the wire through Jackson. */
class LogFormatsTest {
  private static ActorTestKit kit;
  private static final ObjectMapper JSON = new ObjectMapper();

  @BeforeAll
  static void start() {
    kit = ActorTestKit.create("log-formats", TestGroup.testConfig());
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  private static List<List<Statement>> workload() {
    return List.of(
        List.of(Statement.insert("accounts", Expr.lit("alice"), Map.of("balance", Expr.lit(100))),
            Statement.insert("accounts", Expr.lit("bob"), Map.of("balance", Expr.lit(20)))),
        List.of(Statement.insert("orders", Expr.nextId(), Map.of("account", Expr.lit("alice"),
            "placedAt", Expr.now(), "lucky", Expr.random()))),
        List.of(Statement.update("accounts", Where.all(),
            Map.of("balance", Expr.add(Expr.col("balance"), Expr.random()), "seenAt", Expr.now()))),
        List.of(Statement.delete("accounts", Where.key("bob"))));
  }

  private void replicatesToIdenticalReplicas(LogFormat format) throws Exception {
    SingleLeaderSettings settings = TestGroup.settings(kit).withLogFormat(format);
    try (TestGroup g = new TestGroup(kit, settings, 4, "a", "b", "c").startAll()) {
      for (List<Statement> tx : workload()) {
        assertInstanceOf(Replica.Committed.class, g.transact(tx), format + ": " + tx);
      }
      g.awaitEqualToLeader("b");
      g.awaitEqualToLeader("c");
      String leader = JSON.writeValueAsString(g.readAll("a").items());
      assertEquals(leader, JSON.writeValueAsString(g.readAll("b").items()), format + ": b's bytes");
      assertEquals(leader, JSON.writeValueAsString(g.readAll("c").items()), format + ": c's bytes");
      assertEquals(format.configName(), g.status("b").logFormat());
      // a restarted follower replays its journal to the same bytes
      g.stop("c");
      g.start("c");
      g.awaitEqualToLeader("c");
      assertEquals(leader, JSON.writeValueAsString(g.readAll("c").items()), format + ": c after a restart");
    }
  }

  @Test
  void statementBasedWithNowAndRandomLeavesIdenticalReplicas() throws Exception {
    replicatesToIdenticalReplicas(LogFormat.STATEMENT);
  }

  @Test
  void walShippingLeavesIdenticalReplicas() throws Exception {
    replicatesToIdenticalReplicas(LogFormat.WAL);
  }

  @Test
  void logicalLeavesIdenticalReplicas() throws Exception {
    replicatesToIdenticalReplicas(LogFormat.LOGICAL);
  }

  @Test
  void triggerBasedLeavesIdenticalReplicas() throws Exception {
    replicatesToIdenticalReplicas(LogFormat.TRIGGER);
  }

  @Test
  void aFollowerOnAnotherWalStorageVersionRefusesTheStreamWithAClearError() {
    SingleLeaderSettings v2 = TestGroup.settings(kit).withLogFormat(LogFormat.WAL);
    try (TestGroup g = new TestGroup(kit, v2, 5, "a", "b", "c")
        .withSettings("c", v2.withWalStorageVersion(WalCodec.OLDEST_VERSION))) {
      g.startAll();
      assertInstanceOf(Replica.Committed.class, g.transact(workload().get(0)));
      g.awaitEqualToLeader("b");
      kit.createTestProbe().awaitAssert(TestGroup.WAIT, () -> {
        ReplicaStatus c = g.status("c");
        assertNotNull(c.replicationError(), "c reports why it refuses the stream");
        assertTrue(c.replicationError().contains("storage format version 2")
            && c.replicationError().contains("reads version 1"), c.replicationError());
        return null;
      });
      // c holds nothing of the refused entry (only the epoch's first entry), and the group keeps taking writes
      assertEquals(0, g.readAll("c").items().size());
      assertInstanceOf(Replica.Committed.class, g.transact(workload().get(1)));
      assertEquals(2, g.readAll("a").items().size() - 1, "alice, bob and an order on the leader");
    }
  }

  /** Version 1 of an application's customer row. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record CustomerV1(String name) {}

  /** Version 2 adds a column; rows written by version 1 read with it as null. */
  public record CustomerV2(String name, String email) {}

  @Test
  void leaderAndFollowersMayRunDifferentVersionsOfTheRowClasses() {
    try (TestGroup g = new TestGroup(kit, TestGroup.settings(kit), 6, "a", "b").startAll()) {
      // the leader's application runs version 2 of the row class, the follower's version 1, then the reverse
      assertInstanceOf(Replica.Committed.class, g.transact(List.of(
          Rows.insert("customers", "c1", new CustomerV2("Ada", "ada@example.com")),
          Rows.insert("customers", "c2", new CustomerV1("Grace")))));
      g.awaitEqualToLeader("b");
      TestProbe<Replica.ReadReply> probe = kit.createTestProbe();
      g.ref("b").tell(new Replica.ReadTable("customers", ReadConsistency.any(), probe.getRef()));
      Replica.TableRows rows = (Replica.TableRows) probe.receiveMessage(TestGroup.WAIT);
      assertEquals(new CustomerV1("Ada"), Rows.as(rows.rows().get(0).value(), CustomerV1.class));
      assertEquals(new CustomerV2("Grace", null), Rows.as(rows.rows().get(1).value(), CustomerV2.class));
      // and a newer leader's log record with a field this version does not know still reads, with the mapper Akka
      // serializes the journal and the wire with
      ObjectMapper akkaMapper = akka.serialization.jackson.JacksonObjectMapperProvider.get(kit.system())
          .getOrCreate("jackson-json", java.util.Optional.empty());
      assertEquals(new RowRecord.Deleted("customers", "c1"), akkaMapper.convertValue(Map.of("record", "delete",
          "table", "customers", "primaryKey", "c1", "reason", "gdpr"), RowRecord.class));
    }
  }

  @Test
  void aTriggerThatThrowsRefusesTheTransactionAndOneThatFiltersIsLogged() {
    TableTriggers triggers = TableTriggers.none().on("orders", event -> {
      if (event.after() != null && event.after().path("amount").asInt() < 0) {
        throw new IllegalArgumentException("negative amount");
      }
      return event.after() != null && event.after().path("amount").asInt() > 100
          ? List.of(new TriggerOutput("big-orders", event.change())) : List.of();
    });
    SingleLeaderSettings settings = TestGroup.settings(kit).withLogFormat(LogFormat.TRIGGER).withTriggers(triggers);
    try (TestGroup g = new TestGroup(kit, settings, 7, "a", "b").startAll()) {
      Replica.WriteReply refused = g.transact(List.of(
          Statement.insert("orders", Expr.lit("o1"), Map.of("amount", Expr.lit(-5)))));
      assertInstanceOf(Replica.Rejected.class, refused);
      assertTrue(((Replica.Rejected) refused).reason().contains("negative amount"), refused.toString());
      assertInstanceOf(Replica.Committed.class, g.transact(List.of(
          Statement.insert("orders", Expr.lit("o2"), Map.of("amount", Expr.lit(500))),
          Statement.insert("orders", Expr.lit("o3"), Map.of("amount", Expr.lit(50))))));
      g.awaitEqualToLeader("b");
      assertEquals(2, g.readAll("b").items().size());
    }
  }
}
