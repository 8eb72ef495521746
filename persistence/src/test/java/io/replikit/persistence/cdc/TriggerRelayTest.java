package io.replikit.persistence.cdc;

import static io.replikit.persistence.cdc.CdcTestSupport.WAIT;
import static io.replikit.persistence.cdc.CdcTestSupport.deleteOrder;
import static io.replikit.persistence.cdc.CdcTestSupport.insertOrder;
import static io.replikit.persistence.cdc.CdcTestSupport.object;
import static io.replikit.persistence.cdc.CdcTestSupport.setAmount;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.persistence.query.Offset;
import akka.stream.javadsl.Sink;
import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.replikit.logformat.LogFormat;
import io.replikit.logformat.TableTrigger;
import io.replikit.logformat.TableTriggers;
import io.replikit.persistence.ReplikitJournal;
import io.replikit.replication.ReplicaId;
import io.replikit.singleleader.Replica;
import io.replikit.singleleader.SingleLeaderSettings;
import io.replikit.store.RowRecord;
import io.replikit.store.StoreItem;
import io.replikit.store.TriggerOutput;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Trigger-based replication end to end on the JDBC journal: a group in the trigger format whose trigger on
 * {@code orders} passes on only orders above 100, in cents, relayed into a plain JDBC table of a second H2 database
 * and into another replica group. The relay crashes after a delivery committed and is restarted while writes go on:
 * each target ends with exactly the expected rows, every entry applied once. A trigger that throws refuses the
 * transaction.
 */
class TriggerRelayTest {
  private static final ReplicaId LEADER = ReplicaId.of("leader");
  private static final String TARGET_URL = "jdbc:h2:mem:trigger-relay-target;DB_CLOSE_DELAY=-1";

  /**
   * Big orders only, amounts in cents: the copy exists exactly while the order's amount is above 100, so the trigger
   * decides on the whole row before and after each change (an update that lifts an order above 100 inserts its
   * copy, one that drops it below removes it). A negative amount is a bug upstream: the trigger throws, which
   * refuses the transaction.
   */
  static final TableTrigger BIG_ORDERS = event -> {
    boolean was = event.before() != null && event.before().path("amount").asLong() > 100;
    if (event.after() == null) {
      return was ? List.of(new TriggerOutput("reporting", new RowRecord.Deleted("big_orders", event.primaryKey())))
          : List.of();
    }
    long amount = event.after().path("amount").asLong();
    if (amount < 0) {
      throw new IllegalArgumentException("order " + event.primaryKey() + " has a negative amount");
    }
    boolean is = amount > 100;
    if (!is) {
      return was ? List.of(new TriggerOutput("reporting", new RowRecord.Deleted("big_orders", event.primaryKey())))
          : List.of();
    }
    ObjectNode copy = object().put("customer", event.after().path("customer").asText()).put("amount_cents",
        amount * 100);
    return List.of(new TriggerOutput("reporting", was ? new RowRecord.Updated("big_orders", event.primaryKey(), copy)
        : new RowRecord.Inserted("big_orders", event.primaryKey(), copy)));
  };

  private static ActorTestKit testKit;
  private static SingleLeaderSettings triggerSettings;
  private static SingleLeaderSettings logicalSettings;
  private static Connection keepTargetOpen;

  @BeforeAll
  static void start() throws Exception {
    Config config = ReplikitJournal.h2InMemory("trigger-relay-test", CdcTestSupport.baseConfig());
    testKit = ActorTestKit.create("TriggerRelayTest", config);
    ReplikitJournal.createSchemaBlocking(testKit.system(), WAIT);
    logicalSettings = SingleLeaderSettings.fromConfig(config).withLogFormat(LogFormat.LOGICAL);
    triggerSettings = logicalSettings.withLogFormat(LogFormat.TRIGGER)
        .withTriggers(TableTriggers.none().on("orders", BIG_ORDERS));
    keepTargetOpen = DriverManager.getConnection(TARGET_URL, "sa", "");
    try (Statement s = keepTargetOpen.createStatement()) {
      s.execute("CREATE TABLE big_orders (id VARCHAR(64) PRIMARY KEY, customer VARCHAR(64), amount_cents BIGINT)");
    }
  }

  @AfterAll
  static void stop() throws Exception {
    testKit.shutdownTestKit();
    keepTargetOpen.close();
  }

  /** A target that records which positions its inner target applied, and can crash right after one committed. */
  static final class Recording implements TriggerTarget {
    final TriggerTarget inner;
    final List<Long> appliedPositions = Collections.synchronizedList(new ArrayList<>());
    volatile int crashAfterApplied = Integer.MAX_VALUE;

