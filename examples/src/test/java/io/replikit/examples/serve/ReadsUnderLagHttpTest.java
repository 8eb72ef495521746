package io.replikit.examples.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.typed.ActorSystem;
import akka.http.javadsl.Http;
import akka.http.javadsl.ServerBinding;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.replikit.metrics.ReplicaMetrics;
import io.replikit.examples.support.KvClient;
import io.replikit.examples.support.Poll;
import io.replikit.examples.support.ReplicaHost;
import io.replikit.examples.support.RunningGroup;
import io.replikit.persistence.ReplikitJournal;
import io.replikit.replication.ReplicaId;
import io.replikit.singleleader.AckPolicy;
import io.replikit.singleleader.ReplicaGroupSpec;
import io.replikit.singleleader.ReplicaObserver;
import io.replikit.singleleader.SingleLeaderSettings;
import io.replikit.testkit.FaultyTransport;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The chapter's replication-lag anomalies over HTTP, against real replicas: a group of three (a leads, b and c
 * follow, asynchronous) whose follower c is held behind by the faulty transport after it applied x = "old". Two HTTP
 * nodes serve it: node a with the leader's replica, node c with the lagging one. Each guarantee holds when the
 * request asks for it (token, {@code min-position}, {@code user}, {@code max-staleness-ms}), and the anomaly shows
 * on node c when it does not, so the tests prove the mechanism matters.
 */
class ReadsUnderLagHttpTest {
  private static final ReplicaId A = ReplicaId.of("a");
  private static final ReplicaId C = ReplicaId.of("c");
  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final AtomicInteger GROUPS = new AtomicInteger();
  private static ActorSystem<ReplicaHost.Command> system;
  private static SingleLeaderSettings settings;

  @BeforeAll
  static void start() {
    Config config = ReplikitJournal.h2InMemory("reads-under-lag-http", ConfigFactory.parseString("""
        akka.actor.provider = local
        replikit.single-leader {
          heartbeat-interval = 50ms
          follower-timeout = 300ms
          resend-after = 150ms
          # c, cut off from its leader, asks for pre-votes (which a and b refuse) and keeps naming its leader as
          # the place to send reads it cannot serve
          failover-timeout = 500ms
          read-wait-timeout = 5s
        }
        """).withFallback(ConfigFactory.load())).resolve();
    system = ActorSystem.create(ReplicaHost.create(), "reads-under-lag-http", config);
    ReplikitJournal.createSchemaBlocking(system, Duration.ofSeconds(30));
    settings = SingleLeaderSettings.fromConfig(config).withAckPolicy(AckPolicy.async());
  }

