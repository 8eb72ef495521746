package io.replikit.sharding;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.EntityTypeKey;
import akka.japi.function.Function;
import com.fasterxml.jackson.databind.JsonNode;
import io.replikit.replication.ReplicaId;
import io.replikit.sharding.internal.RouteRule;
import io.replikit.singleleader.Replica;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Routes requests by key: key to partition ({@link ShardedKeyspace#partitionOf}), partition to the replica of its
 * group believed to lead, through the sharded entity refs, so a client needs to know neither where replicas run
 * nor which one leads. Writes follow {@code NotLeader} answers; a replica that does not answer within the
 * keyspace's request timeout (its node left, say) is skipped for the next slot; up to {@code route-attempts}
 * replicas are asked, then the answer is {@link Replica.Unavailable}. The leader each partition answered from is
 * remembered for the next request.
 *
 * <p>A write whose answer was lost (a timeout) is sent again elsewhere, so it may be applied twice: harmless for
 * puts and deletes, a {@code VersionConflict} for a conditional write whose first attempt went through. Reads are
 * served by the replica believed to lead, which after a failover not yet seen by this router may be a follower
 * (stale by its lag); ask with {@link io.replikit.singleleader.ReadConsistency} for bounds.
 */
public final class KeyRouter {
  private final ActorSystem<?> system;
  private final ClusterSharding sharding;
  private final EntityTypeKey<Replica.Command> typeKey;
  private final ShardedKeyspace keyspace;
  private final Map<Integer, ReplicaId> leaders = new ConcurrentHashMap<>();

  KeyRouter(ActorSystem<?> system, EntityTypeKey<Replica.Command> typeKey, ShardedKeyspace keyspace) {
    this.system = system;
    this.sharding = ClusterSharding.get(system);
    this.typeKey = typeKey;
    this.keyspace = keyspace;
  }

  public ShardedKeyspace keyspace() {
    return keyspace;
  }

  public CompletionStage<Replica.WriteReply> put(String key, JsonNode value) {
    return write(key, replyTo -> Replica.put(key, value, replyTo));
  }

  public CompletionStage<Replica.WriteReply> delete(String key) {
    return write(key, replyTo -> Replica.delete(key, replyTo));
  }

  /**
   * Sends the write {@code request} builds (any {@link Replica} write: put, conditional put, insert, transaction
   * on keys of this partition) to the leader of {@code key}'s partition.
   */
  public CompletionStage<Replica.WriteReply> write(String key,
      Function<ActorRef<Replica.WriteReply>, Replica.Command> request) {
    int partition = keyspace.partitionOf(key);
    ReplicaId first = leaders.getOrDefault(partition, keyspace.groupSpec(partition).leader());
    CompletableFuture<Replica.WriteReply> result = new CompletableFuture<>();
    attemptWrite(partition, first, request, 1, null, result);
    return result;
  }

  /** The value of {@code key} as the replica believed to lead its partition holds it (another replica if silent). */
  public CompletionStage<Replica.ReadReply> get(String key) {
    int partition = keyspace.partitionOf(key);
    ReplicaId first = leaders.getOrDefault(partition, keyspace.groupSpec(partition).leader());
    CompletableFuture<Replica.ReadReply> result = new CompletableFuture<>();
    attemptRead(partition, first, key, 1, result);
    return result;
  }

  /** The replica this router last saw lead {@code partition}'s group (the group's first leader if none yet). */
  public ReplicaId believedLeader(int partition) {
    return leaders.getOrDefault(partition, keyspace.groupSpec(partition).leader());
  }

  private void attemptWrite(int partition, ReplicaId target,
      Function<ActorRef<Replica.WriteReply>, Replica.Command> request, int attempt, String last,
      CompletableFuture<Replica.WriteReply> result) {
    String entityId = entityOf(partition, target);
    sharding.entityRefFor(typeKey, entityId)
        .<Replica.WriteReply>ask(request::apply, keyspace.requestTimeout())
        .whenComplete((reply, error) -> {
          if (RouteRule.done(reply)) {
            leaders.put(partition, target);
            result.complete(reply);
            return;
          }
          String what = entityId + (reply == null ? " did not answer within " + keyspace.requestTimeout().toMillis()
              + " ms" : " answered " + reply);
          if (attempt >= keyspace.routeAttempts()) {
            result.complete(new Replica.Unavailable("no leader of group " + keyspace.groupId(partition)
                + " took the write in " + attempt + " attempts; last: " + what));
            return;
          }
          ReplicaId next = RouteRule.next(target, reply, keyspace.replicas());
          Runnable retry = () -> attemptWrite(partition, next, request, attempt + 1, what, result);
          if (RouteRule.backOff(reply)) {
            // an election is on: asking again at once would only be refused again
            system.scheduler().scheduleOnce(backOff(attempt), retry, system.executionContext());
          } else {
            retry.run();
          }
        });
  }

  private void attemptRead(int partition, ReplicaId target, String key, int attempt,
      CompletableFuture<Replica.ReadReply> result) {
    String entityId = entityOf(partition, target);
    sharding.entityRefFor(typeKey, entityId)
        .<Replica.ReadReply>ask(replyTo -> new Replica.Get(key, replyTo), keyspace.requestTimeout())
        .whenComplete((reply, error) -> {
          if (reply != null) {
            result.complete(reply);
          } else if (attempt >= keyspace.routeAttempts()) {
            result.complete(new Replica.ReadRejected("no replica of group " + keyspace.groupId(partition)
                + " answered a read of '" + key + "' in " + attempt + " attempts"));
          } else {
            attemptRead(partition, RouteRule.next(target, null, keyspace.replicas()), key, attempt + 1, result);
          }
        });
  }

  private String entityOf(int partition, ReplicaId replica) {
    return keyspace.name() + "-p" + partition + "-" + replica.value();
  }

  private Duration backOff(int attempt) {
    // doubling from 100 ms up to the request timeout: an election takes about a failover timeout
    long ms = Math.min(keyspace.requestTimeout().toMillis(), 100L << Math.min(attempt - 1, 10));
    return Duration.ofMillis(ms);
  }
}
