package io.replikit.leaderless.ring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import akka.cluster.typed.Cluster;
import akka.cluster.typed.Leave;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.replikit.cluster.ReceptionistTransport;
import io.replikit.leaderless.Coordinator;
import io.replikit.leaderless.Keyspace;
import io.replikit.leaderless.StorageReplica;
import io.replikit.leaderless.antientropy.AntiEntropy;
import io.replikit.testkit.LoopbackCluster;
import io.replikit.versioning.VersionVector;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Three Akka Cluster nodes in one JVM (loopback Artery), each with a storage replica, a coordinator and a
 * {@link RingMembership} of one keyspace: the ring is made of the Up members, a write through one node's coordinator
 * is read through another's, and when a member leaves the coordinators are told a ring without it and keep serving.
 */
class RingMembershipTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  // generous: the test must pass on a loaded 2-core machine; the waits end as soon as the condition holds
  private static final List<String> NODES = List.of("n1", "n2", "n3");
  private final Map<String, ActorTestKit> nodes = new LinkedHashMap<>();
  private final Map<String, ActorRef<RingMembership.Command>> memberships = new LinkedHashMap<>();
  private final Map<String, ActorRef<Coordinator.Command>> coordinators = new LinkedHashMap<>();

  @AfterEach
  void stopNodes() {
    nodes.values().forEach(ActorTestKit::shutdownTestKit);
  }

  private static Config nodeConfig(String id) {
    return LoopbackCluster.nodeConfig("""
        akka.cluster.roles = ["replikit-node:%s", "storage"]
        akka.actor.serialize-messages = on
        """.formatted(id))
        .withFallback(akka.persistence.testkit.PersistenceTestKitPlugin.getInstance().config())
        .withFallback(akka.persistence.testkit.PersistenceTestKitSnapshotPlugin.config())
        .withFallback(ConfigFactory.load());
  }

  @Test
  void theRingFollowsTheUpMembersAndAPutOnOneNodeIsReadOnAnother() {
    Keyspace ks = new Keyspace("carts", 3, 2, 2, Duration.ofSeconds(5), Keyspace.Conflicts.SIBLINGS,
        Keyspace.ReadRepair.BLOCKING);
    for (String id : NODES) {
      nodes.put(id, ActorTestKit.create("replikit", nodeConfig(id)));
    }
    LoopbackCluster.joinAndAwaitUp(nodes.values().stream().map(ActorTestKit::system).toList(), WAIT);

    for (String id : NODES) {
      ActorTestKit kit = nodes.get(id);
      RingMembership.Settings settings = RingMembership.Settings.fromConfig(kit.system().settings().config());
      memberships.put(id, kit.spawn(RingMembership.create(settings), "ring"));
      kit.spawn(StorageReplica.create(ks, id, ReceptionistTransport.create(kit.system(), ks.name())), "replica");
    }
    for (String id : NODES) {
      Ring ring = awaitRing(id, Set.of("n1", "n2", "n3"));
      ActorTestKit kit = nodes.get(id);
      ActorRef<Coordinator.Command> c = kit.spawn(Coordinator.create(ks, ring, id,
          ReceptionistTransport.create(kit.system(), ks.name())), "coordinator");
      memberships.get(id).tell(new RingMembership.Register(c));
      coordinators.put(id, c);
    }
    for (String id : NODES) { // the Receptionist listings reach every node: reads then find a quorum everywhere
      awaitQuorumRead(id);
    }

    Coordinator.PutOk put = assertInstanceOf(Coordinator.PutOk.class, put("n1", "cart:ada",
        "milk"), "put through n1");
    assertTrue(put.acknowledged() >= 2, put.toString());
    Coordinator.GetOk read = assertInstanceOf(Coordinator.GetOk.class, get("n3", "cart:ada"));
    assertEquals(List.of(JsonNodeFactory.instance.textNode("milk")), read.values(), "n3 reads what n1 wrote");

    // a probe registered as a coordinator sees each ring n1 hands out
    TestProbe<Coordinator.Command> watcher = nodes.get("n1").createTestProbe();
    memberships.get("n1").tell(new RingMembership.Register(watcher.getRef()));
    Coordinator.UpdateRing initial = watcher.expectMessageClass(Coordinator.UpdateRing.class);
    assertEquals(Set.of("n1", "n2", "n3"), ids(initial.ring()), "told the current ring on registration");
    // and one registered as a storage replica is told each ring for its anti-entropy trees
    TestProbe<StorageReplica.Command> replicaWatcher = nodes.get("n1").createTestProbe();
    memberships.get("n1").tell(new RingMembership.RegisterReplica(replicaWatcher.getRef()));
    AntiEntropy.UpdateRing replicaInitial = replicaWatcher.expectMessageClass(AntiEntropy.UpdateRing.class);
    assertEquals(Set.of("n1", "n2", "n3"), ids(replicaInitial.ring()), "a replica is told the current ring too");

    Cluster n3 = Cluster.get(nodes.get("n3").system());
    n3.manager().tell(new Leave(n3.selfMember().address()));
    Coordinator.UpdateRing after = watcher.expectMessageClass(Coordinator.UpdateRing.class, WAIT);
    assertEquals(Set.of("n1", "n2"), ids(after.ring()), "n3 left the ring");
    assertEquals(Set.of("n1", "n2"), ids(replicaWatcher.expectMessageClass(AntiEntropy.UpdateRing.class, WAIT).ring()),
        "the replica's trees are told n3 left");
    awaitRing("n2", Set.of("n1", "n2"));

    // with n3 off the ring every key's replicas are n1 and n2 (w = r = 2 of them)
    Coordinator.PutOk second = assertInstanceOf(Coordinator.PutOk.class, put("n2", "cart:bob", "eggs"));
    assertEquals(Set.of("n1", "n2"), Set.copyOf(second.replicas()), second.toString());
    Coordinator.GetOk secondRead = assertInstanceOf(Coordinator.GetOk.class, get("n1", "cart:bob"));
    assertEquals(List.of(JsonNodeFactory.instance.textNode("eggs")), secondRead.values());
  }

  @Test
  void settingsNameTheNodeByItsRoleOrItsAddressAndRefuseNoVirtualNodes() {
    RingMembership.Settings s = new RingMembership.Settings("storage", 8, "replikit-node:");
    assertEquals("n7", s.nodeId(Set.of("storage", "replikit-node:n7"), "127.0.0.1:2552"));
    assertEquals("127.0.0.1:2552", s.nodeId(Set.of("storage"), "127.0.0.1:2552"));
    assertTrue(s.places(Set.of("storage")));
    assertTrue(!s.places(Set.of("frontend")), "a member without the role is not placed");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new RingMembership.Settings("", 0, "x"));
    assertTrue(e.getMessage().contains("vnodes"), e.getMessage());
    RingMembership.Settings defaults = RingMembership.Settings.fromConfig(ConfigFactory.load());
    assertEquals(64, defaults.vnodesPerNode());
    assertEquals("", defaults.role());
  }

  private Ring awaitRing(String node, Set<String> expected) {
    TestProbe<RingMembership.CurrentRing> probe = nodes.get(node).createTestProbe();
    return probe.awaitAssert(WAIT, Duration.ofMillis(100), () -> {
      memberships.get(node).tell(new RingMembership.GetRing(probe.getRef()));
      Ring ring = probe.expectMessageClass(RingMembership.CurrentRing.class).ring().orElseThrow();
      assertEquals(expected, ids(ring), node + "'s ring");
      return ring;
    });
  }

  private void awaitQuorumRead(String node) {
    TestProbe<Coordinator.GetReply> probe = nodes.get(node).createTestProbe();
    probe.awaitAssert(WAIT, Duration.ofMillis(200), () -> {
      for (int k = 0; k < 6; k++) { // keys placed on every replica
        coordinators.get(node).tell(new Coordinator.Get("probe:" + k, Coordinator.Quorum.DEFAULT, probe.getRef()));
        assertInstanceOf(Coordinator.GetOk.class, probe.expectMessageClass(Coordinator.GetReply.class,
            Duration.ofSeconds(8)));
      }
      return null;
    });
  }

  private Coordinator.PutReply put(String node, String key, String value) {
    TestProbe<Coordinator.PutReply> probe = nodes.get(node).createTestProbe();
    coordinators.get(node).tell(new Coordinator.Put(key, JsonNodeFactory.instance.textNode(value),
        VersionVector.empty(), Coordinator.Quorum.DEFAULT, probe.getRef()));
    return probe.expectMessageClass(Coordinator.PutReply.class, Duration.ofSeconds(15));
  }

  private Coordinator.GetReply get(String node, String key) {
    TestProbe<Coordinator.GetReply> probe = nodes.get(node).createTestProbe();
    coordinators.get(node).tell(new Coordinator.Get(key, Coordinator.Quorum.DEFAULT, probe.getRef()));
    return probe.expectMessageClass(Coordinator.GetReply.class, Duration.ofSeconds(15));
  }

  private static Set<String> ids(Ring ring) {
    return ring.nodes().stream().map(RingNode::id).collect(Collectors.toSet());
  }
}
