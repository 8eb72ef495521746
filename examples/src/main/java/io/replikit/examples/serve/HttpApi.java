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
import akka.http.javadsl.model.Query;
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
import akka.japi.Pair;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.replikit.metrics.ReplicaMetrics;
import io.replikit.replication.ReplicaId;
import io.replikit.sessions.InMemoryTokenStore;
import io.replikit.sessions.TokenStore;
import io.replikit.singleleader.ReadConsistency;
import io.replikit.singleleader.Replica;
import io.replikit.singleleader.ReplicaStatus;
import io.replikit.store.Statement;
import io.replikit.store.StoreItem;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API of a {@code replikit serve} node (akka-http routing DSL). Every request goes to this node's replica
 * of the group it names. A write that reaches a follower is answered with a redirect to the leader's HTTP address
 * (307, same method, path, query and body), so a client talks to the leader directly; a read is served by this
 * node's replica when it meets the consistency the read asks for, and otherwise redirected to the leader (307)
 * or refused (412).
 *
 * <ul>
 *   <li>{@code GET /kv/{group}/{key}}: read from this node's replica. 200 or 404, with the serving replica, the
 *       position it had applied and how old its data may be in headers ({@value #SERVED_BY_HEADER},
 *       {@value #APPLIED_POSITION_HEADER}, {@value #STALENESS_HEADER}) and body.
 *   <li>Read consistency ({@link ReadOptions}): {@code ?min-position=N}, {@code ?max-staleness-ms=N},
 *       {@code ?wait-ms=N}; the {@value SessionToken#HEADER} header (read-your-writes and monotonic reads); and
 *       {@code ?user=U} or the {@value #USER_HEADER} header (the positions user U wrote at, kept by this node's
 *       {@link TokenStore}: read-your-writes across a user's devices). The replica waits up to {@code wait-ms}
 *       to meet them; if it cannot, a follower that knows its leader's address answers 307 to the leader with
 *       {@code min-position} set to what the read needed, and otherwise the answer is 412 naming the replica's
 *       applied position and staleness (the leader has every position it acknowledged, so 412 comes from a
 *       leader only for a position it never assigned, or for a staleness bound while it lacks its lease).
 *   <li>{@code PUT /kv/{group}/{key}[?ifVersion=N]} with any JSON value: 200; 409 on a version conflict.
 *   <li>{@code DELETE /kv/{group}/{key}}: 200. {@code POST /kv/{group}/{prefix}}: insert under a generated id, 201.
 *   <li>{@code POST /tx/{group}} with a JSON array of statements ({@link StatementsJson}): 200 once committed.
 *   <li>{@code GET /rows/{group}/{table}} and {@code GET /rows/{group}/{table}/{primaryKey}}: a table's rows or one
 *       row, with the read consistency above.
 *   <li>Every acknowledged write answers with the {@value SessionToken#HEADER} header (the request's token raised
 *       to the write's log position) and {@code position} in the body, and raises the token of its {@code user}.
 *   <li>Writes on a follower: 307 to the leader; 503 while no leader is known, or when the leader cannot confirm
 *       its leadership (nothing was logged: safe to retry); 504 when the write is in the leader's log but was not
 *       confirmed in time (it may still replicate: do not assume it failed).
 *   <li>{@code GET /metrics}: Prometheus text format ({@link ReplicaMetrics}, refreshed for the scrape).
 *   <li>{@code /kv/{keyspace}/{key}} of a sharded keyspace the node hosts: see {@link ShardedApi} (mounted by
 *       {@link #withSharded}); {@code GET /status} then lists this node's replicas of them under {@code sharded}.
 *   <li>Leaderless rings and multi-leader groups ({@code replikit.serve.rings}, {@code replikit.serve.multi-leader})
 *       share {@code /kv/{id}/{key}} (GET, PUT, DELETE) with each family's semantics ({@link RingApi},
 *       {@link MultiLeaderApi}), and {@code GET /status} lists them under {@code rings} and {@code multiLeader}.
 *   <li>{@code GET /status/{group}}, {@code GET /status}, {@code POST /admin/switchover/{group}?to=NODE},
 *       {@code GET /admin/divergent/{group}}, {@code POST /admin/force-vote/{group}?reason=...} (this node's
 *       replica, rejoining after a lost journal, votes again at once: unsafe by design, see
 *       {@link Replica.ForceVote}).
 *   <li>With a token configured ({@link HttpAuth}), writes and {@code /admin} routes need
 *       {@code Authorization: Bearer <token>}, and reads too when they are closed: 401 with
 *       {@code WWW-Authenticate: Bearer} otherwise.
 * </ul>
 *
 * <p>Bad input never reaches a replica: malformed JSON 400, a body over {@code max-body-bytes} 413, an unknown
 * group or route 404, a wrong method 405, a key the store refuses 400, an unknown, repeated or malformed query
 * parameter or header 400; each answer is JSON with an {@code error} field saying what was wrong.
 */
public final class HttpApi extends AllDirectives {
  /** Response header carrying the log position the serving replica had applied when it answered a read. */
  public static final String APPLIED_POSITION_HEADER = "X-Replikit-Applied-Position";
  /** Response header naming the node whose replica answered. */
  public static final String SERVED_BY_HEADER = "X-Replikit-Served-By";
  /** Response header: how old the serving replica's data may be, in ms (-1: unknown). */
  public static final String STALENESS_HEADER = "X-Replikit-Staleness-Ms";
  /** Request header naming the user whose tokens a read or write uses (same as {@code ?user=}). */
  public static final String USER_HEADER = "Replikit-User";
  /** Query parameter naming the user. */
  public static final String USER_PARAM = "user";

  private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final ObjectReader BODY_READER =
      MAPPER.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
  // the writes' ask waits past the replica's own write-timeout, so that the replica's answer (not confirmed)
  // arrives before the ask gives up
  private static final Duration WRITE_ASK_MARGIN = Duration.ofSeconds(2);
  private static final Pattern USER = Pattern.compile("[A-Za-z0-9_.@+:-]{1,128}");
  private static final Set<String> READ_PARAMS =
      Set.of(ReadOptions.MIN_POSITION, ReadOptions.MAX_STALENESS_MS, ReadOptions.WAIT_MS, USER_PARAM);
  private static final Set<String> PUT_PARAMS = Set.of("ifVersion", USER_PARAM);
  private static final Set<String> WRITE_PARAMS = Set.of(USER_PARAM);

  private final ActorSystem<?> system;
  private final String node;
  private final Map<String, HostedGroup> groups;
  private final Map<String, String> peers;
  private final long maxBodyBytes;
  private final Duration readTimeout;
  private final Duration writeTimeout;
  private final Duration readWaitTimeout;
  private final Supplier<JsonNode> clusterView;
  private final TokenStore tokens;
  private final PrometheusMeterRegistry registry;
  private final ReplicaMetrics metrics;
  private final HttpAuth auth;
  // sharded keyspaces (replikit.serve.sharding), when the node hosts any: their /kv routes come first
  private volatile ShardedApi sharded;
  private final RingApi ringApi;
  private final MultiLeaderApi multiLeaderApi;

  /**
   * An API whose user tokens live in this JVM only and whose {@code /metrics} has a registry of its own.
   *
   * @param system the node's actor system (asks and stream materialisation)
   * @param node this node's name
   * @param groups the hosted groups by id
   * @param peers HTTP addresses ({@code host:port}) by node name, this node included
   * @param maxBodyBytes largest request body accepted
   * @param readTimeout how long reads and status requests wait for the replica (on top of a read's own wait)
   * @param writeTimeout the replicas' write timeout ({@code replikit.single-leader.write-timeout})
   * @param clusterView the cluster members as {@code GET /status} shows them
   */
  public HttpApi(ActorSystem<?> system, String node, Map<String, HostedGroup> groups, Map<String, String> peers,
      long maxBodyBytes, Duration readTimeout, Duration writeTimeout, Supplier<JsonNode> clusterView) {
    this(system, node, groups, peers, maxBodyBytes, readTimeout, writeTimeout, Duration.ofSeconds(2), clusterView,
        new InMemoryTokenStore(), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
  }

  /**
   * @param readWaitTimeout the replicas' longest read wait ({@code replikit.single-leader.read-wait-timeout})
   * @param tokens where the positions each user wrote at are kept ({@code ?user=})
   * @param registry the registry {@code GET /metrics} scrapes; the replicas' gauges ({@link ReplicaMetrics}) and
   *     the API's read counters are registered in it
   */
  public HttpApi(ActorSystem<?> system, String node, Map<String, HostedGroup> groups, Map<String, String> peers,
      long maxBodyBytes, Duration readTimeout, Duration writeTimeout, Duration readWaitTimeout,
      Supplier<JsonNode> clusterView, TokenStore tokens, PrometheusMeterRegistry registry) {
    this(system, node, groups, peers, maxBodyBytes, readTimeout, writeTimeout, readWaitTimeout, clusterView, tokens,
        registry, HttpAuth.open());
  }

  /**
   * @param auth which routes need the bearer token ({@code replikit.serve.auth}); checked before anything else
   *     of the request is looked at, its body included
   */
  public HttpApi(ActorSystem<?> system, String node, Map<String, HostedGroup> groups, Map<String, String> peers,
      long maxBodyBytes, Duration readTimeout, Duration writeTimeout, Duration readWaitTimeout,
      Supplier<JsonNode> clusterView, TokenStore tokens, PrometheusMeterRegistry registry, HttpAuth auth) {
    this(system, node, groups, peers, maxBodyBytes, readTimeout, writeTimeout, readWaitTimeout, clusterView, tokens,
        registry, auth, Map.of(), Map.of());
  }

  /**
   * @param rings the leaderless keyspaces this node hosts ({@link RingApi}), by id
   * @param multiLeader the multi-leader groups this node hosts ({@link MultiLeaderApi}), by id; ids are unique
   *     across {@code groups}, {@code rings} and {@code multiLeader}
   */
  HttpApi(ActorSystem<?> system, String node, Map<String, HostedGroup> groups, Map<String, String> peers,
      long maxBodyBytes, Duration readTimeout, Duration writeTimeout, Duration readWaitTimeout,
      Supplier<JsonNode> clusterView, TokenStore tokens, PrometheusMeterRegistry registry, HttpAuth auth,
      Map<String, HostedRing> rings, Map<String, HostedMultiLeader> multiLeader) {
    this.ringApi = new RingApi(system, rings, new io.replikit.metrics.LeaderlessMetrics(registry), readTimeout);
    this.multiLeaderApi = new MultiLeaderApi(system, multiLeader,
        new io.replikit.multileader.MultiLeaderMetrics(registry), readTimeout);
    this.auth = java.util.Objects.requireNonNull(auth, "auth");
    this.system = system;
    this.node = node;
    this.groups = Map.copyOf(groups);
    this.peers = Map.copyOf(peers);
    this.maxBodyBytes = maxBodyBytes;
    this.readTimeout = readTimeout;
    this.writeTimeout = writeTimeout.plus(WRITE_ASK_MARGIN);
    this.readWaitTimeout = readWaitTimeout;
    this.clusterView = clusterView;
    this.tokens = tokens;
    this.registry = registry;
    this.metrics = new ReplicaMetrics(registry);
  }

  /**
   * Mounts {@code api}'s routes ({@code /kv/{keyspace}/{key}}) before this API's own, under the same token check,
   * and lists its replicas under {@code sharded} in {@code GET /status}.
   */
  public HttpApi withSharded(ShardedApi api) {
    this.sharded = api;
    return this;
  }

  /** The gauges of this node's replicas, in the registry {@code GET /metrics} scrapes. */
  public ReplicaMetrics metrics() {
    return metrics;
  }

  /** The series of the hosted rings ({@code replikit_leaderless_*}), in the registry {@code GET /metrics} scrapes. */
  public io.replikit.metrics.LeaderlessMetrics leaderlessMetrics() {
    return ringApi.metrics();
  }

  /** The series of the hosted multi-leader groups ({@code replikit_multileader_*}). */
  public io.replikit.multileader.MultiLeaderMetrics multiLeaderMetrics() {
    return multiLeaderApi.metrics();
  }

  /** The hosted rings as their metrics poll them. */
  public List<io.replikit.metrics.LeaderlessMetrics.Hosted> rings() {
    return ringApi.hosted();
  }

  /** The multi-leader replicas this node runs, by group id. */
  public Map<String, ActorRef<io.replikit.multileader.MultiLeaderReplica.Command>> multiLeaderReplicas() {
    return multiLeaderApi.replicas();
  }

  /** The hosted groups' replicas by group id. */
  public Map<String, ActorRef<Replica.Command>> replicas() {
    Map<String, ActorRef<Replica.Command>> replicas = new LinkedHashMap<>();
    groups.forEach((id, g) -> replicas.put(id, g.replica()));
    return replicas;
  }

  /** Every route, with JSON answers for rejections (404, 405) and unexpected failures (500). */
  public Route route() {
    return route(reject());
  }

  /** Every route and {@code extra} (the {@link LivePage}), behind the same authorization and error answers. */
  public Route route(Route extra) {
    return handleExceptions(exceptionHandler(), () -> authorized(() -> handleRejections(rejectionHandler(), () ->
        concat(
        sharded == null ? reject() : sharded.route(),
        extra,
        pathPrefix("kv", () -> path(PathMatchers.segment().slash(PathMatchers.segment()), this::kv)),
        pathPrefix("rows", () -> pathPrefix(PathMatchers.segment(), this::rows)),
        path(PathMatchers.segment("tx").slash(PathMatchers.segment()), group ->
            post(() -> withGroup(group, g -> extractRequest(request -> withJsonBody(body ->
                transact(g, request, body)))))),
        path("metrics", () -> get(() -> completeWithFuture(scrape()))),
        path("status", () -> get(() -> completeWithFuture(allStatus()))),
        path(PathMatchers.segment("status").slash(PathMatchers.segment()), group ->
            get(() -> familyStatus(group).orElseGet(() -> withGroup(group, g -> completeWithFuture(groupStatus(g)))))),
        path(PathMatchers.segment("admin").slash("switchover").slash(PathMatchers.segment()), group ->
            post(() -> withGroup(group, g -> parameterOptional("to", to ->
                extractRequest(request -> completeWithFuture(switchover(g, to, request))))))),
        path(PathMatchers.segment("admin").slash("divergent").slash(PathMatchers.segment()), group ->
            get(() -> withGroup(group, g -> completeWithFuture(divergent(g))))),
        path(PathMatchers.segment("admin").slash("force-vote").slash(PathMatchers.segment()), group ->
            post(() -> withGroup(group, g -> parameterOptional("reason", reason -> completeWithFuture(
                forceVote(g.replica(), "this node's replica of group '" + g.id() + "'", reason, writeTimeout,
                    system))))))))));
  }

  /**
   * The request goes on only when {@link HttpAuth} allows it; otherwise 401 with {@code WWW-Authenticate: Bearer}
   * and the reason, before the route, the group or the body is looked at (so a refused request learns nothing about
   * what this node hosts and costs no body read).
   */
  private Route authorized(Supplier<Route> inner) {
    Route route = inner.get();
    if (!auth.enabled()) {
      return route;
    }
    return extractRequest(request -> {
      List<String> authorization = new ArrayList<>();
      for (HttpHeader h : request.getHeaders()) {
        if (h.is("authorization")) {
          authorization.add(h.value());
        }
      }
      HttpAuth.Decision decision = auth.check(HttpAuth.access(request.method().value(),
          request.getUri().path()), authorization);
      if (decision.allowed()) {
        return route;
      }
      LOG.debug("node {}: refused {} {} ({})", node, request.method().value(), request.getUri().path(),
          decision.reason());
      return complete(json(StatusCodes.UNAUTHORIZED, errorBody(decision.reason()),
          List.of(RawHeader.create("WWW-Authenticate", HttpAuth.challenge(decision)))));
    });
  }

  /** {@code /rows/{group}/{table}} and {@code /rows/{group}/{table}/{primaryKey}}. */
  private Route rows(String groupId) {
    return pathPrefix(PathMatchers.segment(), table -> withGroup(groupId, g -> get(() -> extractRequest(request ->
        concat(
            pathEnd(() -> completeWithFuture(readTable(g, table, request))),
            path(PathMatchers.segment(), primaryKey ->
                completeWithFuture(readRow(g, table, primaryKey, request))))))));
  }

  // --- sessions: tokens and users ---

  /**
   * What a request says about its session: the token it carries, the user it names, and its query parameters
   * (each given once, every one known to the route).
   */
  private record RequestSession(SessionToken token, Optional<String> user, Map<String, String> query) {
    /** The position this session must read at least in {@code groupId}: its token's and its user's. */
    long floor(String groupId, TokenStore tokens) {
      return Math.max(token.position(groupId), user.map(u -> tokens.position(u, groupId)).orElse(0L));
    }
  }

  /** @throws IllegalArgumentException saying what is wrong with the request's parameters or session headers */
  private static RequestSession session(HttpRequest request, Set<String> allowed) {
    Map<String, List<String>> multi;
    try {
      multi = request.getUri().query().toMultiMap();
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("the query string could not be parsed: " + e.getMessage());
    }
    Map<String, String> query = new LinkedHashMap<>();
    for (Map.Entry<String, List<String>> e : multi.entrySet()) {
      if (!allowed.contains(e.getKey())) {
        throw new IllegalArgumentException("unknown query parameter '" + e.getKey() + "' on "
            + request.method().value() + " " + request.getUri().path() + "; known: "
            + allowed.stream().sorted().toList());
      }
      if (e.getValue().size() > 1) {
        throw new IllegalArgumentException("query parameter '" + e.getKey() + "' is given "
            + e.getValue().size() + " times; give it once");
      }
      query.put(e.getKey(), e.getValue().get(0));
    }
    SessionToken token = SessionToken.empty();
    Optional<String> headerUser = Optional.empty();
    for (HttpHeader h : request.getHeaders()) {
      if (h.is(SessionToken.HEADER.toLowerCase(Locale.ROOT))) {
        token = token.merge(SessionToken.parse(h.value()));
      } else if (h.is(USER_HEADER.toLowerCase(Locale.ROOT))) {
        if (headerUser.isPresent() && !headerUser.get().equals(h.value().trim())) {
          throw new IllegalArgumentException("the " + USER_HEADER + " header is given twice with different users");
        }
        headerUser = Optional.of(h.value().trim());
      }
    }
    Optional<String> paramUser = Optional.ofNullable(query.get(USER_PARAM)).map(String::trim);
    if (paramUser.isPresent() && headerUser.isPresent() && !paramUser.equals(headerUser)) {
      throw new IllegalArgumentException("?user=" + paramUser.get() + " and the " + USER_HEADER + " header ("
          + headerUser.get() + ") name different users");
    }
    Optional<String> user = paramUser.isPresent() ? paramUser : headerUser;
    if (user.isPresent() && !USER.matcher(user.get()).matches()) {
      throw new IllegalArgumentException("user '" + user.get() + "' is not a user id: 1 to 128 letters, digits or "
          + "any of _ . @ + : -");
    }
    return new RequestSession(token, user, query);
  }

  private static HttpHeader tokenHeader(SessionToken token) {
    return RawHeader.create(SessionToken.HEADER, token.toString());
  }

  // --- key/value ---

  private Route kv(String groupId, String key) {
    if (ringApi.hosts(groupId)) {
      return extractRequest(request -> concat(
          get(() -> completeWithFuture(ringApi.get(groupId, key, request))),
          put(() -> withJsonBody(value -> ringApi.put(groupId, key, value, request))),
          delete(() -> completeWithFuture(ringApi.put(groupId, key, null, request)))));
    }
    if (multiLeaderApi.hosts(groupId)) {
      return extractRequest(request -> concat(
          get(() -> completeWithFuture(multiLeaderApi.get(groupId, key, request))),
          put(() -> withJsonBody(value -> multiLeaderApi.put(groupId, key, value, request))),
          delete(() -> completeWithFuture(multiLeaderApi.put(groupId, key, null, request)))));
    }
    return withGroup(groupId, g -> extractRequest(request -> concat(
        get(() -> completeWithFuture(readKey(g, key, request))),
        put(() -> withJsonBody(value -> {
          RequestSession session;
          Long expected = null;
          try {
            session = session(request, PUT_PARAMS);
            String ifVersion = session.query().get("ifVersion");
            if (ifVersion != null) {
              try {
                expected = Long.parseLong(ifVersion.trim());
              } catch (NumberFormatException e) {
                throw new IllegalArgumentException("ifVersion must be a whole number (0 for 'absent'), was '"
                    + ifVersion + "'");
              }
            }
          } catch (IllegalArgumentException e) {
            return done(error(StatusCodes.BAD_REQUEST, e.getMessage()));
          }
          Long expectedVersion = expected;
          return write(g, request, session, key, replyTo -> expectedVersion == null
              ? Replica.put(key, value, replyTo)
              : Replica.putIfVersion(key, value, expectedVersion, replyTo));
        })),
        delete(() -> completeWithFuture(withSession(request, WRITE_PARAMS, session ->
            write(g, request, session, key, replyTo -> Replica.delete(key, replyTo))))),
        post(() -> withJsonBody(value -> withSession(request, WRITE_PARAMS, session ->
            write(g, request, session, key, replyTo -> Replica.insert(key, value, replyTo))))))));
  }

  private CompletionStage<HttpResponse> withSession(HttpRequest request, Set<String> allowed,
      Function<RequestSession, CompletionStage<HttpResponse>> then) {
    RequestSession session;
    try {
      session = session(request, allowed);
    } catch (IllegalArgumentException e) {
      return done(error(StatusCodes.BAD_REQUEST, e.getMessage()));
    }
    return then.apply(session);
  }

  // --- reads under a consistency ---

  /** What the serving replica was like when it answered: for headers, body and the session's next token. */
  private record Served(ReplicaId servedBy, long appliedPosition, long stalenessMillis, long requiredPosition,
      SessionToken token) {
    List<HttpHeader> headers() {
      return List.of(RawHeader.create(APPLIED_POSITION_HEADER, Long.toString(appliedPosition)),
          RawHeader.create(SERVED_BY_HEADER, servedBy.value()),
          RawHeader.create(STALENESS_HEADER, Long.toString(stalenessMillis)),
          tokenHeader(token));
    }

    ObjectNode into(ObjectNode body) {
      body.put("servedBy", servedBy.value());
      body.put("appliedPosition", appliedPosition);
      body.put("stalenessMillis", stalenessMillis);
      body.put("requiredPosition", requiredPosition);
      body.put("token", token.toString());
      return body;
    }
  }

  /** How one kind of read is asked and how its served answer is rendered. */
  private interface ReadKind {
    Replica.Command command(ReadConsistency consistency, ActorRef<Replica.ReadReply> replyTo);

    /** The answer for a Found, NotFound or TableRows reply, or null for any other reply. */
    HttpResponse render(Replica.ReadReply reply, Served served);
  }

  private CompletionStage<HttpResponse> readKey(HostedGroup g, String key, HttpRequest request) {
    return read(g, request, "read of '" + key + "'", new ReadKind() {
      @Override
      public Replica.Command command(ReadConsistency c, ActorRef<Replica.ReadReply> replyTo) {
        return new Replica.Read(key, c, replyTo);
      }

      @Override
      public HttpResponse render(Replica.ReadReply reply, Served served) {
        if (reply instanceof Replica.Found f) {
          ObjectNode body = JSON.objectNode();
          body.put("key", f.key());
          body.set("value", f.value());
          body.put("version", f.version());
          return json(StatusCodes.OK, served.into(body), served.headers());
        } else if (reply instanceof Replica.NotFound nf) {
          ObjectNode body = errorBody("key '" + key + "' not found in group '" + g.id() + "' on " + nf.servedBy()
              + " (as of applied position " + nf.appliedPosition() + ")");
          body.put("key", key);
          return json(StatusCodes.NOT_FOUND, served.into(body), served.headers());
        }
        return null;
      }
    });
  }

  private CompletionStage<HttpResponse> readRow(HostedGroup g, String table, String primaryKey,
      HttpRequest request) {
    return read(g, request, "read of row '" + primaryKey + "' of table '" + table + "'", new ReadKind() {
      @Override
      public Replica.Command command(ReadConsistency c, ActorRef<Replica.ReadReply> replyTo) {
        return new Replica.Read(Replica.rowKey(table, primaryKey), c, replyTo);
      }

      @Override
      public HttpResponse render(Replica.ReadReply reply, Served served) {
        if (reply instanceof Replica.Found row) {
          ObjectNode body = JSON.objectNode();
          body.put("table", table);
          body.put("primaryKey", primaryKey);
          body.set("values", row.value());
          body.put("version", row.version());
          return json(StatusCodes.OK, served.into(body), served.headers());
        } else if (!(reply instanceof Replica.NotFound)) {
          return null;
        }
        ObjectNode body = errorBody("no row '" + primaryKey + "' in table '" + table + "' of group '" + g.id()
            + "' on " + served.servedBy() + " (as of applied position " + served.appliedPosition() + ")");
        body.put("table", table);
        body.put("primaryKey", primaryKey);
        return json(StatusCodes.NOT_FOUND, served.into(body), served.headers());
      }
    });
  }

  private CompletionStage<HttpResponse> readTable(HostedGroup g, String table, HttpRequest request) {
    return read(g, request, "read of table '" + table + "'", new ReadKind() {
      @Override
      public Replica.Command command(ReadConsistency c, ActorRef<Replica.ReadReply> replyTo) {
        return new Replica.ReadTable(table, c, replyTo);
      }

      @Override
      public HttpResponse render(Replica.ReadReply reply, Served served) {
        if (reply instanceof Replica.TableRows t) {
          ObjectNode body = JSON.objectNode();
          body.put("group", g.id());
          body.put("table", t.table());
          body.put("count", t.rows().size());
          ArrayNode rows = body.putArray("rows");
          for (StoreItem row : t.rows()) {
            ObjectNode r = rows.addObject();
            r.put("primaryKey", row.key());
            r.set("values", row.value());
            r.put("version", row.version());
          }
          return json(StatusCodes.OK, served.into(body), served.headers());
        }
        return null;
      }
    });
  }

  /**
   * A read under the consistency the request asks for: served by this node's replica when it meets it (after a
   * wait of at most {@code wait-ms}), else redirected to the leader or refused.
   */
  private CompletionStage<HttpResponse> read(HostedGroup g, HttpRequest request, String what, ReadKind kind) {
    RequestSession session;
    ReadOptions options;
    try {
      session = session(request, READ_PARAMS);
      options = ReadOptions.parse(session.query());
    } catch (IllegalArgumentException e) {
      return done(error(StatusCodes.BAD_REQUEST, e.getMessage()));
    }
    ReadConsistency consistency = options.consistency(session.floor(g.id(), tokens));
    long waitMillis = Math.min(readWaitTimeout.toMillis(),
        options.waitMillis() == null ? readWaitTimeout.toMillis() : options.waitMillis());
    Duration askTimeout = readTimeout.plusMillis(waitMillis);
    return AskPattern.<Replica.Command, Replica.ReadReply>ask(g.replica(), replyTo -> kind.command(consistency,
        replyTo), askTimeout, system.scheduler()).handle((reply, failure) -> {
          if (failure != null) {
            count(g, "unanswered");
            return done(noAnswer(what, g, askTimeout));
          }
          if (reply instanceof Replica.ReadRejected r) {
            count(g, "rejected");
            return done(error(StatusCodes.BAD_REQUEST, r.reason()));
          }
          if (reply instanceof Replica.TooStale stale) {
            return done(tooStale(g, request, session, consistency, stale));
          }
          long applied = appliedPosition(reply);
          Served served = new Served(servedBy(reply), applied, stalenessOf(reply), consistency.minPosition(),
              session.token().advance(g.id(), applied));
          HttpResponse response = kind.render(reply, served);
          if (response == null) {
            return done(error(StatusCodes.INTERNAL_SERVER_ERROR, "unexpected reply " + reply));
          }
          count(g, response.status().intValue() == 404 ? "not-found" : "served");
          return done(response);
        }).thenCompose(Function.identity());
  }

  private static long appliedPosition(Replica.ReadReply reply) {
    if (reply instanceof Replica.Found f) {
      return f.appliedPosition();
    } else if (reply instanceof Replica.NotFound nf) {
      return nf.appliedPosition();
    } else if (reply instanceof Replica.TableRows t) {
      return t.appliedPosition();
    }
    return 0;
  }

  private static long stalenessOf(Replica.ReadReply reply) {
    if (reply instanceof Replica.Found f) {
      return f.stalenessMillis();
    } else if (reply instanceof Replica.NotFound nf) {
      return nf.stalenessMillis();
    } else if (reply instanceof Replica.TableRows t) {
      return t.stalenessMillis();
    }
    return -1;
  }

  private static ReplicaId servedBy(Replica.ReadReply reply) {
    if (reply instanceof Replica.Found f) {
      return f.servedBy();
    } else if (reply instanceof Replica.NotFound nf) {
      return nf.servedBy();
    } else if (reply instanceof Replica.TableRows t) {
      return t.servedBy();
    }
    return null;
  }

  /**
   * This node's replica could not meet the read's consistency in time: 307 to the leader (which has every position
   * it acknowledged) with {@code min-position} set to what the read needed, so the redirected read keeps its
   * guarantee without the token header; 412 when this replica leads or no leader address is known.
   */
  private HttpResponse tooStale(HostedGroup g, HttpRequest request, RequestSession session,
      ReadConsistency consistency, Replica.TooStale stale) {
    ReplicaId leader = stale.leader();
    boolean leads = stale.servedBy().equals(leader);
    String address = leader == null ? null : peers.get(leader.value());
    String bounds = (consistency.minPosition() > 0 ? "position " + consistency.minPosition() : "")
        + (consistency.minPosition() > 0 && consistency.maxStalenessMillis() >= 0 ? " and " : "")
        + (consistency.maxStalenessMillis() >= 0 ? "data at most " + consistency.maxStalenessMillis() + " ms old"
            : "");
    ObjectNode body;
    List<HttpHeader> headers = new ArrayList<>();
    StatusCode code;
    if (!leads && address != null && !leader.value().equals(node)) {
      List<Pair<String, String>> query = new ArrayList<>();
      request.getUri().query().toList().stream().filter(p -> !p.first().equals(ReadOptions.MIN_POSITION))
          .forEach(query::add);
      if (consistency.minPosition() > 0) {
        query.add(Pair.create(ReadOptions.MIN_POSITION, Long.toString(consistency.minPosition())));
      }
      String location = "http://" + address + request.getUri().toRelative().query(Query.create(query));
      body = errorBody("replica " + stale.servedBy() + " of group '" + g.id() + "' on " + node + " could not serve "
          + bounds + " in time (" + stale.reason() + "); the leader " + leader + " can: " + location);
      body.put("location", location);
      headers.add(Location.create(location));
      code = StatusCodes.TEMPORARY_REDIRECT;
      count(g, "redirected");
    } else {
      body = errorBody("no replica here can serve " + bounds + " of group '" + g.id() + "' now: " + stale.reason()
          + (leads ? "" : leader == null ? " (no leader is known on " + node + ")"
              : " (no HTTP address is known for the leader " + leader + "; replikit.serve.peers / --peer)"));
      headers.add(RetryAfter.create(1L));
      code = StatusCodes.PRECONDITION_FAILED;
      count(g, "refused");
    }
    body.put("servedBy", stale.servedBy().value());
    body.put("appliedPosition", stale.appliedPosition());
    body.put("requiredPosition", stale.requiredPosition());
    body.put("stalenessMillis", stale.stalenessMillis());
    if (consistency.maxStalenessMillis() >= 0) {
      body.put("maxStalenessMillis", consistency.maxStalenessMillis());
    }
    body.put("leader", leader == null ? null : leader.value());
    headers.add(RawHeader.create(APPLIED_POSITION_HEADER, Long.toString(stale.appliedPosition())));
    headers.add(RawHeader.create(SERVED_BY_HEADER, stale.servedBy().value()));
    headers.add(RawHeader.create(STALENESS_HEADER, Long.toString(stale.stalenessMillis())));
    if (!session.token().isEmpty()) {
      headers.add(tokenHeader(session.token()));
    }
    return json(code, body, headers);
  }

  private void count(HostedGroup g, String outcome) {
    registry.counter("replikit.http.reads", "group", g.id(), "outcome", outcome).increment();
  }

  // --- writes ---

  private CompletionStage<HttpResponse> write(HostedGroup g, HttpRequest request, RequestSession session,
      String key, Function<ActorRef<Replica.WriteReply>, Replica.Command> command) {
    return AskPattern.<Replica.Command, Replica.WriteReply>ask(g.replica(), command::apply, writeTimeout,
        system.scheduler()).handle((reply, failure) -> {
          if (failure != null) {
            // not "unavailable": the replica may have logged the write and lost only the chance to answer
            return error(StatusCodes.GATEWAY_TIMEOUT, "no answer from replica " + node + " of group '" + g.id()
                + "' within " + writeTimeout.toMillis() + " ms: the outcome of the write to '" + key
                + "' is unknown; read the key before retrying");
          }
          return writeResponse(g, request, session, reply);
        });
  }

  private HttpResponse writeResponse(HostedGroup g, HttpRequest request, RequestSession session,
      Replica.WriteReply reply) {
    long position = Replica.logPosition(reply);
    SessionToken token = session.token();
    List<HttpHeader> headers = new ArrayList<>();
    if (position > 0) {
      session.user().ifPresent(u -> tokens.advance(u, g.id(), position));
      token = token.advance(g.id(), position);
      headers.add(tokenHeader(token));
    }
    if (reply instanceof Replica.Written w) {
      ObjectNode body = JSON.objectNode();
      body.put("key", w.key());
      body.put("version", w.version());
      body.put("epoch", w.epoch());
      body.put("position", position);
      body.put("token", token.toString());
      return json(StatusCodes.OK, body, headers);
    } else if (reply instanceof Replica.Inserted i) {
      ObjectNode body = JSON.objectNode();
      body.put("key", i.key());
      body.put("id", i.id());
      body.put("version", i.version());
      body.put("epoch", i.epoch());
      body.put("position", position);
      body.put("token", token.toString());
      headers.add(Location.create("/kv/" + g.id() + "/" + URLEncoder.encode(i.key(), StandardCharsets.UTF_8)
          .replace("+", "%20")));
      return json(StatusCodes.CREATED, body, headers);
    } else if (reply instanceof Replica.Committed c) {
      ObjectNode body = JSON.objectNode();
      body.put("group", g.id());
      body.put("position", c.position());
      body.put("epoch", c.epoch());
      body.put("rowChanges", c.rowChanges());
      ArrayNode ids = body.putArray("generatedIds");
      c.generatedIds().forEach(ids::add);
      body.put("token", token.toString());
      return json(StatusCodes.OK, body, headers);
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
      body.put("position", position);
      body.put("token", token.toString());
      return json(StatusCodes.GATEWAY_TIMEOUT, body, headers);
    }
    return error(StatusCodes.INTERNAL_SERVER_ERROR, "unexpected reply " + reply);
  }

  // --- transactions on rows ---

  private CompletionStage<HttpResponse> transact(HostedGroup g, HttpRequest request, JsonNode body) {
    return withSession(request, WRITE_PARAMS, session -> {
      List<Statement> statements;
      try {
        statements = StatementsJson.parse(body);
      } catch (IllegalArgumentException e) {
        return done(error(StatusCodes.BAD_REQUEST, e.getMessage()));
      }
      return write(g, request, session, "transaction of " + statements.size() + " statements",
          replyTo -> Replica.transact(statements, replyTo));
    });
  }

  // --- metrics ---

  /** The Prometheus text of the registry, after a fresh status of every hosted replica. */
  private CompletionStage<HttpResponse> scrape() {
    return CompletableFuture.allOf(metrics.refresh(system, replicas(), node, readTimeout).toCompletableFuture(),
        ringApi.refreshMetrics().toCompletableFuture(), multiLeaderApi.refreshMetrics(node).toCompletableFuture())
        .thenApply(v ->
        HttpResponse.create().withStatus(StatusCodes.OK)
            .withEntity(ContentTypes.TEXT_PLAIN_UTF8, registry.scrape()));
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

  /** The body of {@code GET /status}, as the {@link LivePage} polls it. */
  public CompletionStage<JsonNode> currentStatus() {
    return allStatus().thenApply(r -> {
      try {
        return MAPPER.readTree(((HttpEntity.Strict) r.entity()).getData().toArray());
      } catch (IOException e) {
        throw new IllegalStateException("GET /status rendered a body that is not JSON", e);
      }
    });
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
    CompletableFuture<List<JsonNode>> multiLeader = multiLeaderApi.allStatus().toCompletableFuture();
    CompletableFuture<List<JsonNode>> rings = ringApi.allStatus().toCompletableFuture();
    ShardedApi shardedApi = sharded;
    CompletableFuture<JsonNode> shardedRows = shardedApi == null ? CompletableFuture.completedFuture(null)
        : shardedApi.statusJson().toCompletableFuture();
    List<CompletableFuture<?>> all = new ArrayList<>(each);
    all.add(multiLeader);
    all.add(rings);
    all.add(shardedRows);
    return CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0])).thenApply(v -> {
      ObjectNode body = JSON.objectNode();
      body.put("node", node);
      ArrayNode groupArray = body.putArray("groups");
      each.forEach(f -> groupArray.add(f.join()));
      body.putArray("multiLeader").addAll(multiLeader.join());
      body.putArray("rings").addAll(rings.join());
      if (shardedApi != null) {
        body.set("sharded", shardedRows.join()); // this node's replicas of sharded keyspaces
      }
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
    // each follower's lag grouped by level, as pg_stat_replication's write, flush and replay lag
    JsonNode followers = node.path("followers");
    for (int i = 0; i < s.followers().size() && i < followers.size(); i++) {
      ReplicaStatus.FollowerStatus f = s.followers().get(i);
      ObjectNode lag = ((ObjectNode) followers.get(i)).putObject("lag");
      long[][] levels = {{f.receivedLagEntries(), f.receivedLagMillis()},
          {f.persistedLagEntries(), f.persistedLagMillis()}, {f.lagEntries(), f.lagMillis()}};
      for (int l = 0; l < ReplicaMetrics.LEVELS.size(); l++) {
        ObjectNode level = lag.putObject(ReplicaMetrics.LEVELS.get(l));
        level.put("entries", levels[l][0]);
        level.put("millis", levels[l][1]);
      }
    }
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

  /**
   * {@code POST /admin/force-vote/...}: sends {@link Replica.ForceVote} to {@code replica} (unsafe by design, see
   * there) and answers 200 with what it did, 409 when there was nothing to force, 503 without an answer.
   */
  static CompletionStage<HttpResponse> forceVote(akka.actor.typed.RecipientRef<Replica.Command> replica, String what,
      Optional<String> reason, Duration timeout, ActorSystem<?> system) {
    String why = reason.filter(r -> !r.isBlank()).orElse("forced through the HTTP admin route");
    return AskPattern.<Replica.Command, Replica.ForceVoteReply>ask(replica,
        replyTo -> new Replica.ForceVote(why, replyTo), timeout, system.scheduler())
        .handle((reply, failure) -> {
          if (reply instanceof Replica.VoteForced f) {
            ObjectNode body = JSON.objectNode();
            body.put("group", f.groupId());
            body.put("replica", f.replica().value());
            body.put("forced", true);
            body.put("wasRejoining", f.wasRejoining());
            body.put("reason", why);
            return json(StatusCodes.OK, body, List.of());
          } else if (reply instanceof Replica.ForceVoteRefused r) {
            return error(StatusCodes.CONFLICT, r.reason());
          }
          return error(StatusCodes.SERVICE_UNAVAILABLE, what + " did not answer the forced vote within "
              + timeout.toMillis() + " ms" + (failure == null ? "" : " (" + failure.getClass().getSimpleName() + ")"));
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
    if (g == null && (ringApi.hosts(groupId) || multiLeaderApi.hosts(groupId))) {
      return complete(error(StatusCodes.NOT_FOUND, "'" + groupId + "' is a " + (ringApi.hosts(groupId) ? "ring"
          : "multi-leader group") + ": only GET, PUT and DELETE /kv/" + groupId + "/{key} and GET /status/" + groupId
          + " serve it"));
    }
    if (g == null) {
      java.util.TreeSet<String> known = new java.util.TreeSet<>(groups.keySet());
      known.addAll(ringApi.ids());
      known.addAll(multiLeaderApi.ids());
      return complete(error(StatusCodes.NOT_FOUND, "unknown group '" + groupId + "': node " + node + " hosts "
          + (known.isEmpty() ? "no groups" : known)));
    }
    return inner.apply(g);
  }

  /** {@code GET /status/{id}} of a ring or a multi-leader group; empty for any other id. */
  private Optional<Route> familyStatus(String id) {
    CompletionStage<JsonNode> status = ringApi.hosts(id) ? ringApi.status(id)
        : multiLeaderApi.hosts(id) ? multiLeaderApi.status(id) : null;
    return Optional.ofNullable(status).map(st -> completeWithFuture(st.thenApply(json ->
        json(json.has("error") ? StatusCodes.SERVICE_UNAVAILABLE : StatusCodes.OK, json, List.of()))));
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
            + "/kv/{group}/{key}, /tx/{group}, /rows/{group}/{table}[/{primaryKey}], /metrics, "
            + "/admin/switchover/{group}?to=NODE, /admin/divergent/{group}, /admin/force-vote/{group}, "
            + "/admin/force-vote/{keyspace}/{partition}/{replica}, /ui/, /events"))))
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

  static ObjectNode errorBody(String message) {
    ObjectNode body = JSON.objectNode();
    body.put("error", message);
    return body;
  }

  static HttpResponse error(StatusCode status, String message) {
    return json(status, errorBody(message), List.of());
  }

  static HttpResponse json(StatusCode status, JsonNode body, List<HttpHeader> headers) {
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
