package io.replikit.multileader.internal;

import akka.actor.NoSerializationVerificationNeeded;
import io.replikit.multileader.MultiLeaderReplica;
import io.replikit.replication.ReplicationMessage;
import io.replikit.versioning.VersionVector;
import java.util.List;

/** What multi-leader replicas send each other, and a replica's timer. */
public final class Messages {
  private Messages() {}

  /** A replication message of the multi-leader family (no epochs: every leader takes writes). */
  public interface Message extends MultiLeaderReplica.Command, ReplicationMessage {
    @Override
    default long epoch() {
      return 0;
    }
  }

  /**
   * A change on its way, with its origin tags: the replicas it has passed through, its origin first. A replica
   * drops a change that already bears its own id, so no change loops around a ring or a tree.
   */
  public record Envelope(Change change, List<String> tags) {}

  /**
   * Changes for {@code to}, in an order that respects causality (the sender's apply order). {@code moreToRepair}: an
   * answer to a digest that was cut at {@code max-batch}; the receiver asks again as soon as it has applied it, so a
   * long repair (after a partition heals) runs at the journal's pace, not one batch per digest interval.
   */
  public record Forward(String from, List<Envelope> envelopes, boolean moreToRepair) implements Message {
    public Forward(String from, List<Envelope> envelopes) {
      this(from, envelopes, false);
    }
  }

  /**
   * Anti-entropy: "I have applied {@code applied}; send me what I lack". Sent to the current topology neighbours
   * every digest interval, so lost messages and changes a failed node forwarded only partly are completed.
   */
  public record Digest(String from, VersionVector applied) implements Message {}

  enum Tick implements MultiLeaderReplica.Command, NoSerializationVerificationNeeded { INSTANCE }

  /** Persist what the write buffer and the deliverable held changes hold (group commit). */
  enum Flush implements MultiLeaderReplica.Command, NoSerializationVerificationNeeded { INSTANCE }
}
