package io.replikit.examples.bench.sharding;

import akka.actor.typed.ActorSystem;
import io.replikit.sharding.Placement;
import io.replikit.sharding.ShardedKeyspace;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * What the three families' targets do alike, written once: the first node hosted keeps the handle on the groups
 * that routes and asks (placement, writes, reads), and a write the router's read lacks is looked for on every
 * replica of its key's group. A subclass says how its family starts on a node and how one replica is asked.
 *
 * <p>Guarantee: {@link #readBackFromReplicas} answers {@link ReadBack#LOST} only when no replica of the key's group
 * answered with the write. A replica silent for the request timeout (or 60 s) counts as not holding it, so it does
 * not survive a replica that holds the write but does not answer at check time.
 *
 * @param <A> what identifies an acknowledged write (see {@link ShardedTarget})
 * @param <G> the family's handle on its groups on one node ({@code ShardedReplicaGroups}, {@code ShardedRings},
 *     {@code ShardedMultiLeader})
 */
abstract class GroupsTarget<A, G> implements ShardedTarget<A> {
  final ShardedKeyspace keyspace;
  private final Function<G, CompletionStage<Placement>> placementOf;
  private G client;

  /** How one replica of the key's group is asked: {@code replica} is its index, 0 to R - 1, in {@code partition}. */
  @FunctionalInterface
  interface ReplicaAsk<R> {
    CompletionStage<R> ask(int partition, int replica);
  }

  GroupsTarget(ShardedKeyspace keyspace, Function<G, CompletionStage<Placement>> placementOf) {
    this.keyspace = keyspace;
    this.placementOf = placementOf;
  }

  /** Starts the family's replicas of the keyspace on {@code node} and returns that node's handle on them. */
  abstract G start(ActorSystem<?> node);

  /** The first hosting node's handle (null before {@link #host}). */
  final G client() {
    return client;
  }

  @Override
  public final void host(ActorSystem<?> node) {
    G hosted = start(node);
    if (client == null) {
      client = hosted;
    }
  }

  @Override
  public final CompletionStage<Placement> placement() {
    return placementOf.apply(client);
  }

  /**
   * For a write the router's read (or {@code readBack}, why it failed) lacks: {@link ReadBack#NOT_READABLE_BY_KEY}
   * when a replica of {@code key}'s group, asked directly by {@code ask}, answers what {@code holds} accepts, else
   * {@link ReadBack#LOST}.
   */
  final <R> Checked readBackFromReplicas(String key, Object readBack, ReplicaAsk<R> ask, Predicate<R> holds) {
    int p = keyspace.partitionOf(key);
    for (int i = 0; i < keyspace.replicas(); i++) {
      try {
        R reply = ask.ask(p, i).toCompletableFuture().get(60, TimeUnit.SECONDS);
        if (holds.test(reply)) {
          return new Checked(ReadBack.NOT_READABLE_BY_KEY, readBack);
        }
      } catch (Exception e) {
        // a silent replica holds nothing we can show
      }
    }
    return new Checked(ReadBack.LOST, readBack);
  }
}
