package io.replikit.leaderless;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import com.fasterxml.jackson.databind.JsonNode;
import io.replikit.leaderless.internal.StorageReplicaBehavior;
import io.replikit.replication.ReplicaTransport;
import io.replikit.replication.ReplicationMessage;
import io.replikit.serialization.WireMessage;
import io.replikit.versioning.DottedVersionVectorSet;
import io.replikit.versioning.VersionVector;
import java.util.function.Supplier;

/**
 * One storage replica of a leaderless keyspace on one node: an event-sourced actor holding, per key, the set of
 * concurrent values it knows with their dotted version vector ({@link DottedVersionVectorSet}). It never decides
 * alone what a client sees: a {@link Coordinator} asks the key's n replicas and waits for w or r of them. Writes
 * reach it as a coordinated update (this replica mints the write's dot) or as a set to merge (replication, read
 * repair, anti-entropy); merging is a join, so duplicates and any delivery order end in the same state.
 *
 * <p>As a stand-in of a sloppy quorum it also keeps hints for other nodes' keys, apart from its own data, in a hint
 * store child with its own journal ({@link io.replikit.leaderless.handoff.HintedHandoff}: its messages are sent here).
 *
 * <p>Survives: restarts (its journal holds every merged set), lost, duplicated and reordered messages. Does not
 * survive: the loss of its journal (then it is an empty replica that read repair and anti-entropy refill). Created
 * with a source of incarnations, a replica that finds its journal empty writes under a new identity, so that the
 * writes it takes next are not mistaken for ones its peers already hold; without one, such a replica reissues dots
 * its peers have, and one of two writes sharing a dot is silently dropped.
 */
public final class StorageReplica {
  private StorageReplica() {}

  public interface Command {}

  /** A message to a storage replica from a coordinator or another replica (no epochs in this family). */
  public interface Message extends Command, ReplicationMessage {
    @Override
    default long epoch() {
      return 0;
    }
  }

  /**
   * A coordinated write: this replica applies {@code value} (null: a delete, kept as a tombstone) on top of
   * {@code context}, the version the client's write is based on (the context of its last read of the key; empty for
   * a blind write), with a new dot of its own, and answers the set it now holds.
   */
  public record CoordinatePut(String key, VersionVector context, JsonNode value, long wallMillis,
      ActorRef<StoreReply> replyTo) implements Message {}

  /** Merges {@code set} into this replica's set for {@code key} (replication, read repair, anti-entropy). */
  public record Replicate(String key, DottedVersionVectorSet set, ActorRef<StoreReply> replyTo) implements Message {}

  /**
   * Tombstone collection: drops the key's tombstones that {@code everyReplicaHas} covers, when the key is deleted here
   * (only tombstones left; see {@link DottedVersionVectorSet#withoutTombstonesCoveredBy}). A read that heard every
   * replica of the key answer the same deleted set sends it; the key's context stays, so nothing comes back.
   * Idempotent; not answered.
   */
  public record CollectTombstones(String key, VersionVector everyReplicaHas) implements Message {}

  /**
   * Merges many keys' sets at once (a bulk load, a range copied in): the same as one {@link Replicate} per key, but
   * journaled as one atomic batch of events (all or none). A missing or empty key or a missing set refuses the
   * whole batch, naming the first one.
   */
  public record ReplicateBatch(java.util.List<KeySet> sets, ActorRef<BatchStored> replyTo) implements Message {}

  public record KeySet(String key, DottedVersionVectorSet set) {}

  /** {@code changed}: keys whose set the batch changed (and journaled); {@code problem} non-null: refused. */
  public record BatchStored(String replica, int keys, int changed, String problem) implements WireMessage {}

  /** What a write or merge is answered. */
  public sealed interface StoreReply extends WireMessage permits Stored, Refused {}

  /** Answered once the journal holds it: the key's set at {@code replica} after the write or merge. */
  public record Stored(String replica, String key, DottedVersionVectorSet set) implements StoreReply {}

  /** Refused: the request was malformed; nothing was stored. */
  public record Refused(String replica, String key, String reason) implements StoreReply {}

  /** Reads this replica's set for {@code key} (an empty set when it has none). */
  public record Fetch(String key, ActorRef<Fetched> replyTo) implements Message {}

  public record Fetched(String replica, String key, DottedVersionVectorSet set) implements WireMessage {}

  public record GetStatus(ActorRef<Status> replyTo) implements Command, WireMessage {}

  /**
   * {@code keys}: keys held (deleted ones included, as tombstones); {@code siblingKeys}: keys with more than one live
   * value; {@code lwwDiscarded}: values last-write-wins threw away here (silent data loss, counted); {@code mintsAs}:
   * the id of the dots this replica mints, its node id or {@code <node>~<incarnation>} (see
   * {@link #create(Keyspace, String, ReplicaTransport, io.replikit.leaderless.ring.Ring,
   * io.replikit.leaderless.antientropy.AntiEntropySettings, Supplier)}); {@code refilling}: the replica started an
   * incarnation and has not yet finished a complete anti-entropy round with its peers (it may lack what they hold).
   */
  public record Status(String keyspace, String replica, int keys, int siblingKeys, long lwwDiscarded,
      String mintsAs, boolean refilling) implements WireMessage {
    public Status(String keyspace, String replica, int keys, int siblingKeys, long lwwDiscarded, String mintsAs) {
      this(keyspace, replica, keys, siblingKeys, lwwDiscarded, mintsAs, false);
    }

    public Status(String keyspace, String replica, int keys, int siblingKeys, long lwwDiscarded) {
      this(keyspace, replica, keys, siblingKeys, lwwDiscarded, replica);
    }
  }

