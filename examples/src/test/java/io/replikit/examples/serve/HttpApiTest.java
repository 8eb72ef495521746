package io.replikit.examples.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import akka.http.javadsl.Http;
import akka.http.javadsl.ServerBinding;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.typesafe.config.ConfigFactory;
import io.replikit.examples.support.KvClient;
import io.replikit.replication.ReplicaId;
import io.replikit.singleleader.ReadConsistency;
import io.replikit.singleleader.Replica;
import io.replikit.singleleader.ReplicaGroupSpec;
import io.replikit.singleleader.ReplicaStatus;
import io.replikit.store.StoreItem;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The HTTP answers to the replies a one-node test cannot provoke on demand (a follower that knows its leader, a
 * leader without its lease, a write not confirmed in time, a failed switchover, a follower that lags), given by
 * scripted replicas: each answers a write according to its key, and a read according to how far behind it plays.
 */
class HttpApiTest {
  private static ActorSystem<Void> system;
  private static ServerBinding binding;
  private static String base;
  private static final KvClient client = new KvClient(Duration.ofSeconds(10));

  /**
   * How a scripted replica reads: its role and leader, the position it has applied and how old its data is. It
   * serves a read that asks for no more than that and answers {@code TooStale} at once otherwise.
   */
  private record Lag(String role, String leader, long applied, long staleness) {}

  /** A replica that answers writes by key and plays leader ({@code leads}) or a follower of n2. */
  private static Behavior<Replica.Command> scripted(boolean leads) {
    return scripted(leads ? new Lag("leader", "n1", 10, 0) : new Lag("follower", "n2", 10, 20));
  }

  private static Behavior<Replica.Command> scripted(Lag lag) {
    ReplicaId self = ReplicaId.of("n1");
    return Behaviors.receive(Replica.Command.class)
        .onMessage(Replica.Write.class, w -> {
          w.replyTo().tell(reply(w.change().key()));
          return Behaviors.same();
        })
        .onMessage(Replica.Transact.class, t -> {
          t.replyTo().tell(new Replica.Committed(8, 4, List.of(42L), t.statements().size()));
          return Behaviors.same();
        })
        .onMessage(Replica.Read.class, r -> {
          r.replyTo().tell(meets(lag, r.consistency())
              ? new Replica.Found(r.key(), JsonNodeFactory.instance.textNode("old"), 3, self, lag.applied(),
                  lag.staleness())
              : tooStale(lag, r.consistency()));
          return Behaviors.same();
        })
        .onMessage(Replica.ReadTable.class, r -> {
          r.replyTo().tell(meets(lag, r.consistency())
              ? new Replica.TableRows(r.table(), List.of(new StoreItem("alice",
                  JsonNodeFactory.instance.objectNode().put("name", "Alice"), 4)), self, lag.applied(),
                  lag.staleness())
              : tooStale(lag, r.consistency()));
          return Behaviors.same();
        })
        .onMessage(Replica.GetStatus.class, g -> {
          g.replyTo().tell(new ReplicaStatus("g", self, lag.role(),
              lag.leader() == null ? null : ReplicaId.of(lag.leader()), 4, lag.applied(), lag.applied(), 10, 3, 1,
              10, "semi-sync FIRST 1", "persisted", 0, 0, List.of(), List.of(), "logical", lag.staleness(), null));
          return Behaviors.same();
        })
        .onMessage(Replica.ForceVote.class, f -> {
          f.replyTo().tell("leader".equals(lag.role())
              ? new Replica.ForceVoteRefused(self, "replica n1 of group g is not rejoining after a lost journal: it "
                  + "votes already, there is nothing to force")
              : new Replica.VoteForced(self, "f", true));
          return Behaviors.same();
        })
        .onMessage(Replica.Switchover.class, s -> {
          s.replyTo().tell(s.target().value().equals("n2")
              ? new Replica.SwitchoverDone(s.target(), 5)
              : new Replica.SwitchoverFailed(s.target() + " did not take over within 10s; n1 keeps leading"));
          return Behaviors.same();
        })
        .build();
  }

