package io.replikit.examples.serve;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.AskPattern;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntity;
import akka.http.javadsl.model.HttpHeader;
import akka.http.javadsl.model.HttpMethod;
import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCode;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.model.headers.Allow;
import akka.http.javadsl.model.headers.Location;
import akka.http.javadsl.model.headers.RawHeader;
import akka.http.javadsl.model.headers.RetryAfter;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.ExceptionHandler;
import akka.http.javadsl.server.MethodRejection;
import akka.http.javadsl.server.PathMatchers;
import akka.http.javadsl.server.RejectionHandler;
import akka.http.javadsl.server.Route;
import akka.http.scaladsl.model.EntityStreamSizeException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.replikit.replication.ReplicaId;
import io.replikit.singleleader.Replica;
import io.replikit.singleleader.ReplicaStatus;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API of a {@code replikit serve} node (akka-http routing DSL). Every request goes to this node's replica
 * of the group it names; nothing is forwarded between nodes: a write that reaches a follower is answered with a
 * redirect to the leader's HTTP address (307, same method, path and body), so a client talks to the leader
 * directly.
 *
 * <ul>
 *   <li>{@code GET /kv/{group}/{key}}: read from this node's replica (may lag the leader; the header
 *       {@code X-Replikit-Applied-Position} says how far it has applied the log). 200 or 404.
 *   <li>{@code PUT /kv/{group}/{key}[?ifVersion=N]} with any JSON value: 200; 409 on a version conflict.
 *   <li>{@code DELETE /kv/{group}/{key}}: 200. {@code POST /kv/{group}/{prefix}}: insert under a generated id, 201.
 *   <li>Writes on a follower: 307 to the leader; 503 while no leader is known, or when the leader cannot confirm
 *       its leadership (nothing was logged: safe to retry); 504 when the write is in the leader's log but was not
 *       confirmed in time (it may still replicate: do not assume it failed).
 *   <li>{@code GET /status/{group}}, {@code GET /status}, {@code POST /admin/switchover/{group}?to=NODE},
 *       {@code GET /admin/divergent/{group}}.
 * </ul>
 *
 * <p>Bad input never reaches a replica: malformed JSON 400, a body over {@code max-body-bytes} 413, an unknown
 * group or route 404, a wrong method 405, a key the store refuses 400; each answer is JSON with an {@code error}
 * field saying what was wrong.
 */
public final class HttpApi extends AllDirectives {
  /** Response header carrying the log position the serving replica had applied when it answered a read. */
  public static final String APPLIED_POSITION_HEADER = "X-Replikit-Applied-Position";
  /** Response header naming the node whose replica answered. */
  public static final String SERVED_BY_HEADER = "X-Replikit-Served-By";

  private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final ObjectReader BODY_READER =
      MAPPER.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
  // the writes' ask waits past the replica's own write-timeout, so that the replica's answer (not confirmed)
  // arrives before the ask gives up
  private static final Duration WRITE_ASK_MARGIN = Duration.ofSeconds(2);

  private final ActorSystem<?> system;
  private final String node;
  private final Map<String, HostedGroup> groups;
  private final Map<String, String> peers;
  private final long maxBodyBytes;
  private final Duration readTimeout;
  private final Duration writeTimeout;
  private final Supplier<JsonNode> clusterView;

  /**
   * @param system the node's actor system (asks and stream materialisation)
   * @param node this node's name
   * @param groups the hosted groups by id
   * @param peers HTTP addresses ({@code host:port}) by node name, this node included
   * @param maxBodyBytes largest request body accepted
   * @param readTimeout how long reads and status requests wait for the replica
   * @param writeTimeout the replicas' write timeout ({@code replikit.single-leader.write-timeout})
   * @param clusterView the cluster members as {@code GET /status} shows them
   */
  public HttpApi(ActorSystem<?> system, String node, Map<String, HostedGroup> groups, Map<String, String> peers,
      long maxBodyBytes, Duration readTimeout, Duration writeTimeout, Supplier<JsonNode> clusterView) {
    this.system = system;
    this.node = node;
    this.groups = Map.copyOf(groups);
    this.peers = Map.copyOf(peers);
    this.maxBodyBytes = maxBodyBytes;
    this.readTimeout = readTimeout;
    this.writeTimeout = writeTimeout.plus(WRITE_ASK_MARGIN);
    this.clusterView = clusterView;
  }

