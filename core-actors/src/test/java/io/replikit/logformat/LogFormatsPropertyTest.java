package io.replikit.logformat;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.replikit.store.Change;
import io.replikit.store.Expr;
import io.replikit.store.KeyValueStore;
import io.replikit.store.Statement;
import io.replikit.store.StoreLimits;
import io.replikit.store.Where;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The law behind "selectable per group": for any sequence of transactions (some refused), every log format logs
 * changes that replay, after a trip through JSON, to exactly the leader's bytes; and all four leaders agree.
 */
class LogFormatsPropertyTest {
  private static final StoreLimits LIMITS = new StoreLimits(256, 65536);
  private static final ObjectMapper JSON = new ObjectMapper();

  private static Expr randomExpr(Random r, boolean rowAvailable) {
    switch (r.nextInt(rowAvailable ? 6 : 4)) {
      case 0:
        return Expr.lit(r.nextInt(100));
      case 1:
        return Expr.now();
      case 2:
        return Expr.random();
      case 3:
        return Expr.concat(Expr.lit("n"), Expr.nextId());
      case 4:
        return Expr.add(Expr.col("n"), Expr.lit(r.nextInt(10)));
      default:
        return Expr.col("label");
    }
  }

  private static Statement randomStatement(Random r) {
    String table = r.nextBoolean() ? "t" : "u";
    switch (r.nextInt(5)) {
      case 0:
      case 1: {
        Map<String, Expr> cols = new LinkedHashMap<>();
        cols.put("n", Expr.lit(r.nextInt(50)));
        cols.put("label", randomExpr(r, false));
        Expr pk = r.nextInt(3) == 0 ? Expr.nextId() : Expr.lit("k" + r.nextInt(8));
        return Statement.insert(table, pk, cols);
      }
      case 2: {
        Where where = r.nextInt(3) == 0 ? Where.all() : Where.key("k" + r.nextInt(8));
        return Statement.update(table, where, Map.of("n", Expr.add(Expr.col("n"), Expr.lit(r.nextInt(5)))));
      }
      case 3:
        return Statement.update(table, Where.key("k" + r.nextInt(8)), Map.of("label", randomExpr(r, true)));
      default:
        return Statement.delete(table, r.nextInt(6) == 0 ? Where.all() : Where.key("k" + r.nextInt(8)));
    }
  }

  @Property(tries = 200, seed = "20261122")
  void everyFormatReplaysToTheLeadersBytes(@ForAll long seed,
      @ForAll @IntRange(min = 1, max = 40) int transactions) throws Exception {
    String agreed = null;
    for (LogFormat format : LogFormat.values()) {
      Random r = new Random(seed);
      TransactionsTest.Draws draws = new TransactionsTest.Draws();
      TableTriggers triggers = TableTriggers.none().on("t", c -> List.of());
      Transactions.Encoding encoding = new Transactions.Encoding(format, WalCodec.CURRENT_VERSION, triggers);
      KeyValueStore leader = KeyValueStore.empty();
      KeyValueStore follower = KeyValueStore.empty();
      long position = 0;
      for (int i = 0; i < transactions; i++) {
        List<Statement> tx = new ArrayList<>();
        int size = 1 + r.nextInt(4);
        for (int s = 0; s < size; s++) {
          tx.add(randomStatement(r));
        }
        Transactions.Committed c;
        try {
          c = Transactions.commit(leader, tx, position + 1, draws, encoding, LIMITS);
        } catch (Transactions.Refused refused) {
          continue; // nothing logged; the leader's store is unchanged
        }
        position++;
        leader = c.after();
        Change shipped = JSON.readValue(JSON.writeValueAsBytes(c.change()), Change.class);
        follower = Transactions.apply(follower, shipped, position, WalCodec.CURRENT_VERSION).after();
        assertEquals(leader, follower, format + " after transaction " + i);
      }
      String bytes = JSON.writeValueAsString(follower.items());
      assertEquals(JSON.writeValueAsString(leader.items()), bytes, format.name());
      if (agreed == null) {
        agreed = bytes;
      }
      assertEquals(agreed, bytes, format + " leader differs from the others'");
    }
  }
}
