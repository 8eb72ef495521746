package io.replikit.store;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.JsonNode;

/** Which rows of a table an update or delete touches. Rows are visited in primary-key order. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "where")
@JsonSubTypes({
  @JsonSubTypes.Type(value = Where.Key.class, name = "key"),
  @JsonSubTypes.Type(value = Where.All.class, name = "all"),
  @JsonSubTypes.Type(value = Where.ColumnEquals.class, name = "column-equals")
})
public sealed interface Where {
  /** The one row with this primary key (none if it does not exist). */
  record Key(String primaryKey) implements Where {}

  /** Every row of the table. */
  record All() implements Where {}

  /** Rows whose {@code column} equals {@code value}. */
  record ColumnEquals(String column, JsonNode value) implements Where {}

  static Where key(String primaryKey) {
    return new Key(primaryKey);
  }

  static Where all() {
    return new All();
  }
}
