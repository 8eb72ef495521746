package io.replikit.examples.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.replikit.logformat.LogFormat;
import io.replikit.persistence.ReplikitJournal;
import io.replikit.singleleader.AckLevel;
import io.replikit.singleleader.AckPolicy;
import io.replikit.store.Expr;
import io.replikit.store.Statement;
import io.replikit.store.Where;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The log-format bench on a tiny workload: its JSON, and the figures that do not depend on time. */
class LogFormatsBenchTest {
  private static final int TRANSACTIONS = 40;
  private static final long SEED = 7;

  @Test
  void everyFormatRunsTheSameWorkloadAndReportsItsFigures() throws Exception {
    LogFormatsBench.Options options = new LogFormatsBench.Options(TRANSACTIONS, 1, AckPolicy.Mode.ASYNC,
        AckLevel.PERSISTED, 8, ReplikitJournal.H2_MEMORY, Path.of("unused"), SEED, 10);
    StringWriter progress = new StringWriter();
    LogFormatsBench.Result result = LogFormatsBench.run(options, new PrintWriter(progress, true));
    JsonNode json = new ObjectMapper().readTree(new ObjectMapper().writeValueAsString(result.toJson()));

    List<List<Statement>> measured = TransactionMix.generate(SEED, TRANSACTIONS, "c");
    double rowsPerWrite = measured.stream().mapToInt(LogFormatsBenchTest::rows).sum() / (double) TRANSACTIONS;
    double bigOrdersPerWrite = measured.stream().filter(LogFormatsBenchTest::isBigOrder).count()
        / (double) TRANSACTIONS;
    assertTrue(bigOrdersPerWrite > 0, "seed " + SEED + " draws at least one big order");

    assertEquals(TRANSACTIONS, json.get("transactions").asInt());
    assertTrue(json.get("bytes_method").asText().contains("jackson-json"), json.toString());
    assertEquals(Set.of("statement", "wal", "logical", "trigger"), fieldNames(json.get("formats")));
    for (LogFormat format : LogFormat.values()) {
      JsonNode f = json.get("formats").get(format.configName());
      String where = format + ": " + f;
      assertEquals(TRANSACTIONS, f.get("committed").asInt(), where);
      assertEquals(0, f.get("failed_writes").asInt(), where);
      assertTrue(f.get("writes_per_s").asDouble() > 0, where);
      assertTrue(f.get("commit_p99_ms").asDouble() >= f.get("commit_p50_ms").asDouble(), where);
      assertEquals(rowsPerWrite, f.get("rows_per_write").asDouble(), 0.001, "same rows in every format, " + where);
      assertTrue(f.get("entry_bytes_per_write").asDouble() > 0, where);
      assertTrue(f.get("wire_bytes_per_write").asDouble() >= f.get("entry_bytes_per_write").asDouble(), where);
      assertTrue(f.get("journal_bytes_per_write").asDouble() > 0, where);
      assertEquals(format == LogFormat.TRIGGER ? bigOrdersPerWrite : 0, f.get("triggered_per_write").asDouble(),
          0.001, "the trigger replicates each big order once, " + where);
    }
    JsonNode logical = json.get("formats").get("logical");
    JsonNode trigger = json.get("formats").get("trigger");
    assertTrue(trigger.get("entry_bytes_per_write").asDouble() > logical.get("entry_bytes_per_write").asDouble(),
        "the trigger's outputs travel with the logical records");
    assertTrue(json.get("trigger_vs_logical").has("writes_per_s_ratio"), json.toString());

    StringWriter table = new StringWriter();
    result.printTable(new PrintWriter(table, true));
    for (LogFormat format : LogFormat.values()) {
      assertTrue(table.toString().contains(format.configName()), table.toString());
    }
  }

  @Test
  void theWorkloadIsTheSameForOneSeedAndEveryCheckoutDeletesACartInsertedBefore() {
    assertEquals(TransactionMix.generate(3, 500, "c"), TransactionMix.generate(3, 500, "c"));
    Set<String> carts = new HashSet<>();
    for (List<Statement> tx : TransactionMix.generate(3, 500, "c")) {
      for (Statement s : tx) {
        if (s instanceof Statement.Insert ins && ins.table().equals(TransactionMix.CARTS)) {
          carts.add(((Expr.Lit) ins.primaryKey()).value().asText());
        } else if (s instanceof Statement.Delete del) {
          assertTrue(carts.remove(((Where.Key) del.where()).primaryKey()), "deletes a cart that is there: " + del);
        }
      }
    }
  }

  private static int rows(List<Statement> tx) {
    int n = 0;
    for (Statement s : tx) {
      n += s instanceof Statement.Update u && u.where() instanceof Where.All ? TransactionMix.PRICE_ROWS : 1;
    }
    return n;
  }

  private static boolean isBigOrder(List<Statement> tx) {
    return tx.get(0) instanceof Statement.Insert ins && ins.table().equals(TransactionMix.ORDERS)
        && ((Expr.Lit) ins.columns().get("amount")).value().asInt() > TransactionMix.BIG_ORDER_AMOUNT;
  }

  private static Set<String> fieldNames(JsonNode node) {
    Set<String> names = new HashSet<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
