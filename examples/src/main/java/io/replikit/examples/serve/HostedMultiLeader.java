package io.replikit.examples.serve;

import akka.actor.typed.ActorRef;
import io.replikit.multileader.MultiLeaderReplica;

/**
 * A multi-leader group as one node hosts it: this node's leader of the group, which takes writes at once and
 * forwards them along the group's topology.
 *
 * @param replica this node's replica, or null when the node is not a member (it then serves nothing of the group)
 */
public record HostedMultiLeader(MultiLeaderConfig config, String node,
    ActorRef<MultiLeaderReplica.Command> replica) {
  public String id() {
    return config.id();
  }
}
