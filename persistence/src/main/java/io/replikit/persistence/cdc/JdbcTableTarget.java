package io.replikit.persistence.cdc;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.DispatcherSelector;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import io.replikit.store.RowRecord;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * A {@link TriggerTarget} that writes trigger outputs into plain tables of a JDBC database (typically another
 * database than the journal's): an output's table is the JDBC table of that name, its primary key goes to the key
 * column ({@code id} unless set), its columns to the columns of the same names. An insert is an upsert (the row
 * is updated when it exists, so a trigger may send the whole row again); an update sets the given columns of the row
 * if it exists and does nothing otherwise; a delete deletes the row if it exists.
 *
 * <p>Guarantees exactly once: each delivery runs in one JDBC transaction that locks the relay's row in the offset
 * table ({@code replikit.cdc.relay.jdbc-offset-table}, created if missing), applies nothing when the stored offset
 * is already at or past the delivery's, and otherwise applies the changes and stores the new offset before it
 * commits. Two relays with one id writing at once are serialized by that lock (the second finds the offset stored).
 *
 * <p>Does not survive: a database that does not honour transactions or {@code SELECT ... FOR UPDATE}, and writes by
 * others to the same rows (the relay overwrites them). Names of tables and columns are used unquoted (so the
 * database folds their case as it does for tables created without quotes) and must be letters, digits and
 * {@code _}.
 */
public final class JdbcTableTarget implements TriggerTarget {
  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");
  private static final String OFFSET_TABLE_PATH = "replikit.cdc.relay.jdbc-offset-table";
  private static final String KEY_COLUMN_PATH = "replikit.cdc.relay.jdbc-key-column";

  /** Opens a connection to the target database. */
  @FunctionalInterface
  public interface Connections {
    Connection open() throws SQLException;

    static Connections of(DataSource dataSource) {
      return dataSource::getConnection;
    }

    static Connections of(String url, String user, String password) {
      return () -> DriverManager.getConnection(url, user, password);
    }
  }

  private final Connections connections;
  private final Executor executor;
  private final String offsetTable;
  private final String keyColumn;
  private volatile boolean offsetTableReady;

  private JdbcTableTarget(Connections connections, Executor executor, String offsetTable, String keyColumn) {
    this.connections = connections;
    this.executor = executor;
    this.offsetTable = name(offsetTable, "offset table");
    this.keyColumn = name(keyColumn, "key column");
  }

  /**
   * A target on database {@code url}, connecting through {@link DriverManager} for each delivery and running JDBC
   * on the system's blocking dispatcher; offset table and key column from {@code replikit.cdc.relay}.
   */
  public static JdbcTableTarget create(ActorSystem<?> system, String url, String user, String password) {
    return create(system, Connections.of(url, user, password));
  }

  /** A target on the database {@code connections} opens (e.g. a pool's {@link DataSource}). */
  public static JdbcTableTarget create(ActorSystem<?> system, Connections connections) {
    Config config = system.settings().config();
    return new JdbcTableTarget(connections, system.dispatchers().lookup(DispatcherSelector.blocking()),
        config.hasPath(OFFSET_TABLE_PATH) ? config.getString(OFFSET_TABLE_PATH) : "replikit_relay_offsets",
        config.hasPath(KEY_COLUMN_PATH) ? config.getString(KEY_COLUMN_PATH) : "id");
  }

  /** This target with the primary key of every output going to column {@code column}. */
  public JdbcTableTarget withKeyColumn(String column) {
    return new JdbcTableTarget(connections, executor, offsetTable, column);
  }

  /** This target keeping relay offsets in table {@code table}. */
  public JdbcTableTarget withOffsetTable(String table) {
    return new JdbcTableTarget(connections, executor, table, keyColumn);
  }

  /** This target running its JDBC calls on {@code jdbcExecutor}. */
  public JdbcTableTarget withExecutor(Executor jdbcExecutor) {
    return new JdbcTableTarget(connections, jdbcExecutor, offsetTable, keyColumn);
  }

  @Override
  public CompletionStage<Long> lastDelivered(String relayId) {
    return CompletableFuture.supplyAsync(() -> {
      try (Connection c = connections.open()) {
        ensureOffsetTable(c);
        Long stored = readOffset(c, relayId, false);
        if (stored != null) {
          return stored;
        }
        // the relay's row, at 0, so that deliveries only ever lock and update it
        try (PreparedStatement i = c.prepareStatement("INSERT INTO " + offsetTable
            + " (relay_id, sequence_nr, log_position, epoch, updated_millis) VALUES (?, 0, 0, 0, 0)")) {
          i.setString(1, relayId);
          i.executeUpdate();
        } catch (SQLException e) {
          stored = readOffset(c, relayId, false); // another relay with this id inserted it first
          if (stored == null) {
            throw e;
          }
          return stored;
        }
        if (!c.getAutoCommit()) {
          c.commit();
        }
        return 0L;
      } catch (SQLException e) {
        throw new IllegalStateException("could not read the offset of relay " + relayId + " from " + offsetTable
            + ": " + e.getMessage(), e);
      }
    }, executor);
  }

  @Override
  public CompletionStage<Boolean> deliver(String relayId, Delivery delivery) {
    return CompletableFuture.supplyAsync(() -> {
      try (Connection c = connections.open()) {
        ensureOffsetTable(c);
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        try {
          long stored = lockOffset(c, relayId);
          if (delivery.sequenceNr() <= stored) {
            c.rollback();
            return false;
          }
          for (RowRecord.RowChange change : delivery.changes()) {
            apply(c, change);
          }
          storeOffset(c, relayId, delivery);
          c.commit();
          return true;
        } catch (SQLException | RuntimeException e) {
          rollbackQuietly(c, e);
          throw e;
        } finally {
          c.setAutoCommit(autoCommit);
        }
      } catch (SQLException e) {
        throw new IllegalStateException("relay " + relayId + ": could not apply position " + delivery.position()
            + " (offset " + delivery.sequenceNr() + "); nothing of it was applied: " + e.getMessage(), e);
      }
    }, executor);
  }

  // --- internals ---

  private void ensureOffsetTable(Connection c) throws SQLException {
    if (offsetTableReady) {
      return;
    }
    try (Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS " + offsetTable + " (relay_id VARCHAR(200) NOT NULL PRIMARY KEY, "
          + "sequence_nr BIGINT NOT NULL, log_position BIGINT NOT NULL, epoch BIGINT NOT NULL, "
          + "updated_millis BIGINT NOT NULL)");
    }
    if (!c.getAutoCommit()) {
      c.commit();
    }
    offsetTableReady = true;
  }

  /** The stored offset, with the relay's row locked until commit (created, at 0, when missing). */
  private long lockOffset(Connection c, String relayId) throws SQLException {
    Long stored = readOffset(c, relayId, true);
    if (stored != null) {
      return stored;
    }
    // not there yet (lastDelivered creates it): a concurrent first insert fails on the primary key, never repeats
    try (PreparedStatement i = c.prepareStatement("INSERT INTO " + offsetTable
        + " (relay_id, sequence_nr, log_position, epoch, updated_millis) VALUES (?, 0, 0, 0, 0)")) {
      i.setString(1, relayId);
      i.executeUpdate();
    }
    return 0;
  }

  private Long readOffset(Connection c, String relayId, boolean lock) throws SQLException {
    try (PreparedStatement q = c.prepareStatement("SELECT sequence_nr FROM " + offsetTable + " WHERE relay_id = ?"
        + (lock ? " FOR UPDATE" : ""))) {
      q.setString(1, relayId);
      try (ResultSet rs = q.executeQuery()) {
        return rs.next() ? rs.getLong(1) : null;
      }
    }
  }

  private void storeOffset(Connection c, String relayId, Delivery d) throws SQLException {
    try (PreparedStatement u = c.prepareStatement("UPDATE " + offsetTable
        + " SET sequence_nr = ?, log_position = ?, epoch = ?, updated_millis = ? WHERE relay_id = ?")) {
      u.setLong(1, d.sequenceNr());
      u.setLong(2, d.position());
      u.setLong(3, d.epoch());
      u.setLong(4, System.currentTimeMillis());
      u.setString(5, relayId);
      if (u.executeUpdate() != 1) {
        throw new SQLException("the offset row of relay " + relayId + " vanished from " + offsetTable);
      }
    }
  }

  private void apply(Connection c, RowRecord.RowChange change) throws SQLException {
    String table = name(change.table(), "table");
    if (change instanceof RowRecord.Inserted ins) {
      upsert(c, table, change.primaryKey(), ins.columns());
    } else if (change instanceof RowRecord.Updated upd) {
      update(c, table, change.primaryKey(), upd.values());
    } else if (change instanceof RowRecord.Deleted) {
      try (PreparedStatement d = c.prepareStatement("DELETE FROM " + table + " WHERE " + keyColumn + " = ?")) {
        d.setString(1, change.primaryKey());
        d.executeUpdate();
      }
    }
  }

  /** Inserts the row, or sets its columns when a row with that key exists. */
  private void upsert(Connection c, String table, String key, ObjectNode values) throws SQLException {
    Columns cols = columns(table, values);
    if (cols.names().isEmpty() ? exists(c, table, key) : update(c, table, key, cols) > 0) {
      return;
    }
    StringBuilder sql = new StringBuilder("INSERT INTO ").append(table).append(" (").append(keyColumn);
    for (String column : cols.names()) {
      sql.append(", ").append(column);
    }
    sql.append(") VALUES (?").append(", ?".repeat(cols.names().size())).append(")");
    try (PreparedStatement i = c.prepareStatement(sql.toString())) {
      i.setString(1, key);
      for (int p = 0; p < cols.values().size(); p++) {
        bind(i, p + 2, cols.values().get(p));
      }
      i.executeUpdate();
    }
  }

  /** Sets the given columns of the row with that key, if there is one. */
  private void update(Connection c, String table, String key, ObjectNode values) throws SQLException {
    Columns cols = columns(table, values);
    if (!cols.names().isEmpty()) {
      update(c, table, key, cols);
    }
  }

  private int update(Connection c, String table, String key, Columns cols) throws SQLException {
    StringBuilder sql = new StringBuilder("UPDATE ").append(table).append(" SET ");
    for (int i = 0; i < cols.names().size(); i++) {
      sql.append(i == 0 ? "" : ", ").append(cols.names().get(i)).append(" = ?");
    }
    sql.append(" WHERE ").append(keyColumn).append(" = ?");
    try (PreparedStatement u = c.prepareStatement(sql.toString())) {
      for (int i = 0; i < cols.values().size(); i++) {
        bind(u, i + 1, cols.values().get(i));
      }
      u.setString(cols.values().size() + 1, key);
      return u.executeUpdate();
    }
  }

  private boolean exists(Connection c, String table, String key) throws SQLException {
    try (PreparedStatement q = c.prepareStatement("SELECT 1 FROM " + table + " WHERE " + keyColumn + " = ?")) {
      q.setString(1, key);
      try (ResultSet rs = q.executeQuery()) {
        return rs.next();
      }
    }
  }

  private record Columns(List<String> names, List<JsonNode> values) {}

  /** The output's columns but the key column (the key comes from the output's primary key), names checked. */
  private Columns columns(String table, ObjectNode values) {
    List<String> names = new ArrayList<>();
    List<JsonNode> params = new ArrayList<>();
    if (values != null) {
      for (Iterator<Map.Entry<String, JsonNode>> it = values.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> f = it.next();
        if (!f.getKey().equalsIgnoreCase(keyColumn)) {
          names.add(name(f.getKey(), "column of table " + table));
          params.add(f.getValue());
        }
      }
    }
    return new Columns(names, params);
  }

  private static void bind(PreparedStatement s, int index, JsonNode v) throws SQLException {
    if (v == null || v.isNull() || v.isMissingNode()) {
      s.setObject(index, null);
    } else if (v.isIntegralNumber() && v.canConvertToLong()) {
      s.setLong(index, v.longValue());
    } else if (v.isNumber()) {
      s.setBigDecimal(index, v.decimalValue());
    } else if (v.isBoolean()) {
      s.setBoolean(index, v.booleanValue());
    } else if (v.isTextual()) {
      s.setString(index, v.textValue());
    } else {
      s.setString(index, v.toString()); // objects and arrays as JSON text
    }
  }

  private static void rollbackQuietly(Connection c, Exception cause) {
    try {
      c.rollback();
    } catch (SQLException e) {
      cause.addSuppressed(e);
    }
  }

  private static String name(String name, String what) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(what + " name '" + name + "' is not usable in SQL here: use letters, "
          + "digits and '_', not starting with a digit, at most 63 characters");
    }
    return name;
  }
}
