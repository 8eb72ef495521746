package io.replikit.examples.demo;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Props;
import akka.actor.typed.SpawnProtocol;
import akka.actor.typed.javadsl.AskPattern;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.replikit.examples.support.Poll;
import io.replikit.multileader.ConflictPolicy;
import io.replikit.multileader.ConflictRecord;
import io.replikit.multileader.ConflictStrategy;
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
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The {@code replikit demo multi-leader} run: three datacenters, one leader each, all-to-all on the embedded H2
 * journal. One datacenter is cut off from the other two while every datacenter keeps taking writes; the cut heals,
 * every leader converges, and the conflicts and how each was resolved are printed. Keys are handled by pattern:
 * carts merge, profiles take the last write, documents keep their siblings, room bookings go to a resolver.
 */
public final class MultiLeaderDemo {

  /** What the run ended with: each leader's values, and every conflict detected. */
  public record Result(String groupId, Map<String, Map<String, JsonNode>> values, List<ConflictRecord> conflicts) {}

  private static final Duration STEP = Duration.ofSeconds(20);
  private static final List<String> DCS = List.of("eu", "us", "ap");
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private final PrintWriter out;
  private final List<ConflictRecord> conflicts = new CopyOnWriteArrayList<>();
  private final Map<String, ActorRef<MultiLeaderReplica.Command>> leaders = new LinkedHashMap<>();
  private ActorSystem<SpawnProtocol.Command> system;

  private MultiLeaderDemo(PrintWriter out) {
    this.out = out;
  }

  public static Result run(Path dataDir, PrintWriter out) {
    return new MultiLeaderDemo(out).run(dataDir);
  }

  /** Carts merge by set union, profiles take the last write, documents keep siblings, rooms go to a resolver. */
  static ConflictPolicy policy() {
    return ConflictPolicy.lastWriteWins()
        .forKeys("cart:*", new ConflictStrategy.Merge((x, y) -> {
          TreeSet<String> items = new TreeSet<>();
          x.forEach(i -> items.add(i.asText()));
          y.forEach(i -> items.add(i.asText()));
          ArrayNode merged = JSON.arrayNode();
          items.forEach(merged::add);
          return merged;
        }))
        .forKeys("doc:*", ConflictStrategy.keepSiblings())
        .forKeys("room:*", new ConflictStrategy.OnWrite((key, versions) -> {
          // a double booking: the guest whose booking came from the first datacenter alphabetically keeps the room
          return versions.stream().filter(v -> v.value() != null)
              .min((a, b) -> a.origin().compareTo(b.origin())).map(v -> v.value()).orElse(null);
        }));
  }

