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
import io.replikit.singleleader.Replica;
import io.replikit.singleleader.ReplicaGroupSpec;
import io.replikit.singleleader.ReplicaStatus;
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
 * leader without its lease, a write not confirmed in time, a failed switchover), given by scripted replicas: each
 * answers a write according to its key.
 */
class HttpApiTest {
  private static ActorSystem<Void> system;
  private static ServerBinding binding;
  private static String base;
  private static final KvClient client = new KvClient(Duration.ofSeconds(10));

  /** A replica that answers writes by key and plays leader ({@code leads}) or a follower of n2. */
  private static Behavior<Replica.Command> scripted(boolean leads) {
    return Behaviors.receive(Replica.Command.class)
        .onMessage(Replica.Write.class, w -> {
          w.replyTo().tell(reply(w.change().key()));
          return Behaviors.same();
        })
        .onMessage(Replica.GetStatus.class, g -> {
          g.replyTo().tell(new ReplicaStatus("g", ReplicaId.of("n1"), leads ? "leader" : "follower",
              ReplicaId.of(leads ? "n1" : "n2"), 4, 10, 10, 10, 3, 1, 10, "semi-sync FIRST 1", "persisted", 0, 0,
              List.of(), List.of(), "logical", 0, null));
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
    Map<String, HostedGroup> groups = Map.of(
        "g", new HostedGroup(ReplicaGroupSpec.of("g", "n1", "n2", "n3"), leader),
        "f", new HostedGroup(ReplicaGroupSpec.of("f", "n1", "n2", "n3"), follower));
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
}
