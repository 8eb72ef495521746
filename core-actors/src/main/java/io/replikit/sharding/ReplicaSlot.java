package io.replikit.sharding;

import io.replikit.replication.ReplicaId;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One replica of one partition of a sharded keyspace, and its names: the entity id and shard id
 * {@code <keyspace>-p<partition>-r<replica>} (one shard per replica, so that the allocation rule sees which group and
 * slot a shard is), the group id {@code <keyspace>-p<partition>} and the replica id {@code r<replica>}.
 */
public record ReplicaSlot(String keyspace, int partition, int replica) implements Comparable<ReplicaSlot> {
  private static final Pattern NAME = Pattern.compile("^(.+)-p(\\d{1,9})-r(\\d{1,9})$");

  public ReplicaSlot {
    if (keyspace == null || keyspace.isBlank()) {
      throw new IllegalArgumentException("keyspace name is blank");
    }
    if (partition < 0 || replica < 0) {
      throw new IllegalArgumentException("partition and replica are counted from 0, were " + partition + ", "
          + replica);
    }
  }

  /** The slot an entity or shard id names, or empty if {@code id} is not of the form {@code <ks>-p<p>-r<i>}. */
  public static Optional<ReplicaSlot> parse(String id) {
    if (id == null) {
      return Optional.empty();
    }
    Matcher m = NAME.matcher(id);
    if (!m.matches()) {
      return Optional.empty();
    }
    return Optional.of(new ReplicaSlot(m.group(1), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3))));
  }

  public static String groupId(String keyspace, int partition) {
    return keyspace + "-p" + partition;
  }

  public static ReplicaId replicaId(int replica) {
    return ReplicaId.of("r" + replica);
  }

  public String entityId() {
    return groupId() + "-r" + replica;
  }

  public String groupId() {
    return groupId(keyspace, partition);
  }

  public ReplicaId replicaId() {
    return replicaId(replica);
  }

  @Override
  public int compareTo(ReplicaSlot o) {
    int c = keyspace.compareTo(o.keyspace);
    if (c == 0) {
      c = Integer.compare(partition, o.partition);
    }
    return c != 0 ? c : Integer.compare(replica, o.replica);
  }

  @Override
  public String toString() {
    return entityId();
  }
}