  private static boolean meets(Lag lag, ReadConsistency c) {
    return c.minPosition() <= lag.applied()
        && (c.maxStalenessMillis() < 0 || (lag.staleness() >= 0 && lag.staleness() <= c.maxStalenessMillis()));
  }

  private static Replica.TooStale tooStale(Lag lag, ReadConsistency c) {
    return new Replica.TooStale(ReplicaId.of("n1"), lag.applied(), c.minPosition(), lag.staleness(),
        "replica n1 has applied the log up to position " + lag.applied() + ", not yet " + c.minPosition(),
        lag.leader() == null ? null : ReplicaId.of(lag.leader()));
  }

  private static Replica.WriteReply reply(String key) {
    switch (key) {
      case "redirect":
        return new Replica.NotLeader(ReplicaId.of("n2"), "n1 is not the leader; send writes to n2");
      case "no-address":
        return new Replica.NotLeader(ReplicaId.of("n3"), "n1 is not the leader; send writes to n3");
      case "electing":
        return new Replica.NotLeader(null, "no leader known yet");
      case "lease":
        return new Replica.Unavailable("no majority answered within 900ms");
      case "slow":
        return new Replica.NotConfirmed("slow", 42, "1 of 1 synchronous followers did not confirm within 10s");
      case "refused":
        return new Replica.Rejected("value for key 'refused' is 2000000 bytes; the limit is 1048576");
      default:
        return new Replica.Written(key, 7, 4);
    }
  }

  @BeforeAll
  static void start() throws Exception {
    system = ActorSystem.create(Behaviors.empty(), "http-api-test", ConfigFactory.parseString(
        "akka.actor.provider = local").withFallback(ConfigFactory.load()));
    ActorRef<Replica.Command> leader = system.systemActorOf(scripted(true), "leader", akka.actor.typed.Props.empty());
    ActorRef<Replica.Command> follower =
        system.systemActorOf(scripted(false), "follower", akka.actor.typed.Props.empty());
    ActorRef<Replica.Command> lagging = system.systemActorOf(scripted(new Lag("follower", "n2", 5, 1500)),
        "lagging", akka.actor.typed.Props.empty());
    ActorRef<Replica.Command> stranded = system.systemActorOf(scripted(new Lag("follower", null, 5, -1)),
        "stranded", akka.actor.typed.Props.empty());
    Map<String, HostedGroup> groups = Map.of(
        "g", new HostedGroup(ReplicaGroupSpec.of("g", "n1", "n2", "n3"), leader),
        "f", new HostedGroup(ReplicaGroupSpec.of("f", "n1", "n2", "n3"), follower),
        "lag", new HostedGroup(ReplicaGroupSpec.of("lag", "n2", "n1", "n3"), lagging),
        "lost", new HostedGroup(ReplicaGroupSpec.of("lost", "n2", "n1", "n3"), stranded));
    HttpApi api = new HttpApi(system, "n1", groups, Map.of("n2", "127.0.0.1:9082"), 1024, Duration.ofSeconds(5),
        Duration.ofSeconds(1), JsonNodeFactory.instance::objectNode);
    binding = Http.get(system).newServerAt("127.0.0.1", 0).bind(api.route()).toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
    base = "http://127.0.0.1:" + binding.localAddress().getPort();
  }

  @AfterAll
  static void stop() throws Exception {
    if (system != null) {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(20, TimeUnit.SECONDS);
    }
  }

  private static KvClient.Response call(String method, String path, String body) {
    try {
      return client.send(method, URI.create(base + path), body);
    } catch (IOException e) {
      throw new AssertionError(method + " " + path + " failed: " + e, e);
    }
  }

  /** {@code method path} with extra request headers (name, value, name, value, ...). */
  private static KvClient.Response call(String method, String path, String body, String... headers) {
    return TestHttp.send(method, base + path, body, headers);
  }

  @Test
  void aWriteToAFollowerIsRedirectedToTheLeaderWithTheSamePathAndQuery() {
    KvClient.Response put = call("PUT", "/kv/g/redirect?ifVersion=3", "1");
    assertEquals(307, put.status(), put.toString());
    assertEquals("http://127.0.0.1:9082/kv/g/redirect?ifVersion=3", put.header("Location").orElseThrow());
    assertEquals("n2", put.body().path("leader").asText());
    assertEquals(307, call("DELETE", "/kv/g/redirect", null).status());
  }