  /** Every route, with JSON answers for rejections (404, 405) and unexpected failures (500). */
  public Route route() {
    return handleExceptions(exceptionHandler(), () -> handleRejections(rejectionHandler(), () -> concat(
        pathPrefix("kv", () -> path(PathMatchers.segment().slash(PathMatchers.segment()), this::kv)),
        path("status", () -> get(() -> completeWithFuture(allStatus()))),
        path(PathMatchers.segment("status").slash(PathMatchers.segment()), group ->
            get(() -> withGroup(group, g -> completeWithFuture(groupStatus(g))))),
        path(PathMatchers.segment("admin").slash("switchover").slash(PathMatchers.segment()), group ->
            post(() -> withGroup(group, g -> parameterOptional("to", to ->
                extractRequest(request -> completeWithFuture(switchover(g, to, request))))))),
        path(PathMatchers.segment("admin").slash("divergent").slash(PathMatchers.segment()), group ->
            get(() -> withGroup(group, g -> completeWithFuture(divergent(g))))))));
  }

  // --- key/value ---

  private Route kv(String groupId, String key) {
    return withGroup(groupId, g -> extractRequest(request -> concat(
        get(() -> completeWithFuture(read(g, key))),
        put(() -> parameterOptional("ifVersion", ifVersion -> withJsonBody(value -> {
          Long expected = null;
          if (ifVersion.isPresent()) {
            try {
              expected = Long.parseLong(ifVersion.get().trim());
            } catch (NumberFormatException e) {
              return done(error(StatusCodes.BAD_REQUEST, "ifVersion must be a whole number (0 for 'absent'), was '"
                  + ifVersion.get() + "'"));
            }
          }
          Long expectedVersion = expected;
          return write(g, request, key, false, replyTo -> expectedVersion == null
              ? Replica.put(key, value, replyTo)
              : Replica.putIfVersion(key, value, expectedVersion, replyTo));
        }))),
        delete(() -> completeWithFuture(write(g, request, key, false, replyTo -> Replica.delete(key, replyTo)))),
        post(() -> withJsonBody(value ->
            write(g, request, key, true, replyTo -> Replica.insert(key, value, replyTo)))))));
  }

  private CompletionStage<HttpResponse> read(HostedGroup g, String key) {
    return AskPattern.<Replica.Command, Replica.ReadReply>ask(g.replica(), replyTo -> new Replica.Get(key, replyTo),
        readTimeout, system.scheduler()).handle((reply, failure) -> {
          if (failure != null) {
            return noAnswer("read of '" + key + "'", g, readTimeout);
          }
          if (reply instanceof Replica.Found f) {
            ObjectNode body = JSON.objectNode();
            body.put("key", f.key());
            body.set("value", f.value());
            body.put("version", f.version());
            body.put("servedBy", f.servedBy().value());
            body.put("appliedPosition", f.appliedPosition());
            return json(StatusCodes.OK, body, readHeaders(f.servedBy(), f.appliedPosition()));
          } else if (reply instanceof Replica.NotFound nf) {
            ObjectNode body = errorBody("key '" + key + "' not found in group '" + g.id() + "' on " + nf.servedBy()
                + " (as of applied position " + nf.appliedPosition() + ")");
            body.put("key", key);
            body.put("servedBy", nf.servedBy().value());
            body.put("appliedPosition", nf.appliedPosition());
            return json(StatusCodes.NOT_FOUND, body, readHeaders(nf.servedBy(), nf.appliedPosition()));
          } else if (reply instanceof Replica.ReadRejected r) {
            return error(StatusCodes.BAD_REQUEST, r.reason());
          }
          return error(StatusCodes.INTERNAL_SERVER_ERROR, "unexpected reply " + reply);
        });
  }

  private static List<HttpHeader> readHeaders(ReplicaId servedBy, long appliedPosition) {
    return List.of(RawHeader.create(APPLIED_POSITION_HEADER, Long.toString(appliedPosition)),
        RawHeader.create(SERVED_BY_HEADER, servedBy.value()));
  }

  private CompletionStage<HttpResponse> write(HostedGroup g, HttpRequest request, String key, boolean insert,
      Function<ActorRef<Replica.WriteReply>, Replica.Command> command) {
    return AskPattern.<Replica.Command, Replica.WriteReply>ask(g.replica(), command::apply, writeTimeout,
        system.scheduler()).handle((reply, failure) -> {
          if (failure != null) {
            // not "unavailable": the replica may have logged the write and lost only the chance to answer
            return error(StatusCodes.GATEWAY_TIMEOUT, "no answer from replica " + node + " of group '" + g.id()
                + "' within " + writeTimeout.toMillis() + " ms: the outcome of the write to '" + key
                + "' is unknown; read the key before retrying");
          }
          return writeResponse(g, request, reply);
        });
  }

