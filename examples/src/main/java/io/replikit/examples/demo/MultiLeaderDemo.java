package io.replikit.examples.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.replikit.examples.support.RunningLeaders;
import io.replikit.multileader.ConflictPolicy;
import io.replikit.multileader.ConflictRecord;
import io.replikit.multileader.ConflictStrategy;
import io.replikit.multileader.MultiLeaderReplica;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The {@code replikit demo multi-leader} run: three datacenters, one leader each, all-to-all on the embedded H2
 * journal. One datacenter is cut off from the other two while every datacenter keeps taking writes; the cut heals,
 * every leader converges, and the conflicts and how each was resolved are printed. Keys are handled by pattern:
 * carts merge, profiles take the last write, documents keep their siblings, room bookings go to a resolver.
 */
public final class MultiLeaderDemo {

  /** What the run ended with: each leader's values, and every conflict detected. */
  public record Result(String groupId, Map<String, Map<String, JsonNode>> values, List<ConflictRecord> conflicts) {}

  private static final List<String> DCS = List.of("eu", "us", "ap");
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private final PrintWriter out;
  private RunningLeaders group;

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
    try (RunningLeaders group = new RunningLeaders("replikit-ml-demo", "ml-demo", dataDir, policy(), 1L, out, DCS)) {
      this.group = group;
      say("== 1. Three datacenters, one leader each (eu, us, ap), all-to-all, journal in " + dataDir);
      say("   keys by pattern: cart:* merge (set union), profile:* last write wins, doc:* keep siblings, "
          + "room:* a resolver on write");

      say("== 2. Each datacenter takes writes locally; they reach the others asynchronously");
      put("eu", "profile:ada", JSON.textNode("Ada, London"));
      put("us", "cart:ada", JSON.arrayNode().add("book"));
      put("ap", "doc:plan", JSON.textNode("Plan v1"));
      group.awaitConverged();
      say("   every leader has the 3 writes");

      say("== 3. eu is cut off from us and ap; every datacenter keeps taking writes");
      group.isolate("eu");
      put("eu", "cart:ada", JSON.arrayNode().add("book").add("pen"));
      put("us", "cart:ada", JSON.arrayNode().add("book").add("lamp"));
      put("eu", "profile:ada", JSON.textNode("Ada, Paris"));
      put("ap", "profile:ada", JSON.textNode("Ada, Tokyo"));
      put("eu", "doc:plan", JSON.textNode("Plan v2 (edited in eu)"));
      put("us", "doc:plan", JSON.textNode("Plan v2 (edited in us)"));
      put("eu", "room:101", JSON.textNode("booked by Grace"));
      put("ap", "room:101", JSON.textNode("booked by Alan"));
      for (String dc : DCS) {
        say("   " + dc + " sees cart:ada = " + group.get(dc, "cart:ada").value() + ", profile:ada = "
            + group.get(dc, "profile:ada").value());
      }

      say("== 4. The cut heals: changes flow, conflicts are detected by version vector and resolved");
      group.heal();
      group.awaitConverged();
      Map<String, ConflictRecord> firstPerKey = new LinkedHashMap<>();
      for (ConflictRecord c : group.conflicts()) {
        firstPerKey.putIfAbsent(c.key(), c);
      }
      for (ConflictRecord c : firstPerKey.values()) {
        say("   conflict on " + c.key() + " (" + c.strategy() + "): " + c.detectedBy() + " was concurrent with "
            + c.concurrentWith() + " -> " + c.outcome());
      }

      say("== 5. Every datacenter ends with the same values");
      Map<String, Map<String, JsonNode>> values = new LinkedHashMap<>();
      for (String dc : DCS) {
        values.put(dc, group.readAll(dc).values());
      }
      for (Map.Entry<String, JsonNode> e : values.get("eu").entrySet()) {
        say("   " + e.getKey() + " = " + e.getValue());
      }
      MultiLeaderReplica.Value doc = group.get("us", "doc:plan");
      say("   doc:plan keeps " + doc.siblings().size() + " siblings for the application: " + doc.siblings());
      put("us", "doc:plan", JSON.textNode("Plan v3 (merged by hand)"));
      group.awaitConverged();
      say("   the application's next write resolved it: doc:plan = " + group.get("ap", "doc:plan").value());
      long discarded = 0;
      for (String dc : DCS) {
        discarded += group.status(dc).discarded();
      }
      say("   last-write-wins threw away the losing write of profile:ada: counted " + discarded + " time(s), once by "
          + "each leader that detected the conflict (data loss, made visible in GetStatus.discarded)");
      return new Result(group.groupId(), values, group.conflicts());
    }
  }

  private void say(String line) {
    out.println(line);
    out.flush();
  }

  private void put(String dc, String key, JsonNode value) {
    MultiLeaderReplica.Written w = group.put(dc, key, value);
    say("   " + dc + " wrote " + key + " = " + value + " as " + w.origin() + ":" + w.counter());
  }
}
