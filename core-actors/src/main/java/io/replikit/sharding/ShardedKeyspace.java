package io.replikit.sharding;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import io.replikit.replication.ReplicaId;
import io.replikit.singleleader.ReplicaGroupSpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A keyspace split into {@code partitions} partitions, each a single-leader replica group of {@code replicas}
 * replicas hosted as Cluster Sharding entities ({@code <name>-p<partition>-r<replica>}), on as many different nodes.
 * A key belongs to one partition for good: the partition is an MD5 hash of the key's UTF-8 bytes modulo
 * {@code partitions}, the same on every JVM, so changing {@code partitions} of a keyspace that holds data moves
 * keys to groups that lack them (this version does not repartition).
 *
 * <p>{@code keepAliveInterval}: how often every node asks every replica to be running (sharding starts an entity
 * on its first message, and restarts one elsewhere after its node left only when asked); {@code requestTimeout}:
 * how long the router waits for one replica's answer; {@code routeAttempts}: replicas the router tries for one
 * request; {@code rebalanceMaxMoves}: replicas moved per rebalance round (Akka's
 * {@code akka.cluster.sharding.rebalance-interval} sets how often rounds run).
 */
public record ShardedKeyspace(String name, int partitions, int replicas, Duration keepAliveInterval,
    Duration requestTimeout, int routeAttempts, int rebalanceMaxMoves) {

  public ShardedKeyspace {
    if (name == null || name.isBlank() || name.contains("|") || !name.chars().noneMatch(Character::isWhitespace)) {
      throw new IllegalArgumentException("sharded keyspace name '" + name + "' is invalid: it must be non-blank, "
          + "without whitespace or '|'");
    }
    if (partitions < 1 || partitions > 100_000) {
      throw new IllegalArgumentException("keyspace '" + name + "': replikit.sharding.partitions must be 1 to 100000,"
          + " was " + partitions);
    }
    if (replicas < 1 || replicas > 9) {
      throw new IllegalArgumentException("keyspace '" + name + "': replikit.sharding.replicas must be 1 to 9, was "
          + replicas);
    }
    positive(name, "keep-alive-interval", keepAliveInterval);
    positive(name, "request-timeout", requestTimeout);
    if (routeAttempts < 1) {
      throw new IllegalArgumentException("keyspace '" + name + "': replikit.sharding.route-attempts must be at least"
          + " 1, was " + routeAttempts);
    }
    if (rebalanceMaxMoves < 1) {
      throw new IllegalArgumentException("keyspace '" + name + "': replikit.sharding.rebalance-max-moves must be at "
          + "least 1, was " + rebalanceMaxMoves);
    }
  }

  private static void positive(String name, String what, Duration d) {
    if (d == null || d.isZero() || d.isNegative()) {
      throw new IllegalArgumentException("keyspace '" + name + "': replikit.sharding." + what
          + " must be positive, was " + d);
    }
  }

  /** {@code name} with the defaults of {@code replikit.sharding} in {@code root}; errors name the bad path. */
  public static ShardedKeyspace fromConfig(String name, Config root) {
    try {
      Config c = root.getConfig("replikit.sharding");
      return new ShardedKeyspace(name, c.getInt("partitions"), c.getInt("replicas"),
          c.getDuration("keep-alive-interval"), c.getDuration("request-timeout"), c.getInt("route-attempts"),
          c.getInt("rebalance-max-moves"));
    } catch (ConfigException e) {
      throw new IllegalArgumentException("invalid replikit configuration: " + e.getMessage(), e);
    }
  }

  public ShardedKeyspace withPartitions(int p) {
    return new ShardedKeyspace(name, p, replicas, keepAliveInterval, requestTimeout, routeAttempts, rebalanceMaxMoves);
  }

  public ShardedKeyspace withReplicas(int r) {
    return new ShardedKeyspace(name, partitions, r, keepAliveInterval, requestTimeout, routeAttempts,
        rebalanceMaxMoves);
  }

  public ShardedKeyspace withKeepAliveInterval(Duration d) {
    return new ShardedKeyspace(name, partitions, replicas, d, requestTimeout, routeAttempts, rebalanceMaxMoves);
  }

  public ShardedKeyspace withRequestTimeout(Duration d) {
    return new ShardedKeyspace(name, partitions, replicas, keepAliveInterval, d, routeAttempts, rebalanceMaxMoves);
  }

  public ShardedKeyspace withRouteAttempts(int n) {
    return new ShardedKeyspace(name, partitions, replicas, keepAliveInterval, requestTimeout, n, rebalanceMaxMoves);
  }

  /** The partition {@code key} belongs to: stable across JVMs and restarts. */
  public int partitionOf(String key) {
    if (key == null) {
      throw new IllegalArgumentException("key is null");
    }
    try {
      byte[] digest = MessageDigest.getInstance("MD5").digest(key.getBytes(StandardCharsets.UTF_8));
      return (int) Math.floorMod(ByteBuffer.wrap(digest).getLong(), (long) partitions);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK provides MD5", e);
    }
  }

  /** The replica group id of {@code partition}: {@code <name>-p<partition>}. */
  public String groupId(int partition) {
    checkPartition(partition);
    return ReplicaSlot.groupId(name, partition);
  }

  /** The sharded entity id of replica {@code replica} of {@code partition}: {@code <name>-p<partition>-r<replica>}. */
  public String entityId(int partition, int replica) {
    checkPartition(partition);
    if (replica < 0 || replica >= replicas) {
      throw new IllegalArgumentException("keyspace '" + name + "' has replicas r0 to r" + (replicas - 1)
          + ", not r" + replica);
    }
    return new ReplicaSlot(name, partition, replica).entityId();
  }

  /**
   * The group of {@code partition}: replicas {@code r0..r<R-1>}, all voting; the first leader is
   * {@code r<partition mod R>}, so that a new keyspace's leaders are spread over the replica slots.
   */
  public ReplicaGroupSpec groupSpec(int partition) {
    checkPartition(partition);
    int first = partition % replicas;
    List<ReplicaId> followers = new ArrayList<>();
    for (int i = 1; i < replicas; i++) {
      followers.add(ReplicaSlot.replicaId((first + i) % replicas));
    }
    return new ReplicaGroupSpec(groupId(partition), ReplicaSlot.replicaId(first), followers);
  }

  private void checkPartition(int partition) {
    if (partition < 0 || partition >= partitions) {
      throw new IllegalArgumentException("keyspace '" + name + "' has partitions 0 to " + (partitions - 1)
          + ", not " + partition);
    }
  }
}
