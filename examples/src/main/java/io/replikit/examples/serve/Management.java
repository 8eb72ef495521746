package io.replikit.examples.serve;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The operator endpoints of a {@code serve} node ({@code replikit.serve.management}): Akka Management's HTTP server
 * with {@code GET /alive}, {@code GET /ready} (ready once this node is an Up member of the cluster) and
 * {@code GET /cluster/members}, read-only (its routes that would make a member leave or go down are off).
 *
 * @param enabled whether the node starts it
 * @param host interface it binds (by default the HTTP API's)
 * @param port its port: {@code auto} in config is the HTTP API's port plus 1000 (8080 -> 9080; an HTTP port of 0
 *     gives 0, any free port), so that several nodes on one machine do not clash
 */
public record Management(boolean enabled, String host, int port) {
  static final String SECTION = ServeSettings.SECTION + ".management";

  static Management fromConfig(Config root, String httpHost, int httpPort) {
    Config c;
    try {
      c = root.getConfig(SECTION);
    } catch (ConfigException e) {
      throw new IllegalArgumentException(SECTION + " is missing or not an object: " + e.getMessage(), e);
    }
    boolean enabled;
    try {
      enabled = c.getBoolean("enabled");
    } catch (ConfigException e) {
      throw new IllegalArgumentException(SECTION + ".enabled must be on or off: " + e.getMessage(), e);
    }
    String host = c.hasPath("host") ? c.getString("host").trim() : "";
    if (host.isEmpty()) {
      host = httpHost;
    }
    String portText = c.hasPath("port") ? c.getValue("port").unwrapped().toString().trim() : "auto";
    int port;
    if (portText.equals("auto")) {
      port = httpPort == 0 ? 0 : httpPort + 1000;
      if (port > 65535) {
        throw new IllegalArgumentException(SECTION + ".port = auto would be " + port + " (the HTTP port " + httpPort
            + " plus 1000), past 65535: set a port");
      }
    } else {
      try {
        port = Integer.parseInt(portText);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(SECTION + ".port must be auto or a port number, was '" + portText + "'");
      }
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException(SECTION + ".port must be auto or a port from 0 to 65535, was " + port);
      }
    }
    if (enabled && port != 0 && port == httpPort) {
      throw new IllegalArgumentException(SECTION + ".port " + port + " is the HTTP API's port too");
    }
    return new Management(enabled, host, port);
  }

  /** What Akka Management reads, under {@code akka.management}. */
  Map<String, Object> akkaOverlay() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("akka.management.http.hostname", host);
    m.put("akka.management.http.port", port);
    m.put("akka.management.http.bind-hostname", host);
    m.put("akka.management.http.bind-port", port);
    // GET only: the cluster routes that let a caller down or remove members stay off
    m.put("akka.management.http.route-providers-read-only", "true");
    return m;
  }
}
