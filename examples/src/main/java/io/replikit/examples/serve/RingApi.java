package io.replikit.examples.serve;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.AskPattern;
import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.model.headers.RetryAfter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.replikit.leaderless.Coordinator;
import io.replikit.metrics.LeaderlessMetrics;
import io.replikit.versioning.VersionVector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The {@code /kv/{ring}/{key}} routes of the leaderless keyspaces a node hosts, with Dynamo's semantics: every
 * request goes to this node's coordinator, which asks the key's n replicas and answers once w (a write) or r (a read)
 * of them did.
 *
 * <ul>
 *   <li>{@code GET /kv/{ring}/{key}[?r=N]}: 200 with {@code values} (every concurrent value: several are siblings,
 *       {@code value} is then null), {@code context} (a token to send back with the next write of the key), its
 *       version vector as {@code version}, how many replicas {@code answered} and were {@code repaired}; 404 when
 *       the key is absent or deleted (with the context, for a write that supersedes the delete).
 *   <li>{@code PUT /kv/{ring}/{key}[?w=N][&context=TOKEN]} with a JSON value: 200 once w replicas hold it. Without a
 *       context the write is blind: it supersedes nothing and becomes a sibling of what is there; with the context
 *       of a read it replaces the values that read returned.
 *   <li>{@code DELETE /kv/{ring}/{key}[?w=N][&context=TOKEN]}: a tombstone, acknowledged like a write.
 *   <li>503 when fewer than w (r) replicas answered in time ({@code needed}, {@code answered}, {@code asked}); a
 *       write answered 503 may still be on the replicas that did answer (do not assume it failed).
 * </ul>
 *
 * <p>A per-request w or r below the keyspace's gives up the overlap of reads and writes (w + r > n) for that
 * request; the answer says what was used.
 */
final class RingApi {
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
  static final Set<String> READ_PARAMS = Set.of("r");
  static final Set<String> WRITE_PARAMS = Set.of("w", "context");
  // the ask outlives the coordinator's own request timeout so that its QuorumFailed arrives first
  private static final Duration ASK_MARGIN = Duration.ofSeconds(2);

  private final ActorSystem<?> system;
  private final Map<String, HostedRing> rings;
  private final LeaderlessMetrics metrics;
  private final Duration statusTimeout;

  RingApi(ActorSystem<?> system, Map<String, HostedRing> rings, LeaderlessMetrics metrics, Duration statusTimeout) {
    this.system = system;
    this.rings = Map.copyOf(rings);
    this.metrics = metrics;
    this.statusTimeout = statusTimeout;
  }

  boolean hosts(String id) {
    return rings.containsKey(id);
  }

  Set<String> ids() {
    return rings.keySet();
  }

  List<LeaderlessMetrics.Hosted> hosted() {
    return rings.values().stream().map(h -> new LeaderlessMetrics.Hosted(h.id(), h.node(), h.coordinator(),
        h.replica())).toList();
  }

  LeaderlessMetrics metrics() {
    return metrics;
  }

  CompletionStage<Void> refreshMetrics() {
    return metrics.refresh(system, hosted(), statusTimeout);
  }

  // --- key/value ---

  CompletionStage<HttpResponse> get(String id, String key, HttpRequest request) {
    HostedRing ring = rings.get(id);
    int r;
    try {
      Map<String, String> q = query(request, READ_PARAMS);
      r = quorum(q, "r", ring);
    } catch (IllegalArgumentException e) {
      return done(HttpApi.error(StatusCodes.BAD_REQUEST, e.getMessage()));
    }
    int asked = r;
    return AskPattern.<Coordinator.Command, Coordinator.GetReply>ask(ring.coordinator(),
        replyTo -> new Coordinator.Get(key, new Coordinator.Quorum(0, asked), replyTo), askTimeout(ring),
        system.scheduler()).handle((reply, failure) -> {
          if (failure != null) {
            return noAnswer(ring, "read of '" + key + "'");
          }
          return getAnswer(id, key, asked, ring.node(), reply);
        });
  }

