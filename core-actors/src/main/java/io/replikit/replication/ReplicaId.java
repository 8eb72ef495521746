package io.replikit.replication;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Objects;

/** The name of one replica within its group: non-empty, no whitespace, at most 64 characters. */
public record ReplicaId(String value) implements Comparable<ReplicaId> {

  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  public ReplicaId {
    Objects.requireNonNull(value, "replica id is null");
    if (value.isEmpty() || value.length() > 64 || !value.chars().noneMatch(Character::isWhitespace)) {
      throw new IllegalArgumentException(
          "replica id '" + value + "' is invalid: it must be 1 to 64 characters without whitespace");
    }
  }

  public static ReplicaId of(String value) {
    return new ReplicaId(value);
  }

  @JsonValue
  @Override
  public String value() {
    return value;
  }

  @Override
  public int compareTo(ReplicaId o) {
    return value.compareTo(o.value);
  }

  @Override
  public String toString() {
    return value;
  }
}
