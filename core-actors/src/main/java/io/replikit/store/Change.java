package io.replikit.store;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * One change to the key/value store as it is logged: already decided by the leader (a conditional put that
 * failed its version check is never logged), so every replica that applies it ends in the same state.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = Change.Put.class, name = "put"),
  @JsonSubTypes.Type(value = Change.Delete.class, name = "delete"),
  @JsonSubTypes.Type(value = Change.NewEpoch.class, name = "new-epoch"),
  @JsonSubTypes.Type(value = Change.Statements.class, name = "statements"),
  @JsonSubTypes.Type(value = Change.Rows.class, name = "rows"),
  @JsonSubTypes.Type(value = Change.Wal.class, name = "wal")
})
public sealed interface Change {
  /** The key changed by a single-key change; null for a transaction on rows and for {@link NewEpoch}. */
  String key();

  /** Whether applying this change can change the store (false only for {@link NewEpoch}). */
  @JsonIgnore
  default boolean changesData() {
    return key() != null;
  }

  /**
   * A transaction on tables of rows (what every replica applies to the store), in one of the log formats that
   * {@code io.replikit.logformat.LogFormat} names. Applied atomically: the whole entry or nothing.
   */
  sealed interface Transaction extends Change {
    @Override
    default String key() {
      return null;
    }

    @Override
    default boolean changesData() {
      return true;
    }
  }

  /**
   * Statement-based: the transaction's statements with every non-deterministic function already replaced by the
   * value the leader drew, so that followers executing them in log order reach the leader's state exactly.
   */
  record Statements(List<Statement> statements) implements Transaction {}

  /**
   * Logical (row-based): the row changes ending in a commit record. {@code triggered}: under the trigger-based
   * format, what the tables' triggers chose to replicate elsewhere, logged with the transaction they came from so
   * that a relay delivers them exactly once (the "changelog table" of trigger-based replication).
   */
  record Rows(List<RowRecord> records, @JsonInclude(JsonInclude.Include.NON_EMPTY) List<TriggerOutput> triggered)
      implements Transaction {}

  /**
   * Write-ahead-log shipping: the storage engine's own byte records (row images after the transaction), in storage
   * format {@code storageVersion}. Followers store the bytes as they are and can read them only if they run the
   * same storage version.
   */
  record Wal(int storageVersion, byte[] records) implements Transaction {
    @Override
    public boolean equals(Object o) {
      return o instanceof Wal w && w.storageVersion == storageVersion && java.util.Arrays.equals(w.records, records);
    }

    @Override
    public int hashCode() {
      return 31 * storageVersion + java.util.Arrays.hashCode(records);
    }

    @Override
    public String toString() {
      return "Wal[storageVersion=" + storageVersion + ", bytes=" + records.length + "]";
    }
  }

  /** Sets {@code key} to a JSON document. */
  record Put(String key, JsonNode value) implements Change {}

  /** Removes {@code key}; deleting an absent key is allowed and changes nothing but the log. */
  record Delete(String key) implements Change {}

  /**
   * The first entry of a leader's epoch: changes no key, but marks where the epoch starts in the log, so replicas
   * can tell where their logs part (and the new leader's earlier entries count as replicated once it is).
   */
  record NewEpoch(String leader) implements Change {
    @Override
    public String key() {
      return null;
    }
  }
}