  private HttpResponse writeResponse(HostedGroup g, HttpRequest request, Replica.WriteReply reply) {
    if (reply instanceof Replica.Written w) {
      ObjectNode body = JSON.objectNode();
      body.put("key", w.key());
      body.put("version", w.version());
      body.put("epoch", w.epoch());
      return json(StatusCodes.OK, body, List.of());
    } else if (reply instanceof Replica.Inserted i) {
      ObjectNode body = JSON.objectNode();
      body.put("key", i.key());
      body.put("id", i.id());
      body.put("version", i.version());
      body.put("epoch", i.epoch());
      return json(StatusCodes.CREATED, body,
          List.of(Location.create("/kv/" + g.id() + "/" + URLEncoder.encode(i.key(), StandardCharsets.UTF_8)
              .replace("+", "%20"))));
    } else if (reply instanceof Replica.NotLeader nl) {
      return toLeader(g, request, nl.leader(), nl.message());
    } else if (reply instanceof Replica.Unavailable u) {
      return json(StatusCodes.SERVICE_UNAVAILABLE,
          errorBody("group '" + g.id() + "' cannot take writes right now (nothing was logged; retry): "
              + u.reason()), List.of(RetryAfter.create(1L)));
    } else if (reply instanceof Replica.Rejected r) {
      return error(StatusCodes.BAD_REQUEST, r.reason());
    } else if (reply instanceof Replica.VersionConflict c) {
      ObjectNode body = errorBody("version conflict on '" + c.key() + "': expected version " + c.expectedVersion()
          + ", the key is at " + c.actualVersion() + " (0 means absent); nothing was written");
      body.put("key", c.key());
      body.put("expected", c.expectedVersion());
      body.put("actual", c.actualVersion());
      return json(StatusCodes.CONFLICT, body, List.of());
    } else if (reply instanceof Replica.NotConfirmed nc) {
      ObjectNode body = errorBody("the write to '" + nc.key() + "' is in the leader's log at version "
          + nc.version() + " but was not confirmed by the followers in time: it is not undone and may still "
          + "replicate, but it was not acknowledged (" + nc.reason() + ")");
      body.put("key", nc.key());
      body.put("version", nc.version());
      return json(StatusCodes.GATEWAY_TIMEOUT, body, List.of());
    }
    return error(StatusCodes.INTERNAL_SERVER_ERROR, "unexpected reply " + reply);
  }

  /** 307 to the leader's HTTP address with the same path and query, or 503 when there is none to point at. */
  private HttpResponse toLeader(HostedGroup g, HttpRequest request, ReplicaId leader, String message) {
    if (leader == null) {
      ObjectNode body = errorBody("no leader of group '" + g.id() + "' is known on " + node
          + " yet (an election is under way); retry shortly");
      body.putNull("leader");
      return json(StatusCodes.SERVICE_UNAVAILABLE, body, List.of(RetryAfter.create(1L)));
    }
    String address = peers.get(leader.value());
    if (address == null || leader.value().equals(node)) {
      ObjectNode body = errorBody("the leader of group '" + g.id() + "' is " + leader + ", but " + node
          + " knows no HTTP address for it (replikit.serve.peers / --peer); " + message);
      body.put("leader", leader.value());
      return json(StatusCodes.SERVICE_UNAVAILABLE, body, List.of(RetryAfter.create(1L)));
    }
    String location = "http://" + address + request.getUri().toRelative().toString();
    ObjectNode body = errorBody(node + " is not the leader of group '" + g.id() + "'; the leader is " + leader
        + " at " + location);
    body.put("leader", leader.value());
    body.put("location", location);
    return json(StatusCodes.TEMPORARY_REDIRECT, body, List.of(Location.create(location)));
  }

  // --- status and admin ---

  private CompletionStage<HttpResponse> groupStatus(HostedGroup g) {
    return status(g).thenApply(s -> s.isPresent()
        ? json(StatusCodes.OK, statusJson(s.get(), g), List.of())
        : noAnswer("status request", g, readTimeout));
  }

  private CompletionStage<Optional<ReplicaStatus>> status(HostedGroup g) {
    return AskPattern.<Replica.Command, ReplicaStatus>ask(g.replica(), Replica.GetStatus::new, readTimeout,
        system.scheduler()).handle((s, failure) -> Optional.ofNullable(failure == null ? s : null));
  }

