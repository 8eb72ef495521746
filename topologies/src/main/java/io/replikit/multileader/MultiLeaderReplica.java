package io.replikit.multileader;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import com.fasterxml.jackson.databind.JsonNode;
import io.replikit.multileader.internal.MultiLeaderBehavior;
import io.replikit.replication.ReplicaTransport;
import io.replikit.serialization.WireMessage;
import io.replikit.crdt.Crdt;
import io.replikit.versioning.HybridLogicalClock;
import io.replikit.versioning.VersionVector;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * A leader of a multi-leader group: it takes writes at once (acknowledged when its own journal holds them), and
 * forwards every change along its {@link TopologySpec}, while following every other leader. Changes carry their
 * causal past as a version vector: a replica applies a change only after what it depends on (an update never
 * before the insert it updates, whatever the links do), and two writes to a key conflict exactly when neither saw
 * the other; the key's {@link ConflictStrategy} decides what reads return, the same on every replica.
 *
 * <p>Survives: lost, duplicated, delayed and reordered messages, links that overtake each other, replicas that
 * restart from their journal, and down replicas (circular and tree topologies re-wire around them, and anti-entropy
 * completes what they had forwarded only partly), and, with {@code incarnate-when-empty} on, a replica that
 * restarts with an empty journal (it writes under a fresh incarnation of its id and gets the group's history back
 * from its peers by anti-entropy). Does not survive: last-write-wins and replica priority discard concurrent writes
 * by design (counted); the whole history is kept in memory (no snapshots yet); a journal lost with
 * {@code incarnate-when-empty} off (the replica reuses its dots and peers drop its new writes as duplicates).
 */
public final class MultiLeaderReplica {
  private MultiLeaderReplica() {}

  public interface Command {}

  /**
   * Sets {@code key} to {@code value} at this leader (a JSON null deletes); answered {@link Written} once this
   * replica's journal has it.
   */
  public record Put(String key, JsonNode value, ActorRef<WriteReply> replyTo) implements Command, WireMessage {}

  /** Deletes {@code key} (a tombstone, so that a concurrent write is detected as a conflict, not resurrected). */
  public record Delete(String key, ActorRef<WriteReply> replyTo) implements Command, WireMessage {}

  /**
   * Updates the CRDT at {@code key} on this leader: {@code update} gets the key's current CRDT here (null when it
   * has none), this leader's id and its hybrid logical clock, and returns a delta (a CRDT mutator's result, e.g.
   * {@code current.increment(replica, 1)} on a counter); the delta is logged and merged on every leader, so
   * concurrent updates are never lost. Local only: {@code update} is code, so this command cannot cross nodes.
   */
  public record UpdateCrdt(String key, CrdtUpdate update, ActorRef<WriteReply> replyTo)
      implements Command, akka.actor.NoSerializationVerificationNeeded {}

  /** Computes a CRDT delta from the key's current state (see {@link UpdateCrdt}). */
  @FunctionalInterface
  public interface CrdtUpdate {
    Crdt<?> delta(Crdt<?> current, String replica, HybridLogicalClock clock);
  }

  public sealed interface WriteReply extends WireMessage {}

  /**
   * Written here as the change {@code origin:counter} ({@code origin}: this leader's id, or its incarnation, see
   * {@link Status#writesAs}); it reaches the other leaders asynchronously.
   */
  public record Written(String key, String origin, long counter) implements WriteReply {}

  public record WriteRejected(String reason) implements WriteReply {}

  /** A read of {@code key} from this replica's state. */
  public record Get(String key, ActorRef<Value> replyTo) implements Command, WireMessage {}

  /**
   * {@code value}: what the key's strategy shows (null: absent, deleted, or siblings left to the application);
   * {@code siblings}: every concurrent value kept, when there are several; {@code versions}: the writes they came
   * from ({@code origin:counter}); {@code crdt}: for a CRDT-valued key, its whole state (then {@code value} is
   * the CRDT's value as JSON: a number, an array, a text, an object).
   */
  public record Value(String key, JsonNode value, List<JsonNode> siblings, List<String> versions, String servedBy,
      VersionVector applied, @com.fasterxml.jackson.annotation.JsonInclude(
          com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL) Crdt<?> crdt) implements WireMessage {
    public Value {
      value = value == null || value.isNull() ? null : value; // JSON null means absent, on the wire as here
      siblings = siblings == null ? List.of() : List.copyOf(siblings);
      versions = versions == null ? List.of() : List.copyOf(versions);
    }

    public boolean conflicted() {
      return versions.size() > 1;
    }
  }