  @Test
  void noKnownLeaderOrNoAddressForItIs503() {
    KvClient.Response electing = call("PUT", "/kv/g/electing", "1");
    assertEquals(503, electing.status(), electing.toString());
    assertTrue(electing.body().path("leader").isNull(), electing.toString());
    KvClient.Response noAddress = call("PUT", "/kv/g/no-address", "1");
    assertEquals(503, noAddress.status(), noAddress.toString());
    assertTrue(noAddress.body().path("error").asText().contains("n3"), noAddress.toString());
  }

  @Test
  void aLeaderWithoutItsLeaseIs503AndSaysNothingWasLogged() {
    KvClient.Response lease = call("PUT", "/kv/g/lease", "1");
    assertEquals(503, lease.status(), lease.toString());
    assertTrue(lease.body().path("error").asText().contains("nothing was logged"), lease.toString());
    assertEquals("1", lease.header("Retry-After").orElseThrow());
  }

  @Test
  void aWriteNotConfirmedInTimeIs504AndSaysItIsInTheLog() {
    KvClient.Response slow = call("PUT", "/kv/g/slow", "1");
    assertEquals(504, slow.status(), slow.toString());
    assertEquals(42, slow.body().path("version").asLong());
    assertTrue(slow.body().path("error").asText().contains("in the leader's log"), slow.toString());
  }

  @Test
  void aWriteTheReplicaRejectsIs400WithItsReason() {
    KvClient.Response refused = call("PUT", "/kv/g/refused", "1");
    assertEquals(400, refused.status(), refused.toString());
    assertTrue(refused.body().path("error").asText().contains("limit"), refused.toString());
  }

  @Test
  void aSwitchoverIsDoneOrRefusedOnTheLeaderAndRedirectedOnAFollower() {
    KvClient.Response done = call("POST", "/admin/switchover/g?to=n2", null);
    assertEquals(200, done.status(), done.toString());
    assertEquals("n2", done.body().path("newLeader").asText());
    assertEquals(5, done.body().path("epoch").asLong());

    KvClient.Response failed = call("POST", "/admin/switchover/g?to=n3", null);
    assertEquals(409, failed.status(), failed.toString());
    assertTrue(failed.body().path("error").asText().contains("did not take over"), failed.toString());

    KvClient.Response redirected = call("POST", "/admin/switchover/f?to=n3", null);
    assertEquals(307, redirected.status(), redirected.toString());
    assertEquals("http://127.0.0.1:9082/admin/switchover/f?to=n3", redirected.header("Location").orElseThrow());
  }

  @Test
  void aForcedVoteIsDoneOnARejoiningReplicaAndRefusedWhereThereIsNothingToForce() {
    KvClient.Response forced = call("POST", "/admin/force-vote/f?reason=two%20journals%20lost", null);
    assertEquals(200, forced.status(), forced.toString());
    assertEquals("n1", forced.body().path("replica").asText());
    assertTrue(forced.body().path("wasRejoining").asBoolean(), forced.toString());
    assertEquals("two journals lost", forced.body().path("reason").asText(), forced.toString());

    KvClient.Response nothing = call("POST", "/admin/force-vote/g", null);
    assertEquals(409, nothing.status(), nothing.toString());
    assertTrue(nothing.body().path("error").asText().contains("nothing to force"), nothing.toString());
    assertEquals(405, call("GET", "/admin/force-vote/g", null).status(), "a forced vote is a POST");
  }

  // --- reads under lag ---

