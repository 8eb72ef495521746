package io.replikit.examples.serve;

import akka.actor.typed.ActorRef;
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
import io.replikit.multileader.ConflictRecord;
import io.replikit.multileader.MultiLeaderMetrics;
import io.replikit.multileader.MultiLeaderReplica;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The {@code /kv/{group}/{key}} routes of the multi-leader groups a node hosts: every node that is a member is a
 * leader, so writes and reads are local (no redirect, no wait for the others); changes reach the other leaders
 * asynchronously along the group's topology.
 *
 * <ul>
 *   <li>{@code GET /kv/{group}/{key}}: 200 with what this replica shows under the group's resolution
 *       ({@code value}; {@code siblings} when several concurrent values are kept), the writes it comes from
 *       ({@code versions}, {@code origin:counter}), {@code conflicted}, this replica's {@code applied} version vector,
 *       and {@code conflict}: the last conflict this replica recorded on the key, if it still remembers one; 404 when
 *       absent or deleted here (another leader may not have sent its write yet).
 *   <li>{@code PUT} (any JSON value) and {@code DELETE}: 200 once this replica's journal holds the write, with its
 *       {@code version} ({@code origin:counter}).
 *   <li>A node that is not a member of the group answers 404 naming the members.
 * </ul>
 */
final class MultiLeaderApi {
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private final ActorSystem<?> system;
  private final Map<String, HostedMultiLeader> groups;
  private final MultiLeaderMetrics metrics;
  private final Duration timeout;

  MultiLeaderApi(ActorSystem<?> system, Map<String, HostedMultiLeader> groups, MultiLeaderMetrics metrics,
      Duration timeout) {
    this.system = system;
    this.groups = Map.copyOf(groups);
    this.metrics = metrics;
    this.timeout = timeout;
  }

  boolean hosts(String id) {
    return groups.containsKey(id);
  }

  Set<String> ids() {
    return groups.keySet();
  }

  MultiLeaderMetrics metrics() {
    return metrics;
  }

  /** The replicas this node runs, by group id. */
  Map<String, ActorRef<MultiLeaderReplica.Command>> replicas() {
    Map<String, ActorRef<MultiLeaderReplica.Command>> m = new LinkedHashMap<>();
    groups.forEach((id, g) -> {
      if (g.replica() != null) {
        m.put(id, g.replica());
      }
    });
    return m;
  }

  CompletionStage<Void> refreshMetrics(String node) {
    return metrics.refresh(system, replicas(), node, timeout);
  }

  // --- key/value ---

  CompletionStage<HttpResponse> get(String id, String key, HttpRequest request) {
    HostedMultiLeader g = groups.get(id);
    Optional<HttpResponse> refused = refuse(g, request);
    if (refused.isPresent()) {
      return done(refused.get());
    }
    CompletableFuture<MultiLeaderReplica.Value> value = AskPattern.<MultiLeaderReplica.Command,
        MultiLeaderReplica.Value>ask(g.replica(), r -> new MultiLeaderReplica.Get(key, r), timeout,
        system.scheduler()).toCompletableFuture();
    CompletableFuture<MultiLeaderReplica.Status> status = status(g).toCompletableFuture();
    return CompletableFuture.allOf(value, status).handle((v, failure) -> {
      if (failure != null) {
        return noAnswer(g, "read of '" + key + "'");
      }
      ConflictRecord last = null;
      for (ConflictRecord c : status.join().recentConflicts()) {
        if (c.key().equals(key)) {
          last = c;
        }
      }
      return valueAnswer("multi-leader group '" + id + "'", id, key, value.join(), last);
    });
  }

  /**
   * The answer to a read of {@code key} in group {@code id} ({@code where} names it in errors): 200 with value,
   * siblings, versions, conflicted, servedBy, applied and the last conflict remembered on the key; 404 when absent.
   */
  static HttpResponse valueAnswer(String where, String id, String key, MultiLeaderReplica.Value val,
      ConflictRecord last) {
    ObjectNode body = JSON.objectNode();
    body.put("group", id);
    body.put("key", key);
    body.set("value", val.value() == null ? JSON.nullNode() : val.value());
    if (val.siblings().size() > 1) {
      ArrayNode siblings = body.putArray("siblings");
      val.siblings().forEach(siblings::add);
    }
    ArrayNode versions = body.putArray("versions");
    val.versions().forEach(versions::add);
    body.put("conflicted", val.conflicted());
    body.put("servedBy", val.servedBy());
    ObjectNode applied = body.putObject("applied");
    new TreeMap<>(val.applied().toMap()).forEach(applied::put);
    body.set("conflict", last == null ? JSON.nullNode() : conflictJson(last));
    if (val.value() == null && val.siblings().size() <= 1) {
      body.put("error", "key '" + key + "' is absent or deleted in " + where + " on " + val.servedBy()
          + " (other leaders' writes may not have arrived yet)");
      return HttpApi.json(StatusCodes.NOT_FOUND, body, List.of());
    }
    return HttpApi.json(StatusCodes.OK, body, List.of());
  }

