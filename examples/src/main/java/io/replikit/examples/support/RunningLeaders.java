package io.replikit.examples.support;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Props;
import akka.actor.typed.SpawnProtocol;
import akka.actor.typed.javadsl.AskPattern;
import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.replikit.multileader.ConflictPolicy;
import io.replikit.multileader.ConflictRecord;
import io.replikit.multileader.MultiLeaderObserver;
import io.replikit.multileader.MultiLeaderReplica;
import io.replikit.multileader.MultiLeaderSettings;
import io.replikit.multileader.TopologySpec;
import io.replikit.persistence.ReplikitJournal;
import io.replikit.replication.ReplicaId;
import io.replikit.testkit.FaultyTransport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * One multi-leader group of the example programs, all-to-all on the embedded H2 journal file in a directory, its
 * links going through a {@link FaultyTransport} so that a program can cut leaders off and heal them; and the
 * questions the programs ask its leaders, each with a timeout. The group id carries the start time, so that a run
 * never recovers an earlier run's journal from the same file.
 */
public final class RunningLeaders implements AutoCloseable {
  /** Generous for one ask on a busy machine; a healthy local write takes milliseconds. */
  public static final Duration STEP = Duration.ofSeconds(20);

  private final PrintWriter out;
  private final String groupId;
  private final ActorSystem<SpawnProtocol.Command> system;
  private final FaultyTransport transport;
  private final Map<String, ActorRef<MultiLeaderReplica.Command>> leaders = new LinkedHashMap<>();
  private final List<ConflictRecord> conflicts = new CopyOnWriteArrayList<>();

  /**
   * Starts {@code members} as leaders of a fresh group named {@code prefix-<time>} under an actor system named
   * {@code systemName}, journal in {@code dataDir}; every conflict any leader detects is kept for
   * {@link #conflicts()}. {@code seed} drives the transport (no random faults are switched on, only cuts).
   */
  public RunningLeaders(String systemName, String prefix, Path dataDir, ConflictPolicy policy, long seed,
      PrintWriter out, List<String> members) {
    this.out = out;
    this.groupId = prefix + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS"));
    // a fast digest so that anti-entropy completes a healed cut within the demo's seconds, not the default's
    Config config = ReplikitJournal.h2File(dataDir, ConfigFactory.parseString(
        "replikit.multi-leader.digest-interval = 200ms").withFallback(ConfigFactory.load()));
    this.system = ActorSystem.create(SpawnProtocol.create(), systemName, config);
    this.transport = new FaultyTransport(seed, FaultyTransport.Faults.NONE);
    try {
      ReplikitJournal.createSchemaBlocking(system, Duration.ofSeconds(30));
      TopologySpec spec = TopologySpec.allToAll(groupId, members.toArray(new String[0]));
      MultiLeaderSettings settings = MultiLeaderSettings.fromConfig(system.settings().config());
      MultiLeaderObserver observer = new MultiLeaderObserver() {
        @Override
        public void onConflict(ConflictRecord conflict) {
          conflicts.add(conflict);
        }
      };
      for (String member : members) {
        leaders.put(member, AskPattern.<SpawnProtocol.Command, ActorRef<MultiLeaderReplica.Command>>ask(system,
            r -> new SpawnProtocol.Spawn<>(MultiLeaderReplica.create(spec, member, settings, policy, transport,
                observer, System::currentTimeMillis), member, Props.empty(), r), STEP, system.scheduler())
            .toCompletableFuture().join());
      }
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  public String groupId() {
    return groupId;
  }

  public List<String> members() {
    return List.copyOf(leaders.keySet());
  }

  /** Every conflict detected so far, by any leader, in the order detected. */
  public List<ConflictRecord> conflicts() {
    return List.copyOf(conflicts);
  }

  /** Cuts {@code member} off from every other leader, both ways: a device going offline. */
  public void isolate(String member) {
    transport.isolate(ReplicaId.of(member), Set.copyOf(leaders.keySet().stream().map(ReplicaId::of).toList()));
  }

  /** Cuts every link between {@code side} and {@code otherSide}, both ways. */
  public void partition(Set<String> side, Set<String> otherSide) {
    transport.partition(Set.copyOf(side.stream().map(ReplicaId::of).toList()),
        Set.copyOf(otherSide.stream().map(ReplicaId::of).toList()));
  }

  /** Restores every link. */
  public void heal() {
    transport.heal();
  }

  /** Sets {@code key} at {@code member}; fails if the write is refused. */
  public MultiLeaderReplica.Written put(String member, String key, JsonNode value) {
    return written(member, key, ask(member, r -> new MultiLeaderReplica.Put(key, value, r)));
  }

  /** Updates the CRDT at {@code key} at {@code member}; fails if the update is refused. */
  public MultiLeaderReplica.Written update(String member, String key, MultiLeaderReplica.CrdtUpdate update) {
    return written(member, key, ask(member, r -> new MultiLeaderReplica.UpdateCrdt(key, update, r)));
  }

  private static MultiLeaderReplica.Written written(String member, String key, MultiLeaderReplica.WriteReply reply) {
    if (!(reply instanceof MultiLeaderReplica.Written w)) {
      throw new IllegalStateException("the write of " + key + " at " + member + " was refused: " + reply);
    }
    return w;
  }

  public MultiLeaderReplica.Value get(String member, String key) {
    return ask(member, r -> new MultiLeaderReplica.Get(key, r));
  }

  public MultiLeaderReplica.Status status(String member) {
    return ask(member, MultiLeaderReplica.GetStatus::new);
  }

  public MultiLeaderReplica.AllValues readAll(String member) {
    return ask(member, MultiLeaderReplica.ReadAll::new);
  }

  public <T> T ask(String member, akka.japi.function.Function<ActorRef<T>, MultiLeaderReplica.Command> message) {
    return AskPattern.<MultiLeaderReplica.Command, T>ask(leaders.get(member), message::apply, STEP,
        system.scheduler()).toCompletableFuture().join();
  }

  /** Waits until every leader has applied the same changes and shows the same values; fails after {@link #STEP}. */
  public void awaitConverged() {
    Poll.until(STEP, "every leader has applied the same changes", () -> {
      MultiLeaderReplica.AllValues first = null;
      for (String member : leaders.keySet()) {
        MultiLeaderReplica.AllValues all = readAll(member);
        if (first != null && (!first.applied().equals(all.applied()) || !first.values().equals(all.values()))) {
          return false;
        }
        first = all;
      }
      return true;
    });
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
