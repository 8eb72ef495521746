package io.replikit.examples.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.replikit.examples.support.KvClient;
import io.replikit.examples.support.Poll;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The live page of a node whose reads are closed ({@code replikit.serve.auth.reads = closed}): its static files are
 * open (they hold no data), its event stream is not; in headless Chromium the page asks for the token, sends it on
 * its own requests (an {@code EventSource} could not), and is then live; a wrong token is refused and asked again.
 */
class LivePageAuthIT {
  private static final String TOKEN = "page-token-0123456789";
  private static ReplikitNode node;
  private static String base;
  private static HeadlessChromium browser;

  @BeforeAll
  static void start() throws IOException {
    Config config = ConfigFactory.parseString(String.join("\n",
        "replikit.serve {",
        "  node = n1, port = 0, http-port = 0",
        "  management.enabled = off",
        "  groups = [{ id = solo, members = [n1] }]",
        "  auth { token = \"" + TOKEN + "\", reads = closed }",
        "  live.interval = 200ms",
        "}",
        "replikit.journal { kind = h2-memory, h2-memory.name = live-page-auth }"))
        .withFallback(ConfigFactory.load()).resolve();
    node = ReplikitNode.start(ServeSettings.fromConfig(config), config);
    base = "http://127.0.0.1:" + node.httpPort();
    Path work = Path.of("target", "it", "live-page-auth-" + System.currentTimeMillis()).toAbsolutePath();
    Files.createDirectories(work);
    browser = HeadlessChromium.start(work.resolve("browser"));
  }

  @AfterAll
  static void stop() throws Exception {
    if (browser != null) {
      browser.close();
    }
    if (node != null) {
      node.stop().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  private JsonNode page() {
    try {
      return browser.execute("return { state: document.body.dataset.state,"
          + " connection: document.getElementById('connection').textContent,"
          + " node: document.getElementById('node').textContent,"
          + " form: !document.getElementById('token-form').hidden,"
          + " problem: document.getElementById('token-problem').textContent,"
          + " groups: document.querySelectorAll('section[data-group=\"solo\"]').length };");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private JsonNode await(String what, java.util.function.Predicate<JsonNode> done) {
    JsonNode[] last = {null};
    boolean ok = Poll.within(Duration.ofSeconds(20), Duration.ofMillis(100), () -> {
      last[0] = page();
      return done.test(last[0]);
    });
    assertTrue(ok, "the page shows " + what + "; it shows " + last[0]);
    return last[0];
  }

  @Test
  void thePageOfANodeWithClosedReadsAsksForTheTokenAndIsLiveWithIt() throws IOException {
    // the files are open, the data is not
    assertEquals(200, TestHttp.send("GET", base + "/ui/app.js", null).status());
    KvClient.Response events = TestHttp.send("GET", base + "/events", null);
    assertEquals(401, events.status(), events.toString());
    assertEquals(401, TestHttp.send("GET", base + "/status", null).status());

    browser.open(base + "/ui/");
    await("the token form", p -> p.path("form").asBoolean() && "token needed".equals(p.path("connection").asText()));

    browser.execute("document.getElementById('token').value = '" + TOKEN + "';"
        + " document.getElementById('token-form').requestSubmit();");
    JsonNode live = await("a live feed of n1 with group solo", p -> "live".equals(p.path("state").asText())
        && "n1".equals(p.path("node").asText()) && p.path("groups").asInt() == 1);
    assertTrue(!live.path("form").asBoolean(), live.toString());

    // a wrong token in the address (never sent to the server as such) is refused, and the page asks again
    browser.open("about:blank"); // a new document: the same page with only a new fragment would not reload
    browser.open(base + "/ui/#token=not-the-token-000000");
    await("the token form again, saying the token was refused", p -> p.path("form").asBoolean()
        && p.path("problem").asText().startsWith("refused:"));
  }
}
