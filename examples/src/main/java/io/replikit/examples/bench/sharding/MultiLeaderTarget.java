package io.replikit.examples.bench.sharding;

import akka.actor.typed.ActorSystem;
import com.fasterxml.jackson.databind.JsonNode;
import io.replikit.multileader.ConflictPolicy;
import io.replikit.multileader.MultiLeaderReplica;
import io.replikit.multileader.MultiLeaderSettings;
import io.replikit.multileader.ShardedMultiLeader;
import io.replikit.sharding.ShardedKeyspace;
import io.replikit.versioning.VersionVector;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Multi-leader groups ({@link ShardedMultiLeader}, all-to-all, last-write-wins): a write goes to its key's home
 * leader through the {@link io.replikit.multileader.MultiLeaderKeyRouter} and is identified by its change
 * {@code origin:counter}; it is acknowledged once that leader's journal holds it and reaches the others afterwards.
 * Before the check the bench waits until every group converged (its replicas have applied the same version vector,
 * nothing pending), then reads each key at its home: an acknowledged write is readable when the value there is the
 * one written (each key is written once, so nothing overwrites it). Does not survive what the family does not: a
 * leader's node lost before the writes it acknowledged were forwarded (per-node journals).
 */
final class MultiLeaderTarget extends GroupsTarget<String, ShardedMultiLeader> {

  MultiLeaderTarget(ShardedKeyspace keyspace) {
    super(keyspace, ShardedMultiLeader::placement);
  }

  @Override
  public String family() {
    return "multi-leader";
  }

  @Override
  public String mode() {
    return "all-to-all, acknowledged by the home leader's journal";
  }

  @Override
  ShardedMultiLeader start(ActorSystem<?> node) {
    return ShardedMultiLeader.init(node, keyspace,
        MultiLeaderSettings.fromConfig(node.settings().config()), ConflictPolicy.lastWriteWins());
  }

  @Override
  public CompletionStage<Optional<String>> write(String key, JsonNode value) {
    return client().router().put(key, value).thenApply(reply -> reply instanceof MultiLeaderReplica.Written w
        ? Optional.of(w.origin() + ":" + w.counter()) : Optional.empty());
  }

  @Override
  public Convergence settle(Duration limit) {
    long t0 = System.nanoTime();
    long deadline = t0 + limit.toNanos();
    boolean[] done = new boolean[keyspace.partitions()];
    int left = keyspace.partitions();
    while (left > 0 && System.nanoTime() < deadline) {
      for (int p = 0; p < keyspace.partitions(); p++) {
        if (!done[p] && converged(p)) {
          done[p] = true;
          left--;
        }
      }
      if (left > 0) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
      }
    }
    return new Convergence(left == 0, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
  }

  /** Whether every replica of {@code partition} answers with the same applied version vector and nothing pending. */
  private boolean converged(int partition) {
    VersionVector first = null;
    for (int r = 0; r < keyspace.replicas(); r++) {
      try {
        MultiLeaderReplica.Status s = client().replica(partition, r).<MultiLeaderReplica.Status>ask(
            MultiLeaderReplica.GetStatus::new, keyspace.requestTimeout()).toCompletableFuture()
            .get(60, TimeUnit.SECONDS);
        if (s.pending() > 0 || (first != null && !first.equals(s.applied()))) {
          return false;
        }
        first = s.applied();
      } catch (Exception e) {
        return false;
      }
    }
    return true;
  }

  @Override
  public Checked check(String key, JsonNode value, String change) throws Exception {
    Object read;
    try {
      MultiLeaderReplica.Value v = client().router().get(key).toCompletableFuture().get(60, TimeUnit.SECONDS);
      if (ShardedTarget.sameValue(value, v.value())) {
        return new Checked(ReadBack.READABLE, v);
      }
      read = v;
    } catch (java.util.concurrent.ExecutionException e) {
      read = e.getCause(); // no replica answered the router: asked one by one below
    }
    return readBackFromReplicas(key, read,
        (p, i) -> client().replica(p, i).<MultiLeaderReplica.Value>ask(
            replyTo -> new MultiLeaderReplica.Get(key, replyTo), keyspace.requestTimeout()),
        v -> ShardedTarget.sameValue(value, v.value()));
  }

  @Override
  public Integer partitionsWithoutLeader() {
    return null;
  }
}
