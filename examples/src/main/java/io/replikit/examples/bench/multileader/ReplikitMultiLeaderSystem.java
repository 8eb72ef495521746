package io.replikit.examples.bench.multileader;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.Props;
import akka.actor.typed.SpawnProtocol;
import akka.actor.typed.javadsl.Adapter;
import akka.actor.typed.javadsl.AskPattern;
import akka.persistence.testkit.PersistenceTestKitPlugin;
import akka.persistence.testkit.PersistenceTestKitSnapshotPlugin;
import akka.serialization.Serialization;
import akka.serialization.SerializationExtension;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.replikit.multileader.ConflictPolicy;
import io.replikit.multileader.MultiLeaderObserver;
import io.replikit.multileader.MultiLeaderReplica;
import io.replikit.multileader.MultiLeaderSettings;
import io.replikit.multileader.TopologySpec;
import io.replikit.persistence.ReplikitJournal;
import io.replikit.replication.LocalTransport;
import io.replikit.replication.ReplicaId;
import io.replikit.replication.ReplicaTransport;
import io.replikit.replication.ReplicationMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Replikit's own multi-leader replicas ({@code topologies} module) under {@code replikit bench multi-leader}: one
 * {@link MultiLeaderReplica} per leader, all in one actor system on one journal, talking through
 * {@link LocalTransport}, with last-write-wins for every key (as the Akka baseline). A write carries the workload's
 * write id inside its value, so every leader reports it as it applies it, in apply order.
 */
public final class ReplikitMultiLeaderSystem implements MultiLeaderSystemUnderTest {
  public static final String NAME = "replikit";
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private ActorSystem<SpawnProtocol.Command> system;
  private final List<ActorRef<MultiLeaderReplica.Command>> leaders = new ArrayList<>();
  private final CountingTransport transport = new CountingTransport(new LocalTransport());
  private Setup setup;
  private TopologySpec.Kind kind;

  /** Counts replication messages between leaders; keeps them to serialize after the run. */
  private static final class CountingTransport implements ReplicaTransport {
    private final ReplicaTransport delegate;
    final AtomicLong messages = new AtomicLong();
    final ConcurrentLinkedQueue<ReplicationMessage> recorded = new ConcurrentLinkedQueue<>();
    volatile boolean counting;
    /** The leader cut off from the others ({@link #cut}), or null. */
    volatile ReplicaId cut;

    CountingTransport(ReplicaTransport delegate) {
      this.delegate = delegate;
    }

    @Override
    public void register(ReplicaId id, ActorRef<? extends ReplicationMessage> ref) {
      delegate.register(id, ref);
    }

    @Override
    public void send(ReplicaId from, ReplicaId to, ReplicationMessage message) {
      ReplicaId isolated = cut;
      if (isolated != null && (from.equals(isolated) || to.equals(isolated))) {
        return; // lost on a cut link, as in a partition (not counted: it never crossed)
      }
      if (counting) {
        messages.incrementAndGet();
        recorded.add(message);
      }
      delegate.send(from, to, message);
    }
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public void start(Setup setup) throws Exception {
    this.setup = setup;
    this.kind = TopologySpec.Kind.parse("--topology", setup.topology());
    Config base = ConfigFactory.parseString("replikit.multi-leader.digest-interval = 200ms")
        .withFallback(ConfigFactory.load());
    Config config;
    switch (setup.journal()) {
      case AkkaReplicatedBaseline.JOURNAL_H2_MEMORY -> config = ReplikitJournal.h2InMemory("replikit-ml-"
          + setup.runId(), base);
      case AkkaReplicatedBaseline.JOURNAL_TESTKIT -> config = PersistenceTestKitPlugin.getInstance().config()
          .withFallback(PersistenceTestKitSnapshotPlugin.getInstance().config()).withFallback(base);
      default -> throw new IllegalArgumentException("--journal must be h2-memory or testkit, was '"
          + setup.journal() + "'");
    }
    system = ActorSystem.create(SpawnProtocol.create(), "replikit-ml-bench", config);
    if (setup.journal().equals(AkkaReplicatedBaseline.JOURNAL_H2_MEMORY)) {
      ReplikitJournal.createSchemaBlocking(system, TIMEOUT);
    }
    List<String> names = new ArrayList<>();
    for (int l = 0; l < setup.leaders(); l++) {
      names.add("L" + l);
    }
    String group = "bench-" + setup.runId();
    TopologySpec spec = kind == TopologySpec.Kind.STAR
        ? TopologySpec.star(group, names.get(0), names.subList(1, names.size()).toArray(new String[0]))
        : new TopologySpec(group, kind, names, Map.of());
    MultiLeaderSettings settings = MultiLeaderSettings.fromConfig(system.settings().config());
    VisibilityListener visibility = setup.visibility();
    MultiLeaderObserver observer = new MultiLeaderObserver() {
      @Override
      public void onAppliedInOrder(String replica, String origin, long counter, String key, JsonNode value,
          boolean conflict) {
        if (value != null && value.has("id")) {
          visibility.applied(Integer.parseInt(replica.substring(1)), value.get("id").asLong(), conflict);
        }
      }
    };
    for (String name : names) {
      Behavior<MultiLeaderReplica.Command> b = MultiLeaderReplica.create(spec, name, settings,
          ConflictPolicy.lastWriteWins(), transport, observer, System::currentTimeMillis);
      leaders.add(AskPattern.<SpawnProtocol.Command, ActorRef<MultiLeaderReplica.Command>>ask(system,
          r -> new SpawnProtocol.Spawn<>(b, name, Props.empty(), r), TIMEOUT, system.scheduler())
          .toCompletableFuture().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
    }
    for (int l = 0; l < leaders.size(); l++) {
      readAll(l).toCompletableFuture().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS); // recovered
    }
  }

