package io.replikit.examples.bench.sharding;

import akka.actor.typed.ActorSystem;
import com.fasterxml.jackson.databind.JsonNode;
import io.replikit.sharding.Placement;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * What the sharding bench does that depends on the family of the keyspace's groups, so that its phases (place, a
 * node joins, a node leaves, writes all along, every acknowledged write read back) are written once: host the
 * keyspace on a node, write a key through the first hosting node's router, say whether an acknowledged write can be
 * read back, and where the replicas run.
 *
 * <p>Guarantee: {@link #check} answers {@link ReadBack#LOST} only when no replica of the key's group shows the
 * write. A replica that does not answer shows nothing, so a replica that is silent at check time can turn a write
 * it holds into "lost": the bench only checks once placement has settled.
 *
 * @param <A> what identifies an acknowledged write: single-leader its version, leaderless the context the write
 *     returned, multi-leader its change {@code origin:counter}
 */
interface ShardedTarget<A> {

  /** Where an acknowledged write was found when read back. */
  enum ReadBack {
    /** Read back by key through the router (leaderless: among the siblings of a read of every replica). */
    READABLE,
    /** The router's read lacks it, but a replica of its group, asked directly, holds it. */
    NOT_READABLE_BY_KEY,
    /** No replica of its group holds it. */
    LOST
  }

  /** Where the write was found, and what the router's read returned (for the bench's notes). */
  record Checked(ReadBack outcome, Object readBack) {}

  /** The outcome of waiting until the groups converged: whether they did, and after how long. */
  record Convergence(boolean converged, long ms) {}

  /** {@code single-leader}, {@code leaderless} or {@code multi-leader}: the {@code family} figure. */
  String family();

  /** How a write is acknowledged here: the {@code mode} figure. */
  String mode();

  /** Starts hosting the keyspace's replicas on {@code node} (a cluster member); the first node hosted routes. */
  void host(ActorSystem<?> node);

  /** Where the replicas run, as the first hosting node asks them. */
  CompletionStage<Placement> placement();

  /**
   * Called at start once placement settled, before the writers start: waits (at most {@code limit}) until every
   * group serves as its family needs; leaderless: until each ring takes a write on all R replicas, since a
   * coordinator reaches another node's replica only once the Receptionist told it where that runs, and a write
   * acknowledged before sits on w replicas only until anti-entropy copies it.
   */
  default void awaitServing(Duration limit) throws Exception {}

  /** Writes {@code value} at {@code key} through the router: what identifies it if acknowledged, else empty. */
  CompletionStage<Optional<A>> write(String key, JsonNode value);

  /**
   * Called once writes have stopped and before any {@link #check}: waits (at most {@code limit}) for what the family
   * needs before a read can see every acknowledged write; null when it needs nothing (single-leader, leaderless).
   */
  Convergence settle(Duration limit) throws Exception;

  /** Reads {@code key} back and says whether the write {@code ack} of {@code value} is there. */
  Checked check(String key, JsonNode value, A ack) throws Exception;

  /** Partitions where no replica answers as leader at the end; null for families without leaders. */
  Integer partitionsWithoutLeader() throws Exception;

  /** Whether {@code seen} is the value written: numbers compare by value (a wire trip may change their type). */
  static boolean sameValue(JsonNode written, JsonNode seen) {
    if (seen == null) {
      return false;
    }
    if (written.isNumber() && seen.isNumber()) {
      return written.asLong() == seen.asLong();
    }
    return written.equals(seen);
  }
}
