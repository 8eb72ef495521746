package io.replikit.sessions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A value stored together with what it causally depends on: per replica group (partition), the log position the
 * writer had seen there. Stored as {@code {"value": ..., "dependsOn": {"group": position}}} with the marker field
 * {@code "replikit-causal": 1}, so a reader can tell it from a plain value.
 */
public record CausalValue(JsonNode value, Map<String, Long> dependsOn) {
  static final String MARKER = "replikit-causal";

  public JsonNode toJson() {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put(MARKER, 1);
    o.set("value", value);
    ObjectNode deps = o.putObject("dependsOn");
    dependsOn.forEach(deps::put);
    return o;
  }

  /** The causal value {@code json} holds, or a plain value with no dependencies. */
  public static CausalValue fromJson(JsonNode json) {
    if (json == null || !json.isObject() || !json.has(MARKER)) {
      return new CausalValue(json, Map.of());
    }
    Map<String, Long> deps = new LinkedHashMap<>();
    JsonNode d = json.get("dependsOn");
    if (d != null && d.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = d.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (e.getValue().canConvertToLong()) {
          deps.put(e.getKey(), e.getValue().asLong());
        }
      }
    }
    return new CausalValue(json.get("value"), Map.copyOf(deps));
  }
}
