package io.replikit.sessions;

import com.fasterxml.jackson.databind.JsonNode;
import io.replikit.replication.ReplicaId;
import java.util.Map;

/**
 * What a {@link Session} read returned: the value (null when the key is absent; unwrapped from a
 * {@link CausalValue}), its version, the replica that served it and how far that replica had applied the log, and
 * the value's causal dependencies (empty for plain values).
 */
public record SessionRead(String groupId, String key, JsonNode value, long version, ReplicaId servedBy,
    long appliedPosition, Map<String, Long> dependsOn) {
  public boolean found() {
    return value != null;
  }
}
