package io.replikit.sharding;

import akka.actor.typed.ActorRef;
import akka.japi.function.Function;
import com.fasterxml.jackson.databind.JsonNode;
import io.replikit.leaderless.Coordinator;
import io.replikit.leaderless.Keyspace;
import io.replikit.replication.ReplicaId;
import io.replikit.versioning.VersionVector;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Routes leaderless requests by key: key to partition ({@link ShardedKeyspace#partitionOf}), partition to the
 * coordinator of one of its replicas through the sharded entity refs, so a client needs to know neither where
 * replicas run nor which of them coordinates. Each partition has a preferred coordinator (at first
 * {@code r<p mod R>}, spreading coordination over the slots); one that does not answer within the keyspace's
 * timeout plus the sharded request timeout (its node left, say) is skipped for the next slot, up to
 * {@code route-attempts} replicas, then the answer is {@link Coordinator.QuorumFailed} saying so. The coordinator
 * that answered is preferred for the next request of that partition. What a coordinator answers (a
 * {@code QuorumFailed} included) is the answer: the router does not retry it.
 *
 * <p>A write whose answer was lost is sent again to the next coordinator, so it may be applied twice: a blind write
 * then leaves the value twice as siblings (nothing is lost; the next write with a read's context merges them). Reads
 * return the siblings and the context ({@link Coordinator.GetOk}); pass that context to the next {@link #put}.
 */
public final class RingRouter {
  private final ShardedGroups<Coordinator.Command> groups;
  private final ShardedKeyspace keyspace;
  private final Keyspace template;
  private final Duration askTimeout;
  private final Map<Integer, Integer> preferred = new ConcurrentHashMap<>();

  RingRouter(ShardedGroups<Coordinator.Command> groups, Keyspace template) {
    this.groups = groups;
    this.keyspace = groups.keyspace();
    this.template = template;
    // the coordinator answers within its own timeout (QuorumFailed at worst); the rest is the way through sharding
    this.askTimeout = template.timeout().plus(keyspace.requestTimeout());
  }

  public ShardedKeyspace keyspace() {
    return keyspace;
  }

  /** Writes {@code value} on top of {@code context} (a read's context, or {@link VersionVector#empty()}: blind). */
  public CompletionStage<Coordinator.PutReply> put(String key, VersionVector context, JsonNode value) {
    return put(key, context, value, Coordinator.Quorum.DEFAULT);
  }

  public CompletionStage<Coordinator.PutReply> put(String key, VersionVector context, JsonNode value,
      Coordinator.Quorum quorum) {
    int partition = keyspace.partitionOf(key);
    return route(partition, key, "write", quorum.w() > 0 ? quorum.w() : template.w(),
        replyTo -> new Coordinator.Put(key, value, context, quorum, replyTo));
  }

  /** Deletes the values {@code context} covers (a tombstone; values written concurrently stay as siblings). */
  public CompletionStage<Coordinator.PutReply> delete(String key, VersionVector context) {
    return put(key, context, null, Coordinator.Quorum.DEFAULT);
  }

  /** Reads {@code key}: its siblings and the context the next write should carry, or {@code QuorumFailed}. */
  public CompletionStage<Coordinator.GetReply> get(String key) {
    return get(key, Coordinator.Quorum.DEFAULT);
  }

  public CompletionStage<Coordinator.GetReply> get(String key, Coordinator.Quorum quorum) {
    int partition = keyspace.partitionOf(key);
    return route(partition, key, "read", quorum.r() > 0 ? quorum.r() : template.r(),
        replyTo -> new Coordinator.Get(key, quorum, replyTo));
  }

  /** The replica whose coordinator this router asks first for {@code partition}. */
  public ReplicaId preferred(int partition) {
    return ReplicaSlot.replicaId(preferredIndex(partition));
  }

  private int preferredIndex(int partition) {
    return preferred.getOrDefault(partition, partition % keyspace.replicas());
  }

  private <R> CompletionStage<R> route(int partition, String key, String operation, int needed,
      Function<ActorRef<R>, Coordinator.Command> request) {
    CompletableFuture<R> result = new CompletableFuture<>();
    attempt(partition, preferredIndex(partition), key, operation, needed, request, 1, result);
    return result;
  }

  @SuppressWarnings("unchecked")
  private <R> void attempt(int partition, int replica, String key, String operation, int needed,
      Function<ActorRef<R>, Coordinator.Command> request, int attempt, CompletableFuture<R> result) {
    groups.replica(partition, replica).<R>ask(request::apply, askTimeout).whenComplete((reply, error) -> {
      if (reply != null) {
        preferred.put(partition, replica);
        result.complete(reply);
        return;
      }
      if (attempt >= keyspace.routeAttempts()) {
        // both reply types permit QuorumFailed
        result.complete((R) new Coordinator.QuorumFailed(operation, key, needed, 0, keyspace.replicas(),
            "no coordinator of group " + keyspace.groupId(partition) + " answered within " + askTimeout.toMillis()
                + " ms in " + attempt + " attempts; last asked: " + keyspace.entityId(partition, replica)));
        return;
      }
      attempt(partition, (replica + 1) % keyspace.replicas(), key, operation, needed, request, attempt + 1, result);
    });
  }
}
