package io.replikit.examples.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A small client of the {@code replikit serve} HTTP API (java.net.http): one request at a time or asynchronously,
 * with a timeout per request and no automatic redirects, so that callers see a 307 and decide what to do with it.
 * Transport failures (connection refused, a frozen node's timeout) surface as {@link IOException}.
 */
public final class KvClient {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** One answer: status, parsed JSON body (missing node when the body is not JSON), headers. */
  public record Response(int status, JsonNode body, Map<String, List<String>> headers) {
    /** The first value of header {@code name}, ignoring case. */
    public Optional<String> header(String name) {
      return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
          .flatMap(e -> e.getValue().stream()).findFirst();
    }

    @Override
    public String toString() {
      return status + " " + body;
    }
  }

  private final HttpClient http;
  private final Duration requestTimeout;

  /** A client whose requests each give up after {@code requestTimeout}. */
  public KvClient(Duration requestTimeout) {
    this.requestTimeout = requestTimeout;
    this.http = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofMillis(Math.min(1000, requestTimeout.toMillis())))
        .followRedirects(HttpClient.Redirect.NEVER)
        .build();
  }

  /** {@code /kv/{group}/{key}} with both parts encoded as one path segment each. */
  public static String kvPath(String group, String key) {
    return "/kv/" + segment(group) + "/" + segment(key);
  }

  /** Encodes {@code s} as one URL path segment. */
  public static String segment(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** Sends {@code method} to {@code uri} with {@code body} (null: none) and waits for the answer. */
  public Response send(String method, URI uri, String body, Duration timeout) throws IOException {
    try {
      HttpResponse<byte[]> r = http.send(request(method, uri, body, timeout), HttpResponse.BodyHandlers.ofByteArray());
      return response(r);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while waiting for " + method + " " + uri, e);
    }
  }

  public Response send(String method, URI uri, String body) throws IOException {
    return send(method, uri, body, requestTimeout);
  }

  /** {@link #send} without waiting; transport failures complete the future exceptionally. */
  public CompletableFuture<Response> sendAsync(String method, URI uri, String body) {
    return http.sendAsync(request(method, uri, body, requestTimeout), HttpResponse.BodyHandlers.ofByteArray())
        .thenApply(KvClient::response);
  }

  public Response put(String baseUrl, String group, String key, JsonNode value) throws IOException {
    return send("PUT", URI.create(baseUrl + kvPath(group, key)), value.toString());
  }

  public Response get(String baseUrl, String group, String key) throws IOException {
    return send("GET", URI.create(baseUrl + kvPath(group, key)), null);
  }

  public CompletableFuture<Response> getAsync(String baseUrl, String group, String key) {
    return sendAsync("GET", URI.create(baseUrl + kvPath(group, key)), null);
  }

  /** {@code GET /status/{group}} of the node at {@code baseUrl}; the body is the replica's status. */
  public CompletableFuture<Response> statusAsync(String baseUrl, String group) {
    return sendAsync("GET", URI.create(baseUrl + "/status/" + segment(group)), null);
  }

  private HttpRequest request(String method, URI uri, String body, Duration timeout) {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout);
    if (body == null) {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
    }
    return b.build();
  }

  private static Response response(HttpResponse<byte[]> r) {
    JsonNode body;
    try {
      body = r.body().length == 0 ? MissingNode.getInstance() : MAPPER.readTree(r.body());
    } catch (IOException e) {
      body = MissingNode.getInstance();
    }
    return new Response(r.statusCode(), body == null ? MissingNode.getInstance() : body, r.headers().map());
  }
}
