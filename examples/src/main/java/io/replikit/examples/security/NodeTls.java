package io.replikit.examples.security;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.UnrecoverableKeyException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Typed form of {@code replikit.serve.tls}: Artery over TLS ({@code akka.remote.artery.transport = tls-tcp}) with
 * mutual authentication, so that only a node holding a key whose certificate chains to the trusted certificate
 * authority can connect to, or accept connections from, this node. {@link #akkaOverlay()} is what
 * {@code ServeSettings.akkaConfig} lays over Akka's {@code akka.remote.artery.ssl.config-ssl-engine}.
 *
 * <p>Guarantees: with {@code enabled = on} every byte between nodes is encrypted, and both ends of every connection
 * must present a certificate signed by a CA in {@code trust-store} ({@code require-mutual-authentication} is always
 * on: there is no setting to turn it off here). Does not survive: a node whose key is stolen (every holder of a
 * certificate from the same CA is let in, so keep one CA per cluster and protect its key), and it does not check
 * that a peer's certificate names the host it connects to unless {@code hostname-verification = on} (then each
 * certificate must list its node's host in its subject alternative names, as {@link TestCertificateAuthority} does).
 *
 * @param enabled whether Artery runs over TLS at all ({@code off}: plain TCP, for a trusted network only)
 * @param keyStore PKCS12 file with this node's private key and its certificate chain
 * @param trustStore PKCS12 file with the CA certificate(s) a peer's certificate must chain to
 * @param password password of both stores and of the key (keytool's PKCS12 stores use one password)
 * @param hostnameVerification whether the connecting side checks that the peer's certificate names its host
 * @param protocol the TLS protocol version
 * @param enabledAlgorithms the cipher suites offered
 */
public record NodeTls(boolean enabled, Path keyStore, Path trustStore, String password,
    boolean hostnameVerification, String protocol, List<String> enabledAlgorithms) {

  static final String SECTION = "replikit.serve.tls";

  public NodeTls {
    enabledAlgorithms = List.copyOf(enabledAlgorithms);
  }

  @Override
  public String toString() {
    // settings get logged; the password must not be
    return "NodeTls[enabled=" + enabled + ", keyStore=" + keyStore + ", trustStore=" + trustStore
        + ", hostnameVerification=" + hostnameVerification + ", protocol=" + protocol + "]";
  }

  /** Plain TCP between nodes. */
  public static NodeTls disabled() {
    return new NodeTls(false, null, null, "", false, "TLSv1.2", List.of());
  }

  /**
   * Reads {@code replikit.serve.tls} from {@code config}. When enabled, both stores must exist and open with the
   * password, and the key store must hold a private key: a mistake is refused here, at startup, not at the first
   * connection.
   *
   * @throws IllegalArgumentException naming the path and what was wrong
   */
  public static NodeTls fromConfig(Config config) {
    Config c;
    try {
      c = config.getConfig(SECTION);
    } catch (ConfigException e) {
      throw new IllegalArgumentException(SECTION + " is missing or not an object: " + e.getMessage(), e);
    }
    boolean enabled = bool(c, "enabled");
    boolean hostnames = bool(c, "hostname-verification");
    String protocol = string(c, "protocol");
    List<String> algorithms;
    try {
      algorithms = c.getStringList("enabled-algorithms");
    } catch (ConfigException e) {
      throw new IllegalArgumentException(SECTION + ".enabled-algorithms must be a list of cipher suite names: "
          + e.getMessage(), e);
    }
    if (!enabled) {
      return new NodeTls(false, null, null, "", hostnames, protocol, algorithms);
    }
    if (protocol.isEmpty()) {
      throw new IllegalArgumentException(SECTION + ".protocol must not be empty (e.g. TLSv1.2)");
    }
    if (algorithms.isEmpty()) {
      throw new IllegalArgumentException(SECTION + ".enabled-algorithms must name at least one cipher suite");
    }
    String password = string(c, "password");
    if (password.isEmpty()) {
      throw new IllegalArgumentException(SECTION + ".password is empty: set it (or the environment variable "
          + "REPLIKIT_TLS_PASSWORD) to the password of the key and trust stores");
    }
    Path keyStore = file(c, "key-store");
    Path trustStore = file(c, "trust-store");
    KeyStore keys = load(keyStore, password, "key-store");
    KeyStore trusted = load(trustStore, password, "trust-store");
    try {
      boolean hasKey = false;
      for (String alias : Collections.list(keys.aliases())) {
        if (keys.isKeyEntry(alias)) {
          keys.getKey(alias, password.toCharArray()); // a key password that differs fails here, not in Akka
          hasKey = true;
        }
      }
      if (!hasKey) {
        throw new IllegalArgumentException(SECTION + ".key-store " + keyStore + " holds no private key: it must "
            + "hold this node's key and certificate (see replikit certs)");
      }
      boolean hasCertificate = false;
      for (String alias : Collections.list(trusted.aliases())) {
        hasCertificate |= trusted.isCertificateEntry(alias);
      }
      if (!hasCertificate) {
        throw new IllegalArgumentException(SECTION + ".trust-store " + trustStore + " holds no trusted "
            + "certificate: it must hold the certificate of the CA that signed the nodes' certificates");
      }
    } catch (UnrecoverableKeyException e) {
      throw new IllegalArgumentException(SECTION + ".key-store " + keyStore + ": the key does not open with "
          + SECTION + ".password", e);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(SECTION + ".key-store " + keyStore + " could not be read: "
          + e.getMessage(), e);
    }
    return new NodeTls(true, keyStore, trustStore, password, hostnames, protocol, algorithms);
  }

  /**
   * The Akka settings for this node's transport: {@code tcp}, or {@code tls-tcp} with the stores, passwords,
   * mutual authentication, hostname verification, protocol and cipher suites of {@code config-ssl-engine}.
   */
  public Map<String, Object> akkaOverlay() {
    Map<String, Object> overlay = new LinkedHashMap<>();
    overlay.put("akka.remote.artery.transport", enabled ? "tls-tcp" : "tcp");
    if (enabled) {
      String engine = "akka.remote.artery.ssl.config-ssl-engine.";
      overlay.put("akka.remote.artery.ssl.ssl-engine-provider", "akka.remote.artery.tcp.ConfigSSLEngineProvider");
      overlay.put(engine + "key-store", keyStore.toString());
      overlay.put(engine + "trust-store", trustStore.toString());
      overlay.put(engine + "key-store-password", password);
      overlay.put(engine + "key-password", password);
      overlay.put(engine + "trust-store-password", password);
      overlay.put(engine + "require-mutual-authentication", "on");
      overlay.put(engine + "hostname-verification", hostnameVerification ? "on" : "off");
      overlay.put(engine + "protocol", protocol);
      overlay.put(engine + "enabled-algorithms", enabledAlgorithms);
    }
    return overlay;
  }

  private static KeyStore load(Path file, String password, String key) {
    try {
      // reads PKCS12 (keytool's default) and JKS alike
      return KeyStore.getInstance(file.toFile(), password.toCharArray());
    } catch (IOException e) {
      if (e.getCause() instanceof UnrecoverableKeyException) {
        throw new IllegalArgumentException(SECTION + "." + key + " " + file + " does not open with " + SECTION
            + ".password (wrong password?)", e);
      }
      throw new IllegalArgumentException(SECTION + "." + key + " " + file + " could not be read: " + e.getMessage(),
          e);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new IllegalArgumentException(SECTION + "." + key + " " + file + " is not a PKCS12 or JKS key store: "
          + e.getMessage(), e);
    }
  }

  private static Path file(Config c, String key) {
    String value = string(c, key);
    if (value.isEmpty()) {
      throw new IllegalArgumentException(SECTION + "." + key + " must name a file when " + SECTION
          + ".enabled = on (make them with: replikit certs --dir DIR --node NAME)");
    }
    Path path;
    try {
      path = Paths.get(value).toAbsolutePath().normalize();
    } catch (InvalidPathException e) {
      throw new IllegalArgumentException(SECTION + "." + key + " is not a valid path: '" + value + "'", e);
    }
    if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
      throw new IllegalArgumentException(SECTION + "." + key + ": no readable file at " + path);
    }
    return path;
  }

  private static String string(Config c, String key) {
    try {
      return c.getString(key).trim();
    } catch (ConfigException e) {
      throw new IllegalArgumentException(SECTION + "." + key + " must be a string: " + e.getMessage(), e);
    }
  }

  private static boolean bool(Config c, String key) {
    try {
      return c.getBoolean(key);
    } catch (ConfigException e) {
      throw new IllegalArgumentException(SECTION + "." + key + " must be on or off: " + e.getMessage(), e);
    }
  }
}
