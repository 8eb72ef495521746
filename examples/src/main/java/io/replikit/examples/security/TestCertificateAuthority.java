package io.replikit.examples.security;

import com.typesafe.config.ConfigUtil;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * A certificate authority for a test or staging cluster, made and used with the JDK's {@code keytool} (no OpenSSL):
 * one directory holds the CA's key ({@value #CA_STORE}), its certificate ({@value #CA_CERT}), a trust store with
 * only that certificate ({@value #TRUST_STORE}), the stores' password ({@value #PASSWORD_FILE}), and per node
 * {@code <node>.p12} (the node's key and its certificate chain, signed by the CA, with the given hosts as subject
 * alternative names) and {@code <node>.conf} (the {@code replikit.serve.tls} block that uses them).
 *
 * <p>Idempotent: what exists is kept (a node's store only after checking it was signed by this CA), what is
 * missing is made, and every file is written under a temporary name and moved into place, so an interrupted run
 * leaves nothing half made. Guarantees: a node store made here is accepted by every node trusting this
 * {@value #TRUST_STORE}, and by no node trusting another CA. Not for production: the CA's key sits unencrypted
 * (but for the password next to it) in the same directory as everything else; whoever reads the directory can make
 * certificates that every node accepts. Keep it on the operator's machine, and give each node only its own
 * {@code .p12}, the trust store and the password.
 */
public final class TestCertificateAuthority {
  /** The CA's private key and self-signed certificate. */
  public static final String CA_STORE = "ca.p12";
  /** The CA's certificate in PEM form. */
  public static final String CA_CERT = "ca.crt";
  /** A trust store holding only the CA's certificate: every node's {@code trust-store}. */
  public static final String TRUST_STORE = "truststore.p12";
  /** The one password of every store in the directory. */
  public static final String PASSWORD_FILE = "password";
  /** Subject alternative names given to node certificates when no hosts are named. */
  public static final List<String> DEFAULT_HOSTS = List.of("localhost", "127.0.0.1");

  private static final String CA_ALIAS = "replikit-ca";
  private static final String PASSWORD_ENV = "REPLIKIT_KEYTOOL_PASSWORD";
  private static final Pattern NODE_NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");
  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
  private static final Pattern IPV6 = Pattern.compile("[0-9a-fA-F:]*:[0-9a-fA-F:.]*");
  private static final Pattern DNS_NAME = Pattern.compile(
      "(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*");
  private static final long KEYTOOL_TIMEOUT_SECONDS = 120;

  /** What one call made and what it found already there (paths relative to the directory). */
  public record Outcome(List<String> created, List<String> kept) {
    public Outcome {
      created = List.copyOf(created);
      kept = List.copyOf(kept);
    }
  }

  private final Path dir;
  private final String password;
  private final X509Certificate caCertificate;
  private final String keytool;
  private final List<String> created = new ArrayList<>();
  private final List<String> kept = new ArrayList<>();

  private TestCertificateAuthority(Path dir, String password, X509Certificate caCertificate, String keytool) {
    this.dir = dir;
    this.password = password;
    this.caCertificate = caCertificate;
    this.keytool = keytool;
  }

  /**
   * Opens the CA in {@code dir}, making the directory, the password, the CA and the trust store where missing.
   *
   * @param validityDays how long a newly made CA certificate is valid
   * @throws IllegalArgumentException when {@code dir} holds something this class did not make or cannot open
   * @throws IllegalStateException when keytool cannot be found or fails (its output is in the message)
   */
  public static TestCertificateAuthority open(Path dir, int validityDays) {
    if (validityDays < 1) {
      throw new IllegalArgumentException("validity must be at least 1 day, was " + validityDays);
    }
    Path root = dir.toAbsolutePath().normalize();
    if (Files.exists(root) && !Files.isDirectory(root)) {
      throw new IllegalArgumentException(root + " exists and is not a directory");
    }
    List<String> made = new ArrayList<>();
    List<String> found = new ArrayList<>();
    try {
      if (!Files.exists(root)) {
        Files.createDirectories(root);
        try {
          Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
        } catch (UnsupportedOperationException e) {
          // not a POSIX file system
        }
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("could not create the directory " + root + ": " + e.getMessage(), e);
    }
    String password = password(root, made, found);
    String keytool = keytool();
    Path caStore = root.resolve(CA_STORE);
    if (!Files.exists(caStore)) {
      Path tmp = temporary(root, CA_STORE);
      run(keytool, password, "-genkeypair", "-alias", CA_ALIAS, "-keyalg", "RSA", "-keysize", "2048",
          "-sigalg", "SHA256withRSA", "-dname", "CN=Replikit test CA", "-ext", "bc:c", "-ext", "ku:c=keyCertSign,cRLSign",
          "-validity", Integer.toString(validityDays), "-keystore", tmp.toString(), "-storetype", "PKCS12",
          "-storepass:env", PASSWORD_ENV, "-keypass:env", PASSWORD_ENV);
      restrict(tmp);
      moveIntoPlace(tmp, caStore);
      made.add(CA_STORE);
    } else {
      found.add(CA_STORE);
    }
    KeyStore ca = load(caStore, password, "the CA store");
    X509Certificate caCert;
    try {
      if (!ca.isKeyEntry(CA_ALIAS) || !(ca.getCertificate(CA_ALIAS) instanceof X509Certificate c)) {
        throw new IllegalArgumentException(caStore + " holds no key '" + CA_ALIAS + "': it was not made by "
            + "replikit certs; use another directory");
      }
      caCert = c;
    } catch (java.security.KeyStoreException e) {
      throw new IllegalArgumentException(caStore + " could not be read: " + e.getMessage(), e);
    }
    TestCertificateAuthority authority = new TestCertificateAuthority(root, password, caCert, keytool);
    authority.created.addAll(made);
    authority.kept.addAll(found);
    authority.ensureCaFiles();
    return authority;
  }

  /** The directory, absolute. */
  public Path directory() {
    return dir;
  }

  /** The password of every store in the directory. */
  public String password() {
    return password;
  }

  /** The trust store every node of this CA's cluster uses. */
  public Path trustStore() {
    return dir.resolve(TRUST_STORE);
  }

  /** The CA's certificate. */
  public X509Certificate certificate() {
    return caCertificate;
  }

  /** {@code <node>.p12} in the directory (whether or not it exists yet). */
  public Path keyStore(String node) {
    return dir.resolve(checkedNode(node) + ".p12");
  }

  /** {@code <node>.conf} in the directory (whether or not it exists yet). */
  public Path tlsConfig(String node) {
    return dir.resolve(checkedNode(node) + ".conf");
  }

  /** What this CA made and kept since it was opened. */
  public Outcome outcome() {
    return new Outcome(created, kept);
  }

  /**
   * Makes {@code <node>.p12} (a 2048-bit RSA key and a certificate for it signed by this CA, valid for server and
   * client authentication, with {@code hosts} as subject alternative names) and {@code <node>.conf}, or keeps the
   * store already there once it is checked to be signed by this CA.
   *
   * @param hosts DNS names or IP addresses the node is reached at (at least one)
   * @param validityDays how long a newly made node certificate is valid
   * @return the node's key store
   * @throws IllegalArgumentException for a bad node name or host, or a store this CA did not sign
   */
  public Path issue(String node, List<String> hosts, int validityDays) {
    Path store = keyStore(node);
    String san = subjectAlternativeNames(hosts);
    if (validityDays < 1) {
      throw new IllegalArgumentException("validity must be at least 1 day, was " + validityDays);
    }
    if (Files.exists(store)) {
      checkSignedByThisCa(node, store);
      kept.add(store.getFileName().toString());
    } else {
      Path tmp = temporary(dir, node + ".p12");
      Path csr = temporary(dir, node + ".csr");
      Path crt = temporary(dir, node + ".crt");
      try {
        run(keytool, password, "-genkeypair", "-alias", node, "-keyalg", "RSA", "-keysize", "2048",
            "-sigalg", "SHA256withRSA", "-dname", "CN=" + node + ", O=Replikit", "-validity",
            Integer.toString(validityDays), "-keystore", tmp.toString(), "-storetype", "PKCS12",
            "-storepass:env", PASSWORD_ENV, "-keypass:env", PASSWORD_ENV);
        run(keytool, password, "-certreq", "-alias", node, "-keystore", tmp.toString(), "-storepass:env",
            PASSWORD_ENV, "-file", csr.toString());
        run(keytool, password, "-gencert", "-alias", CA_ALIAS, "-keystore", dir.resolve(CA_STORE).toString(),
            "-storepass:env", PASSWORD_ENV, "-infile", csr.toString(), "-outfile", crt.toString(), "-rfc",
            "-sigalg", "SHA256withRSA", "-validity", Integer.toString(validityDays),
            "-ext", "ku:c=digitalSignature,keyEncipherment", "-ext", "eku=serverAuth,clientAuth", "-ext", "SAN=" + san);
        // the CA first, so that keytool can build the chain when the signed certificate comes back
        run(keytool, password, "-importcert", "-noprompt", "-alias", CA_ALIAS, "-file",
            dir.resolve(CA_CERT).toString(), "-keystore", tmp.toString(), "-storepass:env", PASSWORD_ENV);
        run(keytool, password, "-importcert", "-noprompt", "-alias", node, "-file", crt.toString(), "-keystore",
            tmp.toString(), "-storepass:env", PASSWORD_ENV);
        checkSignedByThisCa(node, tmp);
        restrict(tmp);
        moveIntoPlace(tmp, store);
        created.add(store.getFileName().toString());
      } finally {
        deleteQuietly(csr);
        deleteQuietly(crt);
        deleteQuietly(tmp);
      }
    }
    writeIfChanged(tlsConfig(node), nodeConfig(node));
    return store;
  }

  /** The {@code replikit.serve.tls} block of {@code <node>.conf}. */
  private String nodeConfig(String node) {
    return String.join("\n",
        "# Written by `replikit certs` for node " + node + ": Artery over TLS with mutual authentication, with the",
        "# key and certificate of " + node + " signed by the CA in this directory. Use it with",
        "#   replikit serve --config " + tlsConfig(node) + " ...",
        "# or include it from your own file: include file(\"" + tlsConfig(node) + "\")",
        "# The password is the one in " + dir.resolve(PASSWORD_FILE) + "; delete the password line to take it from",
        "# the environment variable REPLIKIT_TLS_PASSWORD instead.",
        "replikit.serve.tls {",
        "  enabled = on",
        "  key-store = " + ConfigUtil.quoteString(keyStore(node).toString()),
        "  trust-store = " + ConfigUtil.quoteString(trustStore().toString()),
        "  password = " + ConfigUtil.quoteString(password),
        "}",
        "");
  }

  private void ensureCaFiles() {
    Path pem = dir.resolve(CA_CERT);
    if (!Files.exists(pem)) {
      Path tmp = temporary(dir, CA_CERT);
      try {
        run(keytool, password, "-exportcert", "-alias", CA_ALIAS, "-keystore", dir.resolve(CA_STORE).toString(),
            "-storepass:env", PASSWORD_ENV, "-rfc", "-file", tmp.toString());
        moveIntoPlace(tmp, pem);
      } finally {
        deleteQuietly(tmp);
      }
      created.add(CA_CERT);
    } else {
      kept.add(CA_CERT);
    }
    Path trust = trustStore();
    if (!Files.exists(trust)) {
      Path tmp = temporary(dir, TRUST_STORE);
      try {
        run(keytool, password, "-importcert", "-noprompt", "-alias", CA_ALIAS, "-file", pem.toString(),
            "-keystore", tmp.toString(), "-storetype", "PKCS12", "-storepass:env", PASSWORD_ENV);
        moveIntoPlace(tmp, trust);
      } finally {
        deleteQuietly(tmp);
      }
      created.add(TRUST_STORE);
    } else {
      kept.add(TRUST_STORE);
    }
    KeyStore trusted = load(trust, password, "the trust store");
    try {
      if (!caCertificate.equals(trusted.getCertificate(CA_ALIAS))) {
        throw new IllegalArgumentException(trust + " does not hold the certificate of the CA in "
            + dir.resolve(CA_STORE) + ": delete it and run again to make it anew");
      }
    } catch (java.security.KeyStoreException e) {
      throw new IllegalArgumentException(trust + " could not be read: " + e.getMessage(), e);
    }
  }

  private void checkSignedByThisCa(String node, Path store) {
    KeyStore ks = load(store, password, "the key store of " + node);
    try {
      Certificate[] chain = ks.isKeyEntry(node) ? ks.getCertificateChain(node) : null;
      if (chain == null || chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
        throw new IllegalArgumentException(store + " holds no key '" + node + "' with a certificate chain: delete "
            + "it and run again to make it anew");
      }
      try {
        leaf.verify(caCertificate.getPublicKey());
      } catch (GeneralSecurityException e) {
        throw new IllegalArgumentException(store + " holds a certificate for " + node + " that the CA in "
            + dir.resolve(CA_STORE) + " did not sign (" + leaf.getIssuerX500Principal() + "): delete it and run "
            + "again to make one this CA signs", e);
      }
    } catch (java.security.KeyStoreException e) {
      throw new IllegalArgumentException(store + " could not be read: " + e.getMessage(), e);
    }
  }

  private static String password(Path root, List<String> made, List<String> found) {
    Path file = root.resolve(PASSWORD_FILE);
    if (Files.exists(file)) {
      String password;
      try {
        password = Files.readString(file, StandardCharsets.UTF_8).trim();
      } catch (IOException e) {
        throw new IllegalArgumentException("could not read " + file + ": " + e.getMessage(), e);
      }
      if (password.length() < 6) {
        throw new IllegalArgumentException(file + " must hold the stores' password (at least 6 characters): "
            + "delete the directory to start over");
      }
      found.add(PASSWORD_FILE);
      return password;
    }
    if (Files.exists(root.resolve(CA_STORE))) {
      throw new IllegalArgumentException(root.resolve(CA_STORE) + " exists but its password file " + file
          + " does not: restore it or use another directory");
    }
    byte[] random = new byte[24];
    new SecureRandom().nextBytes(random);
    String password = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    Path tmp = temporary(root, PASSWORD_FILE);
    try {
      try {
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      } catch (UnsupportedOperationException e) {
        Files.createFile(tmp); // not a POSIX file system: the directory's own protection is all there is
      }
      Files.writeString(tmp, password + "\n", StandardCharsets.UTF_8);
      moveIntoPlace(tmp, file);
    } catch (IOException e) {
      throw new IllegalArgumentException("could not write " + file + ": " + e.getMessage(), e);
    } finally {
      deleteQuietly(tmp);
    }
    made.add(PASSWORD_FILE);
    return password;
  }

  /** keytool's {@code -ext SAN=} value for {@code hosts}. */
  static String subjectAlternativeNames(List<String> hosts) {
    if (hosts == null || hosts.isEmpty()) {
      throw new IllegalArgumentException("name at least one host (DNS name or IP address) the node is reached at");
    }
    List<String> names = new ArrayList<>();
    for (String raw : hosts) {
      String h = raw == null ? "" : raw.trim();
      if (IPV4.matcher(h).matches() || (h.contains(":") && IPV6.matcher(h).matches())) {
        names.add("ip:" + h);
      } else if (DNS_NAME.matcher(h).matches()) {
        names.add("dns:" + h);
      } else {
        throw new IllegalArgumentException("host '" + raw + "' is neither a DNS name nor an IP address");
      }
    }
    return String.join(",", names);
  }

  /**
   * @throws IllegalArgumentException when {@code node} is not a node name of {@code replikit serve}
   */
  public static void checkNodeName(String node) {
    checkedNode(node);
  }

  /**
   * @throws IllegalArgumentException when {@code hosts} is empty or one is neither a DNS name nor an IP address
   */
  public static void checkHosts(List<String> hosts) {
    subjectAlternativeNames(hosts);
  }

  private static String checkedNode(String node) {
    if (node == null || !NODE_NAME.matcher(node).matches()) {
      throw new IllegalArgumentException("'" + node + "' is not a node name (1 to 64 letters, digits, '_' or '-')");
    }
    return node;
  }

  private static KeyStore load(Path file, String password, String what) {
    try {
      return KeyStore.getInstance(file.toFile(), password.toCharArray());
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException(what + " " + file + " does not open with the password in "
          + file.resolveSibling(PASSWORD_FILE) + " (" + e.getMessage() + "): it was not made with this password; "
          + "delete it and run again to make it anew", e);
    }
  }

  /** The JDK's keytool: next to the running JVM, else on the PATH. */
  private static String keytool() {
    String exe = System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).startsWith("windows")
        ? "keytool.exe" : "keytool";
    Path beside = Paths.get(System.getProperty("java.home"), "bin", exe);
    if (Files.isExecutable(beside)) {
      return beside.toString();
    }
    String home = System.getenv("JAVA_HOME");
    if (home != null && Files.isExecutable(Paths.get(home, "bin", exe))) {
      return Paths.get(home, "bin", exe).toString();
    }
    return exe; // the PATH; run() says so if it is not there either
  }

  private static void run(String keytool, String password, String... args) {
    List<String> command = new ArrayList<>();
    command.add(keytool);
    Collections.addAll(command, args);
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    // the password goes through the environment, never the command line (which other users can list)
    Map<String, String> env = pb.environment();
    env.put(PASSWORD_ENV, password);
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new IllegalStateException("could not run keytool (" + keytool + "): " + e.getMessage()
          + "; it comes with every JDK: run with a JDK's java, or set JAVA_HOME", e);
    }
    try {
      p.getOutputStream().close(); // never answer a prompt: -noprompt everywhere, and a question is a bug
      byte[] output = p.getInputStream().readAllBytes();
      if (!p.waitFor(KEYTOOL_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("keytool " + args[0] + " did not finish within "
            + KEYTOOL_TIMEOUT_SECONDS + " s");
      }
      if (p.exitValue() != 0) {
        throw new IllegalStateException("keytool " + args[0] + " failed (exit " + p.exitValue() + "): "
            + new String(output, StandardCharsets.UTF_8).trim());
      }
    } catch (IOException e) {
      throw new IllegalStateException("keytool " + args[0] + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while keytool " + args[0] + " ran", e);
    }
  }

  private void writeIfChanged(Path file, String content) {
    String name = file.getFileName().toString();
    try {
      if (Files.exists(file) && Files.readString(file, StandardCharsets.UTF_8).equals(content)) {
        kept.add(name);
        return;
      }
      Path tmp = temporary(dir, name);
      try {
        try {
          Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
          Files.createFile(tmp);
        }
        Files.writeString(tmp, content, StandardCharsets.UTF_8);
        moveIntoPlace(tmp, file);
      } finally {
        deleteQuietly(tmp);
      }
      created.add(name);
    } catch (IOException e) {
      throw new IllegalArgumentException("could not write " + file + ": " + e.getMessage(), e);
    }
  }

  /** Private keys are for their owner's eyes only (keytool leaves them as the umask says). */
  private static void restrict(Path file) {
    try {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException | IOException e) {
      // not a POSIX file system: the directory's own protection is all there is
    }
  }

  private static Path temporary(Path root, String name) {
    Path tmp = root.resolve("." + name + ".tmp");
    deleteQuietly(tmp); // a leftover of an interrupted run
    return tmp;
  }

  private static void moveIntoPlace(Path tmp, Path target) {
    try {
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target);
      }
    } catch (FileAlreadyExistsException e) {
      throw new IllegalArgumentException(target + " appeared while it was being made (another run at the same "
          + "time?): run again", e);
    } catch (IOException e) {
      throw new IllegalStateException("could not move " + tmp + " to " + target + ": " + e.getMessage(), e);
    }
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      // a leftover temporary file is harmless: the next run deletes it
    }
  }
}
