package io.replikit.examples.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Behaviors;
import akka.http.javadsl.Http;
import akka.http.javadsl.ServerBinding;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.ConfigFactory;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.replikit.sessions.InMemoryTokenStore;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The live page's routes on a real HTTP server, fed by a scripted status (no replicas): the static files with their
 * content types and the {@code /ui} redirect, the event stream (hello, the kept timeline, status, then every change
 * as it happens, only the events after {@code Last-Event-ID} on a reconnect), and the same bearer-token rule as
 * {@code GET /status} when reads are closed.
 */
class LivePageRouteTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String TOKEN = "live-page-test-token-0123456789";
  private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(2)).build();
  private static final AtomicReference<JsonNode> STATUS = new AtomicReference<>(status("n1", 1, 5));
  private static ActorSystem<Void> system;
  private static LivePage open;
  private static LivePage closed;
  private static ServerBinding openBinding;
  private static ServerBinding closedBinding;

  private static JsonNode status(String leader, long epoch, long applied) {
    ObjectNode s = MAPPER.createObjectNode();
    s.put("node", "n2");
    ObjectNode g = s.putArray("groups").addObject();
    g.put("groupId", "orders").put("replica", "n2").put("role", "follower").put("leader", leader)
        .put("epoch", epoch).put("appliedPosition", applied);
    s.putObject("cluster").putArray("members");
    return s;
  }

  @BeforeAll
  static void start() throws Exception {
    system = ActorSystem.create(Behaviors.empty(), "live-page-test", ConfigFactory.parseString(
        "akka.actor.provider = local").withFallback(ConfigFactory.load()));
    LivePage.Settings settings = new LivePage.Settings(Duration.ofMillis(50), Duration.ofSeconds(15), 200);
    open = LivePage.start(system, "n2", LivePageRouteTest::currentStatus, settings);
    closed = LivePage.start(system, "n2", LivePageRouteTest::currentStatus, settings);
    openBinding = bind(HttpAuth.open(), open);
    closedBinding = bind(HttpAuth.withToken(TOKEN, false), closed);
  }

  private static CompletionStage<JsonNode> currentStatus() {
    return CompletableFuture.completedFuture(STATUS.get());
  }

  private static ServerBinding bind(HttpAuth auth, LivePage page) throws Exception {
    HttpApi api = new HttpApi(system, "n2", Map.of(), Map.of(), 1024, Duration.ofSeconds(5), Duration.ofSeconds(5),
        Duration.ofSeconds(2), JsonNodeFactory.instance::objectNode, new InMemoryTokenStore(),
        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), auth);
    return Http.get(system).newServerAt("127.0.0.1", 0).bind(api.route(page.route())).toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    if (system != null) {
      open.stop();
      closed.stop();
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  private static String base(ServerBinding b) {
    return "http://127.0.0.1:" + b.localAddress().getPort();
  }

  private static HttpResponse<String> get(String url, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET();
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** One server-sent event as it came over the wire. */
  private record Sse(String event, String id, JsonNode data) {}

  /**
   * Reads the stream at {@code url} until an event matches {@code until} (or 10 s pass: then fails with what came).
   */
  private static List<Sse> readEvents(String url, Predicate<Sse> until, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).GET();
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    HttpResponse<InputStream> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
    assertEquals(200, r.statusCode());
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"), r.headers().toString());
    List<Sse> events = new ArrayList<>();
    CompletableFuture<Void> reading = CompletableFuture.runAsync(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
        String event = "message";
        String id = null;
        StringBuilder data = new StringBuilder();
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          if (line.isEmpty()) {
            if (data.length() > 0) {
              Sse e = new Sse(event, id, MAPPER.readTree(data.toString()));
              synchronized (events) {
                events.add(e);
              }
              if (until.test(e)) {
                return;
              }
            }
            event = "message";
            id = null;
            data.setLength(0);
          } else if (line.startsWith("event:")) {
            event = line.substring(6).trim();
          } else if (line.startsWith("id:")) {
            id = line.substring(3).trim();
          } else if (line.startsWith("data:")) {
            data.append(line.substring(5).trim());
          }
        }
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    try {
      reading.get(10, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      synchronized (events) {
        throw new AssertionError("the awaited event did not come within 10 s; got " + events);
      }
    } finally {
      r.body().close();
    }
    synchronized (events) {
      return List.copyOf(events);
    }
  }

  @Test
  void theStaticFilesAreServedWithTheirContentTypesAndUiRedirectsToUiSlash() throws Exception {
    HttpResponse<String> redirect = get(base(openBinding) + "/ui");
    assertEquals(301, redirect.statusCode());
    assertEquals("/ui/", redirect.headers().firstValue("Location").orElseThrow());
    HttpResponse<String> index = get(base(openBinding) + "/ui/");
    assertEquals(200, index.statusCode());
    assertTrue(index.headers().firstValue("Content-Type").orElseThrow().startsWith("text/html"), index.headers().toString());
    assertTrue(index.body().contains("<script src=\"app.js\">"), index.body());
    HttpResponse<String> js = get(base(openBinding) + "/ui/app.js");
    assertEquals(200, js.statusCode());
    assertTrue(js.headers().firstValue("Content-Type").orElseThrow().startsWith("application/javascript"),
        js.headers().toString());
    assertTrue(js.body().contains("fetch('../events'"), "the page reads the stream with fetch (it may send a token)");
    HttpResponse<String> css = get(base(openBinding) + "/ui/style.css");
    assertTrue(css.headers().firstValue("Content-Type").orElseThrow().startsWith("text/css"), css.headers().toString());
    HttpResponse<String> missing = get(base(openBinding) + "/ui/nothing-here.js");
    assertEquals(404, missing.statusCode());
    assertTrue(MAPPER.readTree(missing.body()).path("error").asText().contains("/ui/nothing-here.js"), missing.body());
  }

  @Test
  void aPageGetsHelloTheStatusThenEveryChangeAndOnReconnectOnlyWhatItMissed() throws Exception {
    String events = base(openBinding) + "/events";
    List<Sse> first = readEvents(events, e -> e.event().equals("status"));
    assertEquals("hello", first.get(0).event());
    assertEquals("n2", first.get(0).data().path("node").asText());
    long epoch = STATUS.get().path("groups").path(0).path("epoch").asLong();

    // a failover happens while the page watches
    CompletableFuture<List<Sse>> watching = CompletableFuture.supplyAsync(() -> {
      try {
        return readEvents(events, e -> e.event().equals("timeline")
            && e.data().path("kind").asText().equals(LiveFeed.LEADER_CHANGED)
            && e.data().path("details").path("newEpoch").asLong() == epoch + 1);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    String oldLeader = STATUS.get().path("groups").path(0).path("leader").asText();
    String newLeader = oldLeader.equals("n1") ? "n3" : "n1";
    STATUS.set(status(newLeader, epoch + 1, STATUS.get().path("groups").path(0).path("appliedPosition").asLong() + 1));
    List<Sse> seen = watching.get(15, TimeUnit.SECONDS);
    Sse failover = seen.get(seen.size() - 1);
    assertEquals(oldLeader, failover.data().path("details").path("oldLeader").asText());
    assertEquals(newLeader, failover.data().path("details").path("newLeader").asText());
    long seq = Long.parseLong(failover.id());
    assertEquals(seq, failover.data().path("seq").asLong());

    // a page that reconnects with Last-Event-ID gets nothing it had, and a new one gets the failover from history
    List<Sse> again = readEvents(events, e -> e.event().equals("status"), "Last-Event-ID", Long.toString(seq));
    assertTrue(again.stream().noneMatch(e -> e.event().equals("timeline") && e.data().path("seq").asLong() <= seq),
        again.toString());
    List<Sse> late = readEvents(events, e -> e.event().equals("status"));
    assertTrue(late.stream().anyMatch(e -> e.event().equals("timeline") && e.data().path("seq").asLong() == seq),
        "a page opened later is sent the failover: " + late);
  }

  @Test
  void theDefaultsArePollingEvery500msAndABadValueIsRefusedAtStartupNamingItsPath() {
    LivePage.Settings defaults = LivePage.Settings.fromConfig(ConfigFactory.load());
    assertEquals(new LivePage.Settings(Duration.ofMillis(500), Duration.ofSeconds(15), 200), defaults);
    for (String bad : List.of("interval = 0s", "keep-alive = -1s", "history = 0", "interval = soon")) {
      IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
          () -> ServeSettings.fromConfig(ConfigFactory.parseString("replikit.serve { node = n1, live." + bad + " }")
              .withFallback(ConfigFactory.load()).resolve()), bad);
      assertTrue(e.getMessage().contains("replikit.serve.live"), bad + ": " + e.getMessage());
    }
  }

  @Test
  void withClosedReadsTheStreamNeedsTheTokenLikeStatusAndThePagesFilesDoNot() throws Exception {
    for (String path : List.of("/events", "/status")) {
      HttpResponse<String> refused = get(base(closedBinding) + path);
      assertEquals(401, refused.statusCode(), path + ": " + refused.body());
      assertTrue(refused.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"), path);
    }
    // the files hold no data: the page loads, asks for the token and sends it on its own requests
    for (String path : List.of("/ui/", "/ui/app.js", "/ui/style.css")) {
      assertEquals(200, get(base(closedBinding) + path).statusCode(), path);
    }
    List<Sse> events = readEvents(base(closedBinding) + "/events", e -> e.event().equals("status"),
        "Authorization", "Bearer " + TOKEN);
    assertEquals("hello", events.get(0).event());
  }
}