  @AfterAll
  static void stop() throws Exception {
    if (system != null) {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  /** The group, its transport and the two HTTP nodes; c has applied x = "old" and hears nothing more from a. */
  private static final class Nodes implements AutoCloseable {
    final String group = "lag-" + GROUPS.incrementAndGet();
    final FaultyTransport transport;
    final RunningGroup replicas;
    final SharedTokenStore tokensA = SharedTokenStore.start(system, group + "-a");
    final SharedTokenStore tokensC = SharedTokenStore.start(system, group + "-c");
    final ServerBinding bindingA;
    final ServerBinding bindingC;
    final String baseA;
    final String baseC;
    final String x;

    Nodes(long seed) throws Exception {
      transport = new FaultyTransport(seed, FaultyTransport.Faults.NONE);
      ReplicaGroupSpec spec = ReplicaGroupSpec.of(group, "a", "b", "c");
      replicas = new RunningGroup(system, spec, settings, transport, ReplicaObserver.NONE).startAll();
      Poll.until(WAIT, "a leads " + group, () -> "leader".equals(replicas.status(A).role()));
      // node a needs no peers: as the leader's node it never redirects; node c sends what it cannot serve to a
      bindingA = bind(node("a", Map.of(), tokensA));
      baseA = "http://127.0.0.1:" + bindingA.localAddress().getPort();
      bindingC = bind(node("c", Map.of("a", "127.0.0.1:" + bindingA.localAddress().getPort()), tokensC));
      baseC = "http://127.0.0.1:" + bindingC.localAddress().getPort();
      x = "/kv/" + group + "/x";
      assertEquals(200, TestHttp.send("PUT", baseA + x, "\"old\"").status());
      Poll.until(WAIT, "c applied x = old", () -> replicas.caughtUp(C));
      transport.block(A, C);
    }

    private HttpApi node(String name, Map<String, String> peers, SharedTokenStore tokens) {
      Map<String, HostedGroup> groups = Map.of(group, new HostedGroup(replicas.spec(),
          replicas.ref(ReplicaId.of(name))));
      return new HttpApi(system, name, groups, peers, 1 << 20, Duration.ofSeconds(5), Duration.ofSeconds(10),
          settings.readWaitTimeout(), JsonNodeFactory.instance::objectNode, tokens,
          new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    }

    private static ServerBinding bind(HttpApi api) throws Exception {
      return Http.get(system).newServerAt("127.0.0.1", 0).bind(api.route()).toCompletableFuture()
          .get(10, TimeUnit.SECONDS);
    }

    /** Writes x = "new" at the leader's node and returns the answer (position and token). */
    KvClient.Response writeNew(String... headers) {
      KvClient.Response put = TestHttp.send("PUT", baseA + x, "\"new\"", headers);
      assertEquals(200, put.status(), put.toString());
      return put;
    }

    @Override
    public void close() throws Exception {
      bindingA.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
      bindingC.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
      replicas.stopAll();
      transport.close();
    }
  }

  private static String value(KvClient.Response r) {
    return r.body().path("value").asText();
  }

  /** Follows a 307 as an HTTP client would, without the request's headers: the Location must say it all. */
  private static KvClient.Response follow(KvClient.Response redirect) {
    assertEquals(307, redirect.status(), redirect.toString());
    return TestHttp.send("GET", redirect.header("Location").orElseThrow(), null);
  }

  @Test
  void readYourWritesWithTheTokenNeverShowsTheOldValueAndWithoutItTheLaggingFollowerDoes() throws Exception {
    try (Nodes n = new Nodes(21)) {
      KvClient.Response put = n.writeNew();
      long position = put.body().path("position").asLong();
      String token = put.header(SessionToken.HEADER).orElseThrow();
      assertEquals(n.group + "=" + position, token);

      // the anomaly: the writer reads from the lagging node without its token and misses its own write
      KvClient.Response stale = TestHttp.send("GET", n.baseC + n.x, null);
      assertEquals(200, stale.status(), stale.toString());
      assertEquals("old", value(stale));
      assertEquals("c", stale.header(HttpApi.SERVED_BY_HEADER).orElseThrow());
      assertTrue(stale.body().path("appliedPosition").asLong() < position, stale.toString());

      // with the token, c waits 100 ms, cannot reach the position, and sends the read to the leader's node
      KvClient.Response redirected = TestHttp.send("GET", n.baseC + n.x + "?wait-ms=100", null,
          SessionToken.HEADER, token);
      assertEquals(307, redirected.status(), "never the old value: " + redirected);
      assertEquals(n.baseA + n.x + "?wait-ms=100&min-position=" + position,
          redirected.header("Location").orElseThrow());
      assertEquals(position, redirected.body().path("requiredPosition").asLong());
      assertTrue(redirected.body().path("appliedPosition").asLong() < position, redirected.toString());
      KvClient.Response own = follow(redirected);
      assertEquals(200, own.status(), own.toString());
      assertEquals("new", value(own));
      assertEquals("a", own.header(HttpApi.SERVED_BY_HEADER).orElseThrow());
      assertTrue(own.body().path("appliedPosition").asLong() >= position, own.toString());
    }
  }

  @Test
  void aReadWithTheTokenThatMayWaitIsServedByTheFollowerOnceItCatchesUp() throws Exception {
    try (Nodes n = new Nodes(22)) {
      String token = n.writeNew().header(SessionToken.HEADER).orElseThrow();
      CompletableFuture<KvClient.Response> waiting = CompletableFuture.supplyAsync(() ->
          TestHttp.send("GET", n.baseC + n.x + "?wait-ms=5000", null, SessionToken.HEADER, token));
      n.transport.heal();
      KvClient.Response read = waiting.get(WAIT.toSeconds(), TimeUnit.SECONDS);
      assertEquals(200, read.status(), read.toString());
      assertEquals("new", value(read));
      assertEquals("c", read.header(HttpApi.SERVED_BY_HEADER).orElseThrow(), "c itself served, once caught up");
    }
  }

  @Test
  void monotonicReadsNeverGoBackInTimeWhenTheSessionMovesToTheLaggingNode() throws Exception {
    try (Nodes n = new Nodes(23)) {
      n.writeNew();
      KvClient.Response first = TestHttp.send("GET", n.baseA + n.x, null);
      assertEquals("new", value(first));
      String seen = first.header(SessionToken.HEADER).orElseThrow();
      assertEquals(n.group + "=" + first.body().path("appliedPosition").asLong(), seen,
          "a read's token carries the position the serving replica had applied");

      // the session moves to node c and sends back what it has seen: c is behind it, so the read goes to a
      KvClient.Response second = TestHttp.send("GET", n.baseC + n.x + "?wait-ms=0", null, SessionToken.HEADER, seen);
      assertEquals(307, second.status(), "not back in time: " + second);
      assertEquals("new", value(follow(second)));

      // the anomaly: a session that forgets the token sees "new", then "old"
      assertEquals("old", value(TestHttp.send("GET", n.baseC + n.x, null)));
    }
  }

  @Test
  void aUsersSecondDeviceReadsTheFirstOnesWritesWithoutAnyToken() throws Exception {
    try (Nodes n = new Nodes(24)) {
      // the laptop writes through node c: a follower, so the write is redirected to a, user and all
      KvClient.Response redirected = TestHttp.send("PUT", n.baseC + n.x + "?user=alice", "\"new\"");
      assertEquals(307, redirected.status(), redirected.toString());
      String location = redirected.header("Location").orElseThrow();
      assertEquals(n.baseA + n.x + "?user=alice", location);
      KvClient.Response put = TestHttp.send("PUT", location, "\"new\"");
      assertEquals(200, put.status(), put.toString());
      long position = put.body().path("position").asLong();
      // node a announces alice's token; node c learns it one message later
      Poll.until(WAIT, "node c knows alice's token", () -> n.tokensC.position("alice", n.group) >= position);

      // the phone sends no token, only who it is: node c reads for alice at her position, which it lacks
      KvClient.Response phone = TestHttp.send("GET", n.baseC + n.x + "?wait-ms=0", null, HttpApi.USER_HEADER,
          "alice");
      assertEquals(307, phone.status(), "never the old value: " + phone);
      assertEquals(position, phone.body().path("requiredPosition").asLong());
      KvClient.Response followed = follow(phone);
      assertEquals("new", value(followed));
      assertEquals("a", followed.header(HttpApi.SERVED_BY_HEADER).orElseThrow());

      // the anomaly: a device that does not say it is alice's reads the lagging replica's old value
      assertEquals("old", value(TestHttp.send("GET", n.baseC + n.x + "?user=bob", null)));
      assertEquals("old", value(TestHttp.send("GET", n.baseC + n.x, null)));
    }
  }

  @Test
  void boundedStalenessRefusesTheLaggingFollowerAndTheLeaderServes() throws Exception {
    try (Nodes n = new Nodes(25)) {
      Poll.until(WAIT, "c's data is more than 400 ms old", () ->
          TestHttp.send("GET", n.baseC + "/status/" + n.group, null).body().path("stalenessMillis").asLong() > 400);
      KvClient.Response bounded = TestHttp.send("GET", n.baseC + n.x + "?max-staleness-ms=200&wait-ms=0", null);
      assertEquals(307, bounded.status(), bounded.toString());
      assertTrue(bounded.body().path("stalenessMillis").asLong() > 400, bounded.toString());
      assertEquals(200, bounded.body().path("maxStalenessMillis").asLong());
      KvClient.Response fresh = follow(bounded);
      assertEquals(200, fresh.status(), fresh.toString());
      assertEquals("a", fresh.header(HttpApi.SERVED_BY_HEADER).orElseThrow());
      assertEquals("0", fresh.header(HttpApi.STALENESS_HEADER).orElseThrow(), "a leader holding its lease");

      // the anomaly: asked for nothing, c serves data older than the bound
      KvClient.Response old = TestHttp.send("GET", n.baseC + n.x, null);
      assertEquals(200, old.status());
      assertTrue(Long.parseLong(old.header(HttpApi.STALENESS_HEADER).orElseThrow()) > 400, old.headers().toString());
    }
  }

  @Test
  void theLaggingFollowerShowsInTheMetricsAndTheStatusAtEveryLevel() throws Exception {
    try (Nodes n = new Nodes(26)) {
      for (int i = 0; i < 3; i++) {
        n.writeNew();
      }
      String scrape = TestHttp.text(n.baseA + "/metrics");
      String tags = "{follower=\"c\",group=\"" + n.group + "\",level=\"%s\",replica=\"a\"}";
      for (String level : ReplicaMetrics.LEVELS) {
        double entries = TestHttp.series(scrape, "replikit_follower_lag_entries" + tags.formatted(level))
            .orElseThrow(() -> new AssertionError("no " + level + " lag of c in\n" + scrape));
        assertTrue(entries >= 3, level + " lag of c: " + entries);
        double millis = TestHttp.series(scrape, "replikit_follower_lag_ms" + tags.formatted(level)).orElseThrow();
        assertTrue(millis >= 0, level + " lag of c in ms: " + millis);
      }
      assertTrue(TestHttp.series(scrape, "replikit_follower_lag_entries{follower=\"b\",group=\"" + n.group
          + "\",level=\"applied\",replica=\"a\"}").isPresent(), scrape);
      String a = "{group=\"" + n.group + "\",replica=\"a\"}";
      assertEquals(1.0, TestHttp.series(scrape, "replikit_replica_role{group=\"" + n.group
          + "\",replica=\"a\",role=\"leader\"}").orElseThrow());
      assertEquals(0.0, TestHttp.series(scrape, "replikit_replica_staleness_ms" + a).orElseThrow());
      assertTrue(TestHttp.series(scrape, "replikit_replica_epoch" + a).orElseThrow() >= 1);
      assertTrue(TestHttp.series(scrape, "replikit_replica_divergent_writes" + a).isPresent());
      assertTrue(TestHttp.series(scrape, "replikit_replica_pending_writes" + a).isPresent());

      String scrapeC = TestHttp.text(n.baseC + "/metrics");
      String c = "{group=\"" + n.group + "\",replica=\"c\"}";
      assertEquals(1.0, TestHttp.series(scrapeC, "replikit_replica_role{group=\"" + n.group
          + "\",replica=\"c\",role=\"follower\"}").orElseThrow(), scrapeC);
      assertTrue(TestHttp.series(scrapeC, "replikit_replica_staleness_ms" + c).orElseThrow() >= 0);
      assertTrue(TestHttp.series(scrapeC, "replikit_replica_applied_position" + c).orElseThrow()
          < TestHttp.series(scrape, "replikit_replica_applied_position" + a).orElseThrow());

      JsonNode status = TestHttp.send("GET", n.baseA + "/status/" + n.group, null).body();
      assertEquals("logical", status.path("logFormat").asText(), status.toString());
      assertEquals(0, status.path("stalenessMillis").asLong(), status.toString());
      JsonNode followerC = null;
      for (JsonNode f : status.path("followers")) {
        if (f.path("id").asText().equals("c")) {
          followerC = f;
        }
      }
      assertTrue(followerC != null, status.toString());
      for (String level : ReplicaMetrics.LEVELS) {
        assertTrue(followerC.path("lag").path(level).path("entries").asLong() >= 3, followerC.toString());
      }
      assertTrue(followerC.path("receivedLagEntries").asLong() >= 3, followerC.toString());
      assertTrue(followerC.path("persistedLagMillis").isNumber(), followerC.toString());
    }
  }

  @Test
  void rowsWrittenInATransactionAreReadBackWithTheTokenNeverFromTheLaggingFollower() throws Exception {
    try (Nodes n = new Nodes(27)) {
      KvClient.Response tx = TestHttp.send("POST", n.baseA + "/tx/" + n.group, """
          [{"statement":"insert","table":"users","primaryKey":"alice",
            "columns":{"name":"Alice","joined":{"expr":"now"}}},
           {"statement":"insert","table":"users","primaryKey":"bob","columns":{"name":"Bob","visits":1}},
           {"statement":"update","table":"users","where":"bob",
            "set":{"visits":{"expr":"add","left":{"expr":"col","name":"visits"},"right":1}}}]""");
      assertEquals(200, tx.status(), tx.toString());
      long position = tx.body().path("position").asLong();
      String token = tx.header(SessionToken.HEADER).orElseThrow();
      assertEquals(n.group + "=" + position, token);

      KvClient.Response rows = TestHttp.send("GET", n.baseA + "/rows/" + n.group + "/users", null);
      assertEquals(200, rows.status(), rows.toString());
      assertEquals(2, rows.body().path("count").asInt(), rows.toString());
      assertEquals("alice", rows.body().path("rows").path(0).path("primaryKey").asText());
      assertEquals(2, rows.body().path("rows").path(1).path("values").path("visits").asInt(), rows.toString());
      KvClient.Response alice = TestHttp.send("GET", n.baseA + "/rows/" + n.group + "/users/alice", null);
      assertEquals("Alice", alice.body().path("values").path("name").asText(), alice.toString());
      assertTrue(alice.body().path("values").path("joined").asLong() > 0, "now() was evaluated: " + alice);
      assertEquals(404, TestHttp.send("GET", n.baseA + "/rows/" + n.group + "/users/carol", null).status());

      // the anomaly: the lagging node has no rows yet
      assertEquals(0, TestHttp.send("GET", n.baseC + "/rows/" + n.group + "/users", null).body().path("count")
          .asInt());
      // with the token, the read goes to the leader's node
      KvClient.Response redirected = TestHttp.send("GET", n.baseC + "/rows/" + n.group + "/users?wait-ms=0", null,
          SessionToken.HEADER, token);
      assertEquals(n.baseA + "/rows/" + n.group + "/users?wait-ms=0&min-position=" + position,
          redirected.header("Location").orElseThrow(), redirected.toString());
      assertEquals(2, follow(redirected).body().path("count").asInt());

      KvClient.Response failed = TestHttp.send("POST", n.baseA + "/tx/" + n.group,
          "[{\"statement\":\"insert\",\"table\":\"users\",\"primaryKey\":\"alice\",\"columns\":{}}]");
      assertEquals(400, failed.status(), "alice exists: " + failed);
    }
  }
}