  /** A write of {@code value} (null: a delete) at this node's leader. */
  CompletionStage<HttpResponse> put(String id, String key, JsonNode value, HttpRequest request) {
    HostedMultiLeader g = groups.get(id);
    Optional<HttpResponse> refused = refuse(g, request);
    if (refused.isPresent()) {
      return done(refused.get());
    }
    String what = (value == null ? "delete" : "write") + " of '" + key + "'";
    return AskPattern.<MultiLeaderReplica.Command, MultiLeaderReplica.WriteReply>ask(g.replica(),
        r -> value == null ? new MultiLeaderReplica.Delete(key, r) : new MultiLeaderReplica.Put(key, value, r),
        timeout, system.scheduler()).handle((reply, failure) -> {
          if (failure != null) {
            return HttpApi.json(StatusCodes.GATEWAY_TIMEOUT, HttpApi.errorBody("the " + what + " got no answer "
                + "from replica " + g.node() + " of multi-leader group '" + id + "' within " + timeout.toMillis()
                + " ms: its outcome is unknown; read the key before retrying"), List.of());
          }
          if (reply instanceof MultiLeaderReplica.WriteRejected r) {
            return HttpApi.error(StatusCodes.BAD_REQUEST, "the " + what + " was refused: " + r.reason());
          }
          return writtenAnswer(id, (MultiLeaderReplica.Written) reply, value == null, g.node());
        });
  }

  /** 200 with the write's version ({@code origin:counter}) and the leader that took it. */
  static HttpResponse writtenAnswer(String id, MultiLeaderReplica.Written w, boolean deleted, String servedBy) {
    ObjectNode body = JSON.objectNode();
    body.put("group", id);
    body.put("key", w.key());
    body.put("deleted", deleted);
    body.put("version", w.origin() + ":" + w.counter());
    body.put("origin", w.origin());
    body.put("counter", w.counter());
    body.put("servedBy", servedBy);
    return HttpApi.json(StatusCodes.OK, body, List.of());
  }

  private Optional<HttpResponse> refuse(HostedMultiLeader g, HttpRequest request) {
    try {
      RingApi.query(request, Set.of());
    } catch (IllegalArgumentException e) {
      return Optional.of(HttpApi.error(StatusCodes.BAD_REQUEST, e.getMessage()));
    }
    if (g.replica() == null) {
      return Optional.of(HttpApi.error(StatusCodes.NOT_FOUND, "node " + g.node() + " is not a member of "
          + "multi-leader group '" + g.id() + "' and serves none of it; its members are " + g.config().members()));
    }
    return Optional.empty();
  }

  // --- status ---

  private CompletionStage<MultiLeaderReplica.Status> status(HostedMultiLeader g) {
    return AskPattern.ask(g.replica(), MultiLeaderReplica.GetStatus::new, timeout, system.scheduler());
  }

  CompletionStage<JsonNode> status(String id) {
    HostedMultiLeader g = groups.get(id);
    if (g.replica() == null) {
      ObjectNode none = HttpApi.errorBody("node " + g.node() + " is not a member of multi-leader group '" + id
          + "'");
      none.put("id", id);
      none.put("replica", g.node());
      return done(none);
    }
    return status(g).handle((s, failure) -> {
      if (failure != null) {
        ObjectNode missing = HttpApi.errorBody("replica " + g.node() + " of multi-leader group '" + id
            + "' did not answer within " + timeout.toMillis() + " ms");
        missing.put("id", id);
        missing.put("replica", g.node());
        return missing;
      }
      return statusJson(g, s);
    });
  }

  CompletionStage<List<JsonNode>> allStatus() {
    List<CompletableFuture<JsonNode>> each = new ArrayList<>();
    new TreeMap<>(groups).keySet().forEach(id -> each.add(status(id).toCompletableFuture()));
    return CompletableFuture.allOf(each.toArray(new CompletableFuture<?>[0]))
        .thenApply(v -> each.stream().map(CompletableFuture::join).toList());
  }

  /** The shape {@code GET /status} shows under {@code multiLeader}. */
  static ObjectNode statusJson(HostedMultiLeader g, MultiLeaderReplica.Status s) {
    ObjectNode o = JSON.objectNode();
    o.put("id", g.id());
    o.put("replica", s.replica());
    o.put("topology", g.config().topologyName());
    o.put("resolution", g.config().resolution());
    ArrayNode members = o.putArray("members");
    g.config().members().forEach(members::add);
    ArrayNode neighbours = o.putArray("neighbours");
    s.neighbours().forEach(neighbours::add);
    ObjectNode applied = o.putObject("applied");
    new TreeMap<>(s.applied().toMap()).forEach(applied::put);
    o.put("pending", s.pending());
    o.put("keys", s.keys());
    o.put("conflicts", s.conflicts());
    ObjectNode byResolution = o.putObject("conflictsByResolution");
    new TreeMap<>(s.conflictsByResolution()).forEach(byResolution::put);
    o.put("discarded", s.discarded());
    o.put("loopsPrevented", s.loopsPrevented());
    o.put("duplicatesDropped", s.duplicatesDropped());
    ArrayNode recent = o.putArray("recentConflicts");
    s.recentConflicts().forEach(c -> recent.add(conflictJson(c)));
    return o;
  }

  static ObjectNode conflictJson(ConflictRecord c) {
    ObjectNode o = JSON.objectNode();
    o.put("key", c.key());
    o.put("resolution", c.strategy());
    o.put("winner", c.winner());
    o.put("atMillis", c.atMillis());
    o.put("detectedBy", c.detectedBy());
    ArrayNode with = o.putArray("concurrentWith");
    c.concurrentWith().forEach(with::add);
    o.put("outcome", c.outcome());
    o.put("discarded", c.discarded());
    return o;
  }

  private HttpResponse noAnswer(HostedMultiLeader g, String what) {
    return HttpApi.json(StatusCodes.SERVICE_UNAVAILABLE, HttpApi.errorBody("the " + what + " got no answer from "
        + "replica " + g.node() + " of multi-leader group '" + g.id() + "' within " + timeout.toMillis() + " ms"),
        List.of(RetryAfter.create(1L)));
  }

  private static <T> CompletionStage<T> done(T value) {
    return CompletableFuture.completedFuture(value);
  }
}
