package io.replikit.replication;

import akka.actor.typed.ActorRef;

/**
 * How replicas reach each other for replication traffic. Replicas never hold each other's references directly:
 * they register here and send by id, so a test can put faults between them and a cluster can route by membership.
 *
 * <p>Delivery is at most once and unordered as far as a replica may assume: the replication protocols tolerate
 * loss, duplication and reordering; they do not tolerate corruption of a delivered message.
 */
public interface ReplicaTransport {

  /**
   * Makes {@code ref} the destination for messages to {@code id}; a restarted replica registers again. The
   * reference must accept the replication messages of its family (a single-leader replica registers itself).
   */
  void register(ReplicaId id, ActorRef<? extends ReplicationMessage> ref);

  /** Sends {@code message} from {@code from} to {@code to}; a replica not (yet) registered loses the message. */
  void send(ReplicaId from, ReplicaId to, ReplicationMessage message);

  /**
   * Whether the failure detector under this transport still considers {@code id}'s node reachable. A follower whose
   * leader is unreachable starts an election without waiting out its whole failover timeout, and refuses to vote
   * that the leader is alive. Transports without a failure detector of their own answer true: replicas then rely
   * on heartbeats alone.
   */
  default boolean reachable(ReplicaId id) {
    return true;
  }

  /**
   * Tells the transport that {@code ids} will be sent to, so it can look them up ahead of the first message (a
   * directory that resolves lazily would otherwise lose that message: the first pre-vote of a failover, say).
   */
  default void expect(java.util.Collection<ReplicaId> ids) {}
}