  @Override
  public CompletionStage<?> write(int leader, long writeId, String key, String value) {
    ObjectNode v = JSON.objectNode().put("id", writeId).put("v", value);
    return AskPattern.<MultiLeaderReplica.Command, MultiLeaderReplica.WriteReply>ask(leaders.get(leader),
        r -> new MultiLeaderReplica.Put(key, v, r), TIMEOUT, system.scheduler()).thenApply(reply -> {
          if (!(reply instanceof MultiLeaderReplica.Written)) {
            throw new IllegalStateException("write " + writeId + " refused: " + reply);
          }
          return reply;
        });
  }

  @Override
  public CompletionStage<Map<String, String>> readAll(int leader) {
    return AskPattern.<MultiLeaderReplica.Command, MultiLeaderReplica.AllValues>ask(leaders.get(leader),
        MultiLeaderReplica.ReadAll::new, TIMEOUT, system.scheduler()).thenApply(all -> {
          Map<String, String> out = new HashMap<>();
          all.values().forEach((k, v) -> out.put(k, v.path("v").asText()));
          return out;
        });
  }

  @Override
  public void startCounting() {
    transport.messages.set(0);
    transport.recorded.clear();
    transport.counting = true;
  }

  @Override
  public Optional<Traffic> traffic() {
    if (!transport.counting) {
      return Optional.empty();
    }
    Serialization serialization = SerializationExtension.get(Adapter.toClassic(system));
    long bytes = 0;
    for (ReplicationMessage m : transport.recorded) {
      bytes += serialization.serialize(m).get().length;
    }
    return Optional.of(new Traffic(transport.messages.get(), bytes, "every replication message between leaders "
        + "(forwarded changes and anti-entropy digests and their answers), serialized after the run with Akka's "
        + "serialization (jackson-cbor) as a remote link would carry them; Artery's envelope not counted"));
  }

  @Override
  public Optional<String> cannotCut() {
    return Optional.empty();
  }

  @Override
  public void cut(int leader) {
    transport.cut = ReplicaId.of("L" + leader);
  }

  @Override
  public void heal() {
    transport.cut = null;
  }

  @Override
  public Map<String, String> describe() {
    return MultiLeaderSystemUnderTest.description(
        "implementation", "Replikit MultiLeaderReplica (topologies module), all leaders in one actor system, "
            + "LocalTransport",
        "journal", setup != null && setup.journal().equals(AkkaReplicatedBaseline.JOURNAL_TESTKIT)
            ? "testkit: Akka's PersistenceTestKitPlugin journal (in memory)"
            : "h2-memory: akka-persistence-jdbc 5.1.0 on an in-memory H2 database (the journal is written, never "
                + "queried: changes travel as messages)",
        "topology", kind == null ? "" : kind.name().toLowerCase().replace('_', '-'),
        "replication", "changes forwarded along the topology with origin tags, applied in causal order by version "
            + "vector; anti-entropy digests every 200 ms",
        "state", "one key per workload key; last-write-wins by hybrid logical clock, ties to the replica id",
        "ack", "the leader has persisted the write to its journal (Effect.persist, then the reply)",
        "conflict_flag", "the write was concurrent (by version vector) with the key's current version at the "
            + "applying leader: per key");
  }

  @Override
  public void stop() {
    if (system == null) {
      return;
    }
    system.terminate();
    try {
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      // left to the JVM's exit; the figures are already taken
    }
    system = null;
  }
}