  private CompletionStage<HttpResponse> allStatus() {
    List<CompletableFuture<JsonNode>> each = new ArrayList<>();
    for (HostedGroup g : groups.values().stream().sorted((a, b) -> a.id().compareTo(b.id())).toList()) {
      each.add(status(g).thenApply(s -> s.<JsonNode>map(st -> statusJson(st, g)).orElseGet(() -> {
        ObjectNode missing = errorBody("replica " + node + " did not answer within " + readTimeout.toMillis()
            + " ms");
        missing.put("groupId", g.id());
        return missing;
      })).toCompletableFuture());
    }
    return CompletableFuture.allOf(each.toArray(new CompletableFuture<?>[0])).thenApply(v -> {
      ObjectNode body = JSON.objectNode();
      body.put("node", node);
      ArrayNode groupArray = body.putArray("groups");
      each.forEach(f -> groupArray.add(f.join()));
      JsonNode cluster;
      try {
        cluster = clusterView.get();
      } catch (RuntimeException e) {
        cluster = errorBody("cluster state unavailable: " + e);
      }
      body.set("cluster", cluster);
      return json(StatusCodes.OK, body, List.of());
    });
  }

  /**
   * A replica's status as JSON: every field of {@link ReplicaStatus}, {@code lagEntries}, and {@code listed}: the
   * members this node's replica can reach through the Receptionist now.
   */
  static ObjectNode statusJson(ReplicaStatus s, HostedGroup g) {
    ObjectNode node = MAPPER.valueToTree(s);
    node.put("lagEntries", s.lagEntries());
    ArrayNode listed = node.putArray("listed");
    g.listedMembers().get().forEach(listed::add);
    return node;
  }

  private CompletionStage<HttpResponse> switchover(HostedGroup g, Optional<String> to, HttpRequest request) {
    if (to.isEmpty() || to.get().isBlank()) {
      return done(error(StatusCodes.BAD_REQUEST, "say which member takes over: POST /admin/switchover/" + g.id()
          + "?to=NODE (members: " + members(g) + ")"));
    }
    String target = to.get().trim();
    if (!members(g).contains(target)) {
      return done(error(StatusCodes.BAD_REQUEST, "'" + target + "' is not a member of group '" + g.id()
          + "' (members: " + members(g) + ")"));
    }
    return status(g).thenCompose(s -> {
      if (s.isEmpty()) {
        return done(noAnswer("switchover", g, readTimeout));
      }
      if (!"leader".equals(s.get().role())) {
        return done(toLeader(g, request, s.get().leader(), "a switchover is sent to the leader"));
      }
      return AskPattern.<Replica.Command, Replica.SwitchoverReply>ask(g.replica(),
          replyTo -> new Replica.Switchover(ReplicaId.of(target), replyTo), writeTimeout, system.scheduler())
          .handle((reply, failure) -> {
            if (failure != null) {
              return error(StatusCodes.SERVICE_UNAVAILABLE, "the switchover of group '" + g.id() + "' to " + target
                  + " got no answer within " + writeTimeout.toMillis() + " ms; see GET /status/" + g.id());
            } else if (reply instanceof Replica.SwitchoverDone d) {
              ObjectNode body = JSON.objectNode();
              body.put("group", g.id());
              body.put("newLeader", d.newLeader().value());
              body.put("epoch", d.epoch());
              return json(StatusCodes.OK, body, List.of());
            } else if (reply instanceof Replica.SwitchoverFailed f) {
              return error(StatusCodes.CONFLICT, "switchover of group '" + g.id() + "' to " + target + " failed: "
                  + f.reason());
            }
            return error(StatusCodes.INTERNAL_SERVER_ERROR, "unexpected reply " + reply);
          });
    });
  }

  private CompletionStage<HttpResponse> divergent(HostedGroup g) {
    return AskPattern.<Replica.Command, Replica.DivergentWrites>ask(g.replica(), Replica.GetDivergentWrites::new,
        readTimeout, system.scheduler()).handle((d, failure) -> {
          if (failure != null) {
            return noAnswer("divergent-writes request", g, readTimeout);
          }
          ObjectNode body = JSON.objectNode();
          body.put("group", g.id());
          body.put("replica", d.replica().value());
          body.put("count", d.writes().size());
          body.set("writes", MAPPER.valueToTree(d.writes()));
          return json(StatusCodes.OK, body, List.of());
        });
  }

  private static Set<String> members(HostedGroup g) {
    Set<String> members = new LinkedHashSet<>();
    members.add(g.spec().leader().value());
    g.spec().followers().forEach(f -> members.add(f.value()));
    return members;
  }

  // --- request plumbing ---

  private Route withGroup(String groupId, Function<HostedGroup, Route> inner) {
    HostedGroup g = groups.get(groupId);
    if (g == null) {
      return complete(error(StatusCodes.NOT_FOUND, "unknown group '" + groupId + "': node " + node + " hosts "
          + (groups.isEmpty() ? "no groups" : groups.keySet().stream().sorted().toList())));
    }
    return inner.apply(g);
  }

