package io.replikit.examples.serve;

import akka.actor.typed.ActorRef;
import io.replikit.singleleader.Replica;
import io.replikit.singleleader.ReplicaGroupSpec;
import java.util.List;
import java.util.function.Supplier;

/**
 * A replica group as one node hosts it: the group's members and this node's replica of it. The HTTP API sends
 * every request for the group to {@code replica}, which answers from its own state (reads) or as leader or
 * follower (writes).
 *
 * @param spec the group's members in priority order
 * @param replica this node's replica of the group
 * @param listedMembers the members whose replicas this node finds through the Receptionist now
 */
public record HostedGroup(ReplicaGroupSpec spec, ActorRef<Replica.Command> replica,
    Supplier<List<String>> listedMembers) {

  /** A group without a Receptionist view (a replica in a single actor system, as in tests). */
  public HostedGroup(ReplicaGroupSpec spec, ActorRef<Replica.Command> replica) {
    this(spec, replica, List::of);
  }

  public String id() {
    return spec.groupId();
  }
}
