package io.replikit.singleleader;

import io.replikit.replication.ReplicaId;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Who is in a single-leader group: its id, its leader, and its followers in priority order (the order that
 * semi-synchronous {@code FIRST k} uses to pick synchronous followers). A follower started with an id not listed
 * here joins the running group as an asynchronous follower of lowest priority.
 */
public record ReplicaGroupSpec(String groupId, ReplicaId leader, List<ReplicaId> followers) {

  public ReplicaGroupSpec {
    if (groupId == null || groupId.isBlank() || groupId.contains("|")) {
      throw new IllegalArgumentException("group id '" + groupId + "' is invalid: it must be non-blank without '|'");
    }
    if (leader == null) {
      throw new IllegalArgumentException("group '" + groupId + "' has no leader");
    }
    followers = List.copyOf(followers == null ? List.of() : followers);
    Set<ReplicaId> seen = new HashSet<>();
    seen.add(leader);
    for (ReplicaId f : followers) {
      if (!seen.add(f)) {
        throw new IllegalArgumentException("group '" + groupId + "' lists replica '" + f + "' twice");
      }
    }
  }

  public static ReplicaGroupSpec of(String groupId, String leader, String... followers) {
    return new ReplicaGroupSpec(
        groupId, ReplicaId.of(leader), java.util.Arrays.stream(followers).map(ReplicaId::of).toList());
  }
}
