package io.replikit.examples.cli;

import io.replikit.examples.security.TestCertificateAuthority;
import java.io.File;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code replikit certs}: a test certificate authority and per-node keys for Artery over TLS with mutual
 * authentication, made with the JDK's keytool ({@link TestCertificateAuthority}). Running it again keeps what
 * exists and adds what is missing.
 */
@Command(name = "certs", mixinStandardHelpOptions = true,
    description = {"Makes (or completes) a test certificate authority and a key and certificate for each node in "
        + "DIR, with the JDK's keytool: ca.p12 (the CA's key: keep it to yourself), ca.crt, truststore.p12, "
        + "password, and per node NODE.p12 and NODE.conf (the replikit.serve.tls settings that use them). "
        + "What exists is kept; run it again to add nodes.",
        "Example: replikit certs --dir certs --node n1,n2,n3 && replikit serve --config certs/n1.conf --node n1 ..."})
final class CertsCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Option(names = "--dir", paramLabel = "DIR", defaultValue = "certs",
      description = "Directory of the CA and the node keys (default: ${DEFAULT-VALUE}); created if missing.")
  File dir;

  @Option(names = "--node", paramLabel = "NAME", split = ",",
      description = "A node to make a key and certificate for (repeatable or comma-separated).")
  List<String> nodes;

  @Option(names = "--host", paramLabel = "HOST", split = ",",
      description = "DNS name or IP address the nodes are reached at, put in their certificates (repeatable; "
          + "default: localhost,127.0.0.1). Only used for certificates made in this run.")
  List<String> hosts;

  @Option(names = "--validity-days", paramLabel = "DAYS", defaultValue = "825",
      description = "Validity of the certificates made in this run (default: ${DEFAULT-VALUE}; the CA gets 10 "
          + "times as long).")
  int validityDays;

  @Override
  public Integer call() {
    List<String> names = nodes == null ? List.of() : nodes.stream().map(String::trim).toList();
    List<String> sans = hosts == null ? TestCertificateAuthority.DEFAULT_HOSTS
        : hosts.stream().map(String::trim).toList();
    if (validityDays < 1) {
      throw new ParameterException(spec.commandLine(), "--validity-days must be at least 1, was " + validityDays);
    }
    TestCertificateAuthority ca;
    try {
      // checked before any file is made, so that a typo costs nothing
      TestCertificateAuthority.checkHosts(sans);
      names.forEach(TestCertificateAuthority::checkNodeName);
      ca = TestCertificateAuthority.open(dir.toPath(), validityDays * 10);
      for (String node : names) {
        ca.issue(node, sans, validityDays);
      }
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage(), e);
    }
    PrintWriter out = spec.commandLine().getOut();
    TestCertificateAuthority.Outcome outcome = ca.outcome();
    out.println("replikit certs: CA in " + ca.directory() + " (" + ca.certificate().getSubjectX500Principal()
        + ", valid until " + ca.certificate().getNotAfter().toInstant() + ")");
    out.println("  created: " + (outcome.created().isEmpty() ? "nothing" : String.join(", ", outcome.created())));
    out.println("  kept:    " + (outcome.kept().isEmpty() ? "nothing" : String.join(", ", outcome.kept())));
    out.println("  " + TestCertificateAuthority.CA_STORE + " can sign certificates every node accepts: keep it "
        + "(and " + TestCertificateAuthority.PASSWORD_FILE + ") off the nodes.");
    for (String node : names) {
      out.println("  node " + node + ": replikit serve --config " + ca.tlsConfig(node) + " --node " + node + " ...");
    }
    if (names.isEmpty()) {
      out.println("  no --node given: only the CA was made; run again with --node NAME to add nodes.");
    }
    out.flush();
    return 0;
  }
}
