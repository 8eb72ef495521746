package io.replikit.examples.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.replikit.examples.support.KvClient;
import io.replikit.examples.support.Poll;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One real {@code serve} node in this JVM (a one-node cluster, in-memory journal) answering every status code of
 * the HTTP API from its own replicas: group {@code solo} (this node alone: it leads) and group {@code orphan}
 * (whose other member never appears: this node follows and knows no leader). Every bad request is followed by a
 * good one, to show the node is unaffected.
 */
class ServeNodeTest {
  private static ReplikitNode node;
  private static String base;
  private static int managementPort;
  private static final KvClient client = new KvClient(Duration.ofSeconds(20));

  @BeforeAll
  static void startNode() throws IOException {
    try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
      managementPort = free.getLocalPort();
    }
    Config config = ConfigFactory.parseString(String.join("\n",
        "replikit.serve {",
        "  node = n1, port = 0, http-port = 0, max-body-bytes = 1 KiB",
        "  management.port = " + managementPort,
        "  groups = [{ id = solo, members = [n1] }, { id = orphan, members = [ghost, n1] }]",
        "  peers { ghost = \"127.0.0.1:9\" }",
        "}",
        "replikit.journal { kind = h2-memory, h2-memory.name = serve-node-test }",
        "replikit.store.max-key-length = 16"))
        .withFallback(ConfigFactory.load()).resolve();
    node = ReplikitNode.start(ServeSettings.fromConfig(config), config);
    base = "http://127.0.0.1:" + node.httpPort();
    Poll.until(Duration.ofSeconds(30), "n1 leads group solo",
        () -> "leader".equals(call("GET", "/status/solo", null).body().path("role").asText()));
  }

  @AfterAll
  static void stopNode() throws Exception {
    if (node != null) {
      node.stop().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  private static KvClient.Response call(String method, String path, String body) {
    try {
      return client.send(method, URI.create(base + path), body);
    } catch (IOException e) {
      throw new AssertionError(method + " " + path + " failed: " + e, e);
    }
  }

  @Test
  void theOperatorEndpointsSayTheNodeIsAliveReadyAndAnUpMemberAndRefuseToMakeItLeave() {
    String mgmt = "http://127.0.0.1:" + managementPort;
    Poll.until(Duration.ofSeconds(30), "/ready answers 200 once the node is Up", () -> {
      try {
        return client.send("GET", URI.create(mgmt + "/ready"), null).status() == 200;
      } catch (IOException e) {
        return false;
      }
    });
    try {
      assertEquals(200, client.send("GET", URI.create(mgmt + "/alive"), null).status());
      KvClient.Response members = client.send("GET", URI.create(mgmt + "/cluster/members"), null);
      assertEquals(200, members.status(), members.toString());
      assertEquals("Up", members.body().path("members").path(0).path("status").asText(), members.toString());
      assertTrue(members.body().path("members").path(0).path("roles").toString().contains("replikit-node:n1"),
          members.toString());
      String self = members.body().path("selfNode").asText();
      // the request Akka Management's writable cluster routes would obey (a form field, as its docs show)
      java.net.http.HttpResponse<String> down = java.net.http.HttpClient.newHttpClient().send(
          java.net.http.HttpRequest.newBuilder(URI.create(mgmt + "/cluster/members/"
                  + java.net.URLEncoder.encode(self, java.nio.charset.StandardCharsets.UTF_8)))
              .header("Content-Type", "application/x-www-form-urlencoded")
              .PUT(java.net.http.HttpRequest.BodyPublishers.ofString("operation=Leave")).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
      assertTrue(down.statusCode() == 404 || down.statusCode() == 405,
          "read-only: no one makes a member leave through it: " + down.statusCode() + " " + down.body());
    } catch (IOException e) {
      throw new AssertionError(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
    stillServing();
  }

  @Test
  void replikitStatusPrintsTheNodesGroupsAsATableAndSaysWhenANodeCannotBeReached() {
    java.io.StringWriter out = new java.io.StringWriter();
    java.io.StringWriter err = new java.io.StringWriter();
    picocli.CommandLine cmd = io.replikit.examples.cli.ReplikitCli.commandLine();
    cmd.setOut(new java.io.PrintWriter(out, true));
    cmd.setErr(new java.io.PrintWriter(err, true));
    assertEquals(0, cmd.execute("status", "--node", base), err.toString());
    String table = out.toString();
    assertTrue(table.lines().anyMatch(l -> l.startsWith("solo") && l.contains("n1") && l.contains("leader")), table);
    assertTrue(table.lines().anyMatch(l -> l.startsWith("orphan") && l.contains("follower")), table);
    assertTrue(table.contains("MEMBERS") && table.contains("Up"), table);

    java.io.StringWriter err2 = new java.io.StringWriter();
    picocli.CommandLine again = io.replikit.examples.cli.ReplikitCli.commandLine();
    again.setOut(new java.io.PrintWriter(new java.io.StringWriter(), true));
    again.setErr(new java.io.PrintWriter(err2, true));
    assertEquals(1, again.execute("status", "--node", base + ",http://127.0.0.1:9", "--timeout", "2"));
    assertTrue(err2.toString().contains("127.0.0.1:9/status cannot be reached"), err2.toString());
  }

  /** The node still takes and serves writes. */
  private static void stillServing() {
    KvClient.Response put = call("PUT", "/kv/solo/alive", "{\"ok\":true}");
    assertEquals(200, put.status(), "the node still takes writes: " + put);
    assertEquals(200, call("GET", "/kv/solo/alive", null).status());
  }

  @Test
  void aPutIsReadBackWithItsVersionAndTheAppliedPosition() {
    KvClient.Response put = call("PUT", "/kv/solo/cart-1", "{\"books\":2,\"tags\":[\"a\",\"b\"]}");
    assertEquals(200, put.status(), put.toString());
    long version = put.body().path("version").asLong();
    assertTrue(version > 0, put.toString());
    assertTrue(put.body().path("epoch").asLong() >= 1, put.toString());
    assertEquals("cart-1", put.body().path("key").asText());

    KvClient.Response get = call("GET", "/kv/solo/cart-1", null);
    assertEquals(200, get.status(), get.toString());
    assertEquals(2, get.body().path("value").path("books").asInt());
    assertEquals("b", get.body().path("value").path("tags").path(1).asText());
    assertEquals(version, get.body().path("version").asLong());
    assertEquals("n1", get.body().path("servedBy").asText());
    long applied = get.body().path("appliedPosition").asLong();
    assertTrue(applied >= version, get.toString());
    assertEquals(Long.toString(applied), get.header(HttpApi.APPLIED_POSITION_HEADER).orElseThrow());

    KvClient.Response scalar = call("PUT", "/kv/solo/note", "\"any JSON value\"");
    assertEquals(200, scalar.status(), scalar.toString());
    assertEquals("any JSON value", call("GET", "/kv/solo/note", null).body().path("value").asText());
  }

  @Test
  void anAbsentKeyIs404WithWhereItWasLookedFor() {
    KvClient.Response get = call("GET", "/kv/solo/never-written", null);
    assertEquals(404, get.status(), get.toString());
    assertTrue(get.body().path("error").asText().contains("never-written"), get.toString());
    assertEquals("n1", get.body().path("servedBy").asText());
    assertTrue(get.header(HttpApi.APPLIED_POSITION_HEADER).isPresent());
  }

  @Test
  void compareAndSetSucceedsOnTheExpectedVersionAndConflictsOtherwise() {
    KvClient.Response created = call("PUT", "/kv/solo/cas?ifVersion=0", "1");
    assertEquals(200, created.status(), "0 means absent: " + created);
    long version = created.body().path("version").asLong();

    KvClient.Response conflict = call("PUT", "/kv/solo/cas?ifVersion=0", "2");
    assertEquals(409, conflict.status(), conflict.toString());
    assertEquals(0, conflict.body().path("expected").asLong());
    assertEquals(version, conflict.body().path("actual").asLong());

    KvClient.Response updated = call("PUT", "/kv/solo/cas?ifVersion=" + version, "3");
    assertEquals(200, updated.status(), updated.toString());
    assertEquals(3, call("GET", "/kv/solo/cas", null).body().path("value").asInt());

    KvClient.Response notANumber = call("PUT", "/kv/solo/cas?ifVersion=latest", "4");
    assertEquals(400, notANumber.status(), notANumber.toString());
    assertTrue(notANumber.body().path("error").asText().contains("ifVersion"), notANumber.toString());
    stillServing();
  }

  @Test
  void aDeletedKeyIsGone() {
    assertEquals(200, call("PUT", "/kv/solo/doomed", "{}").status());
    KvClient.Response deleted = call("DELETE", "/kv/solo/doomed", null);
    assertEquals(200, deleted.status(), deleted.toString());
    assertTrue(deleted.body().path("version").asLong() > 0, deleted.toString());
    assertEquals(404, call("GET", "/kv/solo/doomed", null).status());
  }

  @Test
  void anInsertGetsAGeneratedKeyAndIs201() {
    KvClient.Response first = call("POST", "/kv/solo/order-", "{\"item\":\"pen\"}");
    KvClient.Response second = call("POST", "/kv/solo/order-", "{\"item\":\"ink\"}");
    assertEquals(201, first.status(), first.toString());
    assertEquals(201, second.status(), second.toString());
    String key = first.body().path("key").asText();
    assertTrue(key.startsWith("order-"), key);
    assertEquals("order-" + first.body().path("id").asLong(), key);
    assertFalse(key.equals(second.body().path("key").asText()), "ids are never handed out twice");
    assertEquals("/kv/solo/" + key, first.header("Location").orElseThrow());
    assertEquals("pen", call("GET", "/kv/solo/" + key, null).body().path("value").path("item").asText());
  }

  @Test
  void malformedJsonIs400NamingTheProblem() {
    KvClient.Response truncated = call("PUT", "/kv/solo/bad", "{\"a\":");
    assertEquals(400, truncated.status(), truncated.toString());
    assertTrue(truncated.body().path("error").asText().contains("not valid JSON"), truncated.toString());

    KvClient.Response trailing = call("PUT", "/kv/solo/bad", "{\"a\":1} {\"b\":2}");
    assertEquals(400, trailing.status(), "two values are not one: " + trailing);

    KvClient.Response empty = call("PUT", "/kv/solo/bad", "");
    assertEquals(400, empty.status(), empty.toString());
    assertTrue(empty.body().path("error").asText().contains("empty"), empty.toString());

    KvClient.Response insert = call("POST", "/kv/solo/p-", "not json");
    assertEquals(400, insert.status(), insert.toString());
    assertEquals(404, call("GET", "/kv/solo/bad", null).status(), "nothing was written");
    stillServing();
  }

  @Test
  void aBodyOverTheLimitIs413() {
    String big = "\"" + "x".repeat(2048) + "\"";
    KvClient.Response tooLarge = call("PUT", "/kv/solo/big", big);
    assertEquals(413, tooLarge.status(), tooLarge.toString());
    assertEquals(404, call("GET", "/kv/solo/big", null).status(), "nothing was written");
    stillServing();
  }

  @Test
  void unknownGroupsRoutesAndMethodsAre404And405() {
    KvClient.Response group = call("PUT", "/kv/nosuch/k", "1");
    assertEquals(404, group.status(), group.toString());
    assertTrue(group.body().path("error").asText().contains("nosuch"), "names the group: " + group);
    assertEquals(404, call("GET", "/status/nosuch", null).status());

    KvClient.Response route = call("GET", "/kv/solo", null);
    assertEquals(404, route.status(), route.toString());
    assertTrue(route.body().path("error").asText().contains("no route"), route.toString());
    assertEquals(404, call("GET", "/nothing/here", null).status());

    KvClient.Response method = call("PATCH", "/kv/solo/k", "1");
    assertEquals(405, method.status(), method.toString());
    assertTrue(method.header("Allow").orElseThrow().contains("PUT"), method.headers().toString());
    assertEquals(405, call("DELETE", "/status", null).status());
    assertEquals(405, call("GET", "/admin/switchover/solo", null).status());
    stillServing();
  }

  @Test
  void aKeyTheStoreRefusesIs400WithItsReason() {
    KvClient.Response tooLong = call("PUT", "/kv/solo/" + "k".repeat(17), "1");
    assertEquals(400, tooLong.status(), tooLong.toString());
    assertTrue(tooLong.body().path("error").asText().contains("max-key-length"), tooLong.toString());
    KvClient.Response read = call("GET", "/kv/solo/" + "k".repeat(17), null);
    assertEquals(400, read.status(), read.toString());
    stillServing();
  }

  @Test
  void aFollowerThatKnowsNoLeaderAnswersWritesWith503() {
    KvClient.Response write = call("PUT", "/kv/orphan/k", "1");
    assertEquals(503, write.status(), write.toString());
    assertTrue(write.body().path("error").asText().contains("no leader"), write.toString());
    assertTrue(write.header("Retry-After").isPresent());
    KvClient.Response status = call("GET", "/status/orphan", null);
    assertEquals(200, status.status());
    assertFalse("leader".equals(status.body().path("role").asText()), status.toString());
    KvClient.Response switchover = call("POST", "/admin/switchover/orphan?to=n1", null);
    assertEquals(503, switchover.status(), "not the leader and none known: " + switchover);
  }

  @Test
  void statusShowsTheGroupsAndTheClusterMembers() {
    KvClient.Response group = call("GET", "/status/solo", null);
    assertEquals(200, group.status());
    assertEquals("leader", group.body().path("role").asText());
    assertEquals("n1", group.body().path("leader").asText());
    assertTrue(group.body().has("followers") && group.body().has("divergentWrites") && group.body().has("lagEntries"),
        group.toString());
    assertEquals("logical", group.body().path("logFormat").asText(), group.toString());
    assertEquals(0, group.body().path("stalenessMillis").asLong(), "a leader holding its lease: " + group);
    assertTrue(group.body().has("replicationError"), group.toString());

    KvClient.Response all = call("GET", "/status", null);
    assertEquals(200, all.status());
    assertEquals("n1", all.body().path("node").asText());
    assertEquals(2, all.body().path("groups").size(), all.toString());
    assertEquals("n1", all.body().path("cluster").path("members").path(0).path("node").asText(), all.toString());
    assertEquals("Up", all.body().path("cluster").path("members").path(0).path("status").asText());
    assertTrue(all.body().path("cluster").path("members").path(0).path("reachable").asBoolean());
  }

  @Test
  void switchoverChecksItsTargetAndALeaderHandingToItselfIsDone() {
    KvClient.Response noTarget = call("POST", "/admin/switchover/solo", null);
    assertEquals(400, noTarget.status(), noTarget.toString());
    KvClient.Response stranger = call("POST", "/admin/switchover/solo?to=n9", null);
    assertEquals(400, stranger.status(), stranger.toString());
    assertTrue(stranger.body().path("error").asText().contains("n9"), stranger.toString());
    KvClient.Response self = call("POST", "/admin/switchover/solo?to=n1", null);
    assertEquals(200, self.status(), self.toString());
    assertEquals("n1", self.body().path("newLeader").asText());
    stillServing();
  }

  @Test
  void theDivergentWritesRecordIsExported() {
    KvClient.Response divergent = call("GET", "/admin/divergent/solo", null);
    assertEquals(200, divergent.status(), divergent.toString());
    assertEquals("n1", divergent.body().path("replica").asText());
    assertEquals(0, divergent.body().path("count").asInt());
    assertTrue(divergent.body().path("writes").isArray());
  }

  // --- reads under lag, rows and metrics on a real node ---

  @Test
  void aWriteAnswersWithATokenThatAReadSendsBack() {
    KvClient.Response put = call("PUT", "/kv/solo/tokened", "{\"n\":1}");
    assertEquals(200, put.status(), put.toString());
    long position = put.body().path("position").asLong();
    assertEquals(put.body().path("version").asLong(), position, "a key's version is its log position");
    String token = put.header(SessionToken.HEADER).orElseThrow();
    assertEquals("solo=" + position, token);

    KvClient.Response get = TestHttp.send("GET", base + "/kv/solo/tokened?wait-ms=500", null, SessionToken.HEADER,
        token);
    assertEquals(200, get.status(), get.toString());
    assertEquals(1, get.body().path("value").path("n").asInt());
    assertEquals(position, get.body().path("requiredPosition").asLong());
    assertEquals("0", get.header(HttpApi.STALENESS_HEADER).orElseThrow());
    long applied = get.body().path("appliedPosition").asLong();
    assertEquals("solo=" + applied, get.header(SessionToken.HEADER).orElseThrow());

    KvClient.Response beyond = call("GET", "/kv/solo/tokened?min-position=" + (applied + 1_000_000) + "&wait-ms=0",
        null);
    assertEquals(412, beyond.status(), "the leader never had that position: " + beyond);
    assertTrue(beyond.body().path("error").asText().contains("not yet"), beyond.toString());
    stillServing();
  }

  @Test
  void aUsersWritesRaiseWhatAnotherDeviceOfThatUserReadsAt() {
    KvClient.Response put = call("PUT", "/kv/solo/profile?user=carol", "\"v2\"");
    assertEquals(200, put.status(), put.toString());
    long position = put.body().path("position").asLong();
    KvClient.Response phone = TestHttp.send("GET", base + "/kv/solo/profile", null, HttpApi.USER_HEADER, "carol");
    assertEquals(200, phone.status(), phone.toString());
    assertEquals("v2", phone.body().path("value").asText());
    assertEquals(position, phone.body().path("requiredPosition").asLong());
    assertEquals(0, call("GET", "/kv/solo/profile?user=dave", null).body().path("requiredPosition").asLong());
  }

  @Test
  void rowsAreWrittenInTransactionsAndReadAsATableOrOneRow() {
    // table "o": this node allows keys of 16 characters, and a row's key is its table and primary key together
    KvClient.Response tx = call("POST", "/tx/solo", """
        [{"statement":"insert","table":"o","primaryKey":{"expr":"next-id"},"columns":{"item":"pen","qty":2}},
         {"statement":"insert","table":"o","primaryKey":"manual","columns":{"item":"ink","qty":1}}]""");
    assertEquals(200, tx.status(), tx.toString());
    assertEquals(2, tx.body().path("rowChanges").asInt(), tx.toString());
    long id = tx.body().path("generatedIds").path(0).asLong();
    assertTrue(id > 0, tx.toString());
    assertEquals("solo=" + tx.body().path("position").asLong(), tx.header(SessionToken.HEADER).orElseThrow());

    KvClient.Response rows = call("GET", "/rows/solo/o", null);
    assertEquals(200, rows.status(), rows.toString());
    assertEquals(2, rows.body().path("count").asInt(), rows.toString());
    KvClient.Response one = call("GET", "/rows/solo/o/" + id, null);
    assertEquals(200, one.status(), one.toString());
    assertEquals("pen", one.body().path("values").path("item").asText(), one.toString());
    assertEquals(404, call("GET", "/rows/solo/o/nobody", null).status());
    assertEquals(400, call("GET", "/rows/solo/no%20table", null).status(), "not a table name");

    KvClient.Response duplicate = call("POST", "/tx/solo",
        "[{\"statement\":\"insert\",\"table\":\"o\",\"primaryKey\":\"manual\",\"columns\":{}}]");
    assertEquals(400, duplicate.status(), "the row exists: " + duplicate);
    KvClient.Response unknown = call("POST", "/tx/solo", "[{\"statement\":\"merge\",\"table\":\"o\"}]");
    assertEquals(400, unknown.status(), unknown.toString());
    assertTrue(unknown.body().path("error").asText().contains("merge"), unknown.toString());
    assertEquals(2, call("GET", "/rows/solo/o", null).body().path("count").asInt(), "nothing was written");
    stillServing();
  }

  @Test
  void metricsAreScrapedInThePrometheusFormat() {
    call("GET", "/kv/solo/alive", null);
    String scrape = TestHttp.text(base + "/metrics");
    assertEquals(1.0, TestHttp.series(scrape, "replikit_replica_role{group=\"solo\",replica=\"n1\",role=\"leader\"}")
        .orElseThrow(() -> new AssertionError(scrape)));
    assertEquals(1.0, TestHttp.series(scrape, "replikit_replica_up{group=\"solo\",replica=\"n1\"}").orElseThrow());
    assertTrue(TestHttp.series(scrape, "replikit_replica_applied_position{group=\"solo\",replica=\"n1\"}")
        .orElseThrow() > 0);
    // the orphan never finds a majority: a follower, or a candidate between its elections, never a leader
    assertEquals(0.0, TestHttp.series(scrape,
        "replikit_replica_role{group=\"orphan\",replica=\"n1\",role=\"leader\"}").orElseThrow(), scrape);
    assertEquals(1.0, TestHttp.series(scrape,
        "replikit_replica_role{group=\"orphan\",replica=\"n1\",role=\"follower\"}").orElseThrow()
        + TestHttp.series(scrape, "replikit_replica_role{group=\"orphan\",replica=\"n1\",role=\"candidate\"}")
        .orElseThrow(), scrape);
    assertTrue(scrape.contains("# TYPE replikit_follower_lag_entries gauge") || !scrape.contains("follower=\""),
        "follower series appear only for a leader with followers");
    assertTrue(scrape.contains("replikit_http_reads_total{group=\"solo\",outcome=\"served\"}"), scrape);
  }

  @Test
  void badConsistencyParametersAre400() {
    KvClient.Response notANumber = call("GET", "/kv/solo/alive?max-staleness-ms=soon", null);
    assertEquals(400, notANumber.status(), notANumber.toString());
    assertTrue(notANumber.body().path("error").asText().contains("max-staleness-ms"), notANumber.toString());
    KvClient.Response typo = call("GET", "/kv/solo/alive?min_position=3", null);
    assertEquals(400, typo.status(), typo.toString());
    assertTrue(typo.body().path("error").asText().contains("min_position"), typo.toString());
    KvClient.Response token = TestHttp.send("GET", base + "/kv/solo/alive", null, SessionToken.HEADER, "solo=-4");
    assertEquals(400, token.status(), token.toString());
    stillServing();
  }
}
