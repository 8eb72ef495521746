package io.replikit.testkit.history;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import java.util.List;

/**
 * One client operation of a recorded history: its invocation ({@code startNs}) and completion ({@code endNs}, on one
 * monotonic clock) and how it ended. A write carries the {@code value} it wrote (a delete: null), a read the
 * {@code value} it returned, or {@code values} when the key holds concurrent siblings; a write to a multi-value key
 * may carry the version it was {@code basedOn}. The JSON Lines shape is in docs/history-format.md.
 *
 * @param client logical client id (a session)
 * @param op {@code read}, {@code write} or {@code delete}
 * @param outcome {@link Outcome#OK} done; {@link Outcome#FAILED} the system said it did not happen;
 *     {@link Outcome#UNKNOWN} no answer (a timeout): it may or may not have happened, at any time after its start
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"client", "op", "key", "value", "values", "based_on", "start_ns", "end_ns", "outcome", "replica"})
public record Op(int client, String op, String key, JsonNode value, List<JsonNode> values,
    @JsonProperty("based_on") JsonNode basedOn, @JsonProperty("start_ns") long startNs,
    @JsonProperty("end_ns") long endNs, Outcome outcome, String replica) {

  public enum Outcome {
    @JsonProperty("ok") OK,
    @JsonProperty("failed") FAILED,
    @JsonProperty("unknown") UNKNOWN
  }

  public static final String READ = "read";
  public static final String WRITE = "write";
  public static final String DELETE = "delete";

  public Op {
    if (op == null || !(op.equals(READ) || op.equals(WRITE) || op.equals(DELETE))) {
      throw new IllegalArgumentException("op must be read, write or delete, was " + op);
    }
    if (key == null || key.isEmpty()) {
      throw new IllegalArgumentException("an operation needs a key");
    }
    if (outcome == null) {
      throw new IllegalArgumentException("an operation needs an outcome (ok, failed or unknown)");
    }
    if (endNs < startNs) {
      throw new IllegalArgumentException("end_ns " + endNs + " is before start_ns " + startNs + " (" + op + " " + key
          + ")");
    }
    // a null among a read's values is a deleted sibling (a delete concurrent with the other values)
    values = values == null ? null
        : values.stream().map(v -> v == null ? (JsonNode) NullNode.getInstance() : v).toList();
    if (value != null && value.isNull()) {
      value = null;
    }
  }

  public static Op write(int client, String key, JsonNode value, long startNs, long endNs, Outcome outcome) {
    return new Op(client, WRITE, key, value, null, null, startNs, endNs, outcome, null);
  }

  public static Op read(int client, String key, JsonNode value, long startNs, long endNs, Outcome outcome) {
    return new Op(client, READ, key, value, null, null, startNs, endNs, outcome, null);
  }

  /** This operation as served or coordinated by {@code replica}. */
  public Op withReplica(String replica) {
    return new Op(client, op, key, value, values, basedOn, startNs, endNs, outcome, replica);
  }

  @JsonIgnore
  public boolean isRead() {
    return op.equals(READ);
  }

  /** A write or a delete (a delete writes "absent"). */
  @JsonIgnore
  public boolean isWrite() {
    return !isRead();
  }

  public boolean ok() {
    return outcome == Outcome.OK;
  }

  /** What the operation wrote or read as one value ({@code null}: absent); for a read with siblings, see values. */
  public JsonNode single() {
    return op.equals(DELETE) ? null : value;
  }

  /**
   * What this write looks like among a read's values: its value, or JSON null for a delete (a deleted sibling).
   */
  @JsonIgnore
  public JsonNode asSeen() {
    JsonNode v = single();
    return v == null ? NullNode.getInstance() : v;
  }

  /** Whether {@code seen} (a read's values) shows this write: holds its value, or for a delete, is absent or holds a
   * deleted sibling. */
  public boolean shownBy(List<JsonNode> seen) {
    return seen.contains(asSeen()) || (single() == null && seen.isEmpty());
  }

  /**
   * The values a read returned: its siblings (JSON null among them: a deleted sibling), or its one value, or none
   * when the key was absent.
   */
  public List<JsonNode> seen() {
    if (values != null) {
      return values;
    }
    return value == null ? List.of() : List.of(value);
  }
}
