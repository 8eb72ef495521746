package io.replikit.examples.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.replikit.store.Statement;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The body of {@code POST /tx/{group}}: a JSON array of {@link Statement}s in their Jackson form (type ids
 * {@code "statement"}, {@code "expr"} and {@code "where"}), with two shorthands so that a body stays readable:
 *
 * <ul>
 *   <li>wherever an expression is expected (an insert's {@code primaryKey} and {@code columns}, an update's
 *       {@code set}, the operands of {@code add} and {@code concat}), a JSON value that is not an object with an
 *       {@code "expr"} field is a literal: {@code "Alice"} means {@code {"expr":"lit","value":"Alice"}}. A literal
 *       object that has an {@code "expr"} field must be written out as a {@code lit};
 *   <li>a statement's {@code where} given as a string selects the row with that primary key:
 *       {@code "where":"alice"} means {@code {"where":"key","primaryKey":"alice"}}.
 * </ul>
 *
 * <p>Example: {@code [{"statement":"insert","table":"users","primaryKey":{"expr":"next-id"},
 * "columns":{"name":"Alice","joined":{"expr":"now"}}}, {"statement":"update","table":"stock","where":"pen",
 * "set":{"qty":{"expr":"add","left":{"expr":"col","name":"qty"},"right":-1}}}]}
 */
public final class StatementsJson {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final TypeReference<List<Statement>> STATEMENTS = new TypeReference<>() {};
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private StatementsJson() {}

  /**
   * The statements {@code body} holds.
   *
   * @throws IllegalArgumentException saying what is wrong with the body (not an array, empty, an unknown statement
   *     or expression type, a missing or unknown field)
   */
  public static List<Statement> parse(JsonNode body) {
    if (body == null || !body.isArray()) {
      throw new IllegalArgumentException("the body must be a JSON array of statements, e.g. [{\"statement\":"
          + "\"insert\",\"table\":\"users\",\"primaryKey\":\"alice\",\"columns\":{\"name\":\"Alice\"}}]");
    }
    if (body.isEmpty()) {
      throw new IllegalArgumentException("the transaction has no statements");
    }
    ArrayNode expanded = JSON.arrayNode();
    for (int i = 0; i < body.size(); i++) {
      JsonNode s = body.get(i);
      if (!s.isObject()) {
        throw new IllegalArgumentException("statement " + i + " must be a JSON object with a \"statement\" field "
            + "(insert, update or delete), was " + abbreviate(s));
      }
      expanded.add(expandStatement((ObjectNode) s.deepCopy()));
    }
    List<Statement> statements;
    try {
      statements = MAPPER.readerFor(STATEMENTS).readValue(expanded);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("the statements could not be read: " + e.getOriginalMessage()
          + path(e), e);
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("the statements could not be read: " + e.getMessage(), e);
    }
    for (int i = 0; i < statements.size(); i++) {
      if (statements.get(i).table() == null) {
        throw new IllegalArgumentException("statement " + i + " names no table");
      }
    }
    return statements;
  }

  private static ObjectNode expandStatement(ObjectNode s) {
    JsonNode where = s.get("where");
    if (where != null && where.isTextual()) {
      ObjectNode key = JSON.objectNode();
      key.put("where", "key");
      key.put("primaryKey", where.asText());
      s.set("where", key);
    }
    if (s.has("primaryKey")) {
      s.set("primaryKey", expr(s.get("primaryKey")));
    }
    for (String field : List.of("columns", "set")) {
      JsonNode columns = s.get(field);
      if (columns != null && columns.isObject()) {
        ObjectNode out = JSON.objectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = columns.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> e = it.next();
          out.set(e.getKey(), expr(e.getValue()));
        }
        s.set(field, out);
      }
    }
    return s;
  }

  /** An expression as Jackson reads it: objects with an "expr" field expanded inside, anything else a literal. */
  private static JsonNode expr(JsonNode node) {
    if (node != null && node.isObject() && node.has("expr")) {
      ObjectNode o = ((ObjectNode) node).deepCopy();
      String kind = o.get("expr").asText();
      if (kind.equals("add")) {
        for (String operand : List.of("left", "right")) {
          if (o.has(operand)) {
            o.set(operand, expr(o.get(operand)));
          }
        }
      } else if (kind.equals("concat") && o.get("parts") != null && o.get("parts").isArray()) {
        ArrayNode parts = JSON.arrayNode();
        o.get("parts").forEach(p -> parts.add(expr(p)));
        o.set("parts", parts);
      }
      return o;
    }
    ObjectNode lit = JSON.objectNode();
    lit.put("expr", "lit");
    lit.set("value", node == null ? JSON.nullNode() : node);
    return lit;
  }

  private static String path(JsonProcessingException e) {
    if (e instanceof com.fasterxml.jackson.databind.JsonMappingException m && !m.getPath().isEmpty()) {
      StringBuilder b = new StringBuilder(" (at ");
      for (com.fasterxml.jackson.databind.JsonMappingException.Reference r : m.getPath()) {
        b.append(r.getIndex() >= 0 ? "[" + r.getIndex() + "]" : "." + r.getFieldName());
      }
      return b.append(')').toString();
    }
    return "";
  }

  private static String abbreviate(JsonNode n) {
    String s = n.toString();
    return s.length() > 60 ? s.substring(0, 57) + "..." : s;
  }
}
