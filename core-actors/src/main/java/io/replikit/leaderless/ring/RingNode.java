package io.replikit.leaderless.ring;

import java.util.Objects;

/**
 * A member of the {@link Ring}: a cluster node identified by {@code id}, placed in {@code datacenter}.
 *
 * <p>Guarantee: the id alone decides where the node's virtual nodes sit on the ring, so the same id lands on the
 * same tokens on every JVM. Not survived: renaming a node (a new id is a new node, and its keys move).
 */
public record RingNode(String id, String datacenter) {
  public RingNode {
    Objects.requireNonNull(id, "RingNode id must not be null");
    Objects.requireNonNull(datacenter, "RingNode datacenter must not be null (node '" + id + "')");
    if (id.isBlank()) {
      throw new IllegalArgumentException("RingNode id must not be blank");
    }
    if (datacenter.isBlank()) {
      throw new IllegalArgumentException("RingNode datacenter must not be blank (node '" + id + "')");
    }
  }
}
