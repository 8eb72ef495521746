package io.replikit.logformat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.replikit.store.Change;
import io.replikit.store.Expr;
import io.replikit.store.KeyValueStore;
import io.replikit.store.RowKey;
import io.replikit.store.RowRecord;
import io.replikit.store.Statement;
import io.replikit.store.StoreLimits;
import io.replikit.store.TriggerOutput;
import io.replikit.store.Where;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The four log formats, without actors: what the leader logs replays to the leader's exact store elsewhere. */
class TransactionsTest {
  private static final StoreLimits LIMITS = new StoreLimits(256, 65536);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Draws like a leader would: a seeded random, a clock that moves, ids of epoch 3. */
  static final class Draws implements Nondeterminism {
    final Random random = new Random(20261122);
    long now = 1_790_000_000_000L;
    long counter;

    @Override
    public long nowMillis() {
      return now += 7;
    }

    @Override
    public double random() {
      return random.nextDouble();
    }

    @Override
    public long nextId() {
      return (3L << 32) | ++counter;
    }
  }

  static List<List<Statement>> workload() {
    List<List<Statement>> txs = new ArrayList<>();
    txs.add(List.of(
        Statement.insert("accounts", Expr.lit("alice"), Map.of("balance", Expr.lit(100))),
        Statement.insert("accounts", Expr.lit("bob"), Map.of("balance", Expr.lit(5)))));
    txs.add(List.of(Statement.insert("orders", Expr.nextId(), Map.of(
        "account", Expr.lit("alice"), "placedAt", Expr.now(), "lucky", Expr.random(),
        "label", Expr.concat(Expr.lit("order-"), Expr.random())))));
    // updates that depend on existing data: a transfer, and an interest rate applied to every row
    txs.add(List.of(
        Statement.update("accounts", Where.key("alice"), Map.of("balance", Expr.add(Expr.col("balance"), Expr.lit(-30)))),
        Statement.update("accounts", Where.key("bob"), Map.of("balance", Expr.add(Expr.col("balance"), Expr.lit(30))))));
    txs.add(List.of(Statement.update("accounts", Where.all(),
        Map.of("balance", Expr.add(Expr.col("balance"), Expr.lit(0.5)), "touchedAt", Expr.now()))));
    txs.add(List.of(Statement.delete("accounts", Where.key("bob")),
        Statement.insert("orders", Expr.nextId(), Map.of("account", Expr.lit("carol"), "note", Expr.lit("x")))));
    return txs;
  }

  record Run(KeyValueStore leader, List<Change.Transaction> log) {}

  static Run runOnLeader(Transactions.Encoding encoding) {
    Draws draws = new Draws();
    KeyValueStore store = KeyValueStore.empty();
    List<Change.Transaction> log = new ArrayList<>();
    long position = 0;
    for (List<Statement> tx : workload()) {
      Transactions.Committed c = Transactions.commit(store, tx, ++position, draws, encoding, LIMITS);
      store = c.after();
      log.add(c.change());
    }
    return new Run(store, log);
  }

  static KeyValueStore replay(List<Change.Transaction> log, int walVersion) throws Exception {
    KeyValueStore store = KeyValueStore.empty();
    long position = 0;
    for (Change.Transaction change : log) {
      // every entry crosses the wire and the journal as JSON first, as it does between replicas
      Change shipped = JSON.readValue(JSON.writeValueAsBytes(change), Change.class);
      store = Transactions.apply(store, shipped, ++position, walVersion).after();
    }
    return store;
  }

  @Test
  void everyFormatReplaysToTheLeadersExactBytes() throws Exception {
    String expected = null;
    for (LogFormat format : LogFormat.values()) {
      Run run = runOnLeader(new Transactions.Encoding(format, WalCodec.CURRENT_VERSION, TableTriggers.none()));
      KeyValueStore follower = replay(run.log(), WalCodec.CURRENT_VERSION);
      String leaderBytes = JSON.writeValueAsString(run.leader().items());
      assertEquals(leaderBytes, JSON.writeValueAsString(follower.items()), format + ": follower differs from leader");
      if (expected == null) {
        expected = leaderBytes;
      }
      // the same draws give the same rows whatever the format
      assertEquals(expected, leaderBytes, format + " leader differs from the other formats' leaders");
    }
    assertTrue(expected.contains("order-0."), "the concat of a random number is in the rows: " + expected);
  }

