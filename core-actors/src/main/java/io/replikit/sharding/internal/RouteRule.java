package io.replikit.sharding.internal;

import io.replikit.sharding.ReplicaSlot;
import io.replikit.replication.ReplicaId;
import io.replikit.singleleader.Replica;

/**
 * Which replica of a group a router asks next, without actors. A write goes to the replica believed to lead; a
 * {@code NotLeader} naming another replica sends it there; no answer, {@code NotLeader} without a leader (an
 * election is on) and {@code Unavailable} (a leader that lost its majority) send it to the next replica slot in
 * order, so that every replica is asked in turn.
 */
public final class RouteRule {
  private RouteRule() {}

  /** Whether {@code reply} ends the request: any answer but "not me" or "not now". */
  public static boolean done(Replica.WriteReply reply) {
    return reply != null && !(reply instanceof Replica.NotLeader) && !(reply instanceof Replica.Unavailable);
  }

  /** The replica to ask after {@code tried} answered {@code reply} (null: no answer in time). */
  public static ReplicaId next(ReplicaId tried, Replica.WriteReply reply, int replicas) {
    if (reply instanceof Replica.NotLeader n && n.leader() != null && !n.leader().equals(tried)) {
      return n.leader();
    }
    return ReplicaSlot.replicaId((indexOf(tried) + 1) % replicas);
  }

  /** Whether the next attempt should wait a little: the group is electing, not merely elsewhere. */
  public static boolean backOff(Replica.WriteReply reply) {
    return reply instanceof Replica.Unavailable
        || (reply instanceof Replica.NotLeader n && n.leader() == null);
  }

  static int indexOf(ReplicaId id) {
    String v = id.value();
    if (v.length() < 2 || v.charAt(0) != 'r') {
      throw new IllegalArgumentException("replica id '" + v + "' is not a sharded replica slot 'r<index>'");
    }
    return Integer.parseInt(v.substring(1));
  }
}
