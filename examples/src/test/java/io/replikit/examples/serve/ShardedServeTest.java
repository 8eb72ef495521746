package io.replikit.examples.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.replikit.examples.support.KvClient;
import io.replikit.examples.support.Poll;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Three {@code replikit serve} nodes in one JVM, each with a journal of its own, host the sharded keyspace
 * {@code carts} (4 partitions of 3 replicas): every node holds one replica of each group, any node takes a key's
 * reads and writes and routes them to the key's leader, and {@code /status} lists each node's replicas. A second
 * keyspace, {@code profiles}, is of multi-leader groups: any node routes a key's writes to its home leader; a third,
 * {@code sessions}, of leaderless rings: any node's request reaches a coordinator of the key's ring.
 */
class ShardedServeTest {
  private static final int PARTITIONS = 4;
  private static final KvClient client = new KvClient(Duration.ofSeconds(20));
  private static final List<ReplikitNode> nodes = new ArrayList<>();

  private static Config config(String node, String seeds) {
    return ConfigFactory.parseString(String.join("\n",
        "replikit.serve {",
        "  node = " + node + ", port = 0, http-port = 0, seed-nodes = [" + seeds + "]",
        "  management.enabled = off",
        "  sharding.keyspaces = [{ name = carts, partitions = " + PARTITIONS + ", replicas = 3 },",
        "    { name = profiles, family = multi-leader, partitions = 2, replicas = 3 },",
        "    { name = sessions, family = leaderless, partitions = 2, replicas = 3 }]",
        "}",
        "replikit.journal { kind = h2-memory, h2-memory.name = sharded-serve-" + node + " }",
        "replikit.single-leader { heartbeat-interval = 100ms, follower-timeout = 500ms, failover-timeout = 1s }",
        "replikit.sharding { keep-alive-interval = 300ms, request-timeout = 2s }",
        "akka.cluster.sharding.retry-interval = 300ms"))
        .withFallback(ConfigFactory.load()).resolve();
  }

  @BeforeAll
  static void startNodes() {
    nodes.add(ReplikitNode.start(ServeSettings.fromConfig(config("n1", "")), config("n1", "")));
    String seed = "\"127.0.0.1:" + nodes.get(0).clusterAddress().getPort().get() + "\"";
    nodes.add(ReplikitNode.start(ServeSettings.fromConfig(config("n2", seed)), config("n2", seed)));
    nodes.add(ReplikitNode.start(ServeSettings.fromConfig(config("n3", seed)), config("n3", seed)));
    // every replica placed, one of each group per node, and each group led by one replica all its replicas follow
    Poll.until(Duration.ofSeconds(60), "every group of carts placed on the three nodes, with a leader", () -> {
      Map<Integer, Set<String>> leaders = new HashMap<>();
      Map<Integer, Set<Integer>> hosts = new HashMap<>();
      int rows = 0;
      for (int i = 0; i < nodes.size(); i++) {
        JsonNode sharded = call(i, "GET", "/status", null).body().path("sharded");
        for (JsonNode r : sharded) {
          if (!r.path("keyspace").asText().equals("carts")) {
            continue;
          }
          rows++;
          leaders.computeIfAbsent(r.path("partition").asInt(), p -> new HashSet<>()).add(r.path("leader").asText());
          hosts.computeIfAbsent(r.path("partition").asInt(), p -> new HashSet<>()).add(i);
          if (r.path("rejoining").asBoolean() || r.has("error")) {
            return false;
          }
        }
      }
      return rows == PARTITIONS * 3 && leaders.values().stream().allMatch(l -> l.size() == 1 && !l.contains("null"))
          && hosts.values().stream().allMatch(h -> h.size() == 3);
    });
  }

