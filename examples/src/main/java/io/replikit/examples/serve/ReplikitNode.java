package io.replikit.examples.serve;

import akka.Done;
import akka.actor.Address;
import akka.actor.Cancellable;
import akka.actor.CoordinatedShutdown;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.AskPattern;
import akka.cluster.ClusterEvent;
import akka.cluster.Member;
import akka.cluster.MemberStatus;
import akka.cluster.typed.Cluster;
import akka.cluster.typed.Join;
import akka.http.javadsl.Http;
import akka.http.javadsl.ServerBinding;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.replikit.metrics.LeaderlessMetrics;
import io.replikit.metrics.ReplicaMetrics;
import akka.actor.typed.Props;
import io.replikit.leaderless.Coordinator;
import io.replikit.leaderless.Keyspace;
import io.replikit.leaderless.StorageReplica;
import io.replikit.leaderless.antientropy.AntiEntropySettings;
import io.replikit.leaderless.ring.Ring;
import io.replikit.multileader.MultiLeaderReplica;
import io.replikit.multileader.MultiLeaderSettings;
import io.replikit.cluster.ReceptionistTransport;
import io.replikit.examples.support.ReplicaHost;
import io.replikit.persistence.ReplikitJournal;
import io.replikit.replication.ReplicaId;
import io.replikit.singleleader.Replica;
import io.replikit.singleleader.ReplicaStatus;
import io.replikit.singleleader.SingleLeaderSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running {@code replikit serve} node: an Akka Cluster member (Artery TCP) that hosts one replica of each
 * configured group, a storage replica and a coordinator of each leaderless ring ({@link RingConfig}) and a leader of
 * each multi-leader group ({@link MultiLeaderConfig}) it belongs to, reaching the other nodes' replicas through the
 * Receptionist ({@link ReceptionistTransport}, one per group id), with the {@link HttpApi} on its HTTP port. The
 * rings' and multi-leader groups' statuses are polled into {@code LeaderlessMetrics} and {@code MultiLeaderMetrics}
 * like the single-leader replicas'. Its replicas' status is polled every
 * {@code metrics-interval} into the Micrometer gauges of {@link ReplicaMetrics} that {@code GET /metrics} exports,
 * and the positions each user wrote at are kept in a {@link SharedTokenStore} announced to the other nodes.
 *
 * <p>Startup order matters: the journal schema exists before any replica recovers, and the HTTP port opens only
 * once every replica runs. On a graceful stop ({@link #stop()}, SIGTERM through Akka's JVM shutdown hook) a node
 * that leads a group first hands leadership to the first other member that is up (a zero-loss switchover, bounded
 * by {@code handover-timeout}), then stops answering HTTP and leaves the cluster. A node killed outright gives no
 * such notice: the group fails over after {@code failover-timeout}.
 */
public final class ReplikitNode {
  private static final Logger LOG = LoggerFactory.getLogger(ReplikitNode.class);
  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);

  private final ServeSettings settings;
  private final ActorSystem<ReplicaHost.Command> system;
  private final Map<String, HostedGroup> groups;
  private final ServerBinding binding;

  private ReplikitNode(ServeSettings settings, ActorSystem<ReplicaHost.Command> system,
      Map<String, HostedGroup> groups, ServerBinding binding) {
    this.settings = settings;
    this.system = system;
    this.groups = groups;
    this.binding = binding;
  }

  /**
   * Starts a node: the actor system from {@code settings.akkaConfig(base)}, the journal schema, one replica per
   * group, the cluster join, the graceful-handover hook and the HTTP server. Returns once the HTTP port is open.
   *
   * @throws IllegalStateException when the journal or a port cannot be opened (the actor system is then stopped)
   */
  public static ReplikitNode start(ServeSettings settings, Config base) {
    Config config = settings.akkaConfig(base);
    SingleLeaderSettings replicaSettings = SingleLeaderSettings.fromConfig(config);
    LivePage.Settings liveSettings = LivePage.Settings.fromConfig(config);
    ActorSystem<ReplicaHost.Command> system =
        ActorSystem.create(ReplicaHost.create(), ServeSettings.SYSTEM_NAME, config);
    try {
      Cluster cluster = Cluster.get(system);
      if (settings.seedNodes().isEmpty()) {
        // no seeds: this node is a cluster of its own, which others may join through it
        cluster.manager().tell(Join.create(cluster.selfMember().address()));
      }
      // Replicas start at once, not when the node has joined. Until then they reach no one, but the elections they
      // try meanwhile (joining usually takes longer than their first timeout) make each replica's transport subscribe
      // to its peers in the Receptionist; a transport subscribes to a peer only when it first sends to it, and a
      // follower that never did loses its first vote request of the next failover, one election round (about a
      // second) later. Waiting for the join here measurably slowed failovers: see docs/benchmarks.md, "Failover".
      ReplikitJournal.createSchemaBlocking(system, Duration.ofSeconds(30));
      Map<String, HostedGroup> groups = new LinkedHashMap<>();
      for (ServeSettings.GroupConfig g : settings.groups()) {
        ActorRef<Replica.Command> replica = AskPattern.<ReplicaHost.Command, ActorRef<Replica.Command>>ask(system,
            reply -> new ReplicaHost.Start("replica-" + g.id(), Replica.create(g.spec(),
                ReplicaId.of(settings.node()), g.settings(replicaSettings), ReceptionistTransport.create(system, g.id())), reply),
            STARTUP_TIMEOUT, system.scheduler()).toCompletableFuture().get(STARTUP_TIMEOUT.toMillis(),
            TimeUnit.MILLISECONDS);
        MemberDirectory directory = MemberDirectory.start(system, g.spec());
        groups.put(g.id(), new HostedGroup(g.spec(), replica, directory::listed));
        if (!g.members().contains(settings.node())) {
          LOG.info("node {} is not a member of group {} {}: its replica follows without voting", settings.node(),
              g.id(), g.members());
        }
      }
      // redirects only ever point at other nodes, so the peers map need not know this node's own port
      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      LeaderlessMetrics leaderlessMetrics = new LeaderlessMetrics(registry);
      Map<String, HostedRing> rings = startRings(system, config, settings, leaderlessMetrics);
      Map<String, HostedMultiLeader> multiLeader = startMultiLeader(system, config, settings);
      HttpApi api = new HttpApi(system, settings.node(), groups, settings.peers(), settings.maxBodyBytes(),
          settings.readTimeout(), replicaSettings.writeTimeout(), replicaSettings.readWaitTimeout(),
          () -> clusterJson(system), SharedTokenStore.start(system, settings.node()), registry, settings.auth(),
          rings, multiLeader);
      Map<String, io.replikit.sharding.ShardedReplicaGroups> keyspaces = new LinkedHashMap<>();
      List<String> hostedIds = new ArrayList<>();
      settings.groups().forEach(g -> hostedIds.add(g.id()));
      hostedIds.addAll(rings.keySet());
      hostedIds.addAll(multiLeader.keySet());
      Map<String, io.replikit.multileader.ShardedMultiLeader> mlKeyspaces = new LinkedHashMap<>();
      Map<String, io.replikit.sharding.ShardedRings> ringKeyspaces = new LinkedHashMap<>();
      ServedKeyspaces served = ServedKeyspaces.fromConfig(config, hostedIds);
      for (io.replikit.sharding.ShardedKeyspace ks : served.keyspaces()) {
        ServedKeyspaces.Family family = served.familyOf(ks.name());
        switch (family) {
          case MULTI_LEADER -> mlKeyspaces.put(ks.name(), io.replikit.multileader.ShardedMultiLeader.init(system, ks,
              MultiLeaderSettings.fromConfig(config), io.replikit.multileader.ConflictPolicy.lastWriteWins()));
          case LEADERLESS -> ringKeyspaces.put(ks.name(), io.replikit.sharding.ShardedRings.init(system, ks,
              io.replikit.leaderless.Keyspace.fromConfig(ks.name(), config), AntiEntropySettings.fromConfig(config)));
          default -> keyspaces.put(ks.name(),
              io.replikit.sharding.ShardedReplicaGroups.init(system, ks, replicaSettings));
        }
        LOG.info("node {} hosts sharded keyspace {} ({}): {} partitions of {} replicas, at /kv/{}/{{key}}",
            settings.node(), ks.name(), family.label(), ks.partitions(), ks.replicas(), ks.name());
      }
      if (!keyspaces.isEmpty() || !mlKeyspaces.isEmpty() || !ringKeyspaces.isEmpty()) {
        api.withSharded(new ShardedApi(system, keyspaces, mlKeyspaces, ringKeyspaces, settings.maxBodyBytes(),
            settings.readTimeout()));
      }
      if (!settings.auth().enabled()) {
        LOG.warn("node {}: replikit.serve.auth.token is not set: anyone who reaches http://{}:{} can write and run "
            + "admin routes (set it, or REPLIKIT_HTTP_TOKEN, to require 'Authorization: Bearer <token>')",
            settings.node(), settings.httpHost(), settings.httpPort());
      }
      if (settings.tls().enabled()) {
        LOG.info("node {}: Artery over TLS with mutual authentication on {}:{} (key store {}, trust store {})",
            settings.node(), settings.host(), settings.port(), settings.tls().keyStore(), settings.tls().trustStore());
      } else {
        LOG.info("node {}: Artery runs over plain TCP on {}:{} (replikit.serve.tls.enabled = off): use it on a "
            + "trusted network only", settings.node(), settings.host(), settings.port());
      }
      Cancellable polling = api.metrics().pollEvery(system, api.replicas(), settings.node(),
          settings.metricsInterval());
      Cancellable ringPolling = api.leaderlessMetrics().pollEvery(system, api.rings(), settings.metricsInterval());
      Cancellable multiLeaderPolling = api.multiLeaderMetrics().pollEvery(system, api.multiLeaderReplicas(),
          settings.node(), settings.metricsInterval());
      LivePage live = LivePage.start(system, settings.node(), api::currentStatus, liveSettings);
      CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate(),
          "replikit-metrics", () -> {
            polling.cancel();
            ringPolling.cancel();
            multiLeaderPolling.cancel();
            live.stop();
            registry.close();
            return CompletableFuture.completedFuture(Done.getInstance());
          });
      ServerBinding binding;
      try {
        binding = Http.get(system).newServerAt(settings.httpHost(), settings.httpPort())
            .bind(api.route(live.route()))
            .toCompletableFuture().get(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new IllegalStateException("could not open the HTTP port " + settings.httpHost() + ":"
            + settings.httpPort() + ": " + rootMessage(e), e);
      }
      LOG.info("node {}: live page at http://{}:{}/ui/", settings.node(), settings.httpHost(),
          binding.localAddress().getPort());
      if (settings.management().enabled()) {
        try {
          akka.http.javadsl.model.Uri uri = akka.management.javadsl.AkkaManagement.get(system).start()
              .toCompletableFuture().get(30, TimeUnit.SECONDS);
          LOG.info("node {}: operator endpoints at {} (/alive, /ready, /cluster/members)", settings.node(), uri);
        } catch (Exception e) {
          throw new IllegalStateException("could not open the management port " + settings.management().host()
              + ":" + settings.management().port() + " (replikit.serve.management): " + rootMessage(e), e);
        }
      }
      ReplikitNode node = new ReplikitNode(settings, system, groups, binding);
      node.installShutdownTasks();
      return node;
    } catch (RuntimeException | Error e) {
      system.terminate();
      throw e;
    } catch (Exception e) {
      system.terminate();
      throw new IllegalStateException("node " + settings.node() + " could not start: " + rootMessage(e), e);
    }
  }

  /**
   * Per configured ring: a coordinator on this node (its quorum latencies in {@code metrics}' registry) and, when
   * this node is one of the ring's nodes, a storage replica with hinted handoff and anti-entropy
   * ({@code replikit.leaderless.anti-entropy}); both reach the other nodes' replicas through the Receptionist.
   */
  private static Map<String, HostedRing> startRings(ActorSystem<?> system, Config config, ServeSettings settings,
      LeaderlessMetrics metrics) {
    Map<String, HostedRing> rings = new LinkedHashMap<>();
    AntiEntropySettings antiEntropy = AntiEntropySettings.fromConfig(config);
    for (RingConfig rc : settings.rings()) {
      Keyspace keyspace = rc.keyspace(config);
      Ring ring = rc.ring();
      String self = settings.node();
      ReceptionistTransport transport = ReceptionistTransport.create(system, rc.id());
      // the transport learns a replica's address only once subscribed to it, and a coordinator's first message to
      // a replica it never sent to would be lost: subscribe to every node of the ring now, so that the first
      // requests through this node reach a quorum
      transport.expect(rc.nodes().stream().map(ReplicaId::of).toList());
      ActorRef<StorageReplica.Command> replica = null;
      if (rc.nodes().contains(self)) {
        replica = system.systemActorOf(StorageReplica.create(keyspace, self, transport, ring, antiEntropy),
            "ring-replica-" + rc.id(), Props.empty());
      } else {
        LOG.info("node {} is not a node of ring {} {}: it runs a coordinator only", self, rc.id(), rc.nodes());
      }
      ActorRef<Coordinator.Command> coordinator = system.systemActorOf(Coordinator.create(keyspace, ring, self,
          transport, System::currentTimeMillis, metrics.monitor(config, rc.id(), self)),
          "ring-coordinator-" + rc.id(), Props.empty());
      rings.put(rc.id(), new HostedRing(rc, keyspace, self, coordinator, replica));
    }
    return rings;
  }

  /** Per configured multi-leader group this node is a member of: its leader, over the Receptionist. */
  private static Map<String, HostedMultiLeader> startMultiLeader(ActorSystem<?> system, Config config,
      ServeSettings settings) {
    Map<String, HostedMultiLeader> groups = new LinkedHashMap<>();
    if (settings.multiLeader().isEmpty()) {
      return groups;
    }
    MultiLeaderSettings mlSettings = MultiLeaderSettings.fromConfig(config);
    for (MultiLeaderConfig mc : settings.multiLeader()) {
      ActorRef<MultiLeaderReplica.Command> replica = null;
      if (mc.members().contains(settings.node())) {
        replica = system.systemActorOf(MultiLeaderReplica.create(mc.spec(), settings.node(), mlSettings,
            mc.policy(), ReceptionistTransport.create(system, mc.id())), "ml-replica-" + mc.id(), Props.empty());
      } else {
        LOG.info("node {} is not a member of multi-leader group {} {}: it serves none of it", settings.node(),
            mc.id(), mc.members());
      }
      groups.put(mc.id(), new HostedMultiLeader(mc, settings.node(), replica));
    }
    return groups;
  }

  /** The node's actor system. */
  public ActorSystem<?> system() {
    return system;
  }

  /** The port the HTTP API listens on (the configured one, or the one picked when it was 0). */
  public int httpPort() {
    return binding.localAddress().getPort();
  }

  /** This node's cluster address ({@code akka://replikit@host:port}). */
  public Address clusterAddress() {
    return Cluster.get(system).selfMember().address();
  }

  /** The hosted groups by id. */
  public Map<String, HostedGroup> groups() {
    return groups;
  }

  /** Completes when the actor system has terminated (after {@link #stop()}, or when the cluster downed it). */
  public CompletionStage<Done> whenTerminated() {
    return system.getWhenTerminated();
  }

  /** A graceful stop: handover of led groups, HTTP unbind, leaving the cluster; completes when done. */
  public CompletionStage<Done> stop() {
    return CoordinatedShutdown.get(system).runAll(CoordinatedShutdown.unknownReason());
  }

  private void installShutdownTasks() {
    CoordinatedShutdown shutdown = CoordinatedShutdown.get(system);
    shutdown.addTask(CoordinatedShutdown.PhaseBeforeServiceUnbind(), "replikit-handover", this::handOver);
    // open requests get a moment to finish; their replicas keep running until the actor system stops
    binding.addToCoordinatedShutdown(Duration.ofSeconds(2), system);
  }

  /**
   * Best effort, bounded by {@code handover-timeout}: for each group this node leads, a switchover to the first
   * other member (in the group's priority order) that is an Up, reachable cluster member and that the leader
   * currently hears from. A node that was downed skips it: the others have already elected without it.
   */
  private CompletionStage<Done> handOver() {
    Optional<CoordinatedShutdown.Reason> reason = CoordinatedShutdown.get(system).getShutdownReason();
    if (reason.isPresent() && reason.get() == CoordinatedShutdown.clusterDowningReason()) {
      return CompletableFuture.completedFuture(Done.getInstance());
    }
    Duration budget = settings.handoverTimeout();
    long deadline = System.nanoTime() + budget.toNanos();
    List<CompletableFuture<Void>> handovers = new ArrayList<>();
    for (HostedGroup g : groups.values()) {
      handovers.add(AskPattern.<Replica.Command, ReplicaStatus>ask(g.replica(), Replica.GetStatus::new,
          Duration.ofSeconds(1), system.scheduler()).thenCompose(status -> {
            if (!"leader".equals(status.role())) {
              return CompletableFuture.completedFuture((Void) null);
            }
            Optional<ReplicaId> target = handoverTarget(g, status);
            if (target.isEmpty()) {
              LOG.warn("node {} leads group {} and stops, but no other member is up to take over: the group "
                  + "fails over by timeout", settings.node(), g.id());
              return CompletableFuture.completedFuture((Void) null);
            }
            Duration left = Duration.ofNanos(Math.max(1_000_000, deadline - System.nanoTime()));
            LOG.info("node {} stops: handing group {} over to {}", settings.node(), g.id(), target.get());
            return AskPattern.<Replica.Command, Replica.SwitchoverReply>ask(g.replica(),
                r -> new Replica.Switchover(target.get(), r), left, system.scheduler()).thenAccept(reply ->
                    LOG.info("node {}: handover of group {}: {}", settings.node(), g.id(), reply));
          }).exceptionally(e -> {
            LOG.warn("node {}: handover of group {} did not finish: {}", settings.node(), g.id(), e.toString());
            return null;
          }).toCompletableFuture());
    }
    return CompletableFuture.allOf(handovers.toArray(new CompletableFuture<?>[0]))
        .completeOnTimeout(null, budget.toMillis(), TimeUnit.MILLISECONDS)
        .thenApply(v -> Done.getInstance());
  }

  private Optional<ReplicaId> handoverTarget(HostedGroup g, ReplicaStatus leaderStatus) {
    Set<String> up = upNodes();
    List<ReplicaId> order = new ArrayList<>();
    order.add(g.spec().leader());
    order.addAll(g.spec().followers());
    for (ReplicaId candidate : order) {
      if (candidate.value().equals(settings.node()) || !up.contains(candidate.value())) {
        continue;
      }
      boolean heard = leaderStatus.followers().stream().anyMatch(f -> f.id().equals(candidate)
          && !"silent".equals(f.state()) && !"connecting".equals(f.state()));
      if (heard) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /** Names of the cluster members that are Up and reachable from here. */
  private Set<String> upNodes() {
    ClusterEvent.CurrentClusterState state = Cluster.get(system).state();
    Set<Member> unreachable = state.getUnreachable();
    return java.util.stream.StreamSupport.stream(state.getMembers().spliterator(), false)
        .filter(m -> m.status() == MemberStatus.up() && !unreachable.contains(m))
        .map(ReplikitNode::nodeName)
        .flatMap(Optional::stream)
        .collect(Collectors.toSet());
  }

  private static Optional<String> nodeName(Member m) {
    return m.getRoles().stream().filter(r -> r.startsWith(ServeSettings.NODE_ROLE_PREFIX))
        .map(r -> r.substring(ServeSettings.NODE_ROLE_PREFIX.length())).findFirst();
  }

  /** The cluster as {@code GET /status} shows it: this node's address and every member with its status. */
  static JsonNode clusterJson(ActorSystem<?> system) {
    Cluster cluster = Cluster.get(system);
    ClusterEvent.CurrentClusterState state = cluster.state();
    Set<Member> unreachable = state.getUnreachable();
    ObjectNode json = JsonNodeFactory.instance.objectNode();
    json.put("self", cluster.selfMember().address().toString());
    json.put("leader", state.getLeader() == null ? null : state.getLeader().toString());
    ArrayNode members = json.putArray("members");
    for (Member m : state.getMembers()) {
      ObjectNode member = members.addObject();
      member.put("node", nodeName(m).orElse(null));
      member.put("address", m.address().toString());
      member.put("status", m.status().toString());
      member.put("reachable", !unreachable.contains(m));
    }
    ArrayNode gone = json.putArray("unreachable");
    for (Member m : unreachable) {
      gone.add(nodeName(m).orElse(m.address().toString()));
    }
    return json;
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.toString() : t.getMessage();
  }
}