  @Test
  void statementLogCarriesTheLeadersDrawsAsLiterals() throws Exception {
    Run run = runOnLeader(new Transactions.Encoding(LogFormat.STATEMENT, 2, TableTriggers.none()));
    String log = JSON.writeValueAsString(run.log());
    assertTrue(!log.contains("\"now\"") && !log.contains("\"random\"") && !log.contains("\"next-id\""),
        "no non-deterministic function is left in the logged statements: " + log);
    assertTrue(log.contains("\"statements\""), log);
    // replaying twice gives the same bytes twice: nothing is drawn on a follower
    assertEquals(JSON.writeValueAsString(replay(run.log(), 2).items()),
        JSON.writeValueAsString(replay(run.log(), 2).items()));
  }

  @Test
  void logicalRecordsCarryEveryColumnOnInsertKeyAndNewValuesOnUpdateAndACommit() {
    Run run = runOnLeader(Transactions.Encoding.logical());
    Change.Rows transfer = (Change.Rows) run.log().get(2);
    assertEquals(3, transfer.records().size());
    RowRecord.Updated alice = (RowRecord.Updated) transfer.records().get(0);
    assertEquals("alice", alice.primaryKey());
    assertEquals(70, alice.values().get("balance").asInt());
    assertEquals(new RowRecord.Commit(2), transfer.records().get(2));
    Change.Rows last = (Change.Rows) run.log().get(4);
    assertEquals(new RowRecord.Deleted("accounts", "bob"), last.records().get(0));
  }