  /** 200 with the values (siblings), context and quorum of a read; 404 when absent or deleted; 503 short of r. */
  static HttpResponse getAnswer(String id, String key, int asked, String servedBy, Coordinator.GetReply reply) {
    if (reply instanceof Coordinator.QuorumFailed f) {
      return quorumFailed(id, f);
    }
    Coordinator.GetOk ok = (Coordinator.GetOk) reply;
    ObjectNode body = JSON.objectNode();
    body.put("ring", id);
    body.put("key", key);
    body.set("value", ok.values().size() == 1 ? ok.values().get(0) : JSON.nullNode());
    ArrayNode values = body.putArray("values");
    ok.values().forEach(values::add);
    body.put("siblings", ok.values().size());
    body.put("conflicted", ok.conflicted());
    body.put("deleted", ok.deleted());
    body.put("concurrentDelete", ok.concurrentDelete());
    context(body, ok.context());
    body.put("r", asked);
    body.put("answered", ok.answered());
    body.put("repaired", ok.repaired());
    body.put("servedBy", servedBy);
    if (ok.values().isEmpty()) {
      body.put("error", "key '" + key + "' is " + (ok.deleted() ? "deleted" : "absent") + " in ring '" + id
          + "' (as " + ok.answered() + " replicas answered)");
      return HttpApi.json(StatusCodes.NOT_FOUND, body, List.of());
    }
    return HttpApi.json(StatusCodes.OK, body, List.of());
  }

  /** A write of {@code value} (null: a delete). */
  CompletionStage<HttpResponse> put(String id, String key, JsonNode value, HttpRequest request) {
    HostedRing ring = rings.get(id);
    int w;
    VersionVector context;
    try {
      Map<String, String> q = query(request, WRITE_PARAMS);
      w = quorum(q, "w", ring);
      context = parseContext(q.get("context"));
    } catch (IllegalArgumentException e) {
      return done(HttpApi.error(StatusCodes.BAD_REQUEST, e.getMessage()));
    }
    int asked = w;
    String what = (value == null ? "delete" : "write") + " of '" + key + "'";
    return AskPattern.<Coordinator.Command, Coordinator.PutReply>ask(ring.coordinator(),
        replyTo -> new Coordinator.Put(key, value, context, new Coordinator.Quorum(asked, 0), replyTo),
        askTimeout(ring), system.scheduler()).handle((reply, failure) -> {
          if (failure != null) {
            return noAnswer(ring, what);
          }
          return putAnswer(id, key, value == null, asked, ring.node(), reply);
        });
  }

  /** 200 with the new context and who acknowledged a write or delete; 503 short of w. */
  static HttpResponse putAnswer(String id, String key, boolean deleted, int asked, String servedBy,
      Coordinator.PutReply reply) {
    if (reply instanceof Coordinator.QuorumFailed f) {
      return quorumFailed(id, f);
    }
    Coordinator.PutOk ok = (Coordinator.PutOk) reply;
    ObjectNode body = JSON.objectNode();
    body.put("ring", id);
    body.put("key", key);
    body.put("deleted", deleted);
    context(body, ok.context());
    body.put("w", asked);
    body.put("acknowledged", ok.acknowledged());
    ArrayNode replicas = body.putArray("replicas");
    ok.replicas().forEach(replicas::add);
    body.put("servedBy", servedBy);
    return HttpApi.json(StatusCodes.OK, body, List.of());
  }

  // --- status ---

  CompletionStage<JsonNode> status(String id) {
    HostedRing ring = rings.get(id);
    LeaderlessMetrics.Hosted h = new LeaderlessMetrics.Hosted(ring.id(), ring.node(), ring.coordinator(),
        ring.replica());
    return LeaderlessMetrics.snapshot(system, h, statusTimeout).handle((s, failure) -> {
      if (failure != null) {
        ObjectNode missing = HttpApi.errorBody("ring '" + id + "' on " + ring.node() + " did not answer within "
            + statusTimeout.toMillis() + " ms");
        missing.put("id", id);
        missing.put("node", ring.node());
        return missing;
      }
      return statusJson(ring, s);
    });
  }