  public record GetStatus(ActorRef<Status> replyTo) implements Command, WireMessage {}

  /**
   * {@code applied}: this replica's version vector; {@code pending}: changes held until what they depend on
   * arrives; {@code conflicts}: conflicts detected here; {@code discarded}: writes last-write-wins threw away here;
   * {@code loopsPrevented}: changes dropped because they bore this replica's id; {@code neighbours}: where it sends
   * now; {@code recentConflicts}: the last few, newest last; {@code conflictsByResolution}: {@code conflicts} by the
   * strategy that handled them ({@code last-write-wins}, {@code keep-siblings}, {@code crdt:pn-counter}, ...);
   * {@code writesAs}: the origin of this replica's own changes, its id or, after it started with an empty journal
   * with {@code incarnate-when-empty} on, an incarnation {@code <id>~<incarnation>} of it.
   */
  public record Status(String groupId, String replica, VersionVector applied, int pending, long conflicts,
      long discarded, long loopsPrevented, long duplicatesDropped, List<String> neighbours, int keys,
      List<ConflictRecord> recentConflicts, Map<String, Long> conflictsByResolution, String writesAs)
      implements WireMessage {
    public Status {
      conflictsByResolution = conflictsByResolution == null ? Map.of() : Map.copyOf(conflictsByResolution);
      writesAs = writesAs == null ? replica : writesAs;
    }

    /** A status of a replica that writes under its own id. */
    public Status(String groupId, String replica, VersionVector applied, int pending, long conflicts,
        long discarded, long loopsPrevented, long duplicatesDropped, List<String> neighbours, int keys,
        List<ConflictRecord> recentConflicts, Map<String, Long> conflictsByResolution) {
      this(groupId, replica, applied, pending, conflicts, discarded, loopsPrevented, duplicatesDropped, neighbours,
          keys, recentConflicts, conflictsByResolution, replica);
    }
  }

  /** Every key's view on this replica, for convergence checks (test-sized stores). */
  public record ReadAll(ActorRef<AllValues> replyTo) implements Command, WireMessage {}

  public record AllValues(String servedBy, VersionVector applied, Map<String, List<String>> versions,
      Map<String, JsonNode> values) implements WireMessage {}

  /**
   * The leader {@code self} of {@code topology}, with its persistence id {@code replikit-ml-<group>|<self>}.
   * {@code wallMillis} feeds its hybrid logical clock (tests skew it); {@code incarnations} gives a fresh id each
   * time the replica takes an incarnation (see {@link MultiLeaderSettings#incarnateWhenEmpty()}): non-empty,
   * without {@code '~'}, never the same twice for one member (the other overloads draw 48 random bits).
   */
  public static Behavior<Command> create(TopologySpec topology, String self, MultiLeaderSettings settings,
      ConflictPolicy policy, ReplicaTransport transport, MultiLeaderObserver observer, LongSupplier wallMillis,
      java.util.function.Supplier<String> incarnations) {
    if (!topology.members().contains(self)) {
      throw new IllegalArgumentException(self + " is not a member of group " + topology.groupId() + " "
          + topology.members());
    }
    return MultiLeaderBehavior.create(topology, self, settings, policy, transport, observer, wallMillis,
        incarnations);
  }

  public static Behavior<Command> create(TopologySpec topology, String self, MultiLeaderSettings settings,
      ConflictPolicy policy, ReplicaTransport transport, MultiLeaderObserver observer, LongSupplier wallMillis) {
    return create(topology, self, settings, policy, transport, observer, wallMillis,
        io.replikit.multileader.internal.Incarnation.randomIds(new java.security.SecureRandom()));
  }

  public static Behavior<Command> create(TopologySpec topology, String self, MultiLeaderSettings settings,
      ConflictPolicy policy, ReplicaTransport transport) {
    return create(topology, self, settings, policy, transport, MultiLeaderObserver.NONE, System::currentTimeMillis);
  }
}
