package io.replikit.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.Address;
import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.typed.ActorRef;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.MemberStatus;
import com.typesafe.config.ConfigFactory;
import io.replikit.replication.ReplicaId;
import io.replikit.replication.ReplicationMessage;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** When {@link ReceptionistTransport} calls a replica reachable: its rules alone, and on a local Receptionist. */
class ReceptionistTransportTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final Address NODE = new Address("akka", "replikit", "127.0.0.1", 25520);
  private static ActorTestKit kit;

  @BeforeAll
  static void start() {
    kit = ActorTestKit.create("receptionist-transport", ConfigFactory.load());
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  private static boolean onNode(MemberStatus status, boolean unreachable) {
    Map<Address, MemberStatus> members = status == null ? Map.of() : Map.of(NODE, status);
    Set<Address> gone = unreachable ? Set.of(NODE) : Set.of();
    return ReceptionistTransport.decide(false, NODE, members::get, gone::contains);
  }

  @Test
  void aReplicaNeverListedIsUnknownAndCountsAsReachableOneListedAndThenNotIsUnreachable() {
    assertTrue(ReceptionistTransport.decide(false, null, a -> MemberStatus.up(), a -> false));
    assertFalse(ReceptionistTransport.decide(true, null, a -> MemberStatus.up(), a -> false));
    assertFalse(ReceptionistTransport.decide(true, null, null, a -> false), "outside a cluster as well");
  }

  @Test
  void aListedReplicaIsReachableWhileItsNodeIsAnUpOrJoiningMemberThatTheFailureDetectorTrusts() {
    for (MemberStatus s : List.of(MemberStatus.up(), MemberStatus.weaklyUp(), MemberStatus.joining())) {
      assertTrue(onNode(s, false), s.toString());
      assertFalse(onNode(s, true), s + " but unreachable");
    }
    for (MemberStatus s : List.of(MemberStatus.down(), MemberStatus.leaving(), MemberStatus.exiting(),
        MemberStatus.removed())) {
      assertFalse(onNode(s, false), s.toString());
    }
    assertFalse(onNode(null, false), "a node that is no longer a member was removed");
    assertTrue(ReceptionistTransport.decide(false, new Address("akka", "replikit"), a -> null, a -> true),
        "a local replica");
    assertTrue(ReceptionistTransport.decide(false, NODE, null, a -> true), "no cluster: the listing decides");
  }

  @Test
  void aReplicaWhoseActorStopsIsUnreachableUntilItRegistersAgain() {
    ReceptionistTransport home = ReceptionistTransport.create(kit.system(), "g1");
    ReceptionistTransport other = ReceptionistTransport.create(kit.system(), "g1");
    ReplicaId b = ReplicaId.of("b");
    other.expect(List.of(b));
    assertTrue(other.reachable(b), "not listed yet: unknown");

    ActorRef<ReplicationMessage> first = kit.spawn(Behaviors.<ReplicationMessage>ignore(), "b-1");
    home.register(b, first);
    kit.createTestProbe().awaitAssert(WAIT, () -> {
      assertEquals(Set.of(b), other.known());
      assertTrue(other.reachable(b));
      return null;
    });

    kit.stop(first, WAIT);
    kit.createTestProbe().awaitAssert(WAIT, () -> {
      assertFalse(other.reachable(b), "listed before, not now");
      assertFalse(home.reachable(b));
      assertEquals(Set.of(), other.known());
      return null;
    });

    ActorRef<ReplicationMessage> second = kit.spawn(Behaviors.<ReplicationMessage>ignore(), "b-2");
    home.register(b, second);
    assertTrue(home.reachable(b), "registered here again");
    kit.createTestProbe().awaitAssert(WAIT, () -> {
      assertTrue(other.reachable(b), "listed again");
      return null;
    });
  }
}
