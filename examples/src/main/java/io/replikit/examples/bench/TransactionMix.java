package io.replikit.examples.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.replikit.logformat.TableTriggers;
import io.replikit.store.Expr;
import io.replikit.store.RowRecord;
import io.replikit.store.Statement;
import io.replikit.store.TriggerOutput;
import io.replikit.store.Where;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The workload of the log-format bench: a shop's transactions, the same list for every format (drawn from a seed).
 *
 * <ul>
 *   <li>40% <b>order</b>: insert into {@code orders} (primary key {@code nextId()}, {@code placedAt = now()},
 *       {@code coupon = random()}, an amount) and {@code accounts.balance = balance - amount} for its account.
 *   <li>20% <b>transfer</b>: {@code balance = balance - x} on one account, {@code balance = balance + x} on another.
 *   <li>15% <b>cart</b>: insert into {@code carts} under a literal key, {@code createdAt = now()}.
 *   <li>15% <b>checkout</b>: delete the oldest cart still there (a cart insert when there is none).
 *   <li>10% <b>price sweep</b>: one update of every row of the small {@code prices} table
 *       ({@code price = price + 1, changedAt = now()}), {@value #PRICE_ROWS} rows at once.
 * </ul>
 *
 * A checkout deletes a cart inserted by an earlier transaction of the list; the bench sends transactions to the
 * leader from one thread, so the leader runs them in list order and the cart is there.
 */
final class TransactionMix {
  static final String ACCOUNTS = "accounts";
  static final String ORDERS = "orders";
  static final String CARTS = "carts";
  static final String PRICES = "prices";
  static final int ACCOUNT_ROWS = 1000;
  static final int PRICE_ROWS = 20;
  /** The trigger-format bench replicates orders above this amount, as a transformed copy. */
  static final int BIG_ORDER_AMOUNT = 250;
  static final String BIG_ORDERS_TARGET = "big-orders";

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private TransactionMix() {}

  /** The rows every run starts from: the accounts and the prices, in transactions of up to 100 inserts. */
  static List<List<Statement>> setup() {
    List<List<Statement>> txs = new ArrayList<>();
    List<Statement> tx = new ArrayList<>();
    for (int a = 0; a < ACCOUNT_ROWS; a++) {
      tx.add(Statement.insert(ACCOUNTS, Expr.lit(account(a)), Map.of("owner", Expr.lit("customer " + a),
          "balance", Expr.lit(10_000))));
      if (tx.size() == 100) {
        txs.add(tx);
        tx = new ArrayList<>();
      }
    }
    if (!tx.isEmpty()) {
      txs.add(tx);
    }
    List<Statement> prices = new ArrayList<>();
    for (int p = 0; p < PRICE_ROWS; p++) {
      prices.add(Statement.insert(PRICES, Expr.lit("sku-" + p), Map.of("price", Expr.lit(100 + p))));
    }
    txs.add(prices);
    return txs;
  }

  /**
   * {@code count} transactions drawn from {@code seed}; cart keys start with {@code cartPrefix}, so that a warm-up
   * list and a measured list can run one after the other on the same group.
   */
  static List<List<Statement>> generate(long seed, int count, String cartPrefix) {
    Random random = new Random(seed);
    Deque<String> carts = new ArrayDeque<>();
    List<List<Statement>> txs = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      int pick = random.nextInt(100);
      if (pick < 40) {
        String account = account(random.nextInt(ACCOUNT_ROWS));
        int amount = 1 + random.nextInt(500);
        txs.add(List.of(
            Statement.insert(ORDERS, Expr.nextId(), columns("account", Expr.lit(account), "amount", Expr.lit(amount),
                "status", Expr.lit("placed"), "placedAt", Expr.now(), "coupon", Expr.random())),
            Statement.update(ACCOUNTS, Where.key(account),
                columns("balance", Expr.add(Expr.col("balance"), Expr.lit(-amount)), "lastOrderAt", Expr.now()))));
      } else if (pick < 60) {
        int from = random.nextInt(ACCOUNT_ROWS);
        int to = (from + 1 + random.nextInt(ACCOUNT_ROWS - 1)) % ACCOUNT_ROWS;
        int amount = 1 + random.nextInt(100);
        txs.add(List.of(
            Statement.update(ACCOUNTS, Where.key(account(from)),
                columns("balance", Expr.add(Expr.col("balance"), Expr.lit(-amount)))),
            Statement.update(ACCOUNTS, Where.key(account(to)),
                columns("balance", Expr.add(Expr.col("balance"), Expr.lit(amount))))));
      } else if (pick < 90 && (pick < 75 || carts.isEmpty())) {
        String cart = cartPrefix + i;
        carts.addLast(cart);
        txs.add(List.of(Statement.insert(CARTS, Expr.lit(cart), columns("account",
            Expr.lit(account(random.nextInt(ACCOUNT_ROWS))), "items", Expr.lit(1 + random.nextInt(9)),
            "createdAt", Expr.now()))));
      } else if (pick < 90) {
        txs.add(List.of(Statement.delete(CARTS, Where.key(carts.removeFirst()))));
      } else {
        txs.add(List.of(Statement.update(PRICES, Where.all(),
            columns("price", Expr.add(Expr.col("price"), Expr.lit(1)), "changedAt", Expr.now()))));
      }
    }
    return txs;
  }

  /**
   * The trigger of the trigger-format run: every order above {@value #BIG_ORDER_AMOUNT} is replicated to
   * {@value #BIG_ORDERS_TARGET} as a transformed row (account, amount in cents, when) of table {@code big_orders};
   * the others are not replicated anywhere else.
   */
  static TableTriggers bigOrdersTrigger() {
    return TableTriggers.none().on(ORDERS, event -> {
      if (event.change() instanceof RowRecord.Inserted ins
          && ins.columns().path("amount").asInt() > BIG_ORDER_AMOUNT) {
        ObjectNode copy = NODES.objectNode();
        copy.set("account", ins.columns().get("account"));
        copy.put("amountCents", ins.columns().path("amount").asLong() * 100);
        copy.set("placedAt", ins.columns().get("placedAt"));
        return List.of(new TriggerOutput(BIG_ORDERS_TARGET,
            new RowRecord.Inserted("big_orders", ins.primaryKey(), copy)));
      }
      return List.of();
    });
  }

  private static String account(int a) {
    return "acct-" + a;
  }

  /** Columns in the order given (statement-based logs keep them in that order). */
  private static Map<String, Expr> columns(Object... nameThenExpr) {
    Map<String, Expr> m = new LinkedHashMap<>();
    for (int i = 0; i < nameThenExpr.length; i += 2) {
      m.put((String) nameThenExpr[i], (Expr) nameThenExpr[i + 1]);
    }
    return m;
  }
}
