package io.replikit.examples.bench.sharding;

import akka.actor.typed.ActorSystem;
import com.fasterxml.jackson.databind.JsonNode;
import io.replikit.sharding.ShardedKeyspace;
import io.replikit.sharding.ShardedReplicaGroups;
import io.replikit.singleleader.AckPolicy;
import io.replikit.singleleader.Replica;
import io.replikit.singleleader.ReplicaStatus;
import io.replikit.singleleader.SingleLeaderSettings;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * Single-leader groups ({@link ShardedReplicaGroups}) acknowledged as {@code mode} says: a write is identified by
 * its version; read back through the {@link io.replikit.sharding.KeyRouter} (the replica believed to lead), and a
 * write missing there is asked of every replica of its group. Does not tell a write overwritten later from a lost
 * one: the bench writes each key once.
 */
final class SingleLeaderTarget extends GroupsTarget<Long, ShardedReplicaGroups> {
  private final String mode;

  SingleLeaderTarget(ShardedKeyspace keyspace, String mode) {
    super(keyspace, ShardedReplicaGroups::placement);
    AckPolicy.parseMode("--mode", mode);
    this.mode = mode;
  }

  @Override
  public String family() {
    return "single-leader";
  }

  @Override
  public String mode() {
    return mode;
  }

  @Override
  ShardedReplicaGroups start(ActorSystem<?> node) {
    SingleLeaderSettings base = SingleLeaderSettings.fromConfig(node.settings().config());
    return ShardedReplicaGroups.init(node, keyspace,
        base.withAckPolicy(switch (AckPolicy.parseMode("--mode", mode)) {
          case ASYNC -> AckPolicy.async();
          case SYNC -> AckPolicy.sync();
          case SEMI_SYNC -> AckPolicy.semiSync(AckPolicy.SyncMethod.FIRST, 1);
        }));
  }

  @Override
  public CompletionStage<Optional<Long>> write(String key, JsonNode value) {
    return client().router().put(key, value).thenApply(reply -> reply instanceof Replica.Written w
        ? Optional.of(w.version()) : Optional.empty());
  }

  @Override
  public Convergence settle(Duration limit) {
    return null; // an acknowledged write is on the leader (and the sync standbys) already
  }

  @Override
  public Checked check(String key, JsonNode value, Long version) throws Exception {
    Replica.ReadReply r = client().router().get(key).toCompletableFuture().get(60, TimeUnit.SECONDS);
    if (r instanceof Replica.Found f && f.version() == version) {
      return new Checked(ReadBack.READABLE, r);
    }
    // the replica the router read from lacks it: lost only if no replica of the group holds it
    return readBackFromReplicas(key, r,
        (p, i) -> client().replica(p, i).<Replica.ReadReply>ask(
            replyTo -> new Replica.Get(key, replyTo), keyspace.requestTimeout()),
        reply -> reply instanceof Replica.Found f && f.version() == version);
  }

  @Override
  public Integer partitionsWithoutLeader() {
    int without = 0;
    for (int p = 0; p < keyspace.partitions(); p++) {
      boolean led = false;
      for (int r = 0; r < keyspace.replicas() && !led; r++) {
        try {
          led = "leader".equals(client().replica(p, r).<ReplicaStatus>ask(Replica.GetStatus::new,
              keyspace.requestTimeout()).toCompletableFuture().get(60, TimeUnit.SECONDS).role());
        } catch (Exception e) {
          // silent: not a leader we can use
        }
      }
      without += led ? 0 : 1;
    }
    return without;
  }
}
