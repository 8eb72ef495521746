package io.replikit.leaderless.antientropy;

import akka.actor.typed.ActorRef;
import io.replikit.leaderless.StorageReplica;
import io.replikit.leaderless.ring.Ring;
import io.replikit.leaderless.ring.TokenRange;
import io.replikit.serialization.WireMessage;
import java.util.List;

/**
 * The protocol of active anti-entropy between the storage replicas of a leaderless keyspace (Dynamo section 4.7,
 * Riak's AAE): each replica keeps a {@link HashTree} per token range it holds, updated as writes are journaled; in
 * turn it picks one range and one peer that also holds it, and the two compare trees level by level
 * ({@link TreeLevel}), descending only into differing nodes, then the differing segments' (key, digest) lists
 * ({@link SegmentEntries}), then repair each differing key both ways: the local set is sent as a
 * {@link StorageReplica.Replicate} and the peer's is fetched and merged here. One exchange therefore leaves both
 * replicas equal for that range (up to the repair budget, see {@code replikit.leaderless.anti-entropy}).
 *
 * <p>Guarantee: keys that are never read converge too, with traffic proportional to the difference, not to the data.
 * Not survived: a ring that the two replicas disagree on (their ranges differ: the exchange is abandoned and nothing
 * is repaired until both have the same ring), and a 64-bit digest collision (see {@link SetDigest}).
 */
public final class AntiEntropy {
  private AntiEntropy() {}

  /** Every anti-entropy message a storage replica handles. */
  public interface Command extends StorageReplica.Command {}

  /** One key's entry in a tree segment: the key and the digest of its set there. */
  public record KeyDigest(String key, long digest) implements Comparable<KeyDigest> {
    @Override
    public int compareTo(KeyDigest o) {
      int c = key.compareTo(o.key);
      return c != 0 ? c : Long.compare(digest, o.digest);
    }
  }

  /**
   * Asks a peer for the hashes of the children of {@code parents} (nodes of level {@code level - 1}), in order, in its
   * tree for {@code range}; at level 0 ({@code parents} empty) the root's hash. The shape ({@code segments},
   * {@code fanOut}) must match the peer's or it answers a problem.
   */
  public record TreeLevel(long exchange, String from, TokenRange range, int segments, int fanOut, int level,
      List<Integer> parents, ActorRef<TreeHashes> replyTo) implements Command, StorageReplica.Message {}

  /** The hashes asked for, in the order asked; {@code problem} non-null (and no hashes) when the peer cannot tell. */
  public record TreeHashes(long exchange, String replica, int level, List<Long> hashes, String problem)
      implements Command, WireMessage {}

  /** Asks a peer for the (key, digest) entries of {@code segments} of its tree for {@code range}. */
  public record SegmentEntries(long exchange, String from, TokenRange range, List<Integer> segments,
      ActorRef<Entries> replyTo) implements Command, StorageReplica.Message {}

  public record Entries(long exchange, String replica, List<KeyDigest> entries, String problem)
      implements Command, WireMessage {}

  /**
   * Runs one exchange with every (range, peer) pair this replica shares, one after the other (what the timer does
   * one pair per tick), and answers when all have finished or been abandoned. For tests and operators.
   */
  public record RunRound(ActorRef<RoundDone> replyTo) implements Command, WireMessage {}

  /**
   * {@code exchanges}: completed; {@code abandoned}: no answer in time or refused; keys repaired in this round;
   * {@code deferredKeys}: differing keys the repair rate limit left for a later exchange. A round with none abandoned
   * and none deferred left this replica holding at least what its peers held when it began.
   */
  public record RoundDone(String replica, int exchanges, int abandoned, long keysRepaired, long deferredKeys)
      implements WireMessage {
    public RoundDone(String replica, int exchanges, int abandoned, long keysRepaired) {
      this(replica, exchanges, abandoned, keysRepaired, 0);
    }

    /** Nothing abandoned, nothing deferred. */
    public boolean complete() {
      return abandoned == 0 && deferredKeys == 0;
    }
  }

  public record GetStatus(ActorRef<Status> replyTo) implements Command, WireMessage {}

  /**
   * Counters since the replica started. {@code enabled}: the periodic exchange is on; {@code ranges}: trees kept;
   * {@code keysRepaired}: keys whose sets were sent or fetched because they differed; {@code deferredKeys}: differing
   * keys left for a later exchange by the rate limit; {@code bytesSent}: serialized size of every exchange message
   * this replica sent (requests, answers, repair payloads) plus the answers the peer's ordinary handlers sent back to
   * its repairs (Stored, Fetched).
   */
  public record Status(String keyspace, String replica, boolean enabled, int ranges, long exchanges, long abandoned,
      long keysRepaired, long deferredKeys, long bytesSent) implements WireMessage {}

  /** Replaces the ring: the trees are rebuilt from the replica's keys for its new ranges. Local only. */
  public record UpdateRing(Ring ring) implements Command, akka.actor.NoSerializationVerificationNeeded {}
}
