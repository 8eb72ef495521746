package io.replikit.store;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where a table row lives in the store: rows and plain keys share one ordered key space, a row under
 * {@code table + U+001F + primaryKey}. Plain keys may not contain U+001F, so the two never collide, and a table's
 * rows sit next to each other in key order (a table scan is a range read).
 */
public final class RowKey {
  /** The separator between table and primary key; refused in plain keys and table names. */
  public static final char SEPARATOR = '\u001F';

  private static final Pattern TABLE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,63}");

  private RowKey() {}

  /** The store key of row {@code primaryKey} of {@code table}. */
  public static String of(String table, String primaryKey) {
    return table + SEPARATOR + primaryKey;
  }

  /** The first store key of {@code table}'s range. */
  public static String tableStart(String table) {
    return table + SEPARATOR;
  }

  /** The first store key after {@code table}'s range. */
  public static String tableEnd(String table) {
    return table + (char) (SEPARATOR + 1);
  }

  public static boolean isRow(String key) {
    return key != null && key.indexOf(SEPARATOR) >= 0;
  }

  public static String table(String key) {
    return key.substring(0, key.indexOf(SEPARATOR));
  }

  public static String primaryKey(String key) {
    return key.substring(key.indexOf(SEPARATOR) + 1);
  }

  /** A readable form for messages: {@code table/primaryKey}, or the key itself when it is not a row. */
  public static String display(String key) {
    return isRow(key) ? table(key) + "/" + primaryKey(key) : key;
  }

  /** Why {@code table} cannot name a table, or empty when it can. */
  public static Optional<String> checkTable(String table) {
    if (table == null || !TABLE.matcher(table).matches()) {
      return Optional.of("table name '" + table + "' is not valid: use 1-64 letters, digits or '_', not starting "
          + "with a digit");
    }
    return Optional.empty();
  }
}
