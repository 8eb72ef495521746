package io.replikit.examples.security;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.replikit.examples.cli.ReplikitCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code replikit certs} and the settings that use its output: a CA and node stores made with keytool, kept as they
 * are on a second run, refused when they are not this CA's, and {@code replikit.serve.tls} checked at startup.
 */
class TestCertificateAuthorityTest {

  private record Run(int code, String out, String err) {}

  private static Run certs(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cmd = ReplikitCli.commandLine();
    cmd.setOut(new PrintWriter(out, true));
    cmd.setErr(new PrintWriter(err, true));
    String[] all = new String[args.length + 1];
    all[0] = "certs";
    System.arraycopy(args, 0, all, 1, args.length);
    return new Run(cmd.execute(all), out.toString(), err.toString());
  }

  @Test
  void certsMakesACaAndNodeKeysAndASecondRunKeepsThem() throws Exception {
    Path dir = TestCas.tempDir("certs-cli").resolve("certs");
    Run first = certs("--dir", dir.toString(), "--node", "a1", "--host", "localhost,10.0.0.7");
    assertEquals(0, first.code(), first.err());
    for (String f : List.of("ca.p12", "ca.crt", "truststore.p12", "password", "a1.p12", "a1.conf")) {
      assertTrue(Files.isRegularFile(dir.resolve(f)), f + " was made: " + first.out());
    }
    assertTrue(first.out().contains("--config " + dir.resolve("a1.conf")), first.out());
    try (var leftovers = Files.list(dir)) {
      assertEquals(List.of(), leftovers.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList(),
          "no temporary file is left behind");
    }
    for (String secret : List.of("ca.p12", "a1.p12", "password", "a1.conf")) {
      assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
          Files.getPosixFilePermissions(dir.resolve(secret))), secret + " is readable by its owner only");
    }
    String password = Files.readString(dir.resolve("password")).trim();
    KeyStore node = KeyStore.getInstance(dir.resolve("a1.p12").toFile(), password.toCharArray());
    X509Certificate leaf = (X509Certificate) node.getCertificateChain("a1")[0];
    X509Certificate ca = (X509Certificate) KeyStore.getInstance(dir.resolve("truststore.p12").toFile(),
        password.toCharArray()).getCertificate("replikit-ca");
    leaf.verify(ca.getPublicKey()); // signed by the CA in the trust store
    assertTrue(leaf.getSubjectAlternativeNames().stream().anyMatch(n -> n.get(1).equals("10.0.0.7")),
        "the hosts are in the certificate: " + leaf.getSubjectAlternativeNames());
    assertTrue(leaf.getExtendedKeyUsage().containsAll(List.of("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2")),
        "for both ends of a connection: server and client authentication");

    // the generated block is what a node reads
    Config conf = ConfigFactory.parseFile(dir.resolve("a1.conf").toFile()).withFallback(ConfigFactory.load())
        .resolve();
    NodeTls tls = NodeTls.fromConfig(conf);
    assertTrue(tls.enabled());
    assertEquals("tls-tcp", tls.akkaOverlay().get("akka.remote.artery.transport"));
    assertEquals("on", tls.akkaOverlay().get("akka.remote.artery.ssl.config-ssl-engine.require-mutual-authentication"));
    assertFalse(tls.toString().contains(password), "settings never print the password");

    byte[] before = Files.readAllBytes(dir.resolve("a1.p12"));
    byte[] caBefore = Files.readAllBytes(dir.resolve("ca.p12"));
    Run again = certs("--dir", dir.toString(), "--node", "a1");
    assertEquals(0, again.code(), again.err());
    assertTrue(again.out().contains("created: nothing"), again.out());
    assertArrayEquals(before, Files.readAllBytes(dir.resolve("a1.p12")), "the node's key is kept");
    assertArrayEquals(caBefore, Files.readAllBytes(dir.resolve("ca.p12")), "the CA is kept");
  }

  @Test
  void aStoreThisCaDidNotMakeIsRefusedNotReplaced() throws Exception {
    TestCertificateAuthority ca = TestCas.cluster();
    Path foreign = ca.directory().resolve("n3.p12");
    Files.copy(TestCas.rogue().keyStore("n3"), foreign);
    try {
      byte[] bytes = Files.readAllBytes(foreign);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> ca.issue("n3", TestCas.HOSTS, 30));
      assertTrue(e.getMessage().contains(foreign.toString()) && e.getMessage().contains("delete it"),
          e.getMessage());
      assertArrayEquals(bytes, Files.readAllBytes(foreign), "left as it was");
    } finally {
      Files.delete(foreign);
    }
  }

  @Test
  void badNodeNamesAndHostsAreRefusedBeforeAnythingIsMade() {
    Path dir = TestCas.tempDir("certs-bad").resolve("certs");
    Run badHost = certs("--dir", dir.toString(), "--node", "a1", "--host", "not a host");
    assertEquals(2, badHost.code(), badHost.out());
    assertTrue(badHost.err().contains("host 'not a host'"), badHost.err());
    Run badNode = certs("--dir", dir.toString(), "--node", "a/1");
    assertEquals(2, badNode.code(), badNode.out());
    assertTrue(badNode.err().contains("'a/1' is not a node name"), badNode.err());
    assertFalse(Files.exists(dir), "nothing was made");
  }

  private static Config tls(String keyStore, String trustStore, String password) {
    return ConfigFactory.parseMap(Map.of("replikit.serve.tls.enabled", "on",
        "replikit.serve.tls.key-store", keyStore, "replikit.serve.tls.trust-store", trustStore,
        "replikit.serve.tls.password", password)).withFallback(ConfigFactory.load()).resolve();
  }

  @Test
  void tlsSettingsAreCheckedAtStartupAndEveryMistakeNamed() {
    TestCertificateAuthority ca = TestCas.cluster();
    String key = ca.keyStore("n1").toString();
    String trust = ca.trustStore().toString();
    NodeTls ok = NodeTls.fromConfig(tls(key, trust, ca.password()));
    assertTrue(ok.enabled());
    assertEquals(key, ok.akkaOverlay().get("akka.remote.artery.ssl.config-ssl-engine.key-store"));
    assertFalse(NodeTls.fromConfig(ConfigFactory.load()).enabled(), "off by default");
    assertEquals("tcp", NodeTls.fromConfig(ConfigFactory.load()).akkaOverlay().get("akka.remote.artery.transport"));

    Object[][] bad = {
        {tls(key, trust, "not-the-password"), "wrong password"},
        {tls(key, trust, ""), "REPLIKIT_TLS_PASSWORD"},
        {tls(ca.directory().resolve("nope.p12").toString(), trust, ca.password()), "no readable file"},
        {tls(trust, trust, ca.password()), "holds no private key"},
        {tls(key, ca.directory().resolve("ca.crt").toString(), ca.password()), "trust-store"},
        {tls("", trust, ca.password()), "replikit certs"},
    };
    for (Object[] b : bad) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> NodeTls.fromConfig((Config) b[0]));
      assertTrue(e.getMessage().startsWith("replikit.serve.tls.") && e.getMessage().contains((String) b[1]),
          e.getMessage());
      assertFalse(e.getMessage().contains(ca.password()), "errors never show the password");
    }
  }
}