  @Test
  void aWriteAnswersWithItsPositionAndTheSessionTokenRaisedToIt() {
    KvClient.Response put = call("PUT", "/kv/g/k", "1");
    assertEquals(200, put.status(), put.toString());
    assertEquals(7, put.body().path("position").asLong());
    assertEquals("g=7", put.header(SessionToken.HEADER).orElseThrow());
    assertEquals("g=7", put.body().path("token").asText());

    KvClient.Response withToken = call("PUT", "/kv/g/k", "1", SessionToken.HEADER, "other=3,g=2");
    assertEquals("g=7,other=3", withToken.header(SessionToken.HEADER).orElseThrow(),
        "the token keeps the groups it carried and raises this one");
    KvClient.Response higher = call("DELETE", "/kv/g/k", null, SessionToken.HEADER, "g=12");
    assertEquals("g=12", higher.header(SessionToken.HEADER).orElseThrow(), "a token never goes down");

    KvClient.Response tx = call("POST", "/tx/g", "[{\"statement\":\"insert\",\"table\":\"users\","
        + "\"primaryKey\":{\"expr\":\"next-id\"},\"columns\":{\"name\":\"Alice\"}}]");
    assertEquals(200, tx.status(), tx.toString());
    assertEquals(8, tx.body().path("position").asLong());
    assertEquals(42, tx.body().path("generatedIds").path(0).asLong());
    assertEquals(1, tx.body().path("rowChanges").asInt());
    assertEquals("g=8", tx.header(SessionToken.HEADER).orElseThrow());
  }

  @Test
  void aPlainReadIsServedByTheLaggingFollowerAndSaysHowFarBehindItIs() {
    KvClient.Response get = call("GET", "/kv/lag/x", null);
    assertEquals(200, get.status(), get.toString());
    assertEquals("old", get.body().path("value").asText());
    assertEquals("n1", get.header(HttpApi.SERVED_BY_HEADER).orElseThrow());
    assertEquals("5", get.header(HttpApi.APPLIED_POSITION_HEADER).orElseThrow());
    assertEquals("1500", get.header(HttpApi.STALENESS_HEADER).orElseThrow());
    assertEquals("lag=5", get.header(SessionToken.HEADER).orElseThrow(), "the token carries what was seen");
    assertEquals(1500, get.body().path("stalenessMillis").asLong());
    assertEquals(5, get.body().path("appliedPosition").asLong());

    KvClient.Response rows = call("GET", "/rows/lag/users", null);
    assertEquals(200, rows.status(), rows.toString());
    assertEquals("alice", rows.body().path("rows").path(0).path("primaryKey").asText());
    assertEquals("Alice", rows.body().path("rows").path(0).path("values").path("name").asText());
    assertEquals("lag=5", rows.header(SessionToken.HEADER).orElseThrow());
  }

  @Test
  void aReadAskingForMoreThanTheFollowerHasIsRedirectedToTheLeaderWithThePositionItNeeds() {
    KvClient.Response token = call("GET", "/kv/lag/x?wait-ms=0", null, SessionToken.HEADER, "lag=9,other=2");
    assertEquals(307, token.status(), "never the old value: " + token);
    assertEquals("http://127.0.0.1:9082/kv/lag/x?wait-ms=0&min-position=9", token.header("Location").orElseThrow());
    assertEquals(5, token.body().path("appliedPosition").asLong());
    assertEquals(9, token.body().path("requiredPosition").asLong());
    assertEquals(1500, token.body().path("stalenessMillis").asLong());
    assertEquals("n2", token.body().path("leader").asText());
    assertEquals("lag=9,other=2", token.header(SessionToken.HEADER).orElseThrow());

    KvClient.Response position = call("GET", "/kv/lag/x?min-position=9", null);
    assertEquals(307, position.status(), position.toString());
    assertEquals("http://127.0.0.1:9082/kv/lag/x?min-position=9", position.header("Location").orElseThrow());

    KvClient.Response bounded = call("GET", "/kv/lag/x?max-staleness-ms=100", null);
    assertEquals(307, bounded.status(), bounded.toString());
    assertEquals("http://127.0.0.1:9082/kv/lag/x?max-staleness-ms=100", bounded.header("Location").orElseThrow());
    assertEquals(100, bounded.body().path("maxStalenessMillis").asLong());
    assertEquals(200, call("GET", "/kv/lag/x?max-staleness-ms=2000", null).status(), "1500 ms is within 2000");

    KvClient.Response rows = call("GET", "/rows/lag/users/alice?min-position=6", null);
    assertEquals(307, rows.status(), rows.toString());
    assertEquals("http://127.0.0.1:9082/rows/lag/users/alice?min-position=6", rows.header("Location").orElseThrow());
  }