  CompletionStage<List<JsonNode>> allStatus() {
    List<CompletableFuture<JsonNode>> each = new ArrayList<>();
    new TreeMap<>(rings).keySet().forEach(id -> each.add(status(id).toCompletableFuture()));
    return CompletableFuture.allOf(each.toArray(new CompletableFuture<?>[0]))
        .thenApply(v -> each.stream().map(CompletableFuture::join).toList());
  }

  /** The shape {@code GET /status} shows under {@code rings}. */
  static ObjectNode statusJson(HostedRing ring, LeaderlessMetrics.Snapshot s) {
    ObjectNode o = JSON.objectNode();
    o.put("id", ring.id());
    o.put("node", ring.node());
    ArrayNode nodes = o.putArray("nodes");
    ring.config().nodes().forEach(nodes::add);
    o.put("n", ring.keyspace().n());
    o.put("w", ring.keyspace().w());
    o.put("r", ring.keyspace().r());
    o.put("conflicts", ring.keyspace().conflicts().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
    o.put("readRepair", ring.keyspace().readRepair().name().toLowerCase(java.util.Locale.ROOT));
    o.put("sloppyQuorum", ring.keyspace().sloppyQuorum());
    ObjectNode c = o.putObject("coordinator");
    c.put("writes", s.coordinator().writes());
    c.put("reads", s.coordinator().reads());
    c.put("failed", s.coordinator().failed());
    c.put("readRepairs", s.coordinator().readRepairs());
    c.put("sloppyWrites", s.coordinator().sloppyWrites());
    ObjectNode replica = o.putObject("replica");
    replica.put("hosted", s.replica() != null);
    replica.put("keys", s.replica() == null ? 0 : s.replica().keys());
    replica.put("siblingKeys", s.replica() == null ? 0 : s.replica().siblingKeys());
    replica.put("lwwDiscarded", s.replica() == null ? 0 : s.replica().lwwDiscarded());
    ObjectNode hints = o.putObject("hints");
    hints.put("waiting", s.hints() == null ? 0 : s.hints().total());
    ObjectNode byTarget = hints.putObject("byTarget");
    if (s.hints() != null) {
      new TreeMap<>(s.hints().waiting()).forEach(byTarget::put);
    }
    hints.put("handedOff", s.hints() == null ? 0 : s.hints().handedOff());
    hints.put("expired", s.hints() == null ? 0 : s.hints().expired());
    ObjectNode ae = o.putObject("antiEntropy");
    ae.put("exchanges", s.antiEntropy() == null ? 0 : s.antiEntropy().exchanges());
    ae.put("keysRepaired", s.antiEntropy() == null ? 0 : s.antiEntropy().keysRepaired());
    ae.put("abandoned", s.antiEntropy() == null ? 0 : s.antiEntropy().abandoned());
    ae.put("enabled", s.antiEntropy() != null && s.antiEntropy().enabled());
    return o;
  }

  // --- plumbing ---

  private Duration askTimeout(HostedRing ring) {
    return ring.keyspace().timeout().plus(ASK_MARGIN);
  }

  private static int quorum(Map<String, String> q, String which, HostedRing ring) {
    return quorum(q, which, ring.keyspace(), "ring '" + ring.id() + "'");
  }

  /** {@code which} (w or r) from the query, 1 to n of {@code keyspace}, or the keyspace's own. */
  static int quorum(Map<String, String> q, String which, io.replikit.leaderless.Keyspace keyspace, String what) {
    int fallback = which.equals("w") ? keyspace.w() : keyspace.r();
    String v = q.get(which);
    if (v == null) {
      return fallback;
    }
    int n;
    try {
      n = Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(which + " must be a whole number from 1 to n = " + keyspace.n()
          + ", was '" + v + "'");
    }
    if (n < 1 || n > keyspace.n()) {
      throw new IllegalArgumentException(which + " must be between 1 and n = " + keyspace.n()
          + " of " + what + ", was " + n);
    }
    return n;
  }

  /** The query parameters, each known and given once. */
  static Map<String, String> query(HttpRequest request, Set<String> allowed) {
    Map<String, List<String>> multi;
    try {
      multi = request.getUri().query().toMultiMap();
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("the query string could not be parsed: " + e.getMessage());
    }
    Map<String, String> q = new LinkedHashMap<>();
    multi.forEach((k, v) -> {
      if (!allowed.contains(k)) {
        throw new IllegalArgumentException("unknown query parameter '" + k + "' on " + request.method().value()
            + " " + request.getUri().path() + "; known: " + allowed.stream().sorted().toList());
      }
      if (v.size() > 1) {
        throw new IllegalArgumentException("query parameter '" + k + "' is given " + v.size() + " times; give it "
            + "once");
      }
      q.put(k, v.get(0));
    });
    return q;
  }

  /** A context token as {@link #contextToken} writes it: {@code n1:3,n2:1} (empty: a blind write). */
  static VersionVector parseContext(String token) {
    if (token == null || token.isBlank()) {
      return VersionVector.empty();
    }
    Map<String, Long> counters = new TreeMap<>();
    for (String part : token.split(",", -1)) {
      int colon = part.lastIndexOf(':');
      long counter;
      try {
        if (colon <= 0) {
          throw new NumberFormatException();
        }
        counter = Long.parseLong(part.substring(colon + 1).trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("context '" + token + "' is not a context token such as n1:3,n2:1 (send "
            + "back the context a read of the key answered)");
      }
      if (counter < 0 || counters.put(part.substring(0, colon).trim(), counter) != null) {
        throw new IllegalArgumentException("context '" + token + "' names a replica twice or has a negative "
            + "counter");
      }
    }
    return VersionVector.of(counters);
  }

  static String contextToken(VersionVector v) {
    StringBuilder b = new StringBuilder();
    new TreeMap<>(v.toMap()).forEach((replica, counter) -> {
      if (b.length() > 0) {
        b.append(',');
      }
      b.append(replica).append(':').append(counter);
    });
    return b.toString();
  }

  private static void context(ObjectNode body, VersionVector context) {
    body.put("context", contextToken(context));
    ObjectNode version = body.putObject("version");
    new TreeMap<>(context.toMap()).forEach(version::put);
  }

  private static HttpResponse quorumFailed(String id, Coordinator.QuorumFailed f) {
    ObjectNode body = HttpApi.errorBody("the " + f.operation() + " of '" + f.key() + "' in ring '" + id
        + "' did not reach its quorum: " + f.answered() + " of the " + f.needed() + " needed answered (" + f.asked()
        + " asked): " + f.detail() + (f.operation().equals("write")
            ? "; the write may still be on the replicas that answered, and reads may return it" : ""));
    body.put("ring", id);
    body.put("key", f.key());
    body.put("needed", f.needed());
    body.put("answered", f.answered());
    body.put("asked", f.asked());
    return HttpApi.json(StatusCodes.SERVICE_UNAVAILABLE, body, List.of(RetryAfter.create(1L)));
  }

  private HttpResponse noAnswer(HostedRing ring, String what) {
    return HttpApi.json(StatusCodes.SERVICE_UNAVAILABLE, HttpApi.errorBody("the " + what + " got no answer from the "
        + "coordinator of ring '" + ring.id() + "' on " + ring.node() + " within " + askTimeout(ring).toMillis()
        + " ms; its outcome is unknown"), List.of(RetryAfter.create(1L)));
  }

  private static <T> CompletionStage<T> done(T value) {
    return CompletableFuture.completedFuture(value);
  }
}
