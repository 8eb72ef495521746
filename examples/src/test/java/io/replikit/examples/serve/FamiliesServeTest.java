package io.replikit.examples.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.replikit.examples.support.KvClient;
import io.replikit.examples.support.Poll;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Three {@code replikit serve} nodes in this JVM (one Akka Cluster over loopback Artery, an in-memory journal each)
 * hosting a leaderless ring {@code carts} (n = 3, w = r = 2) and a multi-leader group {@code profiles} (all-to-all,
 * last-write-wins) next to a single-leader group: what one node takes is read on another, {@code /status} shows
 * both families in the shapes the live page reads, and {@code /metrics} has their series with values that moved.
 */
class FamiliesServeTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final List<String> NODES = List.of("n1", "n2", "n3");
  private static final Map<String, ReplikitNode> nodes = new LinkedHashMap<>();
  private static final Map<String, String> base = new LinkedHashMap<>();

  private static Config config(String node, String seed) {
    return ConfigFactory.parseString(String.join("\n",
        "replikit.serve {",
        "  node = " + node + ", port = 0, http-port = 0, management.enabled = off",
        seed == null ? "" : "  seed-nodes = [\"" + seed + "\"]",
        "  groups = [{ id = orders, members = [n1, n2, n3] }]",
        "  rings = [{ id = carts, nodes = [n1, n2, n3], n = 3, w = 2, r = 2 }]",
        "  multi-leader = [{ id = profiles, members = [n1, n2, n3], topology = all-to-all,"
            + " resolution = last-write-wins }]",
        "  metrics-interval = 200ms",
        "}",
        "replikit.multi-leader.digest-interval = 200ms",
        "replikit.leaderless.anti-entropy.interval = 300ms",
        "replikit.leaderless.request-timeout = 5s",
        "replikit.journal { kind = h2-memory, h2-memory.name = families-" + node + " }"))
        .withFallback(ConfigFactory.load()).resolve();
  }

  @BeforeAll
  static void startCluster() {
    Config first = config("n1", null);
    nodes.put("n1", ReplikitNode.start(ServeSettings.fromConfig(first), first));
    String seed = nodes.get("n1").clusterAddress().toString();
    for (String n : NODES.subList(1, NODES.size())) {
      Config c = config(n, seed);
      nodes.put(n, ReplikitNode.start(ServeSettings.fromConfig(c), c));
    }
    nodes.forEach((n, node) -> base.put(n, "http://127.0.0.1:" + node.httpPort()));
    Poll.until(WAIT, "three Up members seen from every node", () -> base.values().stream().allMatch(b ->
        countUp(TestHttp.send("GET", b + "/status", null).body()) == 3));
  }

  private static long countUp(JsonNode status) {
    long up = 0;
    for (JsonNode m : status.path("cluster").path("members")) {
      if ("Up".equals(m.path("status").asText())) {
        up++;
      }
    }
    return up;
  }

  @AfterAll
  static void stopCluster() {
    TestHttp.stopAll(nodes.values());
  }

  private static KvClient.Response call(String node, String method, String path, String body) {
    return TestHttp.send(method, base.get(node) + path, body);
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  /** Writes through n1's coordinator until the Receptionist has listed every replica and a quorum answers. */
  private static KvClient.Response ringPut(String node, String key, String value, String query) {
    KvClient.Response[] last = {null};
    Poll.until(WAIT, "a quorum of carts' replicas takes a write via " + node, () -> {
      last[0] = call(node, "PUT", "/kv/carts/" + key + query, value);
      return last[0].status() == 200;
    });
    return last[0];
  }

  @Test
  void aRingWriteWithW2OnOneNodeIsReadWithR2OnAnotherAndBlindWritesBecomeSiblingsUntilAContextMergesThem() {
    KvClient.Response put = ringPut("n1", "cart-ada", "[\"milk\"]", "?w=2");
    assertEquals(2, put.body().path("w").asInt(), put.toString());
    assertTrue(put.body().path("acknowledged").asInt() >= 2, put.toString());
    assertFalse(put.body().path("context").asText().isEmpty(), put.toString());

    KvClient.Response read = call("n2", "GET", "/kv/carts/cart-ada?r=2", null);
    assertEquals(200, read.status(), read.toString());
    assertEquals("[\"milk\"]", read.body().path("value").toString(), "n2 reads what n1 wrote: " + read);
    assertEquals(2, read.body().path("r").asInt());
    assertTrue(read.body().path("answered").asInt() >= 2, read.toString());
    assertEquals("n2", read.body().path("servedBy").asText());
    KvClient.Response all = call("n3", "GET", "/kv/carts/cart-ada?r=3", null);
    assertEquals(3, all.body().path("answered").asInt(), "r=3 waits for every replica: " + all);

    // a second blind write (no context) supersedes nothing: the key now has two siblings
    ringPut("n3", "cart-ada", "[\"eggs\"]", "");
    KvClient.Response both = call("n1", "GET", "/kv/carts/cart-ada", null);
    assertEquals(200, both.status(), both.toString());
    assertEquals(2, both.body().path("values").size(), "both blind writes are kept: " + both);
    assertTrue(both.body().path("conflicted").asBoolean(), both.toString());
    assertTrue(both.body().path("value").isNull(), "no single value while siblings exist: " + both);

    // a write carrying that read's context replaces both
    String context = both.body().path("context").asText();
    ringPut("n2", "cart-ada", "[\"milk\",\"eggs\"]", "?context=" + encode(context));
    KvClient.Response merged = call("n3", "GET", "/kv/carts/cart-ada", null);
    assertEquals(List.of("[\"milk\",\"eggs\"]"), values(merged), merged.toString());

    assertEquals(200, call("n1", "DELETE", "/kv/carts/cart-ada?context="
        + encode(merged.body().path("context").asText()), null).status());
    KvClient.Response gone = call("n2", "GET", "/kv/carts/cart-ada", null);
    assertEquals(404, gone.status(), gone.toString());
    assertTrue(gone.body().path("deleted").asBoolean(), gone.toString());
  }

  private static List<String> values(KvClient.Response r) {
    List<String> out = new ArrayList<>();
    r.body().path("values").forEach(v -> out.add(v.toString()));
    return out;
  }

  @Test
  void badRingAndMultiLeaderRequestsAreRefusedAndUnknownIdsNameTheKnownOnes() {
    KvClient.Response tooMany = call("n1", "GET", "/kv/carts/k?r=4", null);
    assertEquals(400, tooMany.status(), tooMany.toString());
    assertTrue(tooMany.body().path("error").asText().contains("n = 3"), tooMany.toString());
    KvClient.Response badContext = call("n1", "PUT", "/kv/carts/k?context=nonsense", "1");
    assertEquals(400, badContext.status(), badContext.toString());
    assertTrue(badContext.body().path("error").asText().contains("context"), badContext.toString());
    assertEquals(400, call("n1", "PUT", "/kv/profiles/k?w=2", "1").status(), "no quorum knobs on a multi-leader");
    KvClient.Response unknown = call("n1", "GET", "/kv/nothing/k", null);
    assertEquals(404, unknown.status(), unknown.toString());
    String error = unknown.body().path("error").asText();
    assertTrue(error.contains("carts") && error.contains("profiles") && error.contains("orders"), error);
    KvClient.Response tx = call("n1", "POST", "/tx/carts", "[]");
    assertEquals(404, tx.status(), tx.toString());
    assertTrue(tx.body().path("error").asText().contains("is a ring"), tx.toString());
    ringPut("n1", "still-serving", "true", "");
  }

  @Test
  void aMultiLeaderWriteOnOneLeaderIsReadOnTheOthersOnceItArrives() {
    KvClient.Response put = call("n1", "PUT", "/kv/profiles/ada", "\"Ada, London\"");
    assertEquals(200, put.status(), put.toString());
    assertTrue(put.body().path("version").asText().startsWith("n1:"), put.toString());
    for (String other : List.of("n2", "n3")) {
      Poll.until(WAIT, other + " applies n1's write", () -> {
        KvClient.Response r = call(other, "GET", "/kv/profiles/ada", null);
        return r.status() == 200 && "Ada, London".equals(r.body().path("value").asText());
      });
      KvClient.Response read = call(other, "GET", "/kv/profiles/ada", null);
      assertEquals(other, read.body().path("servedBy").asText(), "answered locally: " + read);
      assertEquals(put.body().path("version").asText(), read.body().path("versions").path(0).asText(), read.toString());
    }
  }

  @Test
  void concurrentWritesOnTwoLeadersAreAConflictCountedByResolutionInStatusAndMetrics() {
    String conflicted = null;
    // the two writes leave at once; they conflict when neither leader has applied the other's before writing its
    // own, which is usual but not certain (the loop bounds how often it may not happen)
    for (int i = 0; i < 40 && conflicted == null; i++) {
      String key = "room-" + i;
      CompletableFuture<KvClient.Response> a = CompletableFuture.supplyAsync(() ->
          call("n1", "PUT", "/kv/profiles/" + key, "\"booked by Grace\""));
      CompletableFuture<KvClient.Response> b = CompletableFuture.supplyAsync(() ->
          call("n2", "PUT", "/kv/profiles/" + key, "\"booked by Alan\""));
      assertEquals(200, a.join().status(), a.join().toString());
      assertEquals(200, b.join().status(), b.join().toString());
      Poll.until(WAIT, "n3 applies both writes of " + key, () -> call("n3", "GET", "/status/profiles", null)
          .body().path("applied").path("n1").asLong() >= a.join().body().path("counter").asLong()
          && call("n3", "GET", "/status/profiles", null).body().path("applied").path("n2").asLong()
              >= b.join().body().path("counter").asLong());
      KvClient.Response read = call("n3", "GET", "/kv/profiles/" + key, null);
      if (!read.body().path("conflict").isNull()) {
        conflicted = key;
        assertEquals("last-write-wins", read.body().path("conflict").path("resolution").asText(), read.toString());
      }
    }
    assertTrue(conflicted != null, "none of 40 pairs of simultaneous writes was concurrent");
    String key = conflicted;
    // every leader converges on the same winner
    Set<String> shown = new TreeSet<>();
    Poll.until(WAIT, "the three leaders show one value for " + key, () -> {
      shown.clear();
      NODES.forEach(n -> shown.add(call(n, "GET", "/kv/profiles/" + key, null).body().path("value").asText()));
      return shown.size() == 1;
    });

    JsonNode status = call("n3", "GET", "/status", null).body();
    JsonNode ml = status.path("multiLeader").path(0);
    assertTrue(ml.path("conflicts").asLong() >= 1, ml.toString());
    assertTrue(ml.path("conflictsByResolution").path("last-write-wins").asLong() >= 1, ml.toString());
    JsonNode recent = ml.path("recentConflicts");
    boolean found = false;
    for (JsonNode c : recent) {
      if (c.path("key").asText().equals(key)) {
        found = true;
        assertTrue(Set.of("n1", "n2").contains(c.path("winner").asText()), c.toString());
        assertTrue(c.path("atMillis").asLong() > 0, c.toString());
      }
    }
    assertTrue(found, "the conflict on " + key + " is among the recent ones: " + recent);

    String scrape = TestHttp.text(base.get("n3") + "/metrics");
    Optional<Double> counted = TestHttp.series(scrape, "replikit_multileader_conflicts_by_resolution_total"
        + "{group=\"profiles\",replica=\"n3\",resolution=\"last-write-wins\"}");
    assertTrue(counted.isPresent() && counted.get() >= 1, "conflicts by resolution in the scrape:\n" + grep(scrape,
        "replikit_multileader"));
    assertTrue(TestHttp.series(scrape, "replikit_multileader_applied{group=\"profiles\",origin=\"n1\","
        + "replica=\"n3\"}").orElse(0.0) >= 1, grep(scrape, "replikit_multileader_applied"));
    assertEquals(Optional.of(0.0), TestHttp.series(scrape,
        "replikit_multileader_pending{group=\"profiles\",replica=\"n3\"}"));
    assertTrue(TestHttp.series(scrape, "replikit_multileader_loops_prevented_total{group=\"profiles\","
        + "replica=\"n3\"}").isPresent(), grep(scrape, "loops"));
  }

  @Test
  void statusShowsBothFamiliesInThePagesShapesAndMetricsHaveTheirSeries() {
    ringPut("n1", "cart-status", "{\"items\":1}", "");
    assertEquals(200, call("n1", "GET", "/kv/carts/cart-status", null).status());
    assertEquals(200, call("n1", "PUT", "/kv/profiles/status-key", "1").status());

    JsonNode status = call("n1", "GET", "/status", null).body();
    assertEquals("orders", status.path("groups").path(0).path("groupId").asText(), "single-leader unchanged");
    JsonNode ml = status.path("multiLeader").path(0);
    for (String field : List.of("id", "replica", "topology", "members", "neighbours", "applied", "pending", "keys",
        "conflicts", "conflictsByResolution", "loopsPrevented", "recentConflicts")) {
      assertTrue(ml.has(field), "multiLeader[0]." + field + ": " + ml);
    }
    assertEquals("profiles", ml.path("id").asText());
    assertEquals("n1", ml.path("replica").asText());
    assertEquals("all-to-all", ml.path("topology").asText());
    assertEquals("[\"n1\",\"n2\",\"n3\"]", ml.path("members").toString());
    assertEquals("[\"n2\",\"n3\"]", ml.path("neighbours").toString());
    assertTrue(ml.path("applied").path("n1").asLong() >= 1, ml.toString());
    assertTrue(ml.path("recentConflicts").isArray(), ml.toString());

    JsonNode ring = status.path("rings").path(0);
    assertEquals("carts", ring.path("id").asText());
    assertEquals("n1", ring.path("node").asText());
    assertEquals("[\"n1\",\"n2\",\"n3\"]", ring.path("nodes").toString());
    assertEquals(List.of(3, 2, 2), List.of(ring.path("n").asInt(), ring.path("w").asInt(), ring.path("r").asInt()));
    for (String field : List.of("writes", "reads", "failed", "readRepairs", "sloppyWrites")) {
      assertTrue(ring.path("coordinator").has(field), "rings[0].coordinator." + field + ": " + ring);
    }
    assertTrue(ring.path("coordinator").path("writes").asLong() >= 1, ring.toString());
    assertTrue(ring.path("coordinator").path("reads").asLong() >= 1, ring.toString());
    assertTrue(ring.path("replica").path("keys").asLong() >= 1, ring.toString());
    assertTrue(ring.path("replica").has("siblingKeys"), ring.toString());
    assertTrue(ring.path("hints").has("waiting") && ring.path("hints").path("byTarget").isObject(), ring.toString());
    assertTrue(ring.path("antiEntropy").has("exchanges") && ring.path("antiEntropy").has("keysRepaired"),
        ring.toString());
    assertEquals(ring.path("id").asText(), call("n1", "GET", "/status/carts", null).body().path("id").asText());

    Poll.until(WAIT, "n1's replica of carts completes anti-entropy exchanges", () ->
        call("n1", "GET", "/status/carts", null).body().path("antiEntropy").path("exchanges").asLong() >= 1);

    String scrape = TestHttp.text(base.get("n1") + "/metrics");
    String tags = "keyspace=\"carts\",node=\"n1\"";
    assertTrue(TestHttp.series(scrape, "replikit_leaderless_quorum_latency_seconds_count{" + tags
        + ",op=\"write\"}").orElse(0.0) >= 1, grep(scrape, "quorum_latency"));
    assertTrue(TestHttp.series(scrape, "replikit_leaderless_quorum_latency_seconds_count{" + tags
        + ",op=\"read\"}").orElse(0.0) >= 1, grep(scrape, "quorum_latency"));
    assertTrue(TestHttp.series(scrape, "replikit_leaderless_quorum_latency_seconds{" + tags
        + ",op=\"write\",quantile=\"0.99\"}").isPresent(), grep(scrape, "quorum_latency"));
    assertTrue(TestHttp.series(scrape, "replikit_leaderless_coordinator_writes_total{" + tags + "}").orElse(0.0)
        >= 1, grep(scrape, "replikit_leaderless_coordinator"));
    assertTrue(TestHttp.series(scrape, "replikit_leaderless_keys{" + tags + "}").orElse(0.0) >= 1,
        grep(scrape, "replikit_leaderless_keys"));
    assertTrue(TestHttp.series(scrape, "replikit_leaderless_antientropy_exchanges_total{" + tags + "}")
        .orElse(0.0) >= 1, grep(scrape, "antientropy"));
    for (String series : List.of("replikit_leaderless_coordinator_read_repairs_total",
        "replikit_leaderless_coordinator_sloppy_writes_total", "replikit_leaderless_antientropy_keys_repaired_total",
        "replikit_leaderless_hints_handed_off_total", "replikit_leaderless_up")) {
      assertTrue(TestHttp.series(scrape, series + "{" + tags + "}").isPresent(), series + ":\n"
          + grep(scrape, "replikit_leaderless"));
    }
    assertTrue(scrape.contains("replikit_replica_divergent_writes{group=\"orders\""), "single-leader series stay");

    java.io.StringWriter out = new java.io.StringWriter();
    picocli.CommandLine cmd = io.replikit.examples.cli.ReplikitCli.commandLine();
    cmd.setOut(new java.io.PrintWriter(out, true));
    cmd.setErr(new java.io.PrintWriter(new java.io.StringWriter(), true));
    assertEquals(0, cmd.execute("status", "--node", base.get("n1")));
    String table = out.toString();
    assertTrue(table.lines().anyMatch(l -> l.startsWith("carts") && l.contains("leaderless")
        && l.contains("n=3 w=2 r=2")), table);
    assertTrue(table.lines().anyMatch(l -> l.startsWith("profiles") && l.contains("multi-leader")
        && l.contains("all-to-all")), table);
  }

  private static String grep(String scrape, String word) {
    return String.join("\n", scrape.lines().filter(l -> l.contains(word)).toList());
  }
}