  /**
   * The replica of {@code keyspace} on node {@code nodeId}, with the persistence id
   * {@code replikit-ll-<keyspace>|<nodeId>}; it registers with {@code transport} under {@code nodeId}.
   */
  public static Behavior<Command> create(Keyspace keyspace, String nodeId, ReplicaTransport transport) {
    if (nodeId == null || nodeId.isBlank()) {
      throw new IllegalArgumentException("a storage replica needs a node id");
    }
    return create(keyspace, nodeId, transport, System::currentTimeMillis);
  }

  /** The same, with {@code clock} (epoch millis) stamping and expiring the hints this node keeps as a stand-in. */
  public static Behavior<Command> create(Keyspace keyspace, String nodeId, ReplicaTransport transport,
      java.util.function.LongSupplier clock) {
    if (nodeId == null || nodeId.isBlank()) {
      throw new IllegalArgumentException("a storage replica needs a node id");
    }
    return StorageReplicaBehavior.create(keyspace, nodeId, transport, clock);
  }

  /**
   * The same replica with active anti-entropy ({@link io.replikit.leaderless.antientropy.AntiEntropy}): it keeps a
   * hash tree per range it holds on {@code ring} and exchanges them with its peers as {@code antiEntropy} says
   * (see {@code replikit.leaderless.anti-entropy}). Error for a node that is not on the ring.
   */
  public static Behavior<Command> create(Keyspace keyspace, String nodeId, ReplicaTransport transport,
      io.replikit.leaderless.ring.Ring ring, io.replikit.leaderless.antientropy.AntiEntropySettings antiEntropy) {
    if (nodeId == null || nodeId.isBlank()) {
      throw new IllegalArgumentException("a storage replica needs a node id");
    }
    if (ring == null || antiEntropy == null) {
      throw new IllegalArgumentException("anti-entropy needs a ring and its settings");
    }
    if (ring.nodes().stream().noneMatch(node -> node.id().equals(nodeId))) {
      throw new IllegalArgumentException("node " + nodeId + " is not on the ring " + ring);
    }
    return StorageReplicaBehavior.create(keyspace, nodeId, transport, ring, antiEntropy);
  }

  /**
   * The same replica with anti-entropy, for a node whose journal may not hold it (a sharded replica placed anew on
   * another node, a disk replaced): when it finds its journal empty, before anything else it persists a new
   * incarnation taken from {@code incarnations} (ids unique per replica: no whitespace, no {@code '~'}) and mints the
   * dots of the writes it coordinates as {@code <nodeId>~<incarnation>} from then on, so a write it takes cannot reuse
   * a dot its peers hold from before its journal was lost (which would drop one of the two writes, acknowledged or
   * not). A replica whose journal has events keeps the identity it recorded (its node id for journals written
   * without this option).
   *
   * <p>A replica that starts an incarnation is <em>refilling</em> ({@link Status#refilling()}, kept in its journal, so
   * across restarts): at once, and again one second after each round that did not complete, it runs an anti-entropy
   * round ({@link io.replikit.leaderless.antientropy.AntiEntropy.RunRound}) over every range it keeps with every peer,
   * whether or not the periodic exchange is on, until a round has none abandoned and no differing key deferred by
   * the repair rate limit; then it journals that it is refilled. A ring of fresh replicas refills at once (empty trees
   * compare equal). Until then it answers reads with what it has, which is a stale answer that counts toward r (the
   * chapter's replica "restored from an older copy"): a read quorum that meets it and replicas lacking an
   * acknowledged write misses that write. Sharded rings move no other replica of a ring while one is refilling.
   */
  public static Behavior<Command> create(Keyspace keyspace, String nodeId, ReplicaTransport transport,
      io.replikit.leaderless.ring.Ring ring, io.replikit.leaderless.antientropy.AntiEntropySettings antiEntropy,
      Supplier<String> incarnations) {
    if (nodeId == null || nodeId.isBlank() || nodeId.indexOf(io.replikit.leaderless.internal.Incarnation.SEPARATOR)
        >= 0) {
      throw new IllegalArgumentException("a storage replica needs a node id without '~', was '" + nodeId + "'");
    }
    if (ring == null || antiEntropy == null || incarnations == null) {
      throw new IllegalArgumentException("a replica with incarnations needs a ring, anti-entropy settings and a "
          + "source of incarnations");
    }
    if (ring.nodes().stream().noneMatch(node -> node.id().equals(nodeId))) {
      throw new IllegalArgumentException("node " + nodeId + " is not on the ring " + ring);
    }
    return StorageReplicaBehavior.create(keyspace, nodeId, transport, System::currentTimeMillis, ring, antiEntropy,
        incarnations);
  }

  /**
   * Random incarnation ids (48 bits as 12 hex digits): two incarnations of one replica collide with odds of about
   * 2^-48 per pair. Pass a seeded source in tests.
   */
  public static Supplier<String> randomIncarnations() {
    java.security.SecureRandom random = new java.security.SecureRandom();
    return () -> String.format("%012x", random.nextLong() & 0xFFFF_FFFF_FFFFL);
  }
}
