package io.replikit.persistence.cdc;

import static io.replikit.persistence.cdc.CdcTestSupport.WAIT;
import static io.replikit.persistence.cdc.CdcTestSupport.object;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import io.replikit.store.RowRecord;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The JDBC target on its own: the offset and the rows change in one transaction, and never twice for one offset. */
class JdbcTableTargetTest {
  private static final String URL = "jdbc:h2:mem:jdbc-table-target-test;DB_CLOSE_DELAY=-1";

  private static ActorTestKit testKit;
  private static Connection db;
  private static JdbcTableTarget target;

  @BeforeAll
  static void start() throws Exception {
    testKit = ActorTestKit.create("JdbcTableTargetTest", CdcTestSupport.baseConfig());
    db = DriverManager.getConnection(URL, "sa", "");
    try (Statement s = db.createStatement()) {
      s.execute("CREATE TABLE copies (id VARCHAR(64) PRIMARY KEY, name VARCHAR(64), amount BIGINT, flag BOOLEAN, "
          + "doc VARCHAR(200))");
    }
    target = JdbcTableTarget.create(testKit.system(), URL, "sa", "");
  }

  @AfterAll
  static void stop() throws Exception {
    testKit.shutdownTestKit();
    db.close();
  }

  private static boolean deliver(String relay, long sequenceNr, RowRecord.RowChange... changes) throws Exception {
    return target.deliver(relay, new TriggerTarget.Delivery(sequenceNr, sequenceNr + 100, 1, 0, List.of(changes)))
        .toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
  }

  private static long offset(String relay) throws Exception {
    return target.lastDelivered(relay).toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
  }

  private static Map<String, List<Object>> rows() throws Exception {
    Map<String, List<Object>> rows = new LinkedHashMap<>();
    try (Statement s = db.createStatement();
        ResultSet rs = s.executeQuery("SELECT id, name, amount, flag, doc FROM copies ORDER BY id")) {
      while (rs.next()) {
        List<Object> row = new ArrayList<>();
        for (int i = 2; i <= 5; i++) {
          row.add(rs.getObject(i));
        }
        rows.put(rs.getString(1), row);
      }
    }
    return rows;
  }

  private static List<Object> row(Object... values) {
    return new ArrayList<>(java.util.Arrays.asList(values));
  }

  @Test
  void eachOffsetIsAppliedOnceAndOlderOnesNotAtAll() throws Exception {
    String relay = "once";
    assertEquals(0, offset(relay));
    assertTrue(deliver(relay, 3, new RowRecord.Inserted("copies", "a", object().put("name", "ann").put("amount", 1)
        .put("flag", true).set("doc", object().put("k", "v")))));
    assertEquals(Map.of("a", row("ann", 1L, true, "{\"k\":\"v\"}")), rows());

    // the same offset again (a relay that did not hear the commit) and an older one: nothing changes
    assertEquals(false, deliver(relay, 3, new RowRecord.Updated("copies", "a", object().put("amount", 2))));
    assertEquals(false, deliver(relay, 2, new RowRecord.Deleted("copies", "a")));
    assertEquals(Map.of("a", row("ann", 1L, true, "{\"k\":\"v\"}")), rows());
    assertEquals(3, offset(relay));

    // updates set only the given columns, and only of a row that exists; inserts of an existing row replace it
    assertTrue(deliver(relay, 5, new RowRecord.Updated("copies", "a", object().put("amount", 2)),
        new RowRecord.Updated("copies", "missing", object().put("amount", 9)),
        new RowRecord.Inserted("copies", "b", object().put("name", "bob"))));
    assertTrue(deliver(relay, 6, new RowRecord.Inserted("copies", "b", object().put("name", "bo").put("amount", 7)),
        new RowRecord.Deleted("copies", "nobody")));
    assertEquals(Map.of("a", row("ann", 2L, true, "{\"k\":\"v\"}"), "b", row("bo", 7L, null, null)), rows());
    assertEquals(6, offset(relay));
    assertEquals(0, offset("another relay"), "each relay id has its own offset");
  }

  @Test
  void aDeliveryThatFailsHalfwayLeavesNeitherRowsNorOffset() throws Exception {
    String relay = "atomic";
    assertTrue(deliver(relay, 1, new RowRecord.Inserted("copies", "c", object().put("name", "cy"))));
    ExecutionException failed = assertThrows(ExecutionException.class, () -> deliver(relay, 2,
        new RowRecord.Deleted("copies", "c"),
        new RowRecord.Inserted("copies", "d", object().put("no such column", 1))));
    assertTrue(failed.getCause().getMessage().contains("column of table copies name 'no such column' is not usable"),
        failed.getCause().getMessage());
    failed = assertThrows(ExecutionException.class, () -> deliver(relay, 2,
        new RowRecord.Deleted("copies", "c"),
        new RowRecord.Inserted("copies", "d", object().put("colour", "red"))));
    assertTrue(failed.getCause().getMessage().contains("relay atomic: could not apply position 102 (offset 2); "
        + "nothing of it was applied"), failed.getCause().getMessage());
    assertEquals(row("cy", null, null, null), rows().get("c"), "the delete before the failure was undone");
    assertEquals(1, offset(relay));
  }

  @Test
  void twoRelaysWithOneIdDeliveringTheSameOffsetAtOnceApplyItOnce() throws Exception {
    String relay = "twins";
    offset(relay);
    List<CompletableFuture<Boolean>> both = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      both.add(target.deliver(relay, new TriggerTarget.Delivery(4, 4, 1, 0, List.of(new RowRecord.Updated("copies",
          "twin", object().put("amount", 1))))).toCompletableFuture());
    }
    int applied = 0;
    for (CompletableFuture<Boolean> f : both) {
      applied += f.get(WAIT.toMillis(), TimeUnit.MILLISECONDS) ? 1 : 0;
    }
    assertEquals(1, applied);
    assertEquals(4, offset(relay));
  }
}
