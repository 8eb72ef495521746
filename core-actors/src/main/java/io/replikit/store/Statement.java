package io.replikit.store;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One statement of a transaction on tables of rows. A transaction's statements run in order on the leader and
 * commit together or not at all; what is logged for them depends on the group's log format.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "statement")
@JsonSubTypes({
  @JsonSubTypes.Type(value = Statement.Insert.class, name = "insert"),
  @JsonSubTypes.Type(value = Statement.Update.class, name = "update"),
  @JsonSubTypes.Type(value = Statement.Delete.class, name = "delete")
})
public sealed interface Statement {
  String table();

  /** Inserts a new row; fails the transaction if a row with that primary key exists. */
  record Insert(String table, Expr primaryKey, Map<String, Expr> columns) implements Statement {}

  /** Sets columns of the rows {@code where} selects; expressions may read the row's current columns. */
  record Update(String table, Where where, Map<String, Expr> set) implements Statement {}

  /** Deletes the rows {@code where} selects. */
  record Delete(String table, Where where) implements Statement {}

  static Insert insert(String table, Expr primaryKey, Map<String, Expr> columns) {
    return new Insert(table, primaryKey, new LinkedHashMap<>(columns));
  }

  static Update update(String table, Where where, Map<String, Expr> set) {
    return new Update(table, where, new LinkedHashMap<>(set));
  }

  static Delete delete(String table, Where where) {
    return new Delete(table, where);
  }
}