  /**
   * Reads the whole body (at most {@code maxBodyBytes}) and parses it as one JSON value; answers 413 or 400 itself
   * when it is too large or not JSON.
   */
  private Route withJsonBody(Function<JsonNode, CompletionStage<HttpResponse>> then) {
    return extractRequestEntity(entity -> extractMaterializer(mat -> completeWithFuture(
        entity.withSizeLimit(maxBodyBytes).toStrict(readTimeout.toMillis(), mat).handle((strict, failure) -> {
          if (failure != null) {
            return done(bodyFailure(failure));
          }
          JsonNode value;
          try {
            value = parse(strict);
          } catch (BadBody e) {
            return done(error(StatusCodes.BAD_REQUEST, e.getMessage()));
          }
          return then.apply(value);
        }).thenCompose(Function.identity()))));
  }

  private HttpResponse bodyFailure(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof EntityStreamSizeException) {
        return error(StatusCodes.PAYLOAD_TOO_LARGE, "the request body is larger than the limit of " + maxBodyBytes
            + " bytes (replikit.serve.max-body-bytes)");
      }
    }
    return error(StatusCodes.BAD_REQUEST, "could not read the request body: " + failure.getMessage());
  }

  private static final class BadBody extends Exception {
    BadBody(String message) {
      super(message);
    }
  }

  private static JsonNode parse(HttpEntity.Strict strict) throws BadBody {
    byte[] bytes = strict.getData().toArray();
    JsonNode value;
    try {
      value = BODY_READER.readTree(bytes);
    } catch (JsonProcessingException e) {
      throw new BadBody("the body is not valid JSON: " + e.getOriginalMessage()
          + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column "
              + e.getLocation().getColumnNr() + ")"));
    } catch (IOException e) {
      throw new BadBody("the body could not be read as JSON: " + e.getMessage());
    }
    if (value == null || value.isMissingNode()) {
      throw new BadBody("the body is empty: send one JSON value, e.g. {\"qty\": 2} or \"text\"");
    }
    return value;
  }

  private RejectionHandler rejectionHandler() {
    return RejectionHandler.newBuilder()
        .handleAll(MethodRejection.class, rejections -> extractRequest(request -> {
          List<HttpMethod> allowed = rejections.stream().map(MethodRejection::supported).distinct().toList();
          return complete(json(StatusCodes.METHOD_NOT_ALLOWED, errorBody(request.method().value() + " is not "
                  + "allowed on " + request.getUri().path() + "; allowed: "
                  + allowed.stream().map(HttpMethod::value).toList()),
              List.of(Allow.create(allowed.toArray(new HttpMethod[0])))));
        }))
        .handleNotFound(extractRequest(request -> complete(error(StatusCodes.NOT_FOUND, "no route for "
            + request.method().value() + " " + request.getUri().path() + "; see /status, /status/{group}, "
            + "/kv/{group}/{key}, /admin/switchover/{group}?to=NODE, /admin/divergent/{group}"))))
        .build()
        .withFallback(RejectionHandler.defaultHandler());
  }

  private ExceptionHandler exceptionHandler() {
    return ExceptionHandler.newBuilder()
        .matchAny(e -> {
          // a bug in a route must cost one request, not the node: answer 500 and keep serving
          LOG.error("request failed on node {}", node, e);
          return complete(error(StatusCodes.INTERNAL_SERVER_ERROR, "internal error: " + e));
        })
        .build();
  }

  private HttpResponse noAnswer(String what, HostedGroup g, Duration waited) {
    return json(StatusCodes.SERVICE_UNAVAILABLE, errorBody("the " + what + " got no answer from replica " + node
        + " of group '" + g.id() + "' within " + waited.toMillis() + " ms"), List.of(RetryAfter.create(1L)));
  }

  private static ObjectNode errorBody(String message) {
    ObjectNode body = JSON.objectNode();
    body.put("error", message);
    return body;
  }

  private static HttpResponse error(StatusCode status, String message) {
    return json(status, errorBody(message), List.of());
  }

  private static HttpResponse json(StatusCode status, JsonNode body, List<HttpHeader> headers) {
    byte[] bytes;
    try {
      bytes = MAPPER.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("could not render a JSON answer", e);
    }
    return HttpResponse.create().withStatus(status).addHeaders(headers)
        .withEntity(ContentTypes.APPLICATION_JSON, bytes);
  }

  private static <T> CompletionStage<T> done(T value) {
    return CompletableFuture.completedFuture(value);
  }
}
