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
 * membership (a replica on a node that is unreachable, left or was downed disappears from it; one that restarted
 * elsewhere appears). Messages to a replica not (yet) listed are lost, which the replication protocols tolerate.
 *
 * <p>{@link #reachable} combines the listing with cluster membership: a replica that was listed and no longer is
 * (its actor stopped, or its node was downed and removed) is unreachable until it is listed again; so is one on a
 * node that the failure detector marks unreachable or whose member is Down, Leaving, Exiting or Removed. A replica
 * never listed yet counts as reachable (unknown: at start-up the replicas' own heartbeats decide). The answer is
 * this node's view only: during a partition two sides may each see the other as gone (the multi-leader family
 * keeps taking writes on both sides and merges after the heal; the single-leader family's elections need a
 * majority). It does not survive a replica that hangs while its node stays Up and listed.
 *
 * <p>One instance serves one group on one node; create it with {@link #create(ActorSystem, String)}.
 */
public final class ReceptionistTransport implements ReplicaTransport {
  private final ActorSystem<?> system;
  private final String groupId;
  private final Map<ReplicaId, ActorRef<ReplicationMessage>> directory = new ConcurrentHashMap<>();
  private final Set<ReplicaId> watched = ConcurrentHashMap.newKeySet();
  /** Replicas the Receptionist has listed at least once. */
  private final Set<ReplicaId> listed = ConcurrentHashMap.newKeySet();
  /** Replicas that were listed and are not now: gone until listed (or registered here) again. */
  private final Set<ReplicaId> gone = ConcurrentHashMap.newKeySet();
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
    gone.remove(id);
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
   * False for a replica that was listed and no longer is, and for one on a node that Akka Cluster's phi-accrual
   * failure detector marks unreachable or whose member is Down, Leaving, Exiting or Removed (no longer a member).
   * True for a replica never listed yet (unknown) and for local replicas; outside a cluster only the listing
   * counts.
   */
  @Override
  public boolean reachable(ReplicaId id) {
    ActorRef<ReplicationMessage> ref = directory.get(id);
    akka.actor.Address address = ref == null ? null : ref.path().address();
    if (address == null || address.hasLocalScope() || !clustered()) {
      return decide(gone.contains(id), address, null, a -> false);
    }
    akka.cluster.ClusterEvent.CurrentClusterState state =
        akka.cluster.Cluster.get(system.classicSystem()).state();
    java.util.Map<akka.actor.Address, akka.cluster.MemberStatus> statuses = new java.util.HashMap<>();
    for (akka.cluster.Member m : state.getMembers()) {
      statuses.put(m.address(), m.status());
    }
    Set<akka.actor.Address> unreachable = new java.util.HashSet<>();
    for (akka.cluster.Member m : state.getUnreachable()) {
      unreachable.add(m.address());
    }
    return decide(false, address, statuses::get, unreachable::contains);
  }

  /**
   * The rules of {@link #reachable}, without actors: {@code goneSinceListed} whether the replica was listed and is
   * not now, {@code listedAt} the node it is listed on now (null: not listed), {@code statusOf} that node's member
   * status (null function: no cluster, or a local replica; null status: not a member, i.e. removed), and
   * {@code unreachable} whether the failure detector marks a node unreachable.
   */
  static boolean decide(boolean goneSinceListed, akka.actor.Address listedAt,
      java.util.function.Function<akka.actor.Address, akka.cluster.MemberStatus> statusOf,
      java.util.function.Predicate<akka.actor.Address> unreachable) {
    if (listedAt == null) {
      return !goneSinceListed; // never listed: unknown, the replicas' own heartbeats decide
    }
    if (statusOf == null || listedAt.hasLocalScope()) {
      return true;
    }
    if (unreachable.test(listedAt)) {
      return false;
    }
    akka.cluster.MemberStatus status = statusOf.apply(listedAt);
    return status != null && !status.equals(akka.cluster.MemberStatus.down())
        && !status.equals(akka.cluster.MemberStatus.leaving()) && !status.equals(akka.cluster.MemberStatus.exiting())
        && !status.equals(akka.cluster.MemberStatus.removed());
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
        if (listed.contains(id)) {
          directory.remove(id);
          gone.add(id);
        }
        // never listed yet: the Receptionist has not caught up with a local registration, keep it
      } else {
        listed.add(id);
        gone.remove(id);
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
