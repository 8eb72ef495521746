package io.replikit.examples.serve;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.AskPattern;
import akka.cluster.sharding.ShardRegion;
import akka.cluster.sharding.typed.GetShardRegionState;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCode;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.PathMatchers;
import akka.http.javadsl.server.Route;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.replikit.sharding.ShardedKeyspace;
import io.replikit.sharding.ShardedReplicaGroups;
import io.replikit.singleleader.Replica;
import io.replikit.singleleader.ReplicaStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The HTTP routes of the sharded keyspaces a node hosts ({@link ServedKeyspaces}), mounted by {@link HttpApi}
 * inside its bearer-token check and JSON rejections:
 *
 * <ul>
 *   <li>{@code GET /kv/{keyspace}/{key}}: the value as the replica believed to lead the key's partition holds it
 *       (200 or 404), wherever that replica runs ({@link io.replikit.sharding.KeyRouter}).
 *   <li>{@code PUT /kv/{keyspace}/{key}[?ifVersion=N]} with a JSON value: 200 once the partition's leader
 *       acknowledged it under the group's policy; 409 on a version conflict.
 *   <li>{@code DELETE /kv/{keyspace}/{key}}: 200.
 *   <li>No leader took a write within the router's attempts: 503 (nothing was logged, or it is not known: a lost
 *       answer); logged but not confirmed in time: 504; a key or value the store refuses: 400.
 * </ul>
 *
 * A request naming no hosted keyspace is left to {@link HttpApi}'s own routes (a group of that id, or 404).
 * {@link #statusJson()} lists the replicas placed on this node, for {@code GET /status}.
 */
public final class ShardedApi extends AllDirectives {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final ObjectReader BODY_READER =
      MAPPER.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
  private static final Set<String> PUT_PARAMS = Set.of("ifVersion");

  private final ActorSystem<?> system;
  private final Map<String, ShardedReplicaGroups> keyspaces;
  private final Map<String, io.replikit.multileader.ShardedMultiLeader> multiLeader;
  private final Map<String, io.replikit.sharding.ShardedRings> rings;
  private final long maxBodyBytes;
  private final Duration readTimeout;

  /**
   * @param keyspaces the keyspaces this node hosts, by name ({@link ShardedReplicaGroups#init} done)
   * @param maxBodyBytes largest request body accepted
   * @param readTimeout how long a status request waits for one local replica
   */
  public ShardedApi(ActorSystem<?> system, Map<String, ShardedReplicaGroups> keyspaces, long maxBodyBytes,
      Duration readTimeout) {
    this(system, keyspaces, Map.of(), Map.of(), maxBodyBytes, readTimeout);
  }

  /**
   * @param multiLeader the keyspaces of multi-leader groups this node hosts, by name
   * @param rings the keyspaces of leaderless rings this node hosts, by name
   */
  public ShardedApi(ActorSystem<?> system, Map<String, ShardedReplicaGroups> keyspaces,
      Map<String, io.replikit.multileader.ShardedMultiLeader> multiLeader,
      Map<String, io.replikit.sharding.ShardedRings> rings, long maxBodyBytes, Duration readTimeout) {
    this.system = system;
    this.keyspaces = Map.copyOf(keyspaces);
    this.multiLeader = Map.copyOf(multiLeader);
    this.rings = Map.copyOf(rings);
    this.maxBodyBytes = maxBodyBytes;
    this.readTimeout = readTimeout;
  }

  public Map<String, ShardedReplicaGroups> keyspaces() {
    return keyspaces;
  }

  /** {@code /kv/{keyspace}/{key}}; rejects (so that other routes are tried) when no such keyspace is hosted. */
  public Route route() {
    return concat(kvRoute(), forceVoteRoute());
  }

  /**
   * {@code POST /admin/force-vote/{keyspace}/{partition}/{replica}?reason=...}: replica {@code r<i>} of the
   * partition's group, wherever it runs, votes again at once although it rejoins after a lost journal (unsafe by
   * design: {@link Replica.ForceVote}); for a group that stays leaderless because a majority of its replicas were
   * placed anew on nodes without their journals.
   */
  private Route forceVoteRoute() {
    return pathPrefix(PathMatchers.segment("admin").slash("force-vote").slash(PathMatchers.segment()), name ->
        path(PathMatchers.segment().slash(PathMatchers.segment()), (partition, replica) -> {
          ShardedReplicaGroups groups = keyspaces.get(name);
          if (groups == null) {
            return reject();
          }
          return post(() -> parameterOptional("reason", reason -> completeWithFuture(
              slot(groups.keyspace(), partition, replica).map(pr -> HttpApi.forceVote(groups.replica(pr[0], pr[1]),
                  "replica " + groups.keyspace().entityId(pr[0], pr[1]), reason, groups.keyspace().requestTimeout(),
                  system)).orElseGet(() -> done(error(StatusCodes.BAD_REQUEST, "keyspace '" + name + "' has "
                      + "partitions 0 to " + (groups.keyspace().partitions() - 1) + " and replicas r0 to r"
                      + (groups.keyspace().replicas() - 1) + "; got partition '" + partition + "', replica '"
                      + replica + "'"))))));
        }));
  }

  private static java.util.Optional<int[]> slot(ShardedKeyspace ks, String partition, String replica) {
    try {
      int p = Integer.parseInt(partition);
      int r = Integer.parseInt(replica.startsWith("r") ? replica.substring(1) : replica);
      return p >= 0 && p < ks.partitions() && r >= 0 && r < ks.replicas() ? java.util.Optional.of(new int[] {p, r})
          : java.util.Optional.empty();
    } catch (NumberFormatException e) {
      return java.util.Optional.empty();
    }
  }

  private Route kvRoute() {
    return pathPrefix("kv", () -> path(PathMatchers.segment().slash(PathMatchers.segment()), (name, key) -> {
      ShardedReplicaGroups groups = keyspaces.get(name);
      if (groups == null) {
        io.replikit.multileader.ShardedMultiLeader ml = multiLeader.get(name);
        if (ml != null) {
          return multiLeaderKv(ml, key);
        }
        io.replikit.sharding.ShardedRings ring = rings.get(name);
        return ring == null ? reject() : ringKv(ring, key);
      }
      return extractRequest(request -> concat(
          get(() -> completeWithFuture(noParams(request).orElseGet(() -> read(groups, key)))),
          put(() -> withBody(request, value -> write(groups, key, value, request))),
          delete(() -> completeWithFuture(noParams(request).orElseGet(() ->
              answer(groups, key, groups.router().delete(key)))))));
    }));
  }

  /**
   * {@code /kv/{keyspace}/{key}} of a keyspace of multi-leader groups: to the key's home leader in its partition's
   * group (conflict avoidance), the next replica when the home is silent; answers as a served multi-leader group.
   */
  private Route multiLeaderKv(io.replikit.multileader.ShardedMultiLeader ml, String key) {
    ShardedKeyspace ks = ml.keyspace();
    String where = "partition " + ks.partitionOf(key) + " of keyspace " + ks.name();
    String group = ks.groupId(ks.partitionOf(key));
    return extractRequest(request -> concat(
        get(() -> completeWithFuture(noParams(request).orElseGet(() -> ml.router().get(key).handle((v, failure) ->
            failure != null ? error(StatusCodes.SERVICE_UNAVAILABLE, rootMessage(failure))
                : MultiLeaderApi.valueAnswer(where, group, key, v, null))))),
        put(() -> withBody(request, value -> noParams(request).orElseGet(() ->
            mlWritten(ml, group, key, value == null || value.isNull() ? null : value,
                ml.router().put(key, value))))),
        delete(() -> completeWithFuture(noParams(request).orElseGet(() ->
            mlWritten(ml, group, key, null, ml.router().delete(key)))))));
  }

  /**
   * {@code /kv/{keyspace}/{key}} of a keyspace of leaderless rings: to a coordinator of the key's partition's ring
   * (the next replica's when one is silent); {@code ?r=}, {@code ?w=} and {@code ?context=} and the answers as a
   * served ring's.
   */
  private Route ringKv(io.replikit.sharding.ShardedRings ring, String key) {
    int partition = ring.keyspace().partitionOf(key);
    String group = ring.keyspace().groupId(partition);
    // n is the ring's R; w and r default to the template's
    io.replikit.leaderless.Keyspace template =
        io.replikit.sharding.ShardedRings.partitionKeyspace(ring.keyspace(), ring.template(), partition);
    String what = "ring " + group + " of keyspace " + ring.keyspace().name();
    return extractRequest(request -> concat(
        get(() -> completeWithFuture(params(request, RingApi.READ_PARAMS, q -> {
          int r = RingApi.quorum(q, "r", template, what);
          return ring.router().get(key, new io.replikit.leaderless.Coordinator.Quorum(0, r))
              .thenApply(reply -> RingApi.getAnswer(group, key, r, ring.router().preferred(partition).value(), reply));
        }))),
        put(() -> withBody(request, value -> params(request, RingApi.WRITE_PARAMS, q -> {
          int w = RingApi.quorum(q, "w", template, what);
          return ring.router().put(key, RingApi.parseContext(q.get("context")), value,
                  new io.replikit.leaderless.Coordinator.Quorum(w, 0))
              .thenApply(reply -> RingApi.putAnswer(group, key, false, w, ring.router().preferred(partition).value(),
                  reply));
        }))),
        delete(() -> completeWithFuture(params(request, RingApi.WRITE_PARAMS, q -> {
          int w = RingApi.quorum(q, "w", template, what);
          return ring.router().put(key, RingApi.parseContext(q.get("context")), null,
                  new io.replikit.leaderless.Coordinator.Quorum(w, 0))
              .thenApply(reply -> RingApi.putAnswer(group, key, true, w, ring.router().preferred(partition).value(),
                  reply));
        })))));
  }

  /** The query's parameters (each known, given once, well-formed) to {@code then}; 400 naming what was wrong. */
  private static CompletionStage<HttpResponse> params(HttpRequest request, Set<String> allowed,
      java.util.function.Function<Map<String, String>, CompletionStage<HttpResponse>> then) {
    try {
      return then.apply(RingApi.query(request, allowed));
    } catch (IllegalArgumentException e) {
      return done(error(StatusCodes.BAD_REQUEST, e.getMessage()));
    }
  }

  private static CompletionStage<HttpResponse> mlWritten(io.replikit.multileader.ShardedMultiLeader ml, String group,
      String key, JsonNode value, CompletionStage<io.replikit.multileader.MultiLeaderReplica.WriteReply> reply) {
    return reply.thenApply(r -> {
      if (r instanceof io.replikit.multileader.MultiLeaderReplica.Written w) {
        // a sharded replica writes under an incarnation <slot>~<id>: servedBy names the slot
        int tilde = w.origin().indexOf('~');
        return MultiLeaderApi.writtenAnswer(group, w, value == null,
            tilde < 0 ? w.origin() : w.origin().substring(0, tilde));
      }
      String reason = ((io.replikit.multileader.MultiLeaderReplica.WriteRejected) r).reason();
      // the router's own verdict when no leader answered: not the client's fault
      return reason.startsWith("no leader of group")
          ? error(StatusCodes.SERVICE_UNAVAILABLE, reason)
          : error(StatusCodes.BAD_REQUEST, "the write of '" + key + "' was refused: " + reason);
    });
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t != t.getCause()) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.toString() : t.getMessage();
  }

  private java.util.Optional<CompletionStage<HttpResponse>> noParams(HttpRequest request) {
    String query = request.getUri().rawQueryString().orElse("");
    return query.isEmpty() ? java.util.Optional.empty()
        : java.util.Optional.of(done(error(StatusCodes.BAD_REQUEST, "this route takes no query parameters, got '"
            + query + "'")));
  }

  private CompletionStage<HttpResponse> read(ShardedReplicaGroups groups, String key) {
    ShardedKeyspace ks = groups.keyspace();
    int partition = ks.partitionOf(key);
    return groups.router().get(key).thenApply(reply -> {
      ObjectNode body = where(ks, key, partition);
      if (reply instanceof Replica.Found f) {
        body.set("value", f.value());
        body.put("version", f.version());
        body.put("servedBy", f.servedBy().value());
        body.put("appliedPosition", f.appliedPosition());
        return json(StatusCodes.OK, body);
      } else if (reply instanceof Replica.NotFound nf) {
        body.put("error", "no key '" + key + "' in partition " + partition + " of keyspace " + ks.name());
        body.put("servedBy", nf.servedBy().value());
        body.put("appliedPosition", nf.appliedPosition());
        return json(StatusCodes.NOT_FOUND, body);
      } else if (reply instanceof Replica.ReadRejected r) {
        body.put("error", r.reason());
        return json(r.reason().startsWith("no replica") ? StatusCodes.SERVICE_UNAVAILABLE : StatusCodes.BAD_REQUEST,
            body);
      }
      body.put("error", "unexpected answer " + reply);
      return json(StatusCodes.INTERNAL_SERVER_ERROR, body);
    });
  }

  private CompletionStage<HttpResponse> write(ShardedReplicaGroups groups, String key, JsonNode value,
      HttpRequest request) {
    Long expected = null;
    for (Map.Entry<String, String> p : request.getUri().query().toMap().entrySet()) {
      if (!PUT_PARAMS.contains(p.getKey())) {
        return done(error(StatusCodes.BAD_REQUEST, "unknown query parameter '" + p.getKey() + "'; allowed: "
            + PUT_PARAMS));
      }
      try {
        expected = Long.parseLong(p.getValue().trim());
      } catch (NumberFormatException e) {
        return done(error(StatusCodes.BAD_REQUEST, "ifVersion must be a whole number (0 for 'absent'), was '"
            + p.getValue() + "'"));
      }
    }
    Long ifVersion = expected;
    return answer(groups, key, ifVersion == null ? groups.router().put(key, value)
        : groups.router().write(key, replyTo -> Replica.putIfVersion(key, value, ifVersion, replyTo)));
  }

  private CompletionStage<HttpResponse> answer(ShardedReplicaGroups groups, String key,
      CompletionStage<Replica.WriteReply> reply) {
    ShardedKeyspace ks = groups.keyspace();
    int partition = ks.partitionOf(key);
    return reply.thenApply(r -> {
      ObjectNode body = where(ks, key, partition);
      if (r instanceof Replica.Written w) {
        body.put("version", w.version());
        body.put("epoch", w.epoch());
        body.put("leader", groups.router().believedLeader(partition).value());
        return json(StatusCodes.OK, body);
      } else if (r instanceof Replica.VersionConflict c) {
        body.put("error", "version conflict: expected " + c.expectedVersion() + ", the key is at "
            + c.actualVersion());
        body.put("actualVersion", c.actualVersion());
        return json(StatusCodes.CONFLICT, body);
      } else if (r instanceof Replica.Rejected rej) {
        body.put("error", rej.reason());
        return json(StatusCodes.BAD_REQUEST, body);
      } else if (r instanceof Replica.NotConfirmed nc) {
        body.put("error", nc.reason() + " (logged at version " + nc.version() + ": it is not undone and may still "
            + "replicate)");
        body.put("version", nc.version());
        return json(StatusCodes.GATEWAY_TIMEOUT, body);
      } else if (r instanceof Replica.Unavailable u) {
        body.put("error", u.reason());
        return json(StatusCodes.SERVICE_UNAVAILABLE, body);
      }
      body.put("error", "unexpected answer " + r);
      return json(StatusCodes.INTERNAL_SERVER_ERROR, body);
    });
  }

  /**
   * The replicas of every hosted keyspace that run on this node (as this node's shard region knows them), each with
   * keyspace, partition, replica, role, epoch, leader, rejoining and positions (last, applied, the leader's last as
   * heard; on a leader its followers' received/persisted/applied). A replica that does not answer within the read
   * timeout is listed with an {@code error}.
   */
  public CompletionStage<JsonNode> statusJson() {
    List<CompletableFuture<List<JsonNode>>> perKeyspace = new ArrayList<>();
    for (ShardedReplicaGroups groups : new java.util.TreeMap<>(keyspaces).values()) {
      perKeyspace.add(rows(groups.typeKey(), id -> replicaJson(groups, id)));
    }
    for (io.replikit.multileader.ShardedMultiLeader ml : new java.util.TreeMap<>(multiLeader).values()) {
      perKeyspace.add(rows(ml.typeKey(), id -> multiLeaderJson(ml, id)));
    }
    for (io.replikit.sharding.ShardedRings ring : new java.util.TreeMap<>(rings).values()) {
      perKeyspace.add(rows(ring.groups().typeKey(), id -> ringJson(ring, id)));
    }
    return CompletableFuture.allOf(perKeyspace.toArray(new CompletableFuture<?>[0])).thenApply(v -> {
      ArrayNode out = JSON.arrayNode();
      perKeyspace.forEach(f -> f.join().forEach(out::add));
      return out;
    });
  }

  /** One status row per replica of {@code typeKey} this node's shard region runs. */
  private CompletableFuture<List<JsonNode>> rows(akka.cluster.sharding.typed.javadsl.EntityTypeKey<?> typeKey,
      java.util.function.Function<String, CompletionStage<JsonNode>> row) {
    return localEntities(typeKey).thenCompose(ids -> {
      List<CompletableFuture<JsonNode>> each = new ArrayList<>();
      for (String id : ids) {
        each.add(row.apply(id).toCompletableFuture());
      }
      return CompletableFuture.allOf(each.toArray(new CompletableFuture<?>[0]))
          .thenApply(v -> each.stream().map(CompletableFuture::join).toList());
    }).toCompletableFuture();
  }

  private CompletionStage<Set<String>> localEntities(akka.cluster.sharding.typed.javadsl.EntityTypeKey<?> typeKey) {
    return AskPattern.<akka.cluster.sharding.typed.ClusterShardingQuery, ShardRegion.CurrentShardRegionState>ask(
            ClusterSharding.get(system).shardState(), replyTo -> new GetShardRegionState(typeKey, replyTo),
            readTimeout, system.scheduler())
        .thenApply(state -> {
          Set<String> ids = new TreeSet<>();
          for (ShardRegion.ShardState s : state.getShards()) {
            ids.addAll(s.getEntityIds());
          }
          return ids;
        })
        .exceptionally(e -> Set.of());
  }

  /** The row's identity: keyspace, family, partition, replica, group; {@code [partition, replica]} in {@code slot}. */
  private static ObjectNode row(ShardedKeyspace ks, String family, String entityId, int[] slot) {
    io.replikit.sharding.ReplicaSlot s = io.replikit.sharding.ReplicaSlot.parse(entityId).orElseThrow(() ->
        new IllegalStateException("entity id '" + entityId + "' is not <keyspace>-p<partition>-r<replica>"));
    slot[0] = s.partition();
    slot[1] = s.replica();
    ObjectNode row = JSON.objectNode();
    row.put("keyspace", ks.name());
    row.put("family", family);
    row.put("partition", s.partition());
    row.put("replica", s.replicaId().value());
    row.put("group", s.groupId());
    return row;
  }

  private CompletionStage<JsonNode> multiLeaderJson(io.replikit.multileader.ShardedMultiLeader ml, String entityId) {
    int[] slot = new int[2];
    ObjectNode row = row(ml.keyspace(), "multi-leader", entityId, slot);
    return ml.replica(slot[0], slot[1]).<io.replikit.multileader.MultiLeaderReplica.Status>ask(
            io.replikit.multileader.MultiLeaderReplica.GetStatus::new, readTimeout)
        .<JsonNode>thenApply(st -> {
          row.put("writesAs", st.writesAs());
          ObjectNode applied = row.putObject("applied");
          new java.util.TreeMap<>(st.applied().toMap()).forEach(applied::put);
          row.put("pending", st.pending());
          row.put("keys", st.keys());
          row.put("conflicts", st.conflicts());
          ObjectNode byResolution = row.putObject("conflictsByResolution");
          new java.util.TreeMap<>(st.conflictsByResolution()).forEach(byResolution::put);
          return row;
        })
        .exceptionally(e -> {
          row.put("error", "replica " + entityId + " did not answer within " + readTimeout.toMillis() + " ms");
          return row;
        });
  }

  private CompletionStage<JsonNode> ringJson(io.replikit.sharding.ShardedRings ring, String entityId) {
    int[] slot = new int[2];
    ObjectNode row = row(ring.keyspace(), "leaderless", entityId, slot);
    return ring.replica(slot[0], slot[1]).<io.replikit.leaderless.StorageReplica.Status>ask(
            io.replikit.sharding.ShardedRings.GetReplicaStatus::new, readTimeout)
        .<JsonNode>thenApply(st -> {
          row.put("mintsAs", st.mintsAs());
          row.put("keys", st.keys());
          row.put("siblingKeys", st.siblingKeys());
          row.put("n", ring.keyspace().replicas());
          row.put("w", ring.template().w());
          row.put("r", ring.template().r());
          return row;
        })
        .exceptionally(e -> {
          row.put("error", "replica " + entityId + " did not answer within " + readTimeout.toMillis() + " ms");
          return row;
        });
  }

  private CompletionStage<JsonNode> replicaJson(ShardedReplicaGroups groups, String entityId) {
    int[] slot = new int[2];
    ObjectNode row = row(groups.keyspace(), "single-leader", entityId, slot);
    int partition = slot[0];
    int replica = slot[1];
    return groups.replica(partition, replica).<ReplicaStatus>ask(Replica.GetStatus::new, readTimeout)
        .<JsonNode>thenApply(s -> {
          row.put("role", s.role());
          row.put("epoch", s.epoch());
          row.put("leader", s.leader() == null ? null : s.leader().value());
          row.put("rejoining", s.rejoining());
          row.put("lastPosition", s.lastPosition());
          row.put("appliedPosition", s.appliedPosition());
          row.put("leaderLastPosition", s.leaderLastPosition());
          row.put("keys", s.keys());
          ArrayNode followers = row.putArray("followers");
          for (ReplicaStatus.FollowerStatus f : s.followers()) {
            followers.add(MAPPER.valueToTree(f));
          }
          return row;
        })
        .exceptionally(e -> {
          row.put("error", "replica " + entityId + " did not answer within " + readTimeout.toMillis() + " ms");
          return row;
        });
  }

  // --- helpers ---

  private static ObjectNode where(ShardedKeyspace ks, String key, int partition) {
    ObjectNode body = JSON.objectNode();
    body.put("keyspace", ks.name());
    body.put("key", key);
    body.put("partition", partition);
    return body;
  }

  private Route withBody(HttpRequest request, java.util.function.Function<JsonNode,
      CompletionStage<HttpResponse>> then) {
    return extractRequestEntity(entity -> extractMaterializer(mat -> completeWithFuture(
        entity.withSizeLimit(maxBodyBytes).toStrict(readTimeout.toMillis(), mat).handle((strict, failure) -> {
          if (failure != null) {
            String m = String.valueOf(failure.getMessage());
            return done(m.contains("exceeded") || m.contains("EntityStreamSizeException")
                || failure.getClass().getSimpleName().contains("SizeException")
                ? error(StatusCodes.PAYLOAD_TOO_LARGE, "the body is larger than " + maxBodyBytes + " bytes")
                : error(StatusCodes.BAD_REQUEST, "could not read the body: " + m));
          }
          String text = strict.getData().utf8String();
          if (text.isBlank()) {
            return done(error(StatusCodes.BAD_REQUEST, "the body must be a JSON value, and it is empty"));
          }
          JsonNode value;
          try {
            value = BODY_READER.readTree(text);
          } catch (JsonProcessingException e) {
            return done(error(StatusCodes.BAD_REQUEST, "the body is not JSON: " + e.getOriginalMessage()));
          }
          return then.apply(value);
        }).thenCompose(java.util.function.Function.identity()))));
  }

  private static CompletionStage<HttpResponse> done(HttpResponse r) {
    return CompletableFuture.completedFuture(r);
  }

  private static HttpResponse error(StatusCode status, String message) {
    ObjectNode body = JSON.objectNode();
    body.put("error", message);
    return json(status, body);
  }

  private static HttpResponse json(StatusCode status, JsonNode body) {
    return HttpResponse.create().withStatus(status)
        .withEntity(ContentTypes.APPLICATION_JSON, body.toString());
  }

  /** Only for callers that need the rows keyed: entity id to row. */
  static Map<String, JsonNode> byEntity(JsonNode rows) {
    Map<String, JsonNode> out = new LinkedHashMap<>();
    rows.forEach(r -> out.put(r.path("keyspace").asText() + "-p" + r.path("partition").asInt() + "-"
        + r.path("replica").asText(), r));
    return out;
  }
}
