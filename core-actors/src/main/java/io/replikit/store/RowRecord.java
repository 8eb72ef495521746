package io.replikit.store;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A logical (row-based) log record, as MySQL's row-based binlog has them: an insert carries every column, an update
 * the primary key and the new values of the columns it set, a delete the primary key, and a transaction ends with
 * a {@link Commit} that counts its records (a transaction without it is torn and refused).
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "record")
@JsonSubTypes({
  @JsonSubTypes.Type(value = RowRecord.Inserted.class, name = "insert"),
  @JsonSubTypes.Type(value = RowRecord.Updated.class, name = "update"),
  @JsonSubTypes.Type(value = RowRecord.Deleted.class, name = "delete"),
  @JsonSubTypes.Type(value = RowRecord.Commit.class, name = "commit")
})
public sealed interface RowRecord {

  /** A change to one row. */
  sealed interface RowChange extends RowRecord {
    String table();

    String primaryKey();
  }

  record Inserted(String table, String primaryKey, ObjectNode columns) implements RowChange {}

  record Updated(String table, String primaryKey, ObjectNode values) implements RowChange {}

  record Deleted(String table, String primaryKey) implements RowChange {}

  /** The end of a transaction of {@code changes} row changes. */
  record Commit(int changes) implements RowRecord {}
}