    Recording(TriggerTarget inner) {
      this.inner = inner;
    }

    @Override
    public CompletionStage<Long> lastDelivered(String relayId) {
      return inner.lastDelivered(relayId);
    }

    @Override
    public CompletionStage<Boolean> deliver(String relayId, Delivery delivery) {
      return inner.deliver(relayId, delivery).thenApply(applied -> {
        if (applied) {
          appliedPositions.add(delivery.position());
          if (appliedPositions.size() == crashAfterApplied) {
            throw new IllegalStateException("relay crashed after the commit, before it heard of it");
          }
        }
        return applied;
      });
    }
  }

  /** The workload both targets get, written around a relay crash and restart; returns the positions with outputs. */
  private static final class Workload {
    final CdcTestSupport.Group source;
    final List<Long> withOutputs = new ArrayList<>();

    Workload(String groupId) {
      source = new CdcTestSupport.Group(testKit, triggerSettings, groupId, "leader");
    }

    void beforeCrash() {
      withOutputs.add(source.commit(List.of(insertOrder("o1", "ann", 120), insertOrder("o2", "bob", 80))));
      source.commit(List.of(insertOrder("o3", "cy", 50))); // nothing above 100: no output
      withOutputs.add(source.commit(List.of(setAmount("o1", 130))));
      withOutputs.add(source.commit(List.of(insertOrder("o4", "dan", 101))));
    }

    void whileDown() {
      withOutputs.add(source.commit(List.of(setAmount("o4", 90)))); // drops out of the copy
      withOutputs.add(source.commit(List.of(insertOrder("o5", "eve", 1000), insertOrder("o6", "fay", 100))));
      source.commit(List.of(deleteOrder("o3"))); // o3 was never big: the trigger sends nothing for its delete
      withOutputs.add(source.commit(List.of(setAmount("o5", 2000))));
      long last = withOutputs.get(withOutputs.size() - 1);

      // a trigger that throws refuses the whole transaction: nothing is logged, the next write takes the next position
      Replica.WriteReply refused = source.transact(List.of(insertOrder("o7", "gil", 500), insertOrder("o8", "hal",
          -5)));
      Replica.Rejected rejected = assertInstanceOf(Replica.Rejected.class, refused);
      assertTrue(rejected.reason().contains("a trigger failed, so the transaction is refused")
          && rejected.reason().contains("order o8 has a negative amount"), rejected.reason());
      assertEquals(last, source.status("leader").lastPosition());
    }

    void afterRestart() {
      withOutputs.add(source.commit(List.of(insertOrder("o9", "ivy", 150))));
    }

    long last() {
      return withOutputs.get(withOutputs.size() - 1);
    }
  }

