package io.replikit.leaderless.handoff;

import akka.actor.typed.ActorRef;
import io.replikit.leaderless.StorageReplica;
import io.replikit.serialization.WireMessage;
import io.replikit.versioning.DottedVersionVectorSet;
import java.util.Map;

/**
 * The protocol of hinted handoff (sloppy quorums, {@link io.replikit.leaderless.Keyspace#sloppyQuorum()}): a node
 * that stands in for an unreachable home replica of a key keeps the write as a <em>hint</em> for that home, apart
 * from its own data (a hinted key is not this node's key: it never answers a plain {@code Fetch} with it, and
 * anti-entropy never sees it). Hints are persisted (their own journal, persistence id
 * {@code replikit-ll-hints-<keyspace>|<node>}), merged per home and key (a dvv join), offered to their home every
 * {@code handoff-interval} while the home is reachable, and deleted once the home answered a {@code Stored} set that
 * descends the hint; a hint older than the keyspace's hint window is dropped and counted.
 *
 * <p>These messages are sent to the node's {@link StorageReplica} (its transport endpoint, so that a partition of the
 * node cuts hint traffic too), which passes them to its hint store.
 *
 * <p>Guarantees: a hint acknowledged is on disk; it is handed to its home until the home holds all of it, and
 * deleting it never loses a sibling or brings a deleted value back (the home merges, and the hint is only deleted
 * when what the home holds descends it). Duplicated handoff messages are harmless (the home's merge of a set it
 * already descends writes nothing). Not survived: losing the stand-in's journal before the handoff, a home that
 * stays away longer than the hint window, or a home that leaves the ring for good (anti-entropy must repair those).
 */
public final class HintedHandoff {
  private HintedHandoff() {}

  /** Every message a storage replica hands to its hint store. */
  public interface Command extends StorageReplica.Command {}

  /**
   * Keeps {@code set} for {@code key} as a hint for the home replica {@code home} (merged with the hint already
   * held); answered {@link StorageReplica.Stored} with this stand-in's id and the hint's set once persisted, which
   * counts as this node's acknowledgement of the write in a sloppy quorum.
   */
  public record StoreHint(String home, String key, DottedVersionVectorSet set,
      ActorRef<StorageReplica.StoreReply> replyTo) implements Command, StorageReplica.Message {}

  /** Reads the hint held here for {@code home} and {@code key}: {@link StorageReplica.Fetched} (empty if none). */
  public record FetchHint(String home, String key, ActorRef<StorageReplica.Fetched> replyTo)
      implements Command, StorageReplica.Message {}

  public record GetHintStatus(ActorRef<HintStatus> replyTo) implements Command, WireMessage {}

  /**
   * {@code waiting}: hints held here per home replica (home id to number of keys); {@code handedOff}: hints
   * delivered and deleted since the journal began; {@code expired}: hints dropped because they were older than the
   * hint window.
   */
  public record HintStatus(String keyspace, String replica, Map<String, Integer> waiting, long handedOff,
      long expired) implements WireMessage {
    public int total() {
      return waiting.values().stream().mapToInt(Integer::intValue).sum();
    }
  }
}
