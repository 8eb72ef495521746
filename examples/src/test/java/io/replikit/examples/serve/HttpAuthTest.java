package io.replikit.examples.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import akka.http.javadsl.Http;
import akka.http.javadsl.ServerBinding;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.typesafe.config.ConfigFactory;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.replikit.examples.support.KvClient;
import io.replikit.replication.ReplicaId;
import io.replikit.sessions.InMemoryTokenStore;
import io.replikit.singleleader.Replica;
import io.replikit.singleleader.ReplicaGroupSpec;
import io.replikit.singleleader.ReplicaStatus;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code replikit.serve.auth} over HTTP: with a token, writes and admin routes answer 401 (with
 * {@code WWW-Authenticate: Bearer} and a JSON error) unless the request carries {@code Authorization: Bearer
 * <token>}, and the replica never sees a refused request; reads are open or closed as configured. Two APIs on one
 * scripted replica: one with open reads, one with closed reads.
 */
class HttpAuthTest {
  private static final String TOKEN = "s3cret-token-0123456789";
  private static final String BEARER = "Bearer " + TOKEN;
  private static final AtomicInteger writesSeen = new AtomicInteger();
  private static final AtomicInteger adminSeen = new AtomicInteger();
  private static ActorSystem<Void> system;
  private static String openReads;
  private static String closedReads;

  /** A leader that takes every write, serves every read and agrees to every switchover, counting what reached it. */
  private static Behavior<Replica.Command> replica() {
    ReplicaId self = ReplicaId.of("n1");
    return Behaviors.receive(Replica.Command.class)
        .onMessage(Replica.Write.class, w -> {
          writesSeen.incrementAndGet();
          w.replyTo().tell(new Replica.Written(w.change().key(), 7, 4));
          return Behaviors.same();
        })
        .onMessage(Replica.Insert.class, i -> {
          writesSeen.incrementAndGet();
          i.replyTo().tell(new Replica.Inserted(i.keyPrefix() + "42", 42, 7, 4));
          return Behaviors.same();
        })
        .onMessage(Replica.Transact.class, t -> {
          writesSeen.incrementAndGet();
          t.replyTo().tell(new Replica.Committed(8, 4, List.of(), t.statements().size()));
          return Behaviors.same();
        })
        .onMessage(Replica.Read.class, r -> {
          r.replyTo().tell(new Replica.Found(r.key(), JsonNodeFactory.instance.textNode("v"), 3, self, 10, 0));
          return Behaviors.same();
        })
        .onMessage(Replica.GetStatus.class, g -> {
          g.replyTo().tell(new ReplicaStatus("g", self, "leader", self, 4, 10, 10, 10, 3, 1, 10, "async",
              "persisted", 0, 0, List.of(), List.of(), "logical", 0, null));
          return Behaviors.same();
        })
        .onMessage(Replica.Switchover.class, s -> {
          adminSeen.incrementAndGet();
          s.replyTo().tell(new Replica.SwitchoverDone(s.target(), 5));
          return Behaviors.same();
        })
        .onMessage(Replica.GetDivergentWrites.class, d -> {
          adminSeen.incrementAndGet();
          d.replyTo().tell(new Replica.DivergentWrites(self, List.of()));
          return Behaviors.same();
        })
        .build();
  }

  @BeforeAll
  static void start() throws Exception {
    system = ActorSystem.create(Behaviors.empty(), "http-auth-test", ConfigFactory.parseString(
        "akka.actor.provider = local").withFallback(ConfigFactory.load()));
    ActorRef<Replica.Command> leader = system.systemActorOf(replica(), "leader", akka.actor.typed.Props.empty());
    Map<String, HostedGroup> groups = Map.of("g", new HostedGroup(ReplicaGroupSpec.of("g", "n1", "n2"), leader));
    openReads = bind(groups, HttpAuth.withToken(TOKEN, true));
    closedReads = bind(groups, HttpAuth.withToken(TOKEN, false));
  }

