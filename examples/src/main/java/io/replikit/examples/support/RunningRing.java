package io.replikit.examples.support;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Props;
import akka.actor.typed.SpawnProtocol;
import akka.actor.typed.javadsl.AskPattern;
import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.replikit.leaderless.Coordinator;
import io.replikit.leaderless.Keyspace;
import io.replikit.leaderless.StorageReplica;
import io.replikit.leaderless.antientropy.AntiEntropy;
import io.replikit.leaderless.antientropy.AntiEntropySettings;
import io.replikit.leaderless.handoff.HintedHandoff;
import io.replikit.leaderless.ring.Ring;
import io.replikit.leaderless.ring.RingNode;
import io.replikit.persistence.ReplikitJournal;
import io.replikit.replication.ReplicaId;
import io.replikit.testkit.FaultyTransport;
import io.replikit.versioning.DottedVersionVectorSet;
import io.replikit.versioning.VersionVector;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * One leaderless keyspace of the example programs: on each of a few nodes (in one actor system, on the embedded H2
 * journal file in a directory) a storage replica and a coordinator, on one consistent-hash ring, their traffic going
 * through a {@link FaultyTransport} so that a program can take nodes away and bring them back; and the requests the
 * programs make, each with a timeout. The keyspace name carries the start time, so that a run never recovers an
 * earlier run's journal from the same file.
 */
public final class RunningRing implements AutoCloseable {
  /** Generous for one ask on a busy machine; a healthy local request takes milliseconds. */
  public static final Duration STEP = Duration.ofSeconds(20);

  private final PrintWriter out;
  private final Keyspace keyspace;
  private final Ring ring;
  private final ActorSystem<SpawnProtocol.Command> system;
  private final FaultyTransport transport;
  private final Map<String, ActorRef<StorageReplica.Command>> replicas = new LinkedHashMap<>();
  private final Map<String, ActorRef<Coordinator.Command>> coordinators = new LinkedHashMap<>();

