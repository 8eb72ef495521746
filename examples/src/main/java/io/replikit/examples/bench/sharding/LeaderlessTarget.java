package io.replikit.examples.bench.sharding;

import akka.actor.typed.ActorSystem;
import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import io.replikit.leaderless.Coordinator;
import io.replikit.leaderless.Keyspace;
import io.replikit.leaderless.StorageReplica;
import io.replikit.leaderless.antientropy.AntiEntropySettings;
import io.replikit.sharding.ShardedKeyspace;
import io.replikit.sharding.ShardedRings;
import io.replikit.versioning.VersionVector;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * Leaderless rings ({@link ShardedRings}), n = R, blind writes and reads at w = r = a majority of R (2 of 3): a write
 * is identified by the context its {@code PutOk} returned. At the end each key is read with r = R through the
 * {@link io.replikit.sharding.RingRouter}, so every replica's copy is merged (and repaired): an acknowledged write is
 * readable when its value is among the siblings. One missing there is fetched from every replica's own store.
 * Before the writers start, each ring must take one write on all R replicas, so that no write is acknowledged by
 * w replicas only because a coordinator did not yet know where the others run. Does not survive what the family
 * does not: every replica that held a write losing its journal before the write was copied (per-node journals: a
 * write acknowledged while one replica was away sits on w replicas, and a move plus a crash can take both before
 * read repair or anti-entropy ran).
 */
final class LeaderlessTarget extends GroupsTarget<VersionVector, ShardedRings> {
  private static final int READ_ATTEMPTS = 3;
  private final int quorum;

  LeaderlessTarget(ShardedKeyspace keyspace) {
    super(keyspace, ShardedRings::placement);
    this.quorum = keyspace.replicas() / 2 + 1;
  }

  @Override
  public String family() {
    return "leaderless";
  }

  @Override
  public String mode() {
    return "w=" + quorum + " r=" + quorum + " of n=" + keyspace.replicas() + ", final read r=" + keyspace.replicas();
  }

  @Override
  ShardedRings start(ActorSystem<?> node) {
    Config config = node.settings().config();
    Keyspace c = Keyspace.fromConfig(keyspace.name(), config);
    // n = R: every key of a partition on all of its replicas; w and r a majority, so every read overlaps every write
    Keyspace template = new Keyspace(c.name(), keyspace.replicas(), quorum, quorum, c.timeout(), c.conflicts(),
        c.readRepair(), Map.of(), false, c.hintWindow(), c.handoffInterval(), c.fallOverAfter());
    return ShardedRings.init(node, keyspace, template, AntiEntropySettings.fromConfig(config));
  }

  @Override
  public void awaitServing(Duration limit) throws Exception {
    long deadline = System.nanoTime() + limit.toNanos();
    int attempt = 0;
    for (int p = 0; p < keyspace.partitions(); p++) {
      while (true) {
        String key = keyOf(p, "warm-up-" + (attempt++) + "-");
        Coordinator.PutReply reply = client().router().put(key, VersionVector.empty(),
            com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.textNode(key),
            new Coordinator.Quorum(keyspace.replicas(), 0)).toCompletableFuture().get(60, TimeUnit.SECONDS);
        if (reply instanceof Coordinator.PutOk) {
          break;
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("ring " + keyspace.groupId(p) + " did not take a write on all "
              + keyspace.replicas() + " replicas within " + limit.toSeconds() + " s; last answer: " + reply);
        }
      }
    }
  }

  private String keyOf(int partition, String prefix) {
    for (int i = 0; ; i++) {
      if (keyspace.partitionOf(prefix + i) == partition) {
        return prefix + i;
      }
    }
  }

  @Override
  public CompletionStage<Optional<VersionVector>> write(String key, JsonNode value) {
    return client().router().put(key, VersionVector.empty(), value).thenApply(reply ->
        reply instanceof Coordinator.PutOk ok ? Optional.of(ok.context()) : Optional.empty());
  }

  @Override
  public Convergence settle(Duration limit) {
    return null; // the final reads ask every replica, so no write needs to have spread first
  }

  @Override
  public Checked check(String key, JsonNode value, VersionVector context) throws Exception {
    Coordinator.GetReply r = null;
    // a read at r = R fails while any replica is silent (a coordinator that has not yet learnt where a moved replica
    // runs, say): that read did not happen, so it is asked again a few times before the replicas are asked one by one
    for (int attempt = 1; attempt <= READ_ATTEMPTS && !(r instanceof Coordinator.GetOk); attempt++) {
      r = client().router().get(key, new Coordinator.Quorum(0, keyspace.replicas())).toCompletableFuture()
          .get(60, TimeUnit.SECONDS);
    }
    if (r instanceof Coordinator.GetOk ok && ok.values().stream().anyMatch(v -> ShardedTarget.sameValue(value, v))) {
      return new Checked(ReadBack.READABLE, r);
    }
    return readBackFromReplicas(key, r,
        (p, i) -> client().replica(p, i).<StorageReplica.Fetched>ask(
            replyTo -> new ShardedRings.FetchKey(key, replyTo), keyspace.requestTimeout()),
        f -> f.set().values().stream().anyMatch(v -> ShardedTarget.sameValue(value, v)));
  }

  @Override
  public Integer partitionsWithoutLeader() {
    return null;
  }
}
