package io.replikit.examples.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.Address;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.Member;
import akka.cluster.MemberStatus;
import akka.cluster.typed.Cluster;
import akka.cluster.typed.Join;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigUtil;
import io.replikit.examples.serve.ServeSettings;
import io.replikit.examples.support.Poll;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Nodes configured as {@code replikit serve} configures them ({@link ServeSettings#akkaConfig}) with
 * {@code replikit.serve.tls}: n1 and n2 hold keys the cluster's CA signed and form a cluster over TLS; a node whose
 * certificate another CA signed, and a node without TLS at all, try to join through n1 and never become members.
 */
class TlsClusterTest {
  private static final Duration JOIN_TIMEOUT = Duration.ofSeconds(30);
  private static ActorSystem<Void> n1;
  private static ActorSystem<Void> n2;
  private static String seed;
  private ActorSystem<Void> intruder;

  @BeforeAll
  static void startCluster() {
    TestCertificateAuthority ca = TestCas.cluster();
    n1 = start("n1", List.of(), tls(ca.keyStore("n1"), ca.trustStore(), ca.password()));
    Address a1 = Cluster.get(n1).selfMember().address();
    Cluster.get(n1).manager().tell(Join.create(a1));
    seed = a1.getHost().get() + ":" + a1.getPort().get();
    n2 = start("n2", List.of(seed), tls(ca.keyStore("n2"), ca.trustStore(), ca.password()));
    Poll.until(JOIN_TIMEOUT, "n1 and n2 are both Up, as both see it",
        () -> upMembers(n1).equals(Set.of("n1", "n2")) && upMembers(n2).equals(Set.of("n1", "n2")));
  }

  @AfterAll
  static void stopCluster() throws Exception {
    for (ActorSystem<Void> s : new ArrayList<>(java.util.Arrays.asList(n2, n1))) {
      if (s != null) {
        s.terminate();
        s.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
      }
    }
  }

  @AfterEach
  void stopIntruder() throws Exception {
    if (intruder != null) {
      intruder.terminate();
      intruder.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
      intruder = null;
    }
  }

  private static String tls(Path keyStore, Path trustStore, String password) {
    return "replikit.serve.tls { enabled = on, key-store = " + ConfigUtil.quoteString(keyStore.toString())
        + ", trust-store = " + ConfigUtil.quoteString(trustStore.toString()) + ", password = "
        + ConfigUtil.quoteString(password) + ", hostname-verification = on }";
  }

  /** A node as {@code replikit serve --node NAME --port 0} configures its actor system. */
  private static ActorSystem<Void> start(String node, List<String> seeds, String tls) {
    Config config = ConfigFactory.parseString(String.join("\n",
        "replikit.serve { node = " + node + ", port = 0, http-port = 0 }",
        "replikit.serve.seed-nodes = [" + seeds.stream().map(ConfigUtil::quoteString).collect(Collectors.joining(","))
            + "]",
        "replikit.journal { kind = h2-memory, h2-memory.name = tls-" + node + " }",
        // the intruders give up a join attempt after 2 s rather than 5 s: the test sees a refused join sooner
        "akka.cluster.seed-node-timeout = 2s",
        tls)).withFallback(ConfigFactory.load()).resolve();
    ServeSettings settings = ServeSettings.fromConfig(config);
    return ActorSystem.create(Behaviors.empty(), ServeSettings.SYSTEM_NAME, settings.akkaConfig(config));
  }

  private static Set<String> upMembers(ActorSystem<?> system) {
    return StreamSupport.stream(Cluster.get(system).state().getMembers().spliterator(), false)
        .filter(m -> m.status() == MemberStatus.up())
        .map(TlsClusterTest::name).collect(Collectors.toSet());
  }

  private static Set<String> allMembers(ActorSystem<?> system) {
    return StreamSupport.stream(Cluster.get(system).state().getMembers().spliterator(), false)
        .map(TlsClusterTest::name).collect(Collectors.toSet());
  }

  private static String name(Member m) {
    return m.getRoles().stream().filter(r -> r.startsWith(ServeSettings.NODE_ROLE_PREFIX))
        .map(r -> r.substring(ServeSettings.NODE_ROLE_PREFIX.length())).findFirst().orElse(m.address().toString());
  }

  @Test
  void nodesWithCertificatesSignedByTheClusterCaFormAClusterOverTls() {
    assertEquals("tls-tcp", n1.settings().config().getString("akka.remote.artery.transport"));
    assertTrue(n1.settings().config().getBoolean(
        "akka.remote.artery.ssl.config-ssl-engine.require-mutual-authentication"));
    assertEquals(Set.of("n1", "n2"), upMembers(n1));
    assertEquals(Set.of("n1", "n2"), upMembers(n2));
  }

  @Test
  void aNodeWhoseCertificateAnotherCaSignedNeverJoins() throws Exception {
    TestCertificateAuthority rogue = TestCas.rogue();
    // it trusts the cluster's CA, so that only the cluster's check of its certificate can keep it out
    Path trust = rogue.directory().resolve("trusts-cluster.p12");
    if (!Files.exists(trust)) {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      ks.setCertificateEntry("cluster-ca", TestCas.cluster().certificate());
      try (OutputStream out = Files.newOutputStream(trust)) {
        ks.store(out, rogue.password().toCharArray());
      }
    }
    try (CapturedLogs logs = new CapturedLogs()) {
      intruder = start("n3", List.of(seed), tls(rogue.keyStore("n3"), trust, rogue.password()));
      String n1Address = Cluster.get(n1).selfMember().address().toString();
      // the intruder's own account: n1 refused its certificate during the handshake, and its join attempts ran out
      Poll.until(JOIN_TIMEOUT, "n3 reports that n1 refused its certificate and that it could not join", () ->
          allMembers(n1).contains("n3") // let in: fail at once below, not by timing out
          || (!logs.matching(t -> t.contains(n1Address) && t.contains("SSLHandshakeException")
              && t.contains("certificate_unknown")).isEmpty()
          && !logs.matching(t -> t.contains("Couldn't join seed nodes") && t.contains(n1Address)).isEmpty()));
      assertNeverAMember("n3");
    }
  }

  @Test
  void aNodeWithoutTlsNeverJoins() {
    try (CapturedLogs logs = new CapturedLogs()) {
      intruder = start("n4", List.of(seed), "replikit.serve.tls.enabled = off");
      assertEquals("tcp", intruder.settings().config().getString("akka.remote.artery.transport"));
      String n1Address = Cluster.get(n1).selfMember().address().toString();
      Poll.until(JOIN_TIMEOUT, "n4 reports that it could not join", () -> allMembers(n1).contains("n4")
          || !logs.matching(t -> t.contains("Couldn't join seed nodes") && t.contains(n1Address)).isEmpty());
      assertNeverAMember("n4");
    }
  }

  /** Neither member ever saw {@code node}, which never saw them. */
  private void assertNeverAMember(String node) {
    assertEquals(Set.of("n1", "n2"), allMembers(n1), "n1 never saw " + node + " (not even as Joining)");
    assertEquals(Set.of("n1", "n2"), allMembers(n2), "n2 never saw " + node);
    assertFalse(allMembers(intruder).contains("n1"), node + " never learnt the cluster's members");
    assertFalse(Cluster.get(intruder).selfMember().status() == MemberStatus.up(), node + " is not Up");
    assertEquals(Set.of("n1", "n2"), upMembers(n1), "the cluster is unaffected");
    assertTrue(Cluster.get(n1).state().getUnreachable().isEmpty(), "and sees no one unreachable");
  }
}
