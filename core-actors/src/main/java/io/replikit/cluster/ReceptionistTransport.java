package io.replikit.cluster;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.Props;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.receptionist.Receptionist;
import akka.actor.typed.receptionist.ServiceKey;
import io.replikit.replication.ReplicaId;
import io.replikit.replication.ReplicaTransport;
import io.replikit.replication.ReplicationMessage;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A transport for replicas spread over an Akka Cluster: each replica registers with the Receptionist under a key
 * named after its group and id, and senders find it through the Receptionist's listing, which follows cluster
 * membership (a replica on a node that left or was downed disappears from it; one that restarted elsewhere
 * appears). Messages to a replica not (yet) listed are lost, which the replication protocols tolerate.
 *
 * <p>One instance serves one group on one node; create it with {@link #create(ActorSystem, String)}.
 */
public final class ReceptionistTransport implements ReplicaTransport {
  private final ActorSystem<?> system;
  private final String groupId;
  private final Map<ReplicaId, ActorRef<ReplicationMessage>> directory = new ConcurrentHashMap<>();
  private final Set<ReplicaId> watched = ConcurrentHashMap.newKeySet();
  private final ActorRef<Receptionist.Listing> listings;

  private ReceptionistTransport(ActorSystem<?> system, String groupId) {
    this.system = system;
    this.groupId = groupId;
    this.listings = system.systemActorOf(listingsBehavior(), "replikit-transport-" + encode(groupId) + "-"
        + Integer.toHexString(System.identityHashCode(this)), Props.empty());
  }

  /** A transport for {@code groupId} on {@code system}'s node. */
  public static ReceptionistTransport create(ActorSystem<?> system, String groupId) {
    return new ReceptionistTransport(system, groupId);
  }

  /** The Receptionist key under which replica {@code id} of {@code groupId} is registered. */
  public static ServiceKey<ReplicationMessage> key(String groupId, ReplicaId id) {
    return ServiceKey.create(ReplicationMessage.class, "replikit|" + groupId + "|" + id.value());
  }

  @Override
  @SuppressWarnings("unchecked")
  public void register(ReplicaId id, ActorRef<? extends ReplicationMessage> ref) {
    ActorRef<ReplicationMessage> r = (ActorRef<ReplicationMessage>) ref;
    directory.put(id, r); // local sends need not wait for the Receptionist
    system.receptionist().tell(Receptionist.register(key(groupId, id), r));
    watch(id);
  }

  @Override
  public void send(ReplicaId from, ReplicaId to, ReplicationMessage message) {
    ActorRef<ReplicationMessage> ref = directory.get(to);
    if (ref != null) {
      ref.tell(message);
    } else {
      watch(to);
    }
  }

  /**
   * Akka Cluster's phi-accrual failure detector decides: a replica on a node some member observes as unreachable
   * is unreachable. Outside a cluster, for local replicas and for replicas not listed yet, the answer is true.
   */
  @Override
  public boolean reachable(ReplicaId id) {
    ActorRef<ReplicationMessage> ref = directory.get(id);
    if (ref == null || ref.path().address().hasLocalScope() || !clustered()) {
      return true; // unknown or local: the replicas' own heartbeats decide
    }
    akka.actor.Address address = ref.path().address();
    for (akka.cluster.Member m : akka.cluster.Cluster.get(system.classicSystem()).state().getUnreachable()) {
      if (m.address().equals(address)) {
        return false;
      }
    }
    return true;
  }

  private boolean clustered() {
    return system.classicSystem().provider() instanceof akka.cluster.ClusterActorRefProvider;
  }

  @Override
  public void expect(java.util.Collection<ReplicaId> ids) {
    for (ReplicaId id : ids) {
      watch(id);
    }
  }

  /** The replicas of this group the Receptionist lists now (for status pages and tests). */
  public Set<ReplicaId> known() {
    return Set.copyOf(directory.keySet());
  }

  private void watch(ReplicaId id) {
    if (watched.add(id)) {
      system.receptionist().tell(Receptionist.subscribe(key(groupId, id), listings));
    }
  }

  private Behavior<Receptionist.Listing> listingsBehavior() {
    return Behaviors.receiveMessage(listing -> {
      String name = listing.getKey().id();
      ReplicaId id = ReplicaId.of(name.substring(name.lastIndexOf('|') + 1));
      @SuppressWarnings("unchecked")
      Set<ActorRef<ReplicationMessage>> refs =
          listing.getServiceInstances((ServiceKey<ReplicationMessage>) listing.getKey());
      if (refs.isEmpty()) {
        directory.remove(id);
      } else {
        // a restarted replica may briefly be listed twice (old and new incarnation): prefer a local one, else any
        ActorRef<ReplicationMessage> chosen = refs.stream()
            .filter(r -> r.path().address().hasLocalScope())
            .findFirst().orElse(refs.iterator().next());
        directory.put(id, chosen);
      }
      return Behaviors.same();
    });
  }

  private static String encode(String s) {
    return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8).replace('%', '_');
  }
}
