package io.replikit.store;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.List;

/**
 * An expression in a {@link Statement}: a value, a column of the row the statement touches, arithmetic and text
 * on those, or one of the non-deterministic functions {@code now()}, {@code random()} and {@code nextId()}. The
 * leader evaluates the non-deterministic ones once and logs their results as literals ({@link #pinned}), so a
 * statement-based log replays to the same bytes on every replica.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "expr")
@JsonSubTypes({
  @JsonSubTypes.Type(value = Expr.Lit.class, name = "lit"),
  @JsonSubTypes.Type(value = Expr.Col.class, name = "col"),
  @JsonSubTypes.Type(value = Expr.Add.class, name = "add"),
  @JsonSubTypes.Type(value = Expr.Concat.class, name = "concat"),
  @JsonSubTypes.Type(value = Expr.Now.class, name = "now"),
  @JsonSubTypes.Type(value = Expr.Random.class, name = "random"),
  @JsonSubTypes.Type(value = Expr.NextId.class, name = "next-id")
})
public sealed interface Expr {

  /** Whether evaluating this expression twice, on the same row, gives the same value. */
  boolean deterministic();

  /** A constant JSON value. */
  record Lit(JsonNode value) implements Expr {
    @Override
    public boolean deterministic() {
      return true;
    }
  }

  /** The current value of a column of the row being updated (null when the column is absent). */
  record Col(String name) implements Expr {
    @Override
    public boolean deterministic() {
      return true;
    }
  }

  /** Numeric sum; a null operand counts as 0. Integers stay integers. */
  record Add(Expr left, Expr right) implements Expr {
    @Override
    public boolean deterministic() {
      return left.deterministic() && right.deterministic();
    }
  }

  /** Text concatenation of the parts' text forms (a null part adds nothing). */
  record Concat(List<Expr> parts) implements Expr {
    @Override
    public boolean deterministic() {
      return parts.stream().allMatch(Expr::deterministic);
    }
  }

  /** The leader's wall clock in milliseconds since the epoch, when the statement is logged. */
  record Now() implements Expr {
    @Override
    public boolean deterministic() {
      return false;
    }
  }

  /** A random double in [0, 1), drawn by the leader. */
  record Random() implements Expr {
    @Override
    public boolean deterministic() {
      return false;
    }
  }

  /**
   * A new id, unique in the group across failovers (the leader's epoch in the high 32 bits, a counter in the low):
   * the auto-increment of a primary key.
   */
  record NextId() implements Expr {
    @Override
    public boolean deterministic() {
      return false;
    }
  }

  static Expr lit(Object value) {
    if (value instanceof JsonNode node) {
      return new Lit(node);
    }
    JsonNodeFactory f = JsonNodeFactory.instance;
    if (value == null) {
      return new Lit(f.nullNode());
    } else if (value instanceof Integer i) {
      return new Lit(f.numberNode(i));
    } else if (value instanceof Long l) {
      return new Lit(f.numberNode(l));
    } else if (value instanceof Double d) {
      return new Lit(f.numberNode(d));
    } else if (value instanceof Boolean b) {
      return new Lit(f.booleanNode(b));
    }
    return new Lit(f.textNode(value.toString()));
  }

  static Expr col(String name) {
    return new Col(name);
  }

  static Expr add(Expr left, Expr right) {
    return new Add(left, right);
  }

  static Expr concat(Expr... parts) {
    return new Concat(List.of(parts));
  }

  static Expr now() {
    return new Now();
  }

  static Expr random() {
    return new Random();
  }

  static Expr nextId() {
    return new NextId();
  }
}
