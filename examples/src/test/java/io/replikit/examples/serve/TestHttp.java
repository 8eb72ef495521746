package io.replikit.examples.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.replikit.examples.support.KvClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Requests with session headers, no automatic redirects: the tests see every 307 and follow it themselves. */
final class TestHttp {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).followRedirects(HttpClient.Redirect.NEVER).build();

  private TestHttp() {}

  /** {@code method url} with {@code body} (null: none) and headers given as name, value, name, value, ... */
  static KvClient.Response send(String method, String url, String body, String... headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).method(method,
        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    try {
      HttpResponse<String> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
      boolean json = r.headers().firstValue("Content-Type").orElse("").startsWith("application/json");
      return new KvClient.Response(r.statusCode(), json && !r.body().isEmpty() ? MAPPER.readTree(r.body())
          : MissingNode.getInstance(), r.headers().map());
    } catch (IOException e) {
      throw new AssertionError(method + " " + url + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(method + " " + url + " interrupted", e);
    }
  }

  /** The body of {@code GET url} as text (for the Prometheus scrape). */
  static String text(String url) {
    try {
      HttpResponse<String> r = CLIENT.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20))
          .GET().build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new AssertionError("GET " + url + " answered " + r.statusCode() + ": " + r.body());
      }
      return r.body();
    } catch (IOException e) {
      throw new AssertionError("GET " + url + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("GET " + url + " interrupted", e);
    }
  }

  /** The value of one series ({@code name{labels}}, labels in Prometheus' order) in a scrape. */
  static Optional<Double> series(String scrape, String series) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(scrape);
    return m.find() ? Optional.of(Double.parseDouble(m.group(1))) : Optional.empty();
  }

  /** Stops every node at once and waits for each (at most a minute); a node that does not stop cleanly is ignored. */
  static void stopAll(Collection<ReplikitNode> nodes) {
    List<CompletableFuture<?>> stops = new ArrayList<>();
    nodes.forEach(n -> stops.add(n.stop().toCompletableFuture()));
    stops.forEach(f -> {
      try {
        f.get(60, TimeUnit.SECONDS);
      } catch (Exception e) {
        // a node that does not stop cleanly must not hide the test's own outcome
      }
    });
  }
}
