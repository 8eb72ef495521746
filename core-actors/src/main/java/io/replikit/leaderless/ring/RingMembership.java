package io.replikit.leaderless.ring;

import akka.actor.NoSerializationVerificationNeeded;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.Terminated;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.ClusterEvent;
import akka.cluster.Member;
import akka.cluster.typed.Cluster;
import akka.cluster.typed.Subscribe;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import io.replikit.leaderless.Coordinator;
import io.replikit.leaderless.StorageReplica;
import io.replikit.leaderless.antientropy.AntiEntropy;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Keeps a {@link Ring} of the Up members of the Akka Cluster this node belongs to (optionally only those with a given
 * role) and tells every registered {@link Coordinator} {@link Coordinator.UpdateRing}, and every registered
 * {@link StorageReplica} {@link AntiEntropy.UpdateRing} (its anti-entropy trees follow the ring), whenever that set
 * changes. A
 * member's ring node id is what follows {@link Settings#nodeIdRolePrefix} in one of its roles (say the role
 * {@code replikit-node:n1} gives {@code n1}), or its address ({@code host:port}) when it has no such role; its
 * datacenter is {@code member.dataCenter()}. Storage replicas must register under that same id.
 *
 * <p>Guarantees: a member is on the ring from the MemberUp this node saw until it is seen Leaving, Exiting, Down or
 * Removed; every coordinator and replica registered hears the latest ring (and the current one on registration).
 * Unreachable
 * members stay on the ring (Dynamo's choice: reachability flaps, placement should not; requests time out or go to
 * stand-ins instead). Does not survive: two nodes seeing membership at different moments place a key on different
 * replicas for a short while (a request may then miss a quorum, never a committed write's overlap once gossip
 * converged); and a member whose role-derived id collides with another's is ignored (logged), the first kept.
 */
public final class RingMembership {
  private RingMembership() {}

  public interface Command extends NoSerializationVerificationNeeded {}

  /** Adds {@code coordinator} to the coordinators told of ring changes; it is told the current ring at once. */
  public record Register(ActorRef<Coordinator.Command> coordinator) implements Command {}

  /**
   * Adds {@code replica} (this node's {@link StorageReplica}) to the replicas told of ring changes, as
   * {@link AntiEntropy.UpdateRing}, so that its anti-entropy trees cover its new ranges; it is told the current ring
   * at once. A replica created without anti-entropy ignores it.
   */
  public record RegisterReplica(ActorRef<StorageReplica.Command> replica) implements Command {}

  /** Answers the current ring (empty while no member is Up). */
  public record GetRing(ActorRef<CurrentRing> replyTo) implements Command {}

  public record CurrentRing(Optional<Ring> ring) implements NoSerializationVerificationNeeded {}

  private record MemberEvent(ClusterEvent.MemberEvent event) implements Command {}

  /**
   * @param role only members with this role are placed on the ring; empty: every member
   * @param vnodesPerNode virtual nodes per member (at least 1)
   * @param nodeIdRolePrefix a role starting with this names the member's node id; empty: always the address
   */
  public record Settings(String role, int vnodesPerNode, String nodeIdRolePrefix) {
    public Settings {
      role = role == null ? "" : role;
      nodeIdRolePrefix = nodeIdRolePrefix == null ? "" : nodeIdRolePrefix;
      if (vnodesPerNode < 1) {
        throw new IllegalArgumentException("replikit.leaderless.membership.vnodes must be at least 1, was "
            + vnodesPerNode);
      }
    }

    /** Reads {@code replikit.leaderless.membership}. */
    public static Settings fromConfig(Config root) {
      try {
        Config c = root.getConfig("replikit.leaderless.membership");
        return new Settings(c.getString("role"), c.getInt("vnodes"), c.getString("node-id-role-prefix"));
      } catch (ConfigException e) {
        throw new IllegalArgumentException("invalid replikit configuration: " + e.getMessage(), e);
      }
    }

    /** The ring node id of a member with {@code roles} at {@code hostPort}. */
    public String nodeId(Set<String> roles, String hostPort) {
      if (!nodeIdRolePrefix.isEmpty()) {
        for (String r : roles) {
          if (r.startsWith(nodeIdRolePrefix) && r.length() > nodeIdRolePrefix.length()) {
            return r.substring(nodeIdRolePrefix.length());
          }
        }
      }
      return hostPort;
    }