  /** Runs the relay until the target crashes after its second applied delivery; asserts it stopped with that. */
  private static void runUntilCrash(TriggerRelay relay, Recording target) throws Exception {
    target.crashAfterApplied = 2;
    TriggerRelay.Running running = relay.run();
    ExecutionException crashed = assertThrows(ExecutionException.class,
        () -> running.completion().toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS));
    assertTrue(crashed.getCause().getMessage().contains("relay crashed after the commit"),
        crashed.getCause().getMessage());
    target.crashAfterApplied = Integer.MAX_VALUE;
  }

  @Test
  void theRelayFillsAJdbcTableOfASecondDatabaseExactlyOnceAcrossACrashAndRestart() throws Exception {
    Workload w = new Workload("orders-jdbc");
    w.beforeCrash();

    Recording target = new Recording(JdbcTableTarget.create(testKit.system(), TARGET_URL, "sa", ""));
    TriggerRelay relay = TriggerRelay.create(testKit.system(), w.source.id(), LEADER, Map.of("reporting", target));
    runUntilCrash(relay, target);
    assertEquals(w.withOutputs.subList(0, 2), target.appliedPositions);
    assertEquals(Map.of("o1", List.of("ann", 13000L)), bigOrders(), "the second delivery committed before the crash");

    w.whileDown();
    TriggerRelay.Running running = relay.run();
    w.afterRestart();
    testKit.createTestProbe().awaitAssert(WAIT, () -> {
      assertEquals(w.last(), relayPosition(relay.relayId()));
      return null;
    });
    running.stop().toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);

    assertEquals(Map.of(
        "o1", List.of("ann", 13000L),
        "o5", List.of("eve", 200000L),
        "o9", List.of("ivy", 15000L)), bigOrders());
    // every entry with outputs applied exactly once, in log order: the one that committed just before the crash was
    // not applied again by the restarted relay
    assertEquals(w.withOutputs, target.appliedPositions);
  }

  @Test
  void theRelayKeepsATransformedCopyInAnotherReplicaGroupExactlyOnce() throws Exception {
    CdcTestSupport.Group reporting = new CdcTestSupport.Group(testKit, logicalSettings, "reporting", "leader");
    Workload w = new Workload("orders-group");
    w.beforeCrash();

    Recording target = new Recording(ReplicaGroupTarget.create(testKit.system(), reporting.leader()));
    TriggerRelay relay = TriggerRelay.create(testKit.system(), w.source.id(), LEADER, Map.of("reporting", target));
    runUntilCrash(relay, target);

    w.whileDown();
    TriggerRelay.Running running = relay.run();
    w.afterRestart();
    testKit.createTestProbe().awaitAssert(WAIT, () -> {
      assertEquals(w.last(), target.appliedPositions.isEmpty() ? 0
          : target.appliedPositions.get(target.appliedPositions.size() - 1));
      return null;
    });
    running.stop().toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);

    Map<String, JsonNode> rows = new TreeMap<>();
    for (StoreItem row : reporting.table("big_orders")) {
      rows.put(row.key(), row.value());
    }
    assertEquals(Map.of(
        "o1", object().put("customer", "ann").put("amount_cents", 13000),
        "o5", object().put("customer", "eve").put("amount_cents", 200000),
        "o9", object().put("customer", "ivy").put("amount_cents", 15000)), rows);
    assertEquals(w.withOutputs, target.appliedPositions);
    // the offset the relay resumes from, and one marker per delivered entry, live in the target group itself
    List<StoreItem> offsets = reporting.table("_relay_offsets");
    assertEquals(w.withOutputs.size() + 1, offsets.size());
    long lastOffset = target.lastDelivered(relay.relayId()).toCompletableFuture()
        .get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    assertTrue(lastOffset > 0);

    // a delivery sent again (a lost reply, a second relay) is refused by its marker and changes nothing
    TriggerTarget.Delivery again = new TriggerTarget.Delivery(lastOffset, w.last(), 1, 0, List.of(
        new RowRecord.Inserted("big_orders", "o9", object().put("customer", "someone else"))));
    assertEquals(false, target.deliver(relay.relayId(), again).toCompletableFuture()
        .get(WAIT.toMillis(), TimeUnit.MILLISECONDS));
    assertEquals(object().put("customer", "ivy").put("amount_cents", 15000),
        reporting.table("big_orders").stream().filter(r -> r.key().equals("o9")).findFirst().orElseThrow().value());
  }

  @Test
  void theFeedOfATriggerGroupCarriesTheOutputsWithTheirTransaction() throws Exception {
    CdcTestSupport.Group g = new CdcTestSupport.Group(testKit, triggerSettings, "orders-feed", "leader");
    long p = g.commit(List.of(insertOrder("a", "ann", 500), insertOrder("b", "bob", 5)));
    List<FeedEvent> feed = ChangeFeed.currentSource(testKit.system(), g.id(), LEADER, Offset.noOffset())
        .runWith(Sink.seq(), testKit.system()).toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    ChangeEvent e = (ChangeEvent) feed.get(0);
    assertEquals(p, e.position());
    assertEquals(2, e.rowChanges().size());
    assertEquals(List.of(new TriggerOutput("reporting", new RowRecord.Inserted("big_orders", "a",
        object().put("customer", "ann").put("amount_cents", 50000)))), e.triggered());
  }

  private static Map<String, List<Object>> bigOrders() throws Exception {
    Map<String, List<Object>> rows = new LinkedHashMap<>();
    try (Statement s = keepTargetOpen.createStatement();
        ResultSet rs = s.executeQuery("SELECT id, customer, amount_cents FROM big_orders ORDER BY id")) {
      while (rs.next()) {
        rows.put(rs.getString(1), List.of(rs.getString(2), rs.getLong(3)));
      }
    }
    return rows;
  }

  private static long relayPosition(String relayId) throws Exception {
    try (var q = keepTargetOpen.prepareStatement(
        "SELECT log_position FROM replikit_relay_offsets WHERE relay_id = ?")) {
      q.setString(1, relayId);
      try (ResultSet rs = q.executeQuery()) {
        return rs.next() ? rs.getLong(1) : -1;
      }
    }
  }
}
