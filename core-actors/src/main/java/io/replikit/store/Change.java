package io.replikit.store;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * One change to the key/value store as it is logged: already decided by the leader (a conditional put that
 * failed its version check is never logged), so every replica that applies it ends in the same state.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = Change.Put.class, name = "put"),
  @JsonSubTypes.Type(value = Change.Delete.class, name = "delete"),
  @JsonSubTypes.Type(value = Change.NewEpoch.class, name = "new-epoch")
})
public sealed interface Change {
  /** The key changed, or null for an entry that changes no key ({@link NewEpoch}). */
  String key();

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
