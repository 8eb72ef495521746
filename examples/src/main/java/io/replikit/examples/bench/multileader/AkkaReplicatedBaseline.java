package io.replikit.examples.bench.multileader;

import akka.Done;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.Props;
import akka.actor.typed.SpawnProtocol;
import akka.actor.typed.javadsl.Adapter;
import akka.actor.typed.javadsl.AskPattern;
import akka.persistence.testkit.PersistenceTestKitPlugin;
import akka.persistence.testkit.PersistenceTestKitSnapshotPlugin;
import akka.persistence.testkit.query.javadsl.PersistenceTestKitReadJournal;
import akka.persistence.typed.PublishedEvent;
import akka.persistence.typed.ReplicaId;
import akka.serialization.Serialization;
import akka.serialization.SerializationExtension;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.replikit.persistence.ReplikitJournal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * The baseline of {@code replikit bench multi-leader}: Akka 2.6's own Replicated Event Sourcing, every leader a
 * replica of the same entities ({@link AkkaLwwMapReplica}: a map of LWW registers), all replicas in one actor system
 * on one journal ({@link akka.persistence.typed.javadsl.ReplicatedEventSourcing#commonJournalConfig}). Replication is
 * all-to-all, the only way Akka's RES has: each replica tails every other replica's events through the journal's
 * {@code eventsByPersistenceId} query, and with direct replication on (off by default, see
 * {@link AkkaDirectReplication}) also gets them straight from the replica that wrote them.
 *
 * <p>Journals: {@code h2-memory}, akka-persistence-jdbc 5.1.0 on an in-memory H2 database (the journal every other
 * Replikit bench runs on), or {@code testkit}, Akka's in-memory {@link PersistenceTestKitPlugin} with
 * {@link PersistenceTestKitReadJournal}. Both keep the replication metadata that RES needs (see
 * {@link #JDBC_REASON}); RES fails its replication stream on a journal that drops it.
 *
 * <p>System-specific settings ({@link Setup#extra()}): {@code akka-entities} (how many entities the keys are spread
 * over by hash, default 1: one map, like one multi-leader store) and {@code akka-direct-replication} (default
 * false).
 */
public final class AkkaReplicatedBaseline implements MultiLeaderSystemUnderTest {
  public static final String NAME = "akka";
  public static final String JOURNAL_H2_MEMORY = ReplikitJournal.H2_MEMORY;
  public static final String JOURNAL_TESTKIT = "testkit";
  public static final String EXTRA_ENTITIES = "akka-entities";
  public static final String EXTRA_DIRECT = "akka-direct-replication";

  /** Why the JDBC journal can carry RES, as checked for akka-persistence-jdbc 5.1.0 (printed with the figures). */
  static final String JDBC_REASON = "akka-persistence-jdbc 5.1.0 (the last Apache-2.0 release, Replikit's journal) "
      + "stores replication metadata: its event_journal table has meta_payload, meta_ser_id and meta_ser_manifest, "
      + "written from PersistentRepr.metadata, and its eventsByPersistenceId query returns them as "
      + "EventEnvelope.eventMetadata (akka-persistence-jdbc#431 and #549; checked in the 5.1.0 jar), which Akka's "
      + "RES requires; so the baseline runs on the same journal as Replikit";
  static final String TESTKIT_REASON = "Akka's persistence test kit keeps PersistentRepr.metadata in memory and its "
      + "read journal's eventsByPersistenceId returns it; its queries are pushed on every write, not polled. Chosen "
      + "with --journal testkit; not a journal to measure at scale: it copies, re-sorts and (with its default "
      + "serialization on) re-serializes a persistence id's whole event list on every write and deserializes it on "
      + "every read, so each write costs more as the run grows";

  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private ActorSystem<SpawnProtocol.Command> system;
  private final List<List<ActorRef<AkkaLwwMapReplica.Command>>> replicas = new ArrayList<>(); // [leader][entity]
  private final AkkaDirectReplication.Counter forwarded = new AkkaDirectReplication.Counter();
  private Setup setup;
  private int entities;
  private boolean direct;
  private String queryPluginId;

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public void start(Setup setup) throws Exception {
    this.setup = setup;
    this.entities = positiveInt(setup.extra(EXTRA_ENTITIES, "1"), "--" + EXTRA_ENTITIES);
    this.direct = Boolean.parseBoolean(setup.extra(EXTRA_DIRECT, "false"));
    // the examples' application.conf: logging through SLF4J at WARNING
    Config base = ConfigFactory.load();
    Config config;
    switch (setup.journal()) {
      case JOURNAL_H2_MEMORY -> {
        Config withPoll = base.withValue("replikit.cdc.refresh-interval",
            ConfigValueFactory.fromAnyRef(setup.pollMillis() + "ms"));
        // a database of its own per run: in-memory H2 databases are shared by name within a JVM
        config = ReplikitJournal.h2InMemory("akka-res-" + setup.runId(), withPoll);
        queryPluginId = "jdbc-read-journal";
      }
      case JOURNAL_TESTKIT -> {
        config = PersistenceTestKitPlugin.getInstance().config()
            .withFallback(PersistenceTestKitSnapshotPlugin.getInstance().config())
            .withFallback(base);
        queryPluginId = PersistenceTestKitReadJournal.Identifier();
      }
      default -> throw new IllegalArgumentException("--journal must be " + JOURNAL_H2_MEMORY + " or "
          + JOURNAL_TESTKIT + " for the Akka baseline, was '" + setup.journal() + "'");
    }
    system = ActorSystem.create(SpawnProtocol.create(), "akka-res-bench", config);
    if (setup.journal().equals(JOURNAL_H2_MEMORY)) {
      ReplikitJournal.createSchemaBlocking(system, TIMEOUT);
    }

    String typeName = "bench-" + setup.runId();
    Set<ReplicaId> all = new LinkedHashSet<>();
    for (int l = 0; l < setup.leaders(); l++) {
      all.add(replicaId(l));
    }
    Map<String, Map<ReplicaId, ActorRef<AkkaLwwMapReplica.Command>>> byEntity = new HashMap<>();
    for (int l = 0; l < setup.leaders(); l++) {
      List<ActorRef<AkkaLwwMapReplica.Command>> ofLeader = new ArrayList<>();
      for (int e = 0; e < entities; e++) {
        String entityId = "part-" + e;
        Behavior<AkkaLwwMapReplica.Command> behavior = AkkaLwwMapReplica.create(typeName, entityId, replicaId(l),
            all, queryPluginId, l, setup.visibility(), direct);
        ActorRef<AkkaLwwMapReplica.Command> ref = spawn(behavior, "L" + l + "-" + entityId);
        ofLeader.add(ref);
        byEntity.computeIfAbsent(entityId, k -> new LinkedHashMap<>()).put(replicaId(l), ref);
      }
      replicas.add(ofLeader);
    }
    if (direct) {
      spawn(AkkaDirectReplication.create(typeName, byEntity, forwarded), "direct-replication");
    }
    // every replica answers once it has recovered (and started its replication streams)
    for (int l = 0; l < setup.leaders(); l++) {
      readAll(l).toCompletableFuture().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  private <T> ActorRef<T> spawn(Behavior<T> behavior, String name) throws Exception {
    CompletionStage<ActorRef<T>> spawned = AskPattern.ask(system,
        replyTo -> new SpawnProtocol.Spawn<>(behavior, name, Props.empty(), replyTo), TIMEOUT, system.scheduler());
    return spawned.toCompletableFuture().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
  }

  private static ReplicaId replicaId(int leader) {
    return new ReplicaId("L" + leader);
  }

  @Override
  public CompletionStage<?> write(int leader, long writeId, String key, String value) {
    ActorRef<AkkaLwwMapReplica.Command> ref = replicas.get(leader).get(Math.floorMod(key.hashCode(), entities));
    CompletionStage<Done> ack = AskPattern.ask(ref,
        replyTo -> new AkkaLwwMapReplica.Put(writeId, key, value, replyTo), TIMEOUT, system.scheduler());
    return ack;
  }

  @Override
  public CompletionStage<Map<String, String>> readAll(int leader) {
    CompletableFuture<Map<String, String>> merged = CompletableFuture.completedFuture(new HashMap<>());
    for (ActorRef<AkkaLwwMapReplica.Command> ref : replicas.get(leader)) {
      CompletionStage<Map<String, String>> part = AskPattern.ask(ref, AkkaLwwMapReplica.GetAll::new, TIMEOUT,
          system.scheduler());
      merged = merged.thenCombine(part, (m, p) -> {
        m.putAll(p);
        return m;
      });
    }
    return merged;
  }

  @Override
  public void startCounting() {
    forwarded.restart();
  }

  @Override
  public Optional<Traffic> traffic() {
    if (!direct) {
      return Optional.empty();
    }
    // serialized now, after the run, as a remote link would carry them: the bench never pays for it while measuring
    Serialization serialization = SerializationExtension.get(Adapter.toClassic(system));
    long bytes = 0;
    for (PublishedEvent event : forwarded.recorded) {
      bytes += serialization.serialize(event).get().length * (long) (setup.leaders() - 1);
    }
    return Optional.of(new Traffic(forwarded.messages.get(), bytes, "direct replication only: the PublishedEvent "
        + "messages sent to the other replicas, one per write per other leader, serialized after the run with "
        + "Akka's serialization (its ReplicatedEventSourcingSerializer around the jackson-json event); not counted: "
        + "each replica's journal queries, which also read every event of every other replica"));
  }

  @Override
  public Optional<String> cannotCut() {
    return Optional.of("Akka's Replicated Event Sourcing replicates by each replica querying the others' journals "
        + "(eventsByPersistenceId) inside one actor system: there is no link between leaders that the bench can cut");
  }

  @Override
  public Map<String, String> describe() {
    boolean jdbc = setup != null && JOURNAL_H2_MEMORY.equals(setup.journal());
    String journal = jdbc
        ? "h2-memory: akka-persistence-jdbc 5.1.0 on an in-memory H2 database, read journal polled every "
            + setup.pollMillis() + " ms"
        : "testkit: Akka's PersistenceTestKitPlugin journal and PersistenceTestKitReadJournal (in memory)";
    return MultiLeaderSystemUnderTest.description(
        "implementation", "Akka " + akka.Version.current() + " Replicated Event Sourcing "
            + "(ReplicatedEventSourcedBehavior, ReplicatedEventSourcing.commonJournalConfig), all replicas in one "
            + "actor system",
        "journal", journal,
        "journal_reason", jdbc ? JDBC_REASON : TESTKIT_REASON,
        "topology", "all-to-all (the only one Akka's RES has; --topology does not apply)",
        "replication", "each replica tails every other replica's events with eventsByPersistenceId on "
            + queryPluginId + (direct
                ? "; direct replication on: every replica publishes its own events and they are sent straight to "
                    + "the other replicas, as ShardingDirectReplication does under Cluster Sharding"
                : "; direct replication off"),
        "state", "one LWW register per key (akka.persistence.typed.crdt.LwwTime over "
            + "ReplicationContext.currentTimeMillis, ties to the lower replica id), keys spread over " + entities
            + " entit" + (entities == 1 ? "y" : "ies") + " by hash; every replica persists every event",
        "ack", "the leader's replica has persisted the write to its journal (Effect.persist, then the reply)",
        "conflict_flag", "ReplicationContext.concurrent() when a replica applies the event: its version vector is "
            + "concurrent with the replica's, for the whole entity"
            + (entities == 1 ? ", so concurrent writes to different keys count too" : ""),
        "entities", Integer.toString(entities),
        "direct_replication", direct ? "on" : "off");
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
      // a system that does not stop in time is left to the JVM's exit; the figures are already taken
    }
    system = null;
  }

  private static int positiveInt(String value, String option) {
    try {
      int n = Integer.parseInt(value.trim());
      if (n >= 1) {
        return n;
      }
    } catch (NumberFormatException e) {
      // fall through
    }
    throw new IllegalArgumentException(option + " must be a whole number of at least 1, was '" + value + "'");
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "%s(%d entities, direct %s)", NAME, entities, direct);
  }
}
