package io.replikit.examples.serve;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.replikit.examples.security.NodeTls;
import io.replikit.persistence.ReplikitJournal;
import io.replikit.logformat.LogFormat;
import io.replikit.singleleader.ReplicaGroupSpec;
import io.replikit.singleleader.SingleLeaderSettings;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Typed form of {@code replikit.serve} (defaults in the examples' {@code reference.conf}): what one
 * {@code replikit serve} node is, where it listens and which replica groups it hosts. Read once at startup; every
 * error names the path (or flag) that was wrong.
 *
 * @param node this node's name, which is its replica id in every group it hosts
 * @param host Artery's canonical host name
 * @param port Artery TCP port (0: any free port)
 * @param httpHost interface of the HTTP API
 * @param httpPort port of the HTTP API (0: any free port)
 * @param seedNodes Akka addresses of the seed nodes; empty when this node starts a cluster of its own
 * @param dataDir directory under which the node's journal lives ({@code <dataDir>/<node>})
 * @param groups the groups this node hosts
 * @param peers HTTP addresses ({@code host:port}) of nodes by name, for redirects to the leader
 * @param maxBodyBytes largest request body accepted
 * @param readTimeout how long reads and status requests wait for the local replica
 * @param handoverTimeout how long a stopping leader waits for its switchover
 * @param metricsInterval how often the replicas' status is polled into the metrics of {@code GET /metrics}
 * @param auth which HTTP routes need the bearer token ({@code replikit.serve.auth})
 * @param tls whether and how Artery runs over TLS with mutual authentication ({@code replikit.serve.tls})
 * @param management the operator endpoints: /alive, /ready, /cluster/members ({@code replikit.serve.management})
 * @param rings the leaderless keyspaces this node hosts ({@code replikit.serve.rings})
 * @param multiLeader the multi-leader groups this node hosts ({@code replikit.serve.multi-leader})
 */
public record ServeSettings(
    String node,
    String host,
    int port,
    String httpHost,
    int httpPort,
    List<String> seedNodes,
    Path dataDir,
    List<GroupConfig> groups,
    Map<String, String> peers,
    long maxBodyBytes,
    Duration readTimeout,
    Duration handoverTimeout,
    Duration metricsInterval,
    HttpAuth auth,
    NodeTls tls,
    Management management,
    List<RingConfig> rings,
    List<MultiLeaderConfig> multiLeader) {

  /** The actor system name every node uses: cluster members must share it. */
  public static final String SYSTEM_NAME = "replikit";
  /** Prefix of the cluster role that carries a node's name, so that members can be told apart by name. */
  public static final String NODE_ROLE_PREFIX = "replikit-node:";

  static final String SECTION = "replikit.serve";
  private static final String JOURNAL_DIRECTORY = "replikit.journal.h2-file.directory";
  // names end up in actor names, HOCON paths, URLs and Receptionist keys: keep them plain
  private static final Pattern NODE_NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");
  private static final Pattern GROUP_ID = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
  private static final Pattern HOST_PORT = Pattern.compile("([^:/\\s]+|\\[[0-9a-fA-F:.]+]):(\\d{1,5})");

  /**
   * One hosted group: its id and its members in priority order (the first leads the first epoch).
   *
   * @param id the group id
   * @param members member node names, at least one, no duplicates
   * @param logFormat how this group logs transactions; null: {@code replikit.single-leader.log-format}
   */
  public record GroupConfig(String id, List<String> members, LogFormat logFormat) {
    public GroupConfig {
      members = List.copyOf(members);
    }

    public GroupConfig(String id, List<String> members) {
      this(id, members, null);
    }

    /** The replica settings of this group: {@code base}, with this group's log format if it has its own. */
    public SingleLeaderSettings settings(SingleLeaderSettings base) {
      return logFormat == null ? base : base.withLogFormat(logFormat);
    }

    /** The group as the replicas see it. */
    public ReplicaGroupSpec spec() {
      return ReplicaGroupSpec.of(id, members.get(0), members.subList(1, members.size()).toArray(new String[0]));
    }

    /**
     * Parses {@code id=n1,n2,n3} as given to {@code --group}.
     *
     * @throws IllegalArgumentException saying what is wrong with {@code text}
     */
    public static GroupConfig parse(String text) {
      int eq = text == null ? -1 : text.indexOf('=');
      if (eq <= 0 || eq == text.length() - 1) {
        throw new IllegalArgumentException("group '" + text + "' must look like ID=NODE1,NODE2,... (e.g. "
            + "orders=n1,n2,n3; the first node leads the first epoch)");
      }
      List<String> members = new ArrayList<>();
      for (String m : text.substring(eq + 1).split(",", -1)) {
        members.add(m.trim());
      }
      GroupConfig g = new GroupConfig(text.substring(0, eq).trim(), members);
      g.validate("--group " + text);
      return g;
    }

    void validate(String where) {
      if (!GROUP_ID.matcher(id).matches()) {
        throw new IllegalArgumentException(where + ": group id '" + id
            + "' must be 1 to 64 letters, digits, '_', '-' or '.'");
      }
      if (members.isEmpty()) {
        throw new IllegalArgumentException(where + ": group '" + id + "' has no members");
      }
      Set<String> seen = new HashSet<>();
      for (String m : members) {
        if (!NODE_NAME.matcher(m).matches()) {
          throw new IllegalArgumentException(where + ": member '" + m + "' of group '" + id
              + "' is not a node name (1 to 64 letters, digits, '_' or '-')");
        }
        if (!seen.add(m)) {
          throw new IllegalArgumentException(where + ": group '" + id + "' lists member '" + m + "' twice");
        }
      }
    }
  }

  public ServeSettings {
    seedNodes = List.copyOf(seedNodes);
    groups = List.copyOf(groups);
    peers = Map.copyOf(peers);
    rings = rings == null ? List.of() : List.copyOf(rings);
    multiLeader = multiLeader == null ? List.of() : List.copyOf(multiLeader);
  }

  /** Settings that host single-leader groups only. */
  public ServeSettings(String node, String host, int port, String httpHost, int httpPort, List<String> seedNodes,
      Path dataDir, List<GroupConfig> groups, Map<String, String> peers, long maxBodyBytes, Duration readTimeout,
      Duration handoverTimeout, Duration metricsInterval, HttpAuth auth, NodeTls tls, Management management) {
    this(node, host, port, httpHost, httpPort, seedNodes, dataDir, groups, peers, maxBodyBytes, readTimeout,
        handoverTimeout, metricsInterval, auth, tls, management, List.of(), List.of());
  }

  /**
   * Reads {@code replikit.serve} from {@code config} (which must include the examples' reference.conf).
   *
   * @throws IllegalArgumentException naming the path and what was wrong
   */
  public static ServeSettings fromConfig(Config config) {
    Config c;
    try {
      c = config.getConfig(SECTION);
    } catch (ConfigException e) {
      throw new IllegalArgumentException(SECTION + " is missing or not an object: " + e.getMessage(), e);
    }
    String node = string(c, "node");
    if (node.isEmpty()) {
      throw new IllegalArgumentException("no node name: give --node NAME or set " + SECTION + ".node");
    }
    if (!NODE_NAME.matcher(node).matches()) {
      throw new IllegalArgumentException(SECTION + ".node: '" + node
          + "' is not a node name (1 to 64 letters, digits, '_' or '-')");
    }
    String host = string(c, "host");
    if (host.isEmpty()) {
      throw new IllegalArgumentException(SECTION + ".host must not be empty");
    }
    int port = port(c, "port");
    String httpHost = string(c, "http-host");
    if (httpHost.isEmpty()) {
      throw new IllegalArgumentException(SECTION + ".http-host must not be empty");
    }
    int httpPort = port(c, "http-port");

    List<String> seeds = new ArrayList<>();
    for (String s : stringList(c, "seed-nodes")) {
      seeds.add(seedAddress(s.trim()));
    }

    Path dataDir;
    String dir = string(c, "data-dir");
    try {
      if (dir.isEmpty()) {
        throw new InvalidPathException(dir, "empty");
      }
      dataDir = Paths.get(dir).toAbsolutePath().normalize();
    } catch (InvalidPathException e) {
      throw new IllegalArgumentException(SECTION + ".data-dir is not a valid directory: '" + dir + "'", e);
    }

    List<GroupConfig> groups = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    List<? extends Config> groupList;
    try {
      groupList = c.getConfigList("groups");
    } catch (ConfigException e) {
      throw new IllegalArgumentException(SECTION + ".groups must be a list of { id = ..., members = [...] }: "
          + e.getMessage(), e);
    }
    for (int i = 0; i < groupList.size(); i++) {
      Config g = groupList.get(i);
      String where = SECTION + ".groups[" + i + "]";
      String id;
      List<String> members;
      LogFormat format;
      try {
        id = g.getString("id").trim();
        members = g.getStringList("members").stream().map(String::trim).toList();
        format = g.hasPath("log-format") ? LogFormat.parse(where + ".log-format", g.getString("log-format")) : null;
      } catch (ConfigException e) {
        throw new IllegalArgumentException(where + " needs id (a string) and members (a list of node names), and "
            + "may have log-format: " + e.getMessage(), e);
      }
      GroupConfig group = new GroupConfig(id, members, format);
      group.validate(where);
      if (!ids.add(id)) {
        throw new IllegalArgumentException(where + ": group '" + id + "' is configured twice");
      }
      groups.add(group);
    }

    Map<String, String> peers = new LinkedHashMap<>();
    Config peerConfig;
    try {
      peerConfig = c.getConfig("peers");
    } catch (ConfigException e) {
      throw new IllegalArgumentException(SECTION + ".peers must be an object of node = \"host:port\": "
          + e.getMessage(), e);
    }
    for (Map.Entry<String, com.typesafe.config.ConfigValue> e : peerConfig.root().entrySet()) {
      String name = e.getKey();
      Object value = e.getValue().unwrapped();
      if (!NODE_NAME.matcher(name).matches()) {
        throw new IllegalArgumentException(SECTION + ".peers: '" + name + "' is not a node name");
      }
      if (!(value instanceof String address) || !HOST_PORT.matcher(address.trim()).matches()
          || Integer.parseInt(address.trim().substring(address.trim().lastIndexOf(':') + 1)) > 65535) {
        throw new IllegalArgumentException(SECTION + ".peers." + name + " must be \"host:port\", was " + value);
      }
      peers.put(name, address.trim());
    }

    long maxBody;
    try {
      maxBody = c.getBytes("max-body-bytes");
    } catch (ConfigException e) {
      throw new IllegalArgumentException(SECTION + ".max-body-bytes must be a size such as 1 MiB: "
          + e.getMessage(), e);
    }
    if (maxBody < 1 || maxBody > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(SECTION + ".max-body-bytes must be between 1 byte and 2 GiB, was "
          + maxBody);
    }
    Duration readTimeout = positiveDuration(c, "read-timeout");
    Duration handoverTimeout = positiveDuration(c, "handover-timeout");
    Duration metricsInterval = positiveDuration(c, "metrics-interval");
    HttpAuth auth = HttpAuth.fromConfig(config);
    NodeTls tls = NodeTls.fromConfig(config);
    Management management = Management.fromConfig(config, httpHost, httpPort);
    LivePage.Settings.fromConfig(config); // read again by ReplikitNode; checked here to fail with the others
    List<RingConfig> rings = RingConfig.listFromConfig(config, GROUP_ID, NODE_NAME);
    List<MultiLeaderConfig> multiLeader = MultiLeaderConfig.listFromConfig(config, GROUP_ID, NODE_NAME);
    // one id names one thing: the HTTP routes, the Receptionist keys and the journals' persistence ids use it
    Map<String, String> familyOf = new LinkedHashMap<>();
    groups.forEach(g -> familyOf.put(g.id(), "single-leader group"));
    for (int i = 0; i < rings.size(); i++) {
      checkUnique(familyOf, rings.get(i).id(), "ring", SECTION + ".rings[" + i + "]");
    }
    for (int i = 0; i < multiLeader.size(); i++) {
      checkUnique(familyOf, multiLeader.get(i).id(), "multi-leader group", SECTION + ".multi-leader[" + i + "]");
    }
    // checked now, naming the bad path (a keyspace name may not be any other hosted id); ReplikitNode reads it again
    ServedKeyspaces.fromConfig(config, familyOf.keySet());
    return new ServeSettings(node, host, port, httpHost, httpPort, seeds, dataDir, groups, peers, maxBody,
        readTimeout, handoverTimeout, metricsInterval, auth, tls, management, rings, multiLeader);
  }

  /**
   * The actor system's whole configuration for this node: cluster provider, Artery (TCP, or TLS with mutual
   * authentication when {@code tls} is enabled) on {@code host:port}, Java serialization off, seed
   * nodes, this node's role, its H2 journal under {@code <data-dir>/<node>}, and the HTTP body limit, on top of
   * {@code base}. Also checks that {@code replikit.single-leader} in {@code base} is valid.
   */
  public Config akkaConfig(Config base) {
    Map<String, Object> overlay = new LinkedHashMap<>();
    overlay.put("akka.actor.provider", "cluster");
    overlay.putAll(tls.akkaOverlay()); // tcp, or tls-tcp with mutual authentication
    // whatever a config file says: nothing but the classes bound to Replikit's markers is read from the wire
    overlay.put("akka.actor.allow-java-serialization", "off");
    overlay.put("akka.remote.artery.canonical.hostname", host);
    overlay.put("akka.remote.artery.canonical.port", port);
    overlay.put("akka.cluster.seed-nodes", seedNodes);
    overlay.put("akka.cluster.roles", List.of(NODE_ROLE_PREFIX + node));
    // several nodes in one JVM (the in-JVM tests) would otherwise fight over one MBean name
    overlay.put("akka.cluster.jmx.multi-mbeans-in-same-jvm", "on");
    // the stopping leader's handover runs in this phase: give it its budget plus a margin
    overlay.put("akka.coordinated-shutdown.phases.before-service-unbind.timeout",
        (handoverTimeout.toMillis() + 2000) + "ms");
    // the server refuses oversized bodies before they are buffered; the route applies the same limit
    overlay.put("akka.http.server.parsing.max-content-length", maxBodyBytes);
    overlay.put(JOURNAL_DIRECTORY, dataDir.resolve(node).toString());
    overlay.putAll(management.akkaOverlay());
    Config withOverlay = ConfigFactory.parseMap(overlay).withFallback(base);
    SingleLeaderSettings.fromConfig(withOverlay.resolve()); // fail now, naming the bad path, not in a replica
    return keepH2OpenDuringShutdown(ReplikitJournal.configure(withOverlay)).resolve();
  }

  /**
   * H2 closes a database from its own JVM shutdown hook unless told not to, and that hook runs concurrently with
   * Akka's coordinated shutdown: on SIGTERM a leader's journal would close under it while it hands over (its writes
   * fail, the replica restarts and cannot recover, and the handover is lost). With DB_CLOSE_ON_EXIT=FALSE the
   * journal stays open until the process ends; H2's file format survives an unclosed exit as it survives a crash.
   */
  static Config keepH2OpenDuringShutdown(Config config) {
    String path = "akka-persistence-jdbc.shared-databases." + ReplikitJournal.SHARED_DATABASE + ".db.url";
    if (!config.hasPath(path)) {
      return config;
    }
    String url = config.getString(path);
    if (!url.startsWith("jdbc:h2:") || url.toUpperCase(java.util.Locale.ROOT).contains("DB_CLOSE_ON_EXIT")) {
      return config;
    }
    return config.withValue(path, ConfigValueFactory.fromAnyRef(url + ";DB_CLOSE_ON_EXIT=FALSE"));
  }

  private static void checkUnique(Map<String, String> familyOf, String id, String family, String where) {
    String taken = familyOf.putIfAbsent(id, family);
    if (taken != null) {
      throw new IllegalArgumentException(where + ": id '" + id + "' is already used by a " + taken
          + " (ids are unique across groups, rings and multi-leader groups)");
    }
  }

  /** {@code host:port} or a full {@code akka://replikit@host:port} as an Akka address. */
  static String seedAddress(String s) {
    if (s.startsWith("akka://")) {
      if (!s.startsWith("akka://" + SYSTEM_NAME + "@")) {
        throw new IllegalArgumentException("seed node '" + s + "' must be an address of actor system '"
            + SYSTEM_NAME + "' (akka://" + SYSTEM_NAME + "@host:port)");
      }
      String rest = s.substring(("akka://" + SYSTEM_NAME + "@").length());
      checkHostPort("seed node '" + s + "'", rest);
      return s;
    }
    checkHostPort("seed node '" + s + "'", s);
    return "akka://" + SYSTEM_NAME + "@" + s;
  }

  private static void checkHostPort(String what, String hostPort) {
    java.util.regex.Matcher m = HOST_PORT.matcher(hostPort);
    if (!m.matches() || Integer.parseInt(m.group(2)) < 1 || Integer.parseInt(m.group(2)) > 65535) {
      throw new IllegalArgumentException(what + " must be host:port with a port from 1 to 65535");
    }
  }

  private static String string(Config c, String key) {
    try {
      return c.getString(key).trim();
    } catch (ConfigException e) {
      throw new IllegalArgumentException(SECTION + "." + key + " must be a string: " + e.getMessage(), e);
    }
  }

  private static List<String> stringList(Config c, String key) {
    try {
      return c.getStringList(key);
    } catch (ConfigException e) {
      throw new IllegalArgumentException(SECTION + "." + key + " must be a list of strings: " + e.getMessage(), e);
    }
  }

  private static int port(Config c, String key) {
    int p;
    try {
      p = c.getInt(key);
    } catch (ConfigException e) {
      throw new IllegalArgumentException(SECTION + "." + key + " must be a port number: " + e.getMessage(), e);
    }
    if (p < 0 || p > 65535) {
      throw new IllegalArgumentException(SECTION + "." + key + " must be a port from 0 to 65535, was " + p);
    }
    return p;
  }

  private static Duration positiveDuration(Config c, String key) {
    Duration d;
    try {
      d = c.getDuration(key);
    } catch (ConfigException e) {
      throw new IllegalArgumentException(SECTION + "." + key + " must be a duration such as 5s: " + e.getMessage(),
          e);
    }
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(SECTION + "." + key + " must be positive, was " + d);
    }
    return d;
  }
}
