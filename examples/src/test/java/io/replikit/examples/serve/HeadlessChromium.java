package io.replikit.examples.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Headless Chromium driven through chromedriver's W3C WebDriver protocol over {@code java.net.http}: open a URL,
 * run a script in the page, read the browser's console. Only Debian's {@code /usr/bin/chromium} and
 * {@code /usr/bin/chromedriver} are used (or {@code REPLIKIT_CHROMIUM} / {@code REPLIKIT_CHROMEDRIVER}), with a
 * fresh profile and the flags that keep Chromium off the network, so nothing is ever downloaded.
 */
final class HeadlessChromium implements AutoCloseable {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

  private final Process driver;
  private final String base;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();
  private String session;
  private final ArrayNode consoleSeen = MAPPER.createArrayNode();

  private HeadlessChromium(Process driver, String base) {
    this.driver = driver;
    this.base = base;
  }

  static Path chromium() {
    return Path.of(System.getenv().getOrDefault("REPLIKIT_CHROMIUM", "/usr/bin/chromium"));
  }

  static Path chromedriver() {
    return Path.of(System.getenv().getOrDefault("REPLIKIT_CHROMEDRIVER", "/usr/bin/chromedriver"));
  }

  /**
   * Starts chromedriver and a browser session with a profile under {@code workDir}.
   *
   * @throws AssertionError naming scripts/ensure-chromium when either binary is missing
   */
  static HeadlessChromium start(Path workDir) throws IOException {
    for (Path binary : List.of(chromium(), chromedriver())) {
      if (!Files.isExecutable(binary)) {
        throw new AssertionError("the live page's browser test needs headless Chromium and chromedriver, and "
            + binary + " is missing: run scripts/ensure-chromium (as root it installs Debian's chromium and "
            + "chromium-driver; mvn verify runs it before the integration tests) or install them yourself");
      }
    }
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Files.createDirectories(workDir);
    Process driver = new ProcessBuilder(chromedriver().toString(), "--port=" + port,
        "--log-path=" + workDir.resolve("chromedriver.log"))
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(workDir.resolve("chromedriver.out").toFile()))
        .start();
    HeadlessChromium browser = new HeadlessChromium(driver, "http://127.0.0.1:" + port);
    try {
      browser.awaitDriver();
      browser.newSession(workDir.resolve("profile"));
      return browser;
    } catch (IOException | RuntimeException | Error e) {
      browser.close();
      throw e;
    }
  }

  private void awaitDriver() {
    // chromedriver's only readiness signal is its /status
    boolean ready = io.replikit.examples.support.Poll.within(Duration.ofSeconds(20), Duration.ofMillis(50), () -> {
      if (!driver.isAlive()) {
        throw new IllegalStateException("chromedriver exited with " + driver.exitValue());
      }
      try {
        return call("GET", "/status", null).path("value").path("ready").asBoolean();
      } catch (IOException e) {
        return false;
      }
    });
    if (!ready) {
      throw new IllegalStateException("chromedriver did not answer /status within 20 s");
    }
  }

  private void newSession(Path profile) throws IOException {
    ObjectNode body = MAPPER.createObjectNode();
    ObjectNode always = body.putObject("capabilities").putObject("alwaysMatch");
    always.put("browserName", "chrome");
    always.putObject("goog:loggingPrefs").put("browser", "ALL");
    ObjectNode options = always.putObject("goog:chromeOptions");
    options.put("binary", chromium().toString());
    ArrayNode args = options.putArray("args");
    for (String a : List.of("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", "--window-size=1280,900", "--user-data-dir=" + profile)) {
      args.add(a);
    }
    JsonNode answer = call("POST", "/session", body);
    session = answer.path("value").path("sessionId").asText(null);
    if (session == null) {
      throw new IllegalStateException("chromedriver did not open a session: " + answer);
    }
  }

  /** Navigates to {@code url} and waits for the page's load event. */
  void open(String url) throws IOException {
    call("POST", "/session/" + session + "/url", MAPPER.createObjectNode().put("url", url));
  }

  /** The URL the browser shows (after redirects). */
  String currentUrl() throws IOException {
    return call("GET", "/session/" + session + "/url", null).path("value").asText();
  }

  /** Runs {@code script} (a function body; {@code return} gives the value) in the page. */
  JsonNode execute(String script) throws IOException {
    ObjectNode body = MAPPER.createObjectNode().put("script", script);
    body.putArray("args");
    return call("POST", "/session/" + session + "/execute/sync", body).path("value");
  }

  /** Saves what the browser shows as a PNG (for the failure report and a look at the page), best effort. */
  void screenshot(Path file) {
    try {
      String png = call("GET", "/session/" + session + "/screenshot", null).path("value").asText();
      Files.write(file, java.util.Base64.getDecoder().decode(png));
    } catch (IOException | RuntimeException e) {
      // a missing picture must not hide the test's own outcome
    }
  }

  /**
   * The browser console's entries since the session began (errors of the page's script show here), best effort.
   * chromedriver hands each entry out once, so they are kept here: a failure message that read them earlier does not
   * hide them from a later check.
   */
  synchronized String console() {
    try {
      JsonNode fresh = call("POST", "/session/" + session + "/se/log", MAPPER.createObjectNode().put("type",
          "browser")).path("value");
      fresh.forEach(consoleSeen::add);
      return consoleSeen.toString();
    } catch (IOException | RuntimeException e) {
      return consoleSeen + " (console not available now: " + e + ")";
    }
  }

  private JsonNode call(String method, String path, JsonNode body) throws IOException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(REQUEST_TIMEOUT)
        .header("Content-Type", "application/json; charset=utf-8")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(MAPPER.writeValueAsString(body)));
    HttpResponse<String> r;
    try {
      r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted: " + method + " " + path, e);
    }
    JsonNode json = r.body().isEmpty() ? MAPPER.createObjectNode() : MAPPER.readTree(r.body());
    if (r.statusCode() != 200) {
      throw new IllegalStateException("WebDriver " + method + " " + path + " answered " + r.statusCode() + ": "
          + json.path("value"));
    }
    return json;
  }

  @Override
  public void close() {
    if (session != null) {
      try {
        call("DELETE", "/session/" + session, null);
      } catch (IOException | RuntimeException e) {
        // the browser goes with chromedriver below
      }
    }
    driver.descendants().forEach(ProcessHandle::destroyForcibly);
    driver.destroyForcibly();
    try {
      driver.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
