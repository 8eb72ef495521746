package io.replikit.logformat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.replikit.store.Change;
import io.replikit.store.Expr;
import io.replikit.store.KeyValueStore;
import io.replikit.store.RowKey;
import io.replikit.store.RowRecord;
import io.replikit.store.Statement;
import io.replikit.store.StoreItem;
import io.replikit.store.StoreLimits;
import io.replikit.store.TriggerOutput;
import io.replikit.store.VersionedValue;
import io.replikit.store.Where;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Transactions on tables of rows, without actors: the leader runs a transaction's statements against its store
 * ({@link #commit}), which either fails as a whole or yields the log entry's change in the group's
 * {@link LogFormat}; every replica (the leader too, when it replays its journal) applies that change with
 * {@link #apply}. Every format applied to the same store yields the same store.
 */
public final class Transactions {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private Transactions() {}

  /** How a group logs transactions: its format, the WAL storage version it writes, and its tables' triggers. */
  public record Encoding(LogFormat format, int walStorageVersion, TableTriggers triggers) {
    public Encoding {
      if (format == null) {
        throw new IllegalArgumentException("log format is missing");
      }
      if (!WalCodec.supports(walStorageVersion)) {
        throw new IllegalArgumentException("replikit.single-leader.wal-storage-version must be between "
            + WalCodec.OLDEST_VERSION + " and " + WalCodec.CURRENT_VERSION + ", was " + walStorageVersion);
      }
      triggers = triggers == null ? TableTriggers.none() : triggers;
    }

    public static Encoding logical() {
      return new Encoding(LogFormat.LOGICAL, WalCodec.CURRENT_VERSION, TableTriggers.none());
    }
  }

  /** A transaction the leader refused; nothing of it was logged. */
  public static final class Refused extends RuntimeException {
    public Refused(String message) {
      super(message);
    }
  }

  /**
   * A transaction that ran on the leader: the change to log, the store after it, the ids {@code nextId()} drew (in
   * statement order), and the number of row changes.
   */
  public record Committed(Change.Transaction change, KeyValueStore after, List<Long> generatedIds, int rowChanges) {}

  /** A change applied to a store: the store after it and the keys it touched, in order. */
  public record Applied(KeyValueStore after, Set<String> touched) {}

  /**
   * Runs {@code statements} at log {@code position} on the leader: draws the non-deterministic values from
   * {@code nondeterminism}, executes, checks every row against {@code limits}, fires triggers (trigger format) and
   * encodes the change. Throws {@link Refused} naming the statement that failed.
   */
  public static Committed commit(KeyValueStore store, List<Statement> statements, long position,
      Nondeterminism nondeterminism, Encoding encoding, StoreLimits limits) {
    if (statements == null || statements.isEmpty()) {
      throw new Refused("a transaction needs at least one statement");
    }
    List<Long> ids = new ArrayList<>();
    List<Statement> pinned = new ArrayList<>(statements.size());
    for (int i = 0; i < statements.size(); i++) {
      Statement s = statements.get(i);
      if (s == null) {
        throw new Refused("statement " + (i + 1) + " is null");
      }
      pinned.add(pin(s, nondeterminism, ids, i));
    }
    Executed ex = execute(store, pinned, position, encoding.format() == LogFormat.TRIGGER);
    for (RowRecord.RowChange c : ex.changes()) {
      JsonNode value = ex.after().get(RowKey.of(c.table(), c.primaryKey())).map(VersionedValue::value).orElse(null);
      Optional<String> problem = limits.checkRow(c.table(), c.primaryKey(), value);
      if (problem.isPresent()) {
        throw new Refused(problem.get());
      }
    }
    if (ex.changes().isEmpty()) {
      throw new Refused("the transaction changes no row (its updates and deletes matched nothing)");
    }
    Change.Transaction change;
    switch (encoding.format()) {
      case STATEMENT:
        change = new Change.Statements(List.copyOf(pinned));
        break;
      case WAL:
        List<WalCodec.Image> images = new ArrayList<>(ex.touched().size());
        for (String key : ex.touched()) {
          images.add(new WalCodec.Image(key, ex.after().get(key).map(VersionedValue::value).orElse(null)));
        }
        change = new Change.Wal(encoding.walStorageVersion(), WalCodec.encode(encoding.walStorageVersion(), images));
        break;
      case TRIGGER:
        List<TriggerOutput> outputs;
        try {
          outputs = encoding.triggers().fire(ex.events());
        } catch (RuntimeException e) {
          throw new Refused("a trigger failed, so the transaction is refused: " + e);
        }
        change = new Change.Rows(withCommit(ex.changes()), List.copyOf(outputs));
        break;
      case LOGICAL:
      default:
        change = new Change.Rows(withCommit(ex.changes()), List.of());
        break;
    }
    return new Committed(change, ex.after(), List.copyOf(ids), ex.changes().size());
  }

  private static List<RowRecord> withCommit(List<RowRecord.RowChange> changes) {
    List<RowRecord> records = new ArrayList<>(changes.size() + 1);
    records.addAll(changes);
    records.add(new RowRecord.Commit(changes.size()));
    return List.copyOf(records);
  }

  /**
   * Applies a logged change at {@code position}, as a replica reading WAL records of storage version
   * {@code walReaderVersion}. Throws {@link IllegalStateException} when the change cannot be applied to this store
   * (a torn transaction, an update of a missing row, unreadable WAL bytes): the log is not this store's.
   */
  public static Applied apply(KeyValueStore store, Change change, long position, int walReaderVersion) {
    if (change instanceof Change.Put || change instanceof Change.Delete) {
      return new Applied(store.apply(change, position), Set.of(change.key()));
    } else if (change instanceof Change.Statements s) {
      try {
        Executed ex = execute(store, s.statements(), position, false);
        return new Applied(ex.after(), ex.touched());
      } catch (Refused e) {
        throw new IllegalStateException("a logged statement failed on this replica at position " + position + ": "
            + e.getMessage());
      }
    } else if (change instanceof Change.Rows r) {
      List<RowRecord> records = r.records();
      if (records.isEmpty() || !(records.get(records.size() - 1) instanceof RowRecord.Commit commit)
          || commit.changes() != records.size() - 1) {
        throw new IllegalStateException("the row records at position " + position
            + " do not end in a commit record counting them: the transaction is torn");
      }
      KeyValueStore s = store;
      Set<String> touched = new LinkedHashSet<>();
      for (int i = 0; i < records.size() - 1; i++) {
        if (!(records.get(i) instanceof RowRecord.RowChange c)) {
          throw new IllegalStateException("record " + i + " at position " + position + " is a commit record before "
              + "the end of its transaction");
        }
        s = applyRecord(s, c, position);
        touched.add(RowKey.of(c.table(), c.primaryKey()));
      }
      return new Applied(s, touched);
    } else if (change instanceof Change.Wal w) {
      List<WalCodec.Image> images;
      try {
        images = WalCodec.decode(w.records(), walReaderVersion);
      } catch (WalCodec.UnreadableWal e) {
        throw new IllegalStateException("WAL entry at position " + position + ": " + e.getMessage());
      }
      KeyValueStore s = store;
      Set<String> touched = new LinkedHashSet<>();
      for (WalCodec.Image image : images) {
        s = image.value() == null ? s.remove(image.key()) : s.put(image.key(), image.value(), position);
        touched.add(image.key());
      }
      return new Applied(s, touched);
    }
    return new Applied(store, Set.of()); // NewEpoch
  }

  /** Why this replica cannot apply {@code change} at all (a WAL storage version it does not read), or empty. */
  public static Optional<String> unreadable(Change change, int walReaderVersion) {
    if (change instanceof Change.Wal w) {
      try {
        int version = WalCodec.versionOf(w.records());
        if (version != walReaderVersion) {
          return Optional.of("the leader ships WAL records in storage format version " + version + ", and this "
              + "replica reads version " + walReaderVersion + " only: WAL shipping needs the same storage version on "
              + "leader and followers (upgrade them together, or switch the group to the logical log format for "
              + "rolling upgrades)");
        }
      } catch (WalCodec.UnreadableWal e) {
        return Optional.of(e.getMessage());
      }
    }
    return Optional.empty();
  }

  private static KeyValueStore applyRecord(KeyValueStore s, RowRecord.RowChange c, long position) {
    String key = RowKey.of(c.table(), c.primaryKey());
    if (c instanceof RowRecord.Inserted ins) {
      return s.put(key, ins.columns(), position);
    } else if (c instanceof RowRecord.Updated upd) {
      VersionedValue before = s.get(key).orElseThrow(() -> new IllegalStateException("the update of row "
          + c.table() + "/" + c.primaryKey() + " at position " + position + " finds no such row on this replica"));
      return s.put(key, merged(before.value(), upd.values()), position);
    }
    return s.remove(key);
  }

  private static ObjectNode merged(JsonNode before, ObjectNode values) {
    ObjectNode row = before instanceof ObjectNode o ? o.deepCopy() : NODES.objectNode();
    values.fields().forEachRemaining(f -> row.set(f.getKey(), f.getValue()));
    return row;
  }

  // --- executing statements ---

  private record Executed(KeyValueStore after, List<RowRecord.RowChange> changes, Set<String> touched,
      List<TriggerEvent> events) {}

  private static TriggerEvent event(KeyValueStore before, KeyValueStore after, RowRecord.RowChange change) {
    String key = RowKey.of(change.table(), change.primaryKey());
    return new TriggerEvent(change, rowOf(before, key), rowOf(after, key));
  }

  private static ObjectNode rowOf(KeyValueStore store, String key) {
    return store.get(key).map(v -> v.value() instanceof ObjectNode o ? o.deepCopy() : null).orElse(null);
  }

  /** Runs statements in order; {@code withEvents}: also record each change's row before and after (for triggers). */
  private static Executed execute(KeyValueStore store, List<Statement> statements, long position,
      boolean withEvents) {
    KeyValueStore s = store;
    List<RowRecord.RowChange> changes = new ArrayList<>();
    List<TriggerEvent> events = new ArrayList<>();
    Set<String> touched = new LinkedHashSet<>();
    for (int i = 0; i < statements.size(); i++) {
      Statement st = statements.get(i);
      String where = "statement " + (i + 1) + " (" + kind(st) + " " + st.table() + ")";
      RowKey.checkTable(st.table()).ifPresent(p -> {
        throw new Refused(where + ": " + p);
      });
      if (st instanceof Statement.Insert ins) {
        String pk = primaryKey(eval(ins.primaryKey(), null, where), where);
        String key = RowKey.of(ins.table(), pk);
        if (s.get(key).isPresent()) {
          throw new Refused(where + ": a row with primary key " + pk + " exists");
        }
        ObjectNode columns = NODES.objectNode();
        for (Map.Entry<String, Expr> c : columnsOf(ins.columns(), where).entrySet()) {
          columns.set(c.getKey(), eval(c.getValue(), null, where));
        }
        RowRecord.Inserted rec = new RowRecord.Inserted(ins.table(), pk, columns);
        KeyValueStore before = s;
        s = applyRecord(s, rec, position);
        if (withEvents) {
          events.add(event(before, s, rec));
        }
        changes.add(rec);
        touched.add(key);
      } else if (st instanceof Statement.Update upd) {
        for (StoreItem row : select(s, upd.table(), upd.where(), where)) {
          ObjectNode values = NODES.objectNode();
          for (Map.Entry<String, Expr> c : columnsOf(upd.set(), where).entrySet()) {
            values.set(c.getKey(), eval(c.getValue(), row.value(), where));
          }
          RowRecord.Updated rec = new RowRecord.Updated(upd.table(), row.key(), values);
          KeyValueStore before = s;
          s = applyRecord(s, rec, position);
          if (withEvents) {
            events.add(event(before, s, rec));
          }
          changes.add(rec);
          touched.add(RowKey.of(upd.table(), row.key()));
        }
      } else if (st instanceof Statement.Delete del) {
        for (StoreItem row : select(s, del.table(), del.where(), where)) {
          RowRecord.Deleted rec = new RowRecord.Deleted(del.table(), row.key());
          KeyValueStore before = s;
          s = applyRecord(s, rec, position);
          if (withEvents) {
            events.add(event(before, s, rec));
          }
          changes.add(rec);
          touched.add(RowKey.of(del.table(), row.key()));
        }
      }
    }
    return new Executed(s, changes, touched, events);
  }

  private static String kind(Statement s) {
    return s instanceof Statement.Insert ? "insert into" : s instanceof Statement.Update ? "update" : "delete from";
  }

  private static Map<String, Expr> columnsOf(Map<String, Expr> columns, String where) {
    if (columns == null) {
      return Map.of();
    }
    for (Map.Entry<String, Expr> c : columns.entrySet()) {
      if (c.getKey() == null || c.getKey().isEmpty() || c.getValue() == null) {
        throw new Refused(where + ": column '" + c.getKey() + "' has no name or no expression");
      }
    }
    return columns;
  }

  private static List<StoreItem> select(KeyValueStore s, String table, Where w, String where) {
    if (w == null) {
      throw new Refused(where + ": no where clause (use Where.all() to touch every row)");
    }
    if (w instanceof Where.Key k) {
      if (k.primaryKey() == null) {
        throw new Refused(where + ": the primary key is null");
      }
      return s.get(RowKey.of(table, k.primaryKey()))
          .map(v -> List.of(new StoreItem(k.primaryKey(), v.value(), v.version()))).orElse(List.of());
    }
    List<StoreItem> rows = s.table(table);
    if (w instanceof Where.ColumnEquals ce) {
      List<StoreItem> out = new ArrayList<>();
      for (StoreItem row : rows) {
        JsonNode v = row.value().get(ce.column());
        if (v != null && v.equals(ce.value())) {
          out.add(row);
        }
      }
      return out;
    }
    return rows;
  }

  private static String primaryKey(JsonNode value, String where) {
    if (value != null && (value.isTextual() || value.isIntegralNumber()) && !value.asText().isEmpty()) {
      return value.asText();
    }
    throw new Refused(where + ": the primary key must be a non-empty text or an integer, was " + value);
  }

  private static JsonNode eval(Expr e, JsonNode row, String where) {
    if (e instanceof Expr.Lit lit) {
      return lit.value() == null ? NODES.nullNode() : lit.value();
    } else if (e instanceof Expr.Col col) {
      if (row == null) {
        throw new Refused(where + ": column " + col.name() + " is read where there is no row (in an insert)");
      }
      JsonNode v = row.get(col.name());
      return v == null ? NODES.nullNode() : v;
    } else if (e instanceof Expr.Add add) {
      JsonNode l = eval(add.left(), row, where);
      JsonNode r = eval(add.right(), row, where);
      if (!(l.isNull() || l.isNumber()) || !(r.isNull() || r.isNumber())) {
        throw new Refused(where + ": cannot add " + l + " and " + r + " (not numbers)");
      }
      if ((l.isNull() || l.isIntegralNumber()) && (r.isNull() || r.isIntegralNumber())) {
        return NODES.numberNode(l.asLong() + r.asLong());
      }
      return NODES.numberNode(l.asDouble() + r.asDouble());
    } else if (e instanceof Expr.Concat concat) {
      if (concat.parts() == null) {
        throw new Refused(where + ": a concat has no parts");
      }
      StringBuilder b = new StringBuilder();
      for (Expr part : concat.parts()) {
        JsonNode v = eval(part, row, where);
        if (!v.isNull()) {
          b.append(v.isTextual() ? v.asText() : v.toString());
        }
      }
      return NODES.textNode(b.toString());
    } else if (e == null) {
      throw new Refused(where + ": an expression is null");
    }
    // a statement in the log always has these replaced by the values the leader drew
    throw new IllegalStateException(where + ": " + e + " was not evaluated by the leader");
  }

  // --- pinning the non-deterministic functions ---

  private static Statement pin(Statement s, Nondeterminism nd, List<Long> ids, int index) {
    if (s instanceof Statement.Insert ins) {
      if (ins.primaryKey() == null) {
        throw new Refused("statement " + (index + 1) + " (insert into " + ins.table() + ") has no primary key");
      }
      return new Statement.Insert(ins.table(), pin(ins.primaryKey(), nd, ids), pinAll(ins.columns(), nd, ids));
    } else if (s instanceof Statement.Update upd) {
      return new Statement.Update(upd.table(), upd.where(), pinAll(upd.set(), nd, ids));
    }
    return s;
  }

  private static Map<String, Expr> pinAll(Map<String, Expr> exprs, Nondeterminism nd, List<Long> ids) {
    if (exprs == null) {
      return null;
    }
    Map<String, Expr> out = new LinkedHashMap<>();
    for (Map.Entry<String, Expr> e : exprs.entrySet()) {
      out.put(e.getKey(), e.getValue() == null ? null : pin(e.getValue(), nd, ids));
    }
    return out;
  }

  private static Expr pin(Expr e, Nondeterminism nd, List<Long> ids) {
    if (e instanceof Expr.Now) {
      return new Expr.Lit(NODES.numberNode(nd.nowMillis()));
    } else if (e instanceof Expr.Random) {
      return new Expr.Lit(NODES.numberNode(nd.random()));
    } else if (e instanceof Expr.NextId) {
      long id = nd.nextId();
      ids.add(id);
      return new Expr.Lit(NODES.numberNode(id));
    } else if (e instanceof Expr.Add add) {
      return new Expr.Add(pin(add.left(), nd, ids), pin(add.right(), nd, ids));
    } else if (e instanceof Expr.Concat c && c.parts() != null) {
      List<Expr> parts = new ArrayList<>(c.parts().size());
      for (Expr p : c.parts()) {
        parts.add(pin(p, nd, ids));
      }
      return new Expr.Concat(parts);
    }
    return e;
  }
}
