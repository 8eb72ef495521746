package io.replikit.sharding;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.Terminated;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.sharding.typed.javadsl.EntityRef;
import io.replikit.cluster.ReceptionistTransport;
import io.replikit.leaderless.Coordinator;
import io.replikit.leaderless.Keyspace;
import io.replikit.leaderless.StorageReplica;
import io.replikit.leaderless.antientropy.AntiEntropy;
import io.replikit.leaderless.antientropy.AntiEntropySettings;
import io.replikit.leaderless.ring.Ring;
import io.replikit.leaderless.ring.RingNode;
import io.replikit.replication.ReplicaId;
import io.replikit.serialization.WireMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * A sharded keyspace of leaderless rings on this node ({@link ShardedGroups} with the leaderless family): partition
 * p is a small Dynamo-style ring of its R replica slots {@code r0..r<R-1>}, every key of the partition stored on all
 * R of them (n = R; w, r, timeout, conflicts and read repair from a {@link Keyspace} template), each slot a sharded
 * entity placed on its own node. The entity runs the slot's {@link StorageReplica} (with anti-entropy) and a
 * {@link Coordinator} of the partition's ring; the partition's keyspace is named after its group
 * ({@code <keyspace>-p<p>}), so journals ({@code replikit-ll-<keyspace>-p<p>|r<i>}) and transports are per partition.
 * A {@link RingRouter} routes client requests by key to a coordinator of the key's partition.
 *
 * <p>Survives: nodes joining and leaving (replicas move; while w of a partition's replicas run it takes writes, and
 * while r do it answers reads). A replica placed anew on a node without its journal starts empty: it starts a new
 * incarnation ({@link StorageReplica#create(Keyspace, String, io.replikit.replication.ReplicaTransport, Ring,
 * AntiEntropySettings, Supplier)}), so the writes it mints cannot reuse a dot its peers hold from before and no
 * acknowledged write is dropped by a merge. Until read repair and anti-entropy refill it, though, it answers reads
 * with what it has and counts toward r: it is a replica that lost data (the chapter's "replica restored from an older
 * copy"), and a read quorum of it and a replica that lacks an acknowledged write misses that write; with R = 3,
 * w = 2, r = 2 that takes an acknowledged write held by only two replicas and one of those two moved. Does not
 * survive: a partition's replicas all losing their journals before they exchanged (anti-entropy or read repair)
 * what they hold; sloppy quorums and per-datacenter placement (refused: every replica is a home). At start-up a
 * coordinator reaches another node's replica only once the Receptionist's listing of it arrived there: writes sent
 * before can be answered {@code QuorumFailed}.
 */
public final class ShardedRings {
  /** Virtual nodes per replica slot: spreads which slot mints a key; each range costs a tree per replica. */
  public static final int VNODES = 4;
  private static final String DATACENTER = "dc1";

  /** The leaderless family's keep-alive, sent by every node: starts the entity if it is not running. */
  public record KeepAlive(String from)
      implements Coordinator.Command, ShardedReplica.KeepAliveSignal, WireMessage {}

  /** The leaderless family's location query. Reaches only a placed replica. */
  public record WhereAreYou(ActorRef<ShardedReplica.Location> replyTo)
      implements Coordinator.Command, ShardedReplica.LocationQuery, WireMessage {}

  /** Asks the entity's storage replica for its {@link StorageReplica.Status} (keys held, which id it mints as). */
  public record GetReplicaStatus(ActorRef<StorageReplica.Status> replyTo) implements Coordinator.Command, WireMessage {}

  /** Reads the entity's storage replica's own set for {@code key}, without a quorum (for tests and operators). */
  public record FetchKey(String key, ActorRef<StorageReplica.Fetched> replyTo)
      implements Coordinator.Command, WireMessage {}

  /** Runs one anti-entropy round of the entity's storage replica with its peers ({@link AntiEntropy.RunRound}). */
  public record RunAntiEntropy(ActorRef<AntiEntropy.RoundDone> replyTo) implements Coordinator.Command, WireMessage {}

  /** Asks the entity's storage replica for its anti-entropy counters ({@link AntiEntropy.Status}). */
  public record GetAntiEntropyStatus(ActorRef<AntiEntropy.Status> replyTo)
      implements Coordinator.Command, WireMessage {}

  private final ShardedGroups<Coordinator.Command> groups;
  private final Keyspace template;
  private final RingRouter router;

  private ShardedRings(ActorSystem<?> system, ShardedKeyspace keyspace, Keyspace template,
      AntiEntropySettings antiEntropy) {
    check(keyspace, template);
    this.template = template;
    this.groups = ShardedGroups.init(system, keyspace, family(template, antiEntropy));
    this.router = new RingRouter(groups, template);
  }

  /**
   * Starts hosting {@code keyspace}'s rings on {@code system}'s node (a cluster member): every partition's replicas
   * take n = R, and w, r and the other request settings of {@code template} (its name, n, datacenters and sloppy
   * quorum are not used; sloppy quorums and datacenters are refused). Call it on every hosting node alike.
   */
  public static ShardedRings init(ActorSystem<?> system, ShardedKeyspace keyspace, Keyspace template,
      AntiEntropySettings antiEntropy) {
    return new ShardedRings(system, keyspace, template, antiEntropy);
  }

  /**
   * The leaderless family: each replica slot is a storage replica with anti-entropy and incarnations on (it may be
   * placed on a node whose journal lacks it) plus a coordinator of the partition's ring.
   */
  public static ShardedFamily<Coordinator.Command> family(Keyspace template, AntiEntropySettings antiEntropy) {
    if (template == null || antiEntropy == null) {
      throw new IllegalArgumentException("sharded rings need a keyspace template and anti-entropy settings");
    }
    Supplier<String> incarnations = StorageReplica.randomIncarnations();
    return new ShardedFamily<>() {
      @Override
      public String name() {
        return "leaderless";
      }

      @Override
      public Class<Coordinator.Command> commandType() {
        return Coordinator.Command.class;
      }

      @Override
      public Behavior<Coordinator.Command> replica(ShardedKeyspace keyspace, ReplicaSlot slot,
          ReceptionistTransport transport) {
        check(keyspace, template);
        return host(partitionKeyspace(keyspace, template, slot.partition()), ring(keyspace.replicas()), slot,
            transport, antiEntropy, incarnations);
      }

      @Override
      public Coordinator.Command keepAlive(String from) {
        return new KeepAlive(from);
      }

      @Override
      public Coordinator.Command whereAreYou(ActorRef<ShardedReplica.Location> replyTo) {
        return new WhereAreYou(replyTo);
      }

      /**
       * Settled once no replica of the ring is refilling ({@link StorageReplica.Status#refilling()}): a replica placed
       * anew on a node whose journal lacks it completed an anti-entropy round with every peer, so it holds what they
       * held, and moving another replica loses no acknowledged write.
       */
      @Override
      public CompletionStage<Boolean> settled(ShardedKeyspace keyspace,
          List<EntityRef<Coordinator.Command>> replicas) {
        List<CompletableFuture<Boolean>> filled = new ArrayList<>();
        for (EntityRef<Coordinator.Command> r : replicas) {
          filled.add(r.<StorageReplica.Status>ask(GetReplicaStatus::new, keyspace.requestTimeout())
              .thenApply(s -> !s.refilling()).toCompletableFuture());
        }
        return ShardedFamily.allOf(filled);
      }
    };
  }

  /** The ring of every partition of a keyspace with {@code replicas} replicas: nodes {@code r0..r<replicas-1>}. */
  public static Ring ring(int replicas) {
    List<RingNode> nodes = new ArrayList<>();
    for (int i = 0; i < replicas; i++) {
      nodes.add(new RingNode(ReplicaSlot.replicaId(i).value(), DATACENTER));
    }
    return Ring.of(nodes, VNODES);
  }

  /** Partition {@code partition}'s leaderless keyspace: named after its group, n = R, the rest from the template. */
  public static Keyspace partitionKeyspace(ShardedKeyspace keyspace, Keyspace template, int partition) {
    return new Keyspace(keyspace.groupId(partition), keyspace.replicas(), template.w(), template.r(),
        template.timeout(), template.conflicts(), template.readRepair(), Map.of(), false, template.hintWindow(),
        template.handoffInterval(), template.fallOverAfter());
  }

  /** The replica slot that mints a write of {@code key} while it is reachable: the first of the key's ring. */
  public ReplicaId firstHome(String key) {
    ShardedKeyspace ks = groups.keyspace();
    Keyspace k = partitionKeyspace(ks, template, ks.partitionOf(key));
    return ReplicaId.of(k.homes(ring(ks.replicas()), key).get(0).id());
  }

  private static void check(ShardedKeyspace keyspace, Keyspace template) {
    String name = "sharded ring keyspace '" + keyspace.name() + "'";
    if (template.w() > keyspace.replicas() || template.r() > keyspace.replicas()) {
      throw new IllegalArgumentException(name + ": w = " + template.w() + " and r = " + template.r()
          + " must not exceed the " + keyspace.replicas() + " replicas per partition (n = R)");
    }
    if (template.sloppyQuorum()) {
      throw new IllegalArgumentException(name + ": sloppy quorums are not supported (every replica of a partition "
          + "is a home: there is no stand-in)");
    }
    if (template.perDatacenter()) {
      throw new IllegalArgumentException(name + ": replicas per datacenter " + template.datacenters()
          + " are not supported (a partition's replicas are placed by sharding, not by datacenter)");
    }
  }

  private static Behavior<Coordinator.Command> host(Keyspace keyspace, Ring ring, ReplicaSlot slot,
      ReceptionistTransport transport, AntiEntropySettings antiEntropy, Supplier<String> incarnations) {
    return Behaviors.setup(ctx -> {
      List<ReplicaId> all = ring.nodes().stream().map(n -> ReplicaId.of(n.id())).toList();
      // the transport learns where a replica runs only once subscribed to it, and a coordinator's first message to a
      // replica it never sent to would be lost: subscribe to the whole partition now
      transport.expect(all);
      String self = slot.replicaId().value();
      ActorRef<StorageReplica.Command> storage = ctx.spawn(
          StorageReplica.create(keyspace, self, transport, ring, antiEntropy, incarnations), "storage");
      ActorRef<Coordinator.Command> coordinator = ctx.spawn(Coordinator.create(keyspace, ring, self, transport),
          "coordinator");
      ctx.watch(storage);
      ctx.watch(coordinator);
      return Behaviors.receive(Coordinator.Command.class)
          .onMessage(GetReplicaStatus.class, m -> {
            storage.tell(new StorageReplica.GetStatus(m.replyTo()));
            return Behaviors.same();
          })
          .onMessage(FetchKey.class, m -> {
            storage.tell(new StorageReplica.Fetch(m.key(), m.replyTo()));
            return Behaviors.same();
          })
          .onMessage(RunAntiEntropy.class, m -> {
            storage.tell(new AntiEntropy.RunRound(m.replyTo()));
            return Behaviors.same();
          })
          .onMessage(GetAntiEntropyStatus.class, m -> {
            storage.tell(new AntiEntropy.GetStatus(m.replyTo()));
            return Behaviors.same();
          })
          .onMessage(Coordinator.Command.class, m -> {
            coordinator.tell(m);
            return Behaviors.same();
          })
          .onSignal(Terminated.class, t -> {
            ctx.getLog().warn("{} of ring {} stopped: the replica {} stops and is started again by the next "
                + "keep-alive", t.getRef().path().name(), keyspace.name(), slot.entityId());
            return Behaviors.stopped();
          })
          .build();
    });
  }

  /** The family-independent hosting underneath (placement, keep-alive, entity refs). */
  public ShardedGroups<Coordinator.Command> groups() {
    return groups;
  }

  public ShardedKeyspace keyspace() {
    return groups.keyspace();
  }

  public Keyspace template() {
    return template;
  }

  public RingRouter router() {
    return router;
  }

  /** The sharded entity of replica {@code replica} of {@code partition}: a coordinator, plus the records above. */
  public EntityRef<Coordinator.Command> replica(int partition, int replica) {
    return groups.replica(partition, replica);
  }

  /** Which node replica {@code replica} of {@code partition} runs on; fails after the request timeout if nowhere. */
  public CompletionStage<ShardedReplica.Location> locate(int partition, int replica) {
    return groups.locate(partition, replica);
  }

  /** Asks every replica where it runs (waits at most the request timeout) and sums up the placement. */
  public CompletionStage<Placement> placement() {
    return groups.placement();
  }
}
