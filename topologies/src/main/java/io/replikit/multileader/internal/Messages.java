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

  /** Changes for {@code to}, in an order that respects causality (the sender's apply order). */
  public record Forward(String from, List<Envelope> envelopes) implements Message {}

  /**
   * Anti-entropy: "I have applied {@code applied}; send me what I lack". Sent to the current topology neighbours
   * every digest interval, so lost messages and changes a failed node forwarded only partly are completed.
   */
  public record Digest(String from, VersionVector applied) implements Message {}

  enum Tick implements MultiLeaderReplica.Command, NoSerializationVerificationNeeded { INSTANCE }

  /** Persist what the write buffer and the deliverable held changes hold (group commit). */
  enum Flush implements MultiLeaderReplica.Command, NoSerializationVerificationNeeded { INSTANCE }
}