    /** Whether a member with {@code roles} belongs on the ring. */
    public boolean places(Set<String> roles) {
      return role.isEmpty() || roles.contains(role);
    }
  }

  public static Behavior<Command> create(Settings settings) {
    return Behaviors.setup(ctx -> {
      Cluster cluster = Cluster.get(ctx.getSystem());
      cluster.subscriptions().tell(Subscribe.create(
          ctx.messageAdapter(ClusterEvent.MemberEvent.class, MemberEvent::new), ClusterEvent.MemberEvent.class));
      // the typed Subscribe replays the current members as events first, so members Up before this actor are placed
      return new Shell(ctx, settings).behavior();
    });
  }

  /** The actor's state: members on the ring by address, and the coordinators to tell. */
  private static final class Shell {
    final ActorContext<Command> ctx;
    final Settings settings;
    final Map<akka.actor.Address, RingNode> up = new LinkedHashMap<>();
    final Set<ActorRef<Coordinator.Command>> coordinators = new LinkedHashSet<>();
    final Set<ActorRef<StorageReplica.Command>> replicas = new LinkedHashSet<>();
    Ring ring;

    Shell(ActorContext<Command> ctx, Settings settings) {
      this.ctx = ctx;
      this.settings = settings;
    }

    Behavior<Command> behavior() {
      return Behaviors.receive(Command.class)
          .onMessage(Register.class, r -> {
            if (r.coordinator() != null && coordinators.add(r.coordinator())) {
              ctx.watch(r.coordinator());
              if (ring != null) {
                r.coordinator().tell(new Coordinator.UpdateRing(ring));
              }
            }
            return Behaviors.same();
          })
          .onMessage(RegisterReplica.class, r -> {
            if (r.replica() != null && replicas.add(r.replica())) {
              ctx.watch(r.replica());
              if (ring != null) {
                r.replica().tell(new AntiEntropy.UpdateRing(ring));
              }
            }
            return Behaviors.same();
          })
          .onMessage(GetRing.class, g -> {
            if (g.replyTo() != null) {
              g.replyTo().tell(new CurrentRing(Optional.ofNullable(ring)));
            }
            return Behaviors.same();
          })
          .onMessage(MemberEvent.class, e -> {
            ClusterEvent.MemberEvent ev = e.event();
            if (ev instanceof ClusterEvent.MemberUp) {
              add(ev.member());
            } else if (ev instanceof ClusterEvent.MemberLeft || ev instanceof ClusterEvent.MemberExited
                || ev instanceof ClusterEvent.MemberDowned || ev instanceof ClusterEvent.MemberRemoved) {
              up.remove(ev.member().address());
            }
            return changed();
          })
          .onSignal(Terminated.class, t -> {
            coordinators.removeIf(c -> c.equals(t.getRef()));
            replicas.removeIf(r -> r.equals(t.getRef()));
            return Behaviors.same();
          })
          .build();
    }

    private void add(Member m) {
      if (up.containsKey(m.address()) || !settings.places(m.getRoles())) {
        return;
      }
      String id = settings.nodeId(m.getRoles(), m.address().hostPort());
      if (up.values().stream().anyMatch(n -> n.id().equals(id))) {
        ctx.getLog().warn("member {} names ring node id '{}', which another member has: not placed", m.address(), id);
        return;
      }
      up.put(m.address(), new RingNode(id, m.dataCenter()));
    }

    /** Rebuilds the ring when its nodes changed and tells the coordinators; no members Up keeps the last ring. */
    private Behavior<Command> changed() {
      if (up.isEmpty()) {
        return Behaviors.same();
      }
      Set<RingNode> nodes = new LinkedHashSet<>(up.values());
      if (ring != null && ring.nodes().equals(nodes)) {
        return Behaviors.same();
      }
      ring = Ring.of(nodes, settings.vnodesPerNode());
      ctx.getLog().info("leaderless ring now has {} nodes: {}", nodes.size(), nodes);
      for (ActorRef<Coordinator.Command> c : coordinators) {
        c.tell(new Coordinator.UpdateRing(ring));
      }
      for (ActorRef<StorageReplica.Command> r : replicas) {
        r.tell(new AntiEntropy.UpdateRing(ring));
      }
      return Behaviors.same();
    }
  }
}