  @Test
  void aTornLogicalTransactionIsRefusedWhenApplied() {
    Change.Rows torn = new Change.Rows(List.of(new RowRecord.Inserted("t", "1",
        JsonNodeFactory.instance.objectNode())), List.of());
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> Transactions.apply(KeyValueStore.empty(), torn, 1, 2));
    assertTrue(e.getMessage().contains("torn"), e.getMessage());
  }

  @Test
  void aFailingStatementRefusesTheWholeTransactionNamingIt() {
    KeyValueStore store = runOnLeader(Transactions.Encoding.logical()).leader();
    List<Statement> tx = List.of(
        Statement.insert("accounts", Expr.lit("dave"), Map.of("balance", Expr.lit(1))),
        Statement.insert("accounts", Expr.lit("alice"), Map.of("balance", Expr.lit(1))));
    Transactions.Refused r = assertThrows(Transactions.Refused.class,
        () -> Transactions.commit(store, tx, 9, new Draws(), Transactions.Encoding.logical(), LIMITS));
    assertTrue(r.getMessage().contains("statement 2 (insert into accounts)") && r.getMessage().contains("alice"),
        r.getMessage());
    Transactions.Refused add = assertThrows(Transactions.Refused.class, () -> Transactions.commit(store,
        List.of(Statement.update("accounts", Where.all(), Map.of("balance", Expr.add(Expr.lit("x"), Expr.lit(1))))),
        9, new Draws(), Transactions.Encoding.logical(), LIMITS));
    assertTrue(add.getMessage().contains("not numbers"), add.getMessage());
    Transactions.Refused none = assertThrows(Transactions.Refused.class, () -> Transactions.commit(store,
        List.of(Statement.delete("accounts", Where.key("nobody"))), 9, new Draws(), Transactions.Encoding.logical(),
        LIMITS));
    assertTrue(none.getMessage().contains("changes no row"), none.getMessage());
  }

  @Test
  void triggersChooseWhatToReplicateWhereAndAThrowingTriggerRefusesTheCommit() {
    // the trigger filters on the whole row after the change, so updates that set other columns are seen too
    TableTriggers triggers = TableTriggers.none().on("accounts", event ->
        event.after() != null && event.after().path("balance").asDouble() > 50
            ? List.of(new TriggerOutput("audit", event.change())) : List.of());
    Run run = runOnLeader(new Transactions.Encoding(LogFormat.TRIGGER, 2, triggers));
    Change.Rows first = (Change.Rows) run.log().get(0);
    assertEquals(1, first.triggered().size(), "only alice's insert passes the trigger's filter");
    assertEquals("alice", first.triggered().get(0).change().primaryKey());
    Change.Rows sweep = (Change.Rows) run.log().get(3);
    assertEquals(List.of("alice"), sweep.triggered().stream().map(o -> o.change().primaryKey()).toList(),
        "the sweep set balance and touchedAt; only alice's whole row stays above 50");
    TableTriggers beforeAndAfter = TableTriggers.none().on("accounts", event -> {
      if (event.change() instanceof RowRecord.Deleted) {
        assertEquals(35.5, event.before().path("balance").asDouble(), "a delete sees the row it removes");
        assertEquals(null, event.after());
      }
      return List.of();
    });
    runOnLeader(new Transactions.Encoding(LogFormat.TRIGGER, 2, beforeAndAfter));
    TableTriggers failing = TableTriggers.none().on("accounts", event -> {
      throw new IllegalStateException("audit store is full");
    });
    Transactions.Refused r = assertThrows(Transactions.Refused.class, () -> Transactions.commit(KeyValueStore.empty(),
        workload().get(0), 1, new Draws(), new Transactions.Encoding(LogFormat.TRIGGER, 2, failing), LIMITS));
    assertTrue(r.getMessage().contains("audit store is full"), r.getMessage());
  }

  @Test
  void walRecordsOfAnotherStorageVersionAreRefusedWithAClearError() {
    Run run = runOnLeader(new Transactions.Encoding(LogFormat.WAL, 2, TableTriggers.none()));
    Change.Wal wal = (Change.Wal) run.log().get(0);
    assertEquals(2, WalCodec.versionOf(wal.records()));
    String why = Transactions.unreadable(wal, 1).orElseThrow();
    assertTrue(why.contains("version 2") && why.contains("reads version 1"), why);
    assertTrue(Transactions.unreadable(wal, 2).isEmpty());
    // version 1 lacks checksums: the same images are fewer bytes, and a version-1 reader reads them
    Run old = runOnLeader(new Transactions.Encoding(LogFormat.WAL, 1, TableTriggers.none()));
    assertNotEquals(((Change.Wal) old.log().get(0)).records().length, wal.records().length);
    assertEquals(old.leader(), run.leader());
  }

  @Test
  void aCorruptWalByteFailsItsChecksum() {
    Run run = runOnLeader(new Transactions.Encoding(LogFormat.WAL, 2, TableTriggers.none()));
    byte[] bytes = ((Change.Wal) run.log().get(0)).records().clone();
    bytes[bytes.length - 6] ^= 0x20;
    WalCodec.UnreadableWal e = assertThrows(WalCodec.UnreadableWal.class, () -> WalCodec.decode(bytes, 2));
    assertTrue(e.getMessage().contains("checksum") || e.getMessage().contains("cannot be read"), e.getMessage());
  }

  @Test
  void rowsLiveInTheirTablesRangeApartFromPlainKeys() {
    KeyValueStore store = runOnLeader(Transactions.Encoding.logical()).leader()
        .apply(new Change.Put("accounts", JsonNodeFactory.instance.textNode("plain")), 99);
    assertEquals(List.of("alice"), store.table("accounts").stream().map(i -> i.key()).toList());
    assertEquals(2, store.table("orders").size());
    assertTrue(store.get("accounts").isPresent());
    assertTrue(store.get(RowKey.of("accounts", "alice")).isPresent());
    assertTrue(LIMITS.checkKey("a" + RowKey.SEPARATOR + "b").isPresent(), "plain keys cannot pose as rows");
  }
}
