package io.replikit.store;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Between an application's row classes and the columns the store keeps. Rows are kept and replicated as JSON
 * objects, not as classes, so the leader and its followers may run different versions of a row class: a reader
 * ignores columns its class does not know and leaves fields the row lacks at their defaults (Jackson's schema
 * evolution rules; a renamed column needs a {@code @JsonAlias}).
 */
public final class Rows {
  private static final ObjectMapper MAPPER = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
      .findAndRegisterModules();

  private Rows() {}

  /** The columns of {@code row}: its JSON properties, in declaration order. */
  public static ObjectNode columns(Object row) {
    JsonNode node = MAPPER.valueToTree(row);
    if (!(node instanceof ObjectNode o)) {
      throw new IllegalArgumentException("a row must be an object with properties, was " + node);
    }
    return o;
  }

  /** An insert of {@code row} into {@code table} under {@code primaryKey}, one literal per column. */
  public static Statement.Insert insert(String table, String primaryKey, Object row) {
    Map<String, Expr> columns = new LinkedHashMap<>();
    columns(row).fields().forEachRemaining(f -> columns.put(f.getKey(), new Expr.Lit(f.getValue())));
    return new Statement.Insert(table, Expr.lit(primaryKey), columns);
  }

  /** Reads stored columns as an instance of {@code type} (unknown columns ignored, missing ones defaulted). */
  public static <T> T as(JsonNode columns, Class<T> type) {
    try {
      return MAPPER.treeToValue(columns, type);
    } catch (Exception e) {
      throw new IllegalArgumentException("columns " + columns + " cannot be read as " + type.getSimpleName() + ": "
          + e.getMessage(), e);
    }
  }
}
