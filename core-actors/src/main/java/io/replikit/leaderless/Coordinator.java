package io.replikit.leaderless;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import com.fasterxml.jackson.databind.JsonNode;
import io.replikit.leaderless.internal.CoordinatorBehavior;
import io.replikit.leaderless.ring.Ring;
import io.replikit.replication.ReplicaTransport;
import io.replikit.serialization.WireMessage;
import io.replikit.versioning.VersionVector;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Coordinates client requests of one leaderless keyspace from one node (any node may coordinate any key): a request
 * goes to all n replicas of the key's preference list on the {@link Ring} in parallel and is answered once w of them
 * acknowledged (a write) or r of them answered (a read), or with {@link QuorumFailed} saying how many did within
 * the keyspace's timeout. A write is applied by the first reachable home replica of the list, which mints its dot,
 * and then merged into the others; if that replica has not answered within {@link Keyspace#mintDeadline()} (the
 * keyspace's fall-over-after, by default three quarters of the timeout: down but not yet detected), the next home is
 * asked to mint too, so a write succeeds while w other replicas are up. A
 * minting that was only slow then leaves two siblings with the same value (nothing is lost; the reply's context
 * covers every minting seen before the reply; the client's next write merges them). A read merges what its replicas
 * answered (concurrent values come back as siblings, with the context the next write should carry) and repairs
 * every replica it saw stale.
 *
 * <p>With {@link Keyspace#sloppyQuorum()} (off by default) a request goes to the key's reachable homes and, for each
 * unreachable home, to the next reachable node of the ring, which keeps the write as a hint for that home, counts
 * toward w, answers reads with it, and hands it back when the home returns
 * ({@link io.replikit.leaderless.handoff.HintedHandoff}). That keeps writes available when homes are down, at the
 * price of the quorum guarantee: until the handoff, a read of the homes may miss a write the stand-ins
 * acknowledged, whatever w + r. At least one home must be reachable to mint the write (stand-ins do not mint).
 *
 * <p>Guarantees, with w + r > n and no sloppy quorum: a read that starts after a write was acknowledged returns it
 * (or a value that superseded it), and a concurrent write is never lost unless the keyspace chose last-write-wins.
 * Not a guarantee: linearizability (the chapter's "Limitations of Quorum Consistency" all apply), nor anything
 * about a write answered {@code QuorumFailed}: it may be on some replicas, and reads may return it later.
 */
public final class Coordinator {
  private Coordinator() {}

  public interface Command {}

  /** What a request waits for. */
  public enum Level {
    /** w acknowledgements (r answers) from any of the key's replicas, wherever they are. */
    COUNT,
    /**
     * A majority of the key's replicas in the coordinator's own datacenter (Cassandra's LOCAL_QUORUM): no wait on a
     * remote datacenter. A write is still sent to every datacenter; a read asks only the local replicas.
     */
    LOCAL_QUORUM,
    /** A majority of the key's replicas in every datacenter (EACH_QUORUM): survives the loss of any one datacenter. */
    EACH_QUORUM;

    public static Level parse(String what, String value) {
      return switch (value.trim().toUpperCase(java.util.Locale.ROOT).replace('-', '_')) {
        case "COUNT" -> COUNT;
        case "LOCAL_QUORUM" -> LOCAL_QUORUM;
        case "EACH_QUORUM" -> EACH_QUORUM;
        default -> throw new IllegalArgumentException(what + " must be count, local-quorum or each-quorum, was '"
            + value + "'");
      };
    }
  }

  /**
   * Per-request quorum: for {@link Level#COUNT}, w and r (0 takes the keyspace's); for the datacenter levels w and r
   * are ignored (the level says how many of which datacenter). A null level is COUNT.
   *
   * @param w acknowledgements a write waits for
   * @param r answers a read waits for
   */
  public record Quorum(int w, int r, Level level) {
    public static final Quorum DEFAULT = new Quorum(0, 0, Level.COUNT);
    public static final Quorum LOCAL_QUORUM = new Quorum(0, 0, Level.LOCAL_QUORUM);
    public static final Quorum EACH_QUORUM = new Quorum(0, 0, Level.EACH_QUORUM);

    public Quorum {
      level = level == null ? Level.COUNT : level;
    }

    public Quorum(int w, int r) {
      this(w, r, Level.COUNT);
    }
  }

  /**
   * Writes {@code value} (null: deletes, leaving a tombstone) on top of {@code context}: the context of the
   * client's last read of the key (its values are replaced, every value it did not see is kept as a sibling), or
   * {@link VersionVector#empty()} for a blind write.
   */
  public record Put(String key, JsonNode value, VersionVector context, Quorum quorum, ActorRef<PutReply> replyTo)
      implements Command, WireMessage {}

  /** Reads {@code key}. */
  public record Get(String key, Quorum quorum, ActorRef<GetReply> replyTo) implements Command, WireMessage {}

  /** Replaces the ring (a node joined or left). */
  public record UpdateRing(Ring ring) implements Command, akka.actor.NoSerializationVerificationNeeded {}

  public record GetStatus(ActorRef<Status> replyTo) implements Command, WireMessage {}

  public sealed interface PutReply extends WireMessage permits PutOk, QuorumFailed {}

  public sealed interface GetReply extends WireMessage permits GetOk, QuorumFailed {}

  /** The write is on {@code acknowledged} replicas (at least w); {@code context} covers it. */
  public record PutOk(String key, VersionVector context, int acknowledged, List<String> replicas)
      implements PutReply {}

  /**
   * {@code values}: every live concurrent value (one when there is no conflict, none when the key is absent or
   * deleted); {@code context}: what the next write of this key should carry; {@code answered}: replicas that
   * answered before the reply; {@code repaired}: replicas this read sent a repair to before replying;
   * {@code concurrentDelete}: a delete that did not see these values is kept beside them as a sibling (a tombstone is
   * not a value, so it is not in {@code values}): the client decides, with its next write, whether the key stays.
   */
  public record GetOk(String key, List<JsonNode> values, VersionVector context, boolean deleted, int answered,
      int repaired, boolean concurrentDelete) implements GetReply {
    public boolean conflicted() {
      return values.size() > 1;
    }
  }

  /** Fewer than {@code needed} of the {@code asked} replicas answered within the timeout. */
  public record QuorumFailed(String operation, String key, int needed, int answered, int asked, String detail)
      implements PutReply, GetReply {}

  /**
   * Counts since start: requests, failures, repairs sent by reads, and {@code sloppyWrites}: writes answered
   * {@link PutOk} with at least one stand-in among the replicas that had acknowledged them (a sloppy quorum; until
   * its hints are handed off, a read of the homes may miss such a write).
   */
  public record Status(String keyspace, String node, long writes, long reads, long failed, long readRepairs,
      long sloppyWrites) implements WireMessage {}

  /**
   * Asks how stale this coordinator's reads were (see {@link io.replikit.leaderless.staleness.StalenessCheck}) and
   * for the latencies its requests measured.
   */
  public record GetStaleness(ActorRef<Staleness> replyTo) implements Command, WireMessage {}

  /**
   * Since start: reads checked (every asked replica answered), not checked (stopped at the timeout, or read at
   * {@link Level#LOCAL_QUORUM}: one datacenter's answers are no evidence either way), stale, their
   * share of the checked, quantiles (of a sample) and exact means of how far the stale ones were behind (versions,
   * ms; 0 when none was), and the measured latencies for {@link io.replikit.leaderless.staleness.PbsCalculator}.
   */
  public record Staleness(String keyspace, String node, long checked, long unchecked, long stale, double staleShare,
      double versionsP50, double versionsP99, double msP50, double msP99, double versionsMean, double msMean,
      io.replikit.leaderless.staleness.LatencySamples latencies) implements WireMessage {}

  /**
   * The coordinator of {@code keyspace} on node {@code selfNode}; requests to replicas leave through
   * {@code transport} as from {@code selfNode}. {@code wallMillis} timestamps writes (used by last-write-wins) and
   * the start of reads (staleness checks compare the two).
   */
  public static Behavior<Command> create(Keyspace keyspace, Ring ring, String selfNode, ReplicaTransport transport,
      LongSupplier wallMillis) {
    return CoordinatorBehavior.create(keyspace, ring, selfNode, transport, wallMillis, null);
  }

  /** As above, reporting staleness and latencies to {@code monitor} (null: one from configuration, own registry). */
  public static Behavior<Command> create(Keyspace keyspace, Ring ring, String selfNode, ReplicaTransport transport,
      LongSupplier wallMillis, io.replikit.leaderless.staleness.StalenessMonitor monitor) {
    return CoordinatorBehavior.create(keyspace, ring, selfNode, transport, wallMillis, monitor);
  }

  public static Behavior<Command> create(Keyspace keyspace, Ring ring, String selfNode, ReplicaTransport transport) {
    return create(keyspace, ring, selfNode, transport, System::currentTimeMillis);
  }
}
