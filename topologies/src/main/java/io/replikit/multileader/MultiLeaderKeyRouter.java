package io.replikit.multileader;

import akka.actor.typed.ActorRef;
import akka.japi.function.Function;
import com.fasterxml.jackson.databind.JsonNode;
import io.replikit.sharding.ShardedGroups;
import io.replikit.sharding.ShardedKeyspace;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import io.replikit.multileader.internal.SilentSlots;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;

/**
 * Routes requests of a sharded multi-leader keyspace by key: key to partition ({@link ShardedKeyspace#partitionOf}),
 * partition to the key's home replica ({@link #homeOf}: the second half of the key's MD5 modulo the replicas per
 * group, the same on every JVM), through the sharded entity refs. Every write of a key goes to one leader, so as
 * long as the home answers, writes of one key are applied in one order and never conflict (conflict avoidance).
 *
 * <p>A replica that does not answer within the keyspace's request timeout (its node left, it is being moved) is
 * skipped for the next slot ({@code home + 1}, ...), up to {@code route-attempts} replicas: the write is then taken
 * by another leader, and may conflict with writes its home took that have not arrived there yet; the keyspace's
 * conflict policy resolves them. A write whose answer was lost is sent again elsewhere, so it may be applied twice,
 * as two concurrent writes of the same value. Reads are served by the home (which has applied every write it
 * acknowledged, so a client that writes through this router reads its writes while the home is up), else the next
 * slot, which may not have every write yet.
 *
 * <p>A replica that did not answer is remembered as silent for twice the request timeout: requests in that time
 * start at the next slot instead of waiting a request timeout on it first, and the first request after it asks the
 * home again (so a home placed anew gets its keys back within that time). When every slot is remembered silent the
 * home is asked anyway.
 */
public final class MultiLeaderKeyRouter {
  private final ShardedGroups<MultiLeaderReplica.Command> groups;
  private final ShardedKeyspace keyspace;
  private final SilentSlots silentSlots;

  MultiLeaderKeyRouter(ShardedGroups<MultiLeaderReplica.Command> groups) {
    this.groups = groups;
    this.keyspace = groups.keyspace();
    this.silentSlots = new SilentSlots(keyspace.replicas(), 2 * keyspace.requestTimeout().toNanos(), System::nanoTime);
  }

  public ShardedKeyspace keyspace() {
    return keyspace;
  }

  /** The replica slot (0 to R-1) of its partition's group that takes {@code key}'s writes while it answers. */
  public int homeOf(String key) {
    if (key == null) {
      throw new IllegalArgumentException("key is null");
    }
    try {
      // the first half decides the partition; the second, independent of it, spreads a partition's keys over slots
      byte[] digest = MessageDigest.getInstance("MD5").digest(key.getBytes(StandardCharsets.UTF_8));
      return (int) Math.floorMod(ByteBuffer.wrap(digest, 8, 8).getLong(), (long) keyspace.replicas());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK provides MD5", e);
    }
  }

  /** Sets {@code key} to {@code value} (a JSON null deletes) at its home leader, or the next that answers. */
  public CompletionStage<MultiLeaderReplica.WriteReply> put(String key, JsonNode value) {
    return write(key, replyTo -> new MultiLeaderReplica.Put(key, value, replyTo));
  }

  /** Deletes {@code key} (a tombstone) at its home leader, or the next that answers. */
  public CompletionStage<MultiLeaderReplica.WriteReply> delete(String key) {
    return write(key, replyTo -> new MultiLeaderReplica.Delete(key, replyTo));
  }

  private CompletionStage<MultiLeaderReplica.WriteReply> write(String key,
      Function<ActorRef<MultiLeaderReplica.WriteReply>, MultiLeaderReplica.Command> request) {
    CompletableFuture<MultiLeaderReplica.WriteReply> result = new CompletableFuture<>();
    if (key == null || key.isEmpty()) {
      result.complete(new MultiLeaderReplica.WriteRejected("the key is missing or empty"));
      return result;
    }
    int partition = keyspace.partitionOf(key);
    attemptWrite(partition, silentSlots.first(partition, homeOf(key)), request, 1, result);
    return result;
  }

  /**
   * {@code key}'s value as its home replica holds it (the next slot's if the home is silent); fails with a
   * {@link TimeoutException} naming the group when no replica answered in {@code route-attempts} tries.
   */
  public CompletionStage<MultiLeaderReplica.Value> get(String key) {
    CompletableFuture<MultiLeaderReplica.Value> result = new CompletableFuture<>();
    if (key == null || key.isEmpty()) {
      result.completeExceptionally(new IllegalArgumentException("the key is missing or empty"));
      return result;
    }
    int partition = keyspace.partitionOf(key);
    attemptRead(partition, silentSlots.first(partition, homeOf(key)), key, 1, result);
    return result;
  }

  private void attemptWrite(int partition, int slot,
      Function<ActorRef<MultiLeaderReplica.WriteReply>, MultiLeaderReplica.Command> request, int attempt,
      CompletableFuture<MultiLeaderReplica.WriteReply> result) {
    groups.replica(partition, slot)
        .<MultiLeaderReplica.WriteReply>ask(request::apply, keyspace.requestTimeout())
        .whenComplete((reply, error) -> {
          if (reply != null) {
            silentSlots.answered(partition, slot);
            result.complete(reply); // Written, or WriteRejected for a bad request: no other leader would take it
            return;
          }
          silentSlots.silent(partition, slot);
          if (attempt >= keyspace.routeAttempts()) {
            result.complete(new MultiLeaderReplica.WriteRejected("no leader of group " + keyspace.groupId(partition)
                + " answered the write in " + attempt + " attempts (each waited "
                + keyspace.requestTimeout().toMillis() + " ms); it may have been applied where the answer was lost"));
          } else {
            int next = silentSlots.first(partition, (slot + 1) % keyspace.replicas());
            attemptWrite(partition, next, request, attempt + 1, result);
          }
        });
  }

  private void attemptRead(int partition, int slot, String key, int attempt,
      CompletableFuture<MultiLeaderReplica.Value> result) {
    groups.replica(partition, slot)
        .<MultiLeaderReplica.Value>ask(replyTo -> new MultiLeaderReplica.Get(key, replyTo), keyspace.requestTimeout())
        .whenComplete((reply, error) -> {
          if (reply != null) {
            silentSlots.answered(partition, slot);
            result.complete(reply);
            return;
          }
          silentSlots.silent(partition, slot);
          if (attempt >= keyspace.routeAttempts()) {
            result.completeExceptionally(new TimeoutException("no replica of group " + keyspace.groupId(partition)
                + " answered a read of '" + key + "' in " + attempt + " attempts"));
          } else {
            int next = silentSlots.first(partition, (slot + 1) % keyspace.replicas());
            attemptRead(partition, next, key, attempt + 1, result);
          }
        });
  }
}