  private Result run(Path dataDir) {
    String groupId = "ml-demo-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS"));
    Config config = ReplikitJournal.h2File(dataDir, ConfigFactory.parseString(
        "replikit.multi-leader.digest-interval = 200ms").withFallback(ConfigFactory.load()));
    system = ActorSystem.create(SpawnProtocol.create(), "replikit-ml-demo", config);
    FaultyTransport transport = new FaultyTransport(1L, FaultyTransport.Faults.NONE);
    try {
      ReplikitJournal.createSchemaBlocking(system, Duration.ofSeconds(30));
      TopologySpec spec = TopologySpec.allToAll(groupId, DCS.toArray(new String[0]));
      MultiLeaderSettings settings = MultiLeaderSettings.fromConfig(system.settings().config());
      MultiLeaderObserver observer = new MultiLeaderObserver() {
        @Override
        public void onConflict(ConflictRecord conflict) {
          conflicts.add(conflict);
        }
      };
      say("== 1. Three datacenters, one leader each (eu, us, ap), all-to-all, journal in " + dataDir);
      for (String dc : DCS) {
        leaders.put(dc, AskPattern.<SpawnProtocol.Command, ActorRef<MultiLeaderReplica.Command>>ask(system,
            r -> new SpawnProtocol.Spawn<>(MultiLeaderReplica.create(spec, dc, settings, policy(), transport,
                observer, System::currentTimeMillis), dc, Props.empty(), r), STEP, system.scheduler())
            .toCompletableFuture().join());
      }
      say("   keys by pattern: cart:* merge (set union), profile:* last write wins, doc:* keep siblings, "
          + "room:* a resolver on write");

      say("== 2. Each datacenter takes writes locally; they reach the others asynchronously");
      put("eu", "profile:ada", JSON.textNode("Ada, London"));
      put("us", "cart:ada", JSON.arrayNode().add("book"));
      put("ap", "doc:plan", JSON.textNode("Plan v1"));
      awaitConverged();
      say("   every leader has the 3 writes");

      say("== 3. eu is cut off from us and ap; every datacenter keeps taking writes");
      transport.partition(Set.of(ReplicaId.of("eu")), Set.of(ReplicaId.of("us"), ReplicaId.of("ap")));
      put("eu", "cart:ada", JSON.arrayNode().add("book").add("pen"));
      put("us", "cart:ada", JSON.arrayNode().add("book").add("lamp"));
      put("eu", "profile:ada", JSON.textNode("Ada, Paris"));
      put("ap", "profile:ada", JSON.textNode("Ada, Tokyo"));
      put("eu", "doc:plan", JSON.textNode("Plan v2 (edited in eu)"));
      put("us", "doc:plan", JSON.textNode("Plan v2 (edited in us)"));
      put("eu", "room:101", JSON.textNode("booked by Grace"));
      put("ap", "room:101", JSON.textNode("booked by Alan"));
      for (String dc : DCS) {
        say("   " + dc + " sees cart:ada = " + get(dc, "cart:ada").value() + ", profile:ada = "
            + get(dc, "profile:ada").value());
      }

      say("== 4. The cut heals: changes flow, conflicts are detected by version vector and resolved");
      transport.heal();
      awaitConverged();
      Map<String, ConflictRecord> firstPerKey = new LinkedHashMap<>();
      for (ConflictRecord c : conflicts) {
        firstPerKey.putIfAbsent(c.key(), c);
      }
      for (ConflictRecord c : firstPerKey.values()) {
        say("   conflict on " + c.key() + " (" + c.strategy() + "): " + c.detectedBy() + " was concurrent with "
            + c.concurrentWith() + " -> " + c.outcome());
      }

      say("== 5. Every datacenter ends with the same values");
      Map<String, Map<String, JsonNode>> values = new LinkedHashMap<>();
      for (String dc : DCS) {
        MultiLeaderReplica.AllValues all = ask(dc, MultiLeaderReplica.ReadAll::new);
        values.put(dc, all.values());
      }
      for (Map.Entry<String, JsonNode> e : values.get("eu").entrySet()) {
        say("   " + e.getKey() + " = " + e.getValue());
      }
      MultiLeaderReplica.Value doc = get("us", "doc:plan");
      say("   doc:plan keeps " + doc.siblings().size() + " siblings for the application: " + doc.siblings());
      put("us", "doc:plan", JSON.textNode("Plan v3 (merged by hand)"));
      awaitConverged();
      say("   the application's next write resolved it: doc:plan = " + get("ap", "doc:plan").value());
      long discarded = 0;
      for (String dc : DCS) {
        discarded += ask(dc, MultiLeaderReplica.GetStatus::new).discarded();
      }
      say("   last-write-wins threw away the losing write of profile:ada: counted " + discarded + " time(s), once by "
          + "each leader that detected the conflict (data loss, made visible in GetStatus.discarded)");
      return new Result(groupId, values, List.copyOf(conflicts));
    } finally {
      transport.close();
      system.terminate();
      try {
        system.getWhenTerminated().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
      } catch (Exception e) {
        out.println("(the actor system did not stop cleanly: " + e + ")");
      }
    }
  }

  private void say(String line) {
    out.println(line);
    out.flush();
  }

  private void put(String dc, String key, JsonNode value) {
    MultiLeaderReplica.WriteReply reply = AskPattern.<MultiLeaderReplica.Command, MultiLeaderReplica.WriteReply>ask(
        leaders.get(dc), r -> new MultiLeaderReplica.Put(key, value, r), STEP, system.scheduler())
        .toCompletableFuture().join();
    if (!(reply instanceof MultiLeaderReplica.Written w)) {
      throw new IllegalStateException("the write of " + key + " at " + dc + " was refused: " + reply);
    }
    say("   " + dc + " wrote " + key + " = " + value + " as " + w.origin() + ":" + w.counter());
  }

  private MultiLeaderReplica.Value get(String dc, String key) {
    return ask(dc, r -> new MultiLeaderReplica.Get(key, r));
  }

  private <T> T ask(String dc, akka.japi.function.Function<ActorRef<T>, MultiLeaderReplica.Command> message) {
    return AskPattern.<MultiLeaderReplica.Command, T>ask(leaders.get(dc), message::apply, STEP, system.scheduler())
        .toCompletableFuture().join();
  }

  private void awaitConverged() {
    Poll.until(STEP, "every leader has applied the same changes", () -> {
      MultiLeaderReplica.AllValues first = null;
      for (String dc : DCS) {
        MultiLeaderReplica.AllValues all = ask(dc, MultiLeaderReplica.ReadAll::new);
        if (first != null && (!first.applied().equals(all.applied()) || !first.values().equals(all.values()))) {
          return false;
        }
        first = all;
      }
      return true;
    });
  }
}