  @Test
  void aReadNoReplicaHereCanServeIsRefusedWith412NamingHowFarBehindItIs() {
    KvClient.Response noLeader = call("GET", "/kv/lost/x?min-position=9", null);
    assertEquals(412, noLeader.status(), noLeader.toString());
    assertEquals(5, noLeader.body().path("appliedPosition").asLong());
    assertEquals(9, noLeader.body().path("requiredPosition").asLong());
    assertEquals(-1, noLeader.body().path("stalenessMillis").asLong());
    assertTrue(noLeader.body().path("error").asText().contains("no leader"), noLeader.toString());
    assertEquals("1", noLeader.header("Retry-After").orElseThrow());

    KvClient.Response leaderBehind = call("GET", "/kv/g/x", null, SessionToken.HEADER, "g=99");
    assertEquals(412, leaderBehind.status(), "a leader has no one to send the read to: " + leaderBehind);
    assertEquals(10, leaderBehind.body().path("appliedPosition").asLong());
  }

  @Test
  void aUsersWritesRaiseWhatThatUsersReadsAskForOnThisNode() {
    assertEquals(0, call("GET", "/kv/g/x?user=alice", null).body().path("requiredPosition").asLong());
    KvClient.Response put = call("PUT", "/kv/g/k?user=alice", "1");
    assertEquals(200, put.status(), put.toString());
    KvClient.Response laptop = call("GET", "/kv/g/x?user=alice", null);
    assertEquals(200, laptop.status(), laptop.toString());
    assertEquals(7, laptop.body().path("requiredPosition").asLong(), "alice's write at 7 is what her reads need");
    KvClient.Response phone = call("GET", "/kv/g/x", null, HttpApi.USER_HEADER, "alice");
    assertEquals(7, phone.body().path("requiredPosition").asLong(), "the header names the user too");
    assertEquals(0, call("GET", "/kv/g/x?user=bob", null).body().path("requiredPosition").asLong());
  }

  @Test
  void badReadParametersAndSessionHeadersAre400SayingWhatIsWrong() {
    assertBadRequest(call("GET", "/kv/lag/x?min-position=latest", null), "min-position");
    assertBadRequest(call("GET", "/kv/lag/x?min-position=-1", null), "min-position");
    assertBadRequest(call("GET", "/kv/lag/x?max-staleness-ms=1.5", null), "max-staleness-ms");
    assertBadRequest(call("GET", "/kv/lag/x?wait-ms=600000", null), "wait-ms");
    assertBadRequest(call("GET", "/kv/lag/x?minposition=3", null), "unknown query parameter 'minposition'");
    assertBadRequest(call("GET", "/kv/lag/x?min-position=3&min-position=4", null), "2 times");
    assertBadRequest(call("GET", "/rows/lag/users?wait=3", null), "unknown query parameter 'wait'");
    assertBadRequest(call("GET", "/kv/lag/x", null, SessionToken.HEADER, "lag:9"), SessionToken.HEADER);
    assertBadRequest(call("GET", "/kv/lag/x?user=a%20b", null), "user");
    assertBadRequest(call("GET", "/kv/lag/x?user=alice", null, HttpApi.USER_HEADER, "bob"), "different users");
    assertBadRequest(call("PUT", "/kv/g/k?usr=alice", "1"), "unknown query parameter 'usr'");
    assertBadRequest(call("PUT", "/kv/g/k", "1", SessionToken.HEADER, "g=x"), SessionToken.HEADER);
    assertBadRequest(call("POST", "/tx/g", "{\"statement\":\"insert\"}"), "JSON array");
    assertEquals(200, call("GET", "/kv/lag/x", null).status(), "and the node still serves");
  }

  private static void assertBadRequest(KvClient.Response r, String mentioned) {
    assertEquals(400, r.status(), r.toString());
    assertTrue(r.body().path("error").asText().contains(mentioned), "mentions " + mentioned + ": " + r);
  }
}
