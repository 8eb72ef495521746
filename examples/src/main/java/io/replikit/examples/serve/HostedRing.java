package io.replikit.examples.serve;

import akka.actor.typed.ActorRef;
import io.replikit.leaderless.Coordinator;
import io.replikit.leaderless.Keyspace;
import io.replikit.leaderless.StorageReplica;

/**
 * A leaderless keyspace as one node hosts it: the coordinator that takes the HTTP API's requests (it asks the key's
 * n replicas wherever they are and waits for w or r), and this node's storage replica when the node is on the ring.
 *
 * @param replica this node's storage replica, or null when the node is not one of the ring's nodes
 */
public record HostedRing(RingConfig config, Keyspace keyspace, String node,
    ActorRef<Coordinator.Command> coordinator, ActorRef<StorageReplica.Command> replica) {
  public String id() {
    return config.id();
  }
}
