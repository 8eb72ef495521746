package io.replikit.examples.security;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Two certificate authorities made once per test JVM with keytool (each costs seconds): the cluster's, with keys
 * for n1 and n2, and a rogue one, with a key for n3 that the cluster's CA never signed. Temporary directories,
 * deleted when the JVM ends.
 */
final class TestCas {
  static final List<String> HOSTS = List.of("localhost", "127.0.0.1");
  private static TestCertificateAuthority cluster;
  private static TestCertificateAuthority rogue;

  private TestCas() {}

  /** The cluster's CA, with n1.p12 and n2.p12. */
  static synchronized TestCertificateAuthority cluster() {
    if (cluster == null) {
      cluster = TestCertificateAuthority.open(tempDir("cluster-ca"), 30);
      cluster.issue("n1", HOSTS, 30);
      cluster.issue("n2", HOSTS, 30);
    }
    return cluster;
  }

  /** Another CA, with n3.p12: a node the cluster must not let in. */
  static synchronized TestCertificateAuthority rogue() {
    if (rogue == null) {
      rogue = TestCertificateAuthority.open(tempDir("rogue-ca"), 30);
      rogue.issue("n3", HOSTS, 30);
    }
    return rogue;
  }

  static Path tempDir(String prefix) {
    try {
      Path dir = Files.createTempDirectory(prefix);
      dir.toFile().deleteOnExit();
      Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void deleteTree(Path dir) {
    try (var paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a temporary directory left behind is harmless
    }
  }
}