  private static String bind(Map<String, HostedGroup> groups, HttpAuth auth) throws Exception {
    HttpApi api = new HttpApi(system, "n1", groups, Map.of(), 1024, Duration.ofSeconds(5), Duration.ofSeconds(1),
        Duration.ofSeconds(2), JsonNodeFactory.instance::objectNode, new InMemoryTokenStore(),
        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), auth);
    ServerBinding binding = Http.get(system).newServerAt("127.0.0.1", 0).bind(api.route()).toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
    return "http://127.0.0.1:" + binding.localAddress().getPort();
  }

  @AfterAll
  static void stop() throws Exception {
    if (system != null) {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(20, TimeUnit.SECONDS);
    }
  }

  private static void assertUnauthorized(KvClient.Response r, String errorCode) {
    assertEquals(401, r.status(), r.toString());
    String challenge = r.header("WWW-Authenticate").orElseThrow(() -> new AssertionError("no challenge: " + r));
    assertTrue(challenge.startsWith("Bearer"), challenge);
    assertTrue(challenge.contains("realm=\"replikit\""), challenge);
    if (errorCode != null) {
      assertTrue(challenge.contains("error=\"" + errorCode + "\""), challenge);
    } else {
      assertFalse(challenge.contains("error="), "a request without credentials gets no error code: " + challenge);
    }
    assertFalse(r.body().path("error").asText().isEmpty(), "a JSON error says why: " + r);
    assertFalse(r.body().path("error").asText().contains(TOKEN), "the answer never shows the token");
  }

  @ParameterizedTest(name = "{0} {1} needs the token")
  @CsvSource(delimiter = '|', value = {
      "PUT    | /kv/g/k                    | 1",
      "DELETE | /kv/g/k                    | ",
      "POST   | /kv/g/order-               | {\"item\":\"pen\"}",
      "POST   | /tx/g                      | [{\"statement\":\"insert\",\"table\":\"t\",\"primaryKey\":\"a\",\"columns\":{}}]",
  })
  void aWriteWithoutTheRightTokenIs401AndNeverReachesTheReplica(String method, String path, String body) {
    int before = writesSeen.get();
    KvClient.Response missing = TestHttp.send(method, openReads + path, body);
    assertUnauthorized(missing, null);
    assertTrue(missing.body().path("error").asText().contains("Authorization: Bearer"), missing.toString());
    KvClient.Response wrong = TestHttp.send(method, openReads + path, body, "Authorization", "Bearer not-the-token-at-all");
    assertUnauthorized(wrong, "invalid_token");
    KvClient.Response basic = TestHttp.send(method, openReads + path, body, "Authorization", "Basic dXNlcjpwYXNz");
    assertUnauthorized(basic, "invalid_request");
    KvClient.Response prefix = TestHttp.send(method, openReads + path, body, "Authorization",
        "Bearer " + TOKEN.substring(0, TOKEN.length() - 1));
    assertUnauthorized(prefix, "invalid_token");
    assertEquals(before, writesSeen.get(), "no refused write reached the replica");

    KvClient.Response right = TestHttp.send(method, openReads + path, body, "Authorization", BEARER);
    assertTrue(right.status() == 200 || right.status() == 201, right.toString());
    assertEquals(before + 1, writesSeen.get());
    KvClient.Response lowerCase = TestHttp.send(method, closedReads + path, body, "Authorization", "bearer " + TOKEN);
    assertTrue(lowerCase.status() == 200 || lowerCase.status() == 201, "the scheme is case-insensitive: "
        + lowerCase);
  }

  @Test
  void adminRoutesNeedTheTokenEvenToRead() {
    int before = adminSeen.get();
    assertUnauthorized(TestHttp.send("POST", openReads + "/admin/switchover/g?to=n2", null), null);
    assertUnauthorized(TestHttp.send("GET", openReads + "/admin/divergent/g", null), null);
    assertUnauthorized(TestHttp.send("GET", openReads + "//admin/divergent/g", null), null);
    assertUnauthorized(TestHttp.send("GET", openReads + "/%61dmin/divergent/g", null), null);
    assertUnauthorized(TestHttp.send("GET", openReads + "/admin/divergent/g", null, "Authorization",
        "Bearer wrong-wrong-wrong-wrong"), "invalid_token");
    assertEquals(before, adminSeen.get(), "no refused admin request reached the replica");

    KvClient.Response switchover = TestHttp.send("POST", openReads + "/admin/switchover/g?to=n2", null,
        "Authorization", BEARER);
    assertEquals(200, switchover.status(), switchover.toString());
    assertEquals("n2", switchover.body().path("newLeader").asText());
    assertEquals(200, TestHttp.send("GET", openReads + "/admin/divergent/g", null, "Authorization", BEARER)
        .status());
    assertEquals(before + 2, adminSeen.get());
  }

  @Test
  void openReadsNeedNoToken() {
    KvClient.Response read = TestHttp.send("GET", openReads + "/kv/g/k", null);
    assertEquals(200, read.status(), read.toString());
    assertEquals("v", read.body().path("value").asText());
    assertEquals(200, TestHttp.send("GET", openReads + "/status/g", null).status());
    assertEquals(200, TestHttp.send("GET", openReads + "/status", null).status());
    assertEquals(200, TestHttp.send("GET", openReads + "/metrics", null).status());
    assertEquals(200, TestHttp.send("GET", openReads + "/kv/g/k", null, "Authorization", BEARER).status(),
        "a read with the token is served too");
  }

  @Test
  void closedReadsNeedTheTokenToo() {
    for (String path : List.of("/kv/g/k", "/status/g", "/status", "/metrics", "/rows/g/t", "/no/such/route")) {
      KvClient.Response r = TestHttp.send("GET", closedReads + path, null);
      assertUnauthorized(r, null);
      assertTrue(r.body().path("error").asText().contains("reads = closed"), r.toString());
    }
    KvClient.Response read = TestHttp.send("GET", closedReads + "/kv/g/k", null, "Authorization", BEARER);
    assertEquals(200, read.status(), read.toString());
    assertEquals("v", read.body().path("value").asText());
    assertEquals(200, TestHttp.send("GET", closedReads + "/metrics", null, "Authorization", BEARER).status());
  }

  @Test
  void theTokenIsCheckedBeforeTheBodyIsRead() {
    String big = "\"" + "x".repeat(4096) + "\"";
    assertUnauthorized(TestHttp.send("PUT", openReads + "/kv/g/big", big), null);
    assertEquals(413, TestHttp.send("PUT", openReads + "/kv/g/big", big, "Authorization", BEARER).status(),
        "with the token, the body limit applies as before");
  }

  @Test
  void withoutATokenEveryRouteIsOpen() {
    HttpAuth open = HttpAuth.fromConfig(ConfigFactory.load());
    assertFalse(open.enabled(), "the default: no token");
    for (HttpAuth.Access a : HttpAuth.Access.values()) {
      assertTrue(open.check(a, List.of()).allowed(), a.toString());
    }
  }

  @Test
  void theConfigIsReadAndEveryMistakeNamed() {
    HttpAuth auth = HttpAuth.fromConfig(ConfigFactory.parseString(
        "replikit.serve.auth { token = \"" + TOKEN + "\", reads = closed }").withFallback(ConfigFactory.load()));
    assertTrue(auth.enabled());
    assertFalse(auth.readsOpen());
    assertFalse(auth.toString().contains(TOKEN), "the token is never printed");
    for (String[] bad : new String[][] {
        {"token = short", "at least 16"},
        {"token = \"has spaces in it, sixteen+\"", "may hold only"},
        {"reads = sometimes", "open or closed"},
        {"reads = closed", "needs a token"}}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HttpAuth.fromConfig(
          ConfigFactory.parseString("replikit.serve.auth { " + bad[0] + " }").withFallback(ConfigFactory.load())));
      assertTrue(e.getMessage().contains("replikit.serve.auth") && e.getMessage().contains(bad[1]), e.getMessage());
    }
  }

  @Test
  void whatEachRequestNeeds() {
    assertEquals(HttpAuth.Access.READ, HttpAuth.access("GET", "/kv/g/k"));
    assertEquals(HttpAuth.Access.READ, HttpAuth.access("HEAD", "/status"));
    assertEquals(HttpAuth.Access.WRITE, HttpAuth.access("PUT", "/kv/g/k"));
    assertEquals(HttpAuth.Access.WRITE, HttpAuth.access("PATCH", "/anything"));
    assertEquals(HttpAuth.Access.ADMIN, HttpAuth.access("GET", "/admin/divergent/g"));
    assertEquals(HttpAuth.Access.ADMIN, HttpAuth.access("GET", "//admin/divergent/g"));
    assertEquals(HttpAuth.Access.READ, HttpAuth.access("GET", "/administrators"));
    assertEquals(HttpAuth.Access.PUBLIC, HttpAuth.access("GET", "/ui"));
    assertEquals(HttpAuth.Access.PUBLIC, HttpAuth.access("GET", "/ui/"));
    assertEquals(HttpAuth.Access.PUBLIC, HttpAuth.access("HEAD", "/ui/app.js"));
    assertEquals(HttpAuth.Access.READ, HttpAuth.access("GET", "/ui/../status"), "no dot segments");
    assertEquals(HttpAuth.Access.READ, HttpAuth.access("GET", "/ui/./app.js"));
    assertEquals(HttpAuth.Access.READ, HttpAuth.access("GET", "/uiextra"));
    assertEquals(HttpAuth.Access.READ, HttpAuth.access("GET", "/events"));
    assertEquals(HttpAuth.Access.WRITE, HttpAuth.access("POST", "/ui/app.js"));
    assertTrue(HttpAuth.withToken(TOKEN, false).check(HttpAuth.Access.PUBLIC, List.of()).allowed(),
        "the page's files are open even with closed reads");
  }
}