  /**
   * Starts {@code nodes} (one datacenter, 16 virtual nodes each) with a keyspace named {@code prefix-<time>} made by
   * {@code keyspace} from that name, under an actor system named {@code systemName}, journal in {@code dataDir}.
   */
  public RunningRing(String systemName, String prefix, Path dataDir, java.util.function.Function<String, Keyspace>
      keyspace, Config overrides, long seed, PrintWriter out, List<String> nodes) {
    this.out = out;
    this.keyspace = keyspace.apply(prefix + "-"
        + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS")));
    Config config = ReplikitJournal.h2File(dataDir, overrides.withFallback(ConfigFactory.load()));
    this.system = ActorSystem.create(SpawnProtocol.create(), systemName, config);
    this.transport = new FaultyTransport(seed, FaultyTransport.Faults.NONE);
    List<RingNode> ringNodes = new ArrayList<>();
    nodes.forEach(n -> ringNodes.add(new RingNode(n, "dc1")));
    this.ring = Ring.of(ringNodes, 16);
    try {
      ReplikitJournal.createSchemaBlocking(system, Duration.ofSeconds(30));
      for (String node : nodes) {
        // anti-entropy rounds run when the program asks (antiEntropyRound), so that it can show each one
        replicas.put(node, spawn(StorageReplica.create(this.keyspace, node, transport, ring,
            AntiEntropySettings.manual()), "replica-" + node));
        coordinators.put(node, spawn(Coordinator.create(this.keyspace, ring, node, transport),
            "coordinator-" + node));
      }
      replicas.keySet().forEach(this::status); // answered once recovered: no request meets a replica still starting
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  private <T> ActorRef<T> spawn(akka.actor.typed.Behavior<T> behavior, String name) {
    return AskPattern.<SpawnProtocol.Command, ActorRef<T>>ask(system,
        r -> new SpawnProtocol.Spawn<>(behavior, name, Props.empty(), r), STEP, system.scheduler())
        .toCompletableFuture().join();
  }

  public Keyspace keyspace() {
    return keyspace;
  }

  public Ring ring() {
    return ring;
  }

  public List<String> nodes() {
    return List.copyOf(replicas.keySet());
  }

  /** The key's home replicas, in preference-list order. */
  public List<String> homes(String key) {
    return ring.preferenceList(key, keyspace.n()).stream().map(RingNode::id).toList();
  }

  /** Cuts {@code node} off from every other node, both ways, and marks it down: the node is gone. */
  public void takeDown(String node) {
    transport.isolate(ReplicaId.of(node), Set.copyOf(replicas.keySet().stream().map(ReplicaId::of).toList()));
    transport.markDown(ReplicaId.of(node));
  }

  /** Restores every link and marks every node up. */
  public void heal() {
    transport.heal();
    replicas.keySet().forEach(n -> transport.markUp(ReplicaId.of(n)));
  }

  public Coordinator.PutReply put(String via, String key, JsonNode value, VersionVector context) {
    return AskPattern.<Coordinator.Command, Coordinator.PutReply>ask(coordinators.get(via),
        r -> new Coordinator.Put(key, value, context, Coordinator.Quorum.DEFAULT, r), STEP, system.scheduler())
        .toCompletableFuture().join();
  }

  /** Writes and fails unless the write was acknowledged by a quorum. */
  public Coordinator.PutOk putOk(String via, String key, JsonNode value, VersionVector context) {
    Coordinator.PutReply reply = put(via, key, value, context);
    if (!(reply instanceof Coordinator.PutOk ok)) {
      throw new IllegalStateException("the write of " + key + " via " + via + " failed: " + reply);
    }
    return ok;
  }

  public Coordinator.GetReply get(String via, String key, int r) {
    return AskPattern.<Coordinator.Command, Coordinator.GetReply>ask(coordinators.get(via),
        reply -> new Coordinator.Get(key, new Coordinator.Quorum(0, r), reply), STEP, system.scheduler())
        .toCompletableFuture().join();
  }

  /** Reads and fails unless a quorum answered. */
  public Coordinator.GetOk getOk(String via, String key, int r) {
    Coordinator.GetReply reply = get(via, key, r);
    if (!(reply instanceof Coordinator.GetOk ok)) {
      throw new IllegalStateException("the read of " + key + " via " + via + " failed: " + reply);
    }
    return ok;
  }

  /** What {@code node}'s replica holds for {@code key}, asked directly (no quorum, no repair). */
  public DottedVersionVectorSet fetch(String node, String key) {
    return AskPattern.<StorageReplica.Command, StorageReplica.Fetched>ask(replicas.get(node),
        r -> new StorageReplica.Fetch(key, r), STEP, system.scheduler()).toCompletableFuture().join().set();
  }

  public StorageReplica.Status status(String node) {
    return AskPattern.<StorageReplica.Command, StorageReplica.Status>ask(replicas.get(node),
        StorageReplica.GetStatus::new, STEP, system.scheduler()).toCompletableFuture().join();
  }

  /** Runs one anti-entropy round on {@code node}'s replica: an exchange with every peer of every range it holds. */
  public AntiEntropy.RoundDone antiEntropyRound(String node) {
    return AskPattern.<StorageReplica.Command, AntiEntropy.RoundDone>ask(replicas.get(node),
        AntiEntropy.RunRound::new, STEP, system.scheduler()).toCompletableFuture().join();
  }

  /** The hints {@code node} keeps as a stand-in, per home. */
  public HintedHandoff.HintStatus hintStatus(String node) {
    return AskPattern.<StorageReplica.Command, HintedHandoff.HintStatus>ask(replicas.get(node),
        HintedHandoff.GetHintStatus::new, STEP, system.scheduler()).toCompletableFuture().join();
  }

  public Coordinator.Status coordinatorStatus(String node) {
    return AskPattern.<Coordinator.Command, Coordinator.Status>ask(coordinators.get(node),
        Coordinator.GetStatus::new, STEP, system.scheduler()).toCompletableFuture().join();
  }

  @Override
  public void close() {
    transport.close();
    system.terminate();
    try {
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      out.println("(the actor system did not stop cleanly: " + e + ")");
    }
  }
}
