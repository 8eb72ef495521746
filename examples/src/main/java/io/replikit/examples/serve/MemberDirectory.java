package io.replikit.examples.serve;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.Props;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.receptionist.Receptionist;
import akka.actor.typed.receptionist.ServiceKey;
import io.replikit.cluster.ReceptionistTransport;
import io.replikit.replication.ReplicaId;
import io.replikit.replication.ReplicationMessage;
import io.replikit.singleleader.ReplicaGroupSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which members of a group this node can find through the Receptionist right now, as the group's
 * {@link ReceptionistTransport} sees them: a replica not listed here receives nothing from this node. Shown in
 * {@code GET /status/{group}} as {@code listed}, so that an operator (or a test) can tell a group whose replicas do
 * not see each other yet (just after the cluster formed, or across a partition) from one that is ready to fail
 * over. Read-only: it subscribes to the same keys and changes nothing.
 */
final class MemberDirectory {
  private final List<ReplicaId> members;
  private final Map<ReplicaId, Boolean> listed = new ConcurrentHashMap<>();

  private MemberDirectory(List<ReplicaId> members) {
    this.members = members;
  }

  /** Subscribes to every member of {@code spec} on {@code system}'s Receptionist. */
  static MemberDirectory start(ActorSystem<?> system, ReplicaGroupSpec spec) {
    List<ReplicaId> members = new ArrayList<>();
    members.add(spec.leader());
    members.addAll(spec.followers());
    MemberDirectory directory = new MemberDirectory(List.copyOf(members));
    ActorRef<Receptionist.Listing> listener =
        system.systemActorOf(directory.listener(), "replikit-members-" + spec.groupId(), Props.empty());
    for (ReplicaId m : members) {
      system.receptionist().tell(Receptionist.subscribe(ReceptionistTransport.key(spec.groupId(), m), listener));
    }
    return directory;
  }

  /** The members listed now (reachable instances only), in the group's order. */
  List<String> listed() {
    List<String> names = new ArrayList<>();
    for (ReplicaId m : members) {
      if (listed.getOrDefault(m, false)) {
        names.add(m.value());
      }
    }
    return names;
  }

  private Behavior<Receptionist.Listing> listener() {
    return Behaviors.receiveMessage(listing -> {
      String id = listing.getKey().id();
      ReplicaId member = ReplicaId.of(id.substring(id.lastIndexOf('|') + 1));
      @SuppressWarnings("unchecked")
      ServiceKey<ReplicationMessage> key = (ServiceKey<ReplicationMessage>) listing.getKey();
      listed.put(member, !listing.getServiceInstances(key).isEmpty());
      return Behaviors.same();
    });
  }
}