  @AfterAll
  static void stopNodes() throws Exception {
    for (ReplikitNode n : nodes) {
      n.stop().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  private static KvClient.Response call(int node, String method, String path, String body) {
    try {
      return client.send(method, URI.create("http://127.0.0.1:" + nodes.get(node).httpPort() + path), body);
    } catch (IOException e) {
      throw new AssertionError(method + " " + path + " failed: " + e, e);
    }
  }

  @Test
  void anyNodeWritesAndReadsAKeyAtItsPartitionsLeaderWhereverItRuns() {
    Map<String, Long> versions = new HashMap<>();
    Set<Integer> partitions = new HashSet<>();
    for (int i = 0; i < 24; i++) {
      String key = "cart-" + i;
      KvClient.Response put = call(i % 3, "PUT", "/kv/carts/" + key, "{\"items\":" + i + "}");
      assertEquals(200, put.status(), put.toString());
      assertEquals("carts", put.body().path("keyspace").asText());
      versions.put(key, put.body().path("version").asLong());
      partitions.add(put.body().path("partition").asInt());
    }
    assertEquals(PARTITIONS, partitions.size(), "the keys reach every partition");
    for (int i = 0; i < 24; i++) {
      String key = "cart-" + i;
      KvClient.Response get = call((i + 1) % 3, "GET", "/kv/carts/" + key, null);
      assertEquals(200, get.status(), get.toString());
      assertEquals(i, get.body().path("value").path("items").asInt(), key + " read from another node");
      assertEquals((long) versions.get(key), get.body().path("version").asLong());
    }
    KvClient.Response cas = call(2, "PUT", "/kv/carts/cart-0?ifVersion=" + (versions.get("cart-0") + 100), "1");
    assertEquals(409, cas.status(), cas.toString());
    assertEquals(200, call(1, "DELETE", "/kv/carts/cart-1", null).status());
    KvClient.Response gone = call(0, "GET", "/kv/carts/cart-1", null);
    assertEquals(404, gone.status(), gone.toString());
    assertTrue(gone.body().path("error").asText().contains("no key 'cart-1'"), gone.toString());
  }

  @Test
  void statusListsTheReplicasEachNodeHostsWithRoleEpochLeaderAndPositions() {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < nodes.size(); i++) {
      JsonNode all = call(i, "GET", "/status", null).body().path("sharded");
      List<JsonNode> sharded = new ArrayList<>();
      int profiles = 0;
      int sessions = 0;
      for (JsonNode r : all) {
        if (r.path("keyspace").asText().equals("carts")) {
          sharded.add(r);
        } else if (r.path("keyspace").asText().equals("sessions")) {
          assertEquals("leaderless", r.path("family").asText(), r.toString());
          assertTrue(r.path("mintsAs").asText().matches("r[0-2]~.+"), "a new ring's replicas incarnate: " + r);
          sessions++;
        } else {
          assertEquals("profiles", r.path("keyspace").asText(), r.toString());
          assertEquals("multi-leader", r.path("family").asText(), r.toString());
          profiles++;
        }
      }
      assertEquals(PARTITIONS, sharded.size(), "n" + (i + 1) + " hosts one replica of each group: " + all);
      assertEquals(2, profiles, "and one replica of each profiles group: " + all);
      assertEquals(2, sessions, "and one replica of each sessions ring: " + all);
      for (JsonNode r : sharded) {
        assertEquals("single-leader", r.path("family").asText(), r.toString());
        assertTrue(Set.of("leader", "follower").contains(r.path("role").asText()), r.toString());
        assertTrue(r.path("epoch").asLong() >= 1, r.toString());
        assertTrue(r.path("leader").asText().matches("r[0-2]"), r.toString());
        assertTrue(r.has("lastPosition") && r.has("appliedPosition") && r.has("leaderLastPosition"), r.toString());
        if ("leader".equals(r.path("role").asText())) {
          assertEquals(2, r.path("followers").size(), r.toString());
          assertTrue(r.path("followers").get(0).has("snapshotChunksSent"), r.toString());
        }
        assertTrue(seen.add(r.path("partition").asInt() + "-" + r.path("replica").asText()), "listed once: " + r);
      }
    }
    assertEquals(PARTITIONS * 3, seen.size());
  }

  @Test
  void aMultiLeaderKeyspaceTakesAKeysWritesAtItsHomeLeaderFromAnyNodeAndEveryReplicaGetsThem() {
    KvClient.Response put = call(0, "PUT", "/kv/profiles/alice", "{\"theme\":\"dark\"}");
    assertEquals(200, put.status(), put.toString());
    assertTrue(put.body().path("group").asText().matches("profiles-p[01]"), put.toString());
    String origin = put.body().path("origin").asText();
    assertTrue(origin.matches("r[0-2]~.+"), "a home leader r<i>, writing as a new incarnation, took it: " + put);
    assertEquals(origin.substring(0, 2), put.body().path("servedBy").asText(), put.toString());
    KvClient.Response get = call(2, "GET", "/kv/profiles/alice", null);
    assertEquals(200, get.status(), get.toString());
    assertEquals("dark", get.body().path("value").path("theme").asText(), get.toString());
    assertEquals(404, call(1, "GET", "/kv/profiles/nobody", null).status());
    // every replica of the group gets the write: the status rows' applied vectors all reach it
    String group = put.body().path("group").asText();
    long counter = put.body().path("counter").asLong();
    Poll.until(Duration.ofSeconds(20), "every replica of " + group + " applied " + origin + ":" + counter, () -> {
      int reached = 0;
      for (int i = 0; i < nodes.size(); i++) {
        for (JsonNode r : call(i, "GET", "/status", null).body().path("sharded")) {
          if (r.path("group").asText().equals(group)) {
            assertEquals("multi-leader", r.path("family").asText(), r.toString());
            reached += r.path("applied").path(origin).asLong() >= counter ? 1 : 0;
          }
        }
      }
      return reached == 3;
    });
    KvClient.Response deleted = call(1, "DELETE", "/kv/profiles/alice", null);
    assertEquals(200, deleted.status(), deleted.toString());
    assertTrue(deleted.body().path("deleted").asBoolean(), deleted.toString());
  }

  @Test
  void aLeaderlessKeyspaceTakesQuorumWritesAndReadsOfAKeyFromAnyNode() {
    // a coordinator reaches the other nodes' replicas once the Receptionist listed them there
    Poll.until(Duration.ofSeconds(30), "a write of session s1 reaches its quorum", () ->
        call(0, "PUT", "/kv/sessions/s1", "{\"user\":\"ann\"}").status() == 200);
    KvClient.Response read = call(2, "GET", "/kv/sessions/s1?r=3", null);
    assertEquals(200, read.status(), read.toString());
    assertEquals("ann", read.body().path("value").path("user").asText(), read.toString());
    assertEquals(3, read.body().path("answered").asInt(), "every replica holds it after w = 2: " + read);
    String context = read.body().path("context").asText();
    KvClient.Response next = call(1, "PUT", "/kv/sessions/s1?context=" + context, "{\"user\":\"bob\"}");
    assertEquals(200, next.status(), next.toString());
    KvClient.Response after = call(0, "GET", "/kv/sessions/s1", null);
    assertEquals(1, after.body().path("siblings").asInt(), "the write that read first replaced it: " + after);
    assertEquals("bob", after.body().path("value").path("user").asText(), after.toString());
    KvClient.Response tooMany = call(0, "GET", "/kv/sessions/s1?r=4", null);
    assertEquals(400, tooMany.status(), tooMany.toString());
    assertTrue(tooMany.body().path("error").asText().contains("between 1 and n = 3"), tooMany.toString());
    assertEquals(404, call(1, "GET", "/kv/sessions/nobody", null).status());
  }

  @Test
  void replikitStatusPrintsEveryPartitionsReplicasOfEveryFamilyAsATable() {
    java.io.StringWriter out = new java.io.StringWriter();
    picocli.CommandLine cmd = io.replikit.examples.cli.ReplikitCli.commandLine();
    cmd.setOut(new java.io.PrintWriter(out, true));
    cmd.setErr(new java.io.PrintWriter(new java.io.StringWriter(), true));
    List<String> bases = nodes.stream().map(n -> "http://127.0.0.1:" + n.httpPort()).toList();
    assertEquals(0, cmd.execute("status", "--node", String.join(",", bases)));
    String table = out.toString();
    for (int p = 0; p < PARTITIONS; p++) {
      for (int r = 0; r < 3; r++) {
        String prefix = "carts-p" + p + " ";
        String replica = " r" + r + " ";
        assertTrue(table.lines().anyMatch(l -> l.startsWith(prefix) && l.contains(replica)
            && (l.contains("leader") || l.contains("follower"))), prefix + replica + ":\n" + table);
      }
    }
    assertTrue(table.lines().anyMatch(l -> l.startsWith("profiles-p0") && l.contains("multi-leader")
        && l.contains("writes as r")), table);
    assertTrue(table.lines().anyMatch(l -> l.startsWith("sessions-p1") && l.contains("leaderless")
        && l.contains("n=3 w=2 r=2 mints as r")), table);
  }

  @Test
  void badRequestsToAKeyspaceAreRefusedWithWhatWasWrong() {
    KvClient.Response malformed = call(0, "PUT", "/kv/carts/k", "{not json");
    assertEquals(400, malformed.status(), malformed.toString());
    assertTrue(malformed.body().path("error").asText().contains("not JSON"), malformed.toString());
    KvClient.Response param = call(0, "PUT", "/kv/carts/k?when=now", "1");
    assertEquals(400, param.status(), param.toString());
    assertTrue(param.body().path("error").asText().contains("unknown query parameter 'when'"), param.toString());
    KvClient.Response slot = call(0, "POST", "/admin/force-vote/carts/99/r0", null);
    assertEquals(400, slot.status(), slot.toString());
    assertTrue(slot.body().path("error").asText().contains("partitions 0 to"), slot.toString());
    KvClient.Response voting = call(1, "POST", "/admin/force-vote/carts/0/r1", null);
    assertEquals(409, voting.status(), "a replica that votes already has nothing to force: " + voting);
    KvClient.Response unknown = call(0, "GET", "/kv/nowhere/k", null);
    assertEquals(404, unknown.status(), unknown.toString());
    assertFalse(unknown.body().path("error").asText().isEmpty(), unknown.toString());
  }
}
