package io.replikit.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Limits on what a write may carry, checked on the leader before anything is logged.
 *
 * @param maxKeyLength longest key, in characters
 * @param maxValueBytes largest value, in bytes of its JSON text
 */
public record StoreLimits(int maxKeyLength, int maxValueBytes) {

  public StoreLimits {
    if (maxKeyLength < 1) {
      throw new IllegalArgumentException("replikit.store.max-key-length must be at least 1, was " + maxKeyLength);
    }
    if (maxValueBytes < 1) {
      throw new IllegalArgumentException("replikit.store.max-value-bytes must be at least 1, was " + maxValueBytes);
    }
  }

  /** Reads {@code replikit.store} from a config that includes the module's reference.conf. */
  public static StoreLimits fromConfig(Config config) {
    Config c = config.getConfig("replikit.store");
    long valueBytes = c.getBytes("max-value-bytes");
    if (valueBytes > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("replikit.store.max-value-bytes must be below 2 GiB, was " + valueBytes);
    }
    return new StoreLimits(c.getInt("max-key-length"), (int) valueBytes);
  }

  /** Why {@code key} cannot be written, or empty when it can. */
  public Optional<String> checkKey(String key) {
    if (key == null) {
      return Optional.of("key is null");
    }
    if (key.isEmpty()) {
      return Optional.of("key is empty");
    }
    if (key.indexOf(RowKey.SEPARATOR) >= 0) {
      return Optional.of("key contains the character U+001F, which separates table and primary key of rows");
    }
    if (key.length() > maxKeyLength) {
      return Optional.of(
          "key is " + key.length() + " characters long; the limit (replikit.store.max-key-length) is " + maxKeyLength);
    }
    return Optional.empty();
  }

  /** Why {@code change} cannot be written, or empty when it can. */
  public Optional<String> check(Change change) {
    if (change == null) {
      return Optional.of("change is null");
    }
    if (change instanceof Change.NewEpoch) {
      return Optional.of("a new epoch is started by an election, not written by a client");
    }
    Optional<String> keyProblem = checkKey(change.key());
    if (keyProblem.isPresent()) {
      return keyProblem;
    }
    if (change instanceof Change.Put put) {
      JsonNode value = put.value();
      if (value == null || value.isMissingNode()) {
        return Optional.of("value for key '" + put.key() + "' is missing; use delete to remove a key");
      }
      int bytes = value.toString().getBytes(StandardCharsets.UTF_8).length;
      if (bytes > maxValueBytes) {
        return Optional.of("value for key '" + put.key() + "' is " + bytes
            + " bytes; the limit (replikit.store.max-value-bytes) is " + maxValueBytes);
      }
    }
    return Optional.empty();
  }

  /** Why a row cannot be stored under {@code table}/{@code primaryKey} with {@code columns}, or empty when it can. */
  public Optional<String> checkRow(String table, String primaryKey, JsonNode columns) {
    Optional<String> t = RowKey.checkTable(table);
    if (t.isPresent()) {
      return t;
    }
    if (primaryKey == null || primaryKey.isEmpty()) {
      return Optional.of("row of table '" + table + "' has an empty primary key");
    }
    if (primaryKey.indexOf(RowKey.SEPARATOR) >= 0) {
      return Optional.of("primary key of a row of table '" + table + "' contains the character U+001F");
    }
    int length = RowKey.of(table, primaryKey).length();
    if (length > maxKeyLength) {
      return Optional.of("row " + table + "/" + primaryKey + ": table name and primary key are " + length
          + " characters together; the limit (replikit.store.max-key-length) is " + maxKeyLength);
    }
    if (columns != null) {
      int bytes = columns.toString().getBytes(StandardCharsets.UTF_8).length;
      if (bytes > maxValueBytes) {
        return Optional.of("row " + table + "/" + primaryKey + " is " + bytes
            + " bytes; the limit (replikit.store.max-value-bytes) is " + maxValueBytes);
      }
    }
    return Optional.empty();
  }
}
