package io.replikit.examples.cli;

import akka.actor.CoordinatedShutdown;
import ch.qos.logback.classic.Level;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import io.replikit.examples.serve.ReplikitNode;
import io.replikit.examples.serve.ServeSettings;
import java.io.File;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code replikit serve}: one cluster node with an HTTP API, configured by flags and/or a HOCON file; flags win
 * over the file, the file over the defaults in the examples' reference.conf.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = {"Starts one Akka Cluster node (Artery TCP on loopback unless --host says otherwise) that hosts a "
        + "replica of each configured group, leaderless ring and multi-leader group and serves the HTTP API "
        + "(GET/PUT/DELETE/POST /kv/{group}/{key}, GET /status[/{group}], POST /admin/switchover/{group}?to=NODE, "
        + "GET /admin/divergent/{group}). "
        + "Runs until SIGTERM, when a leader hands its groups over to another member first.",
        "Example: replikit serve --node n1 --port 2551 --http-port 8081 --seed 127.0.0.1:2551 "
            + "--seed 127.0.0.1:2552 --group orders=n1,n2,n3 --peer n2=127.0.0.1:8082 --ack semi-sync"})
final class ServeCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Option(names = "--config", paramLabel = "FILE",
      description = "HOCON file with replikit.serve { ... } (and any replikit.* or akka.* setting).")
  File configFile;

  @Option(names = "--node", paramLabel = "NAME", description = "This node's name = its replica id in each group.")
  String node;

  @Option(names = "--host", paramLabel = "HOST",
      description = "Host name Artery binds to and advertises (default 127.0.0.1).")
  String host;

  @Option(names = "--port", paramLabel = "PORT", description = "Artery TCP port (default 2551).")
  Integer port;

  @Option(names = "--http-host", paramLabel = "HOST",
      description = "Interface of the HTTP API (default 127.0.0.1).")
  String httpHost;

  @Option(names = "--http-port", paramLabel = "PORT", description = "Port of the HTTP API (default 8080).")
  Integer httpPort;

  @Option(names = "--management-port", paramLabel = "PORT",
      description = "Port of the operator endpoints /alive, /ready, /cluster/members (default: the HTTP port + 1000).")
  Integer managementPort;

  @Option(names = "--seed", paramLabel = "HOST:PORT", split = ",",
      description = "A seed node's Artery address (repeatable or comma-separated). None: start a new cluster.")
  List<String> seeds;

  @Option(names = "--data-dir", paramLabel = "DIR",
      description = "Journal directory root: the node keeps its H2 file in DIR/<node>/ (default ./data).")
  String dataDir;

  @Option(names = "--group", paramLabel = "ID=N1,N2,...", converter = GroupConverter.class,
      description = "A group this node hosts and its members in priority order, the first leading the first "
          + "epoch (repeatable; replaces replikit.serve.groups).")
  List<ServeSettings.GroupConfig> groups;

  @Option(names = "--ring", paramLabel = "ID=NODES[:OPTS]", converter = FamilyFlag.RingConverter.class,
      description = "A leaderless keyspace and the nodes of its ring (N1,N2,...), each running a storage replica; "
          + "OPTS: KEY=VALUE,... with KEY n, w, r, conflicts, read-repair, sloppy-quorum or vnodes (the rest from "
          + "replikit.leaderless), e.g. carts=n1,n2,n3:w=2,r=2 (repeatable; replaces replikit.serve.rings).")
  List<FamilyFlag> rings;

  @Option(names = "--multi-leader", paramLabel = "ID=NODES[:OPTS]",
      converter = FamilyFlag.MultiLeaderConverter.class,
      description = "A multi-leader group and its members (N1,N2,...), every one a leader; OPTS: KEY=VALUE,... with "
          + "KEY topology (all-to-all, circular, or star rooted at the first member) or resolution (last-write-wins, "
          + "keep-siblings, replica-priority), e.g. profiles=n1,n2,n3:topology=circular (repeatable; replaces "
          + "replikit.serve.multi-leader).")
  List<FamilyFlag> multiLeader;

  @Option(names = "--peer", paramLabel = "NODE=HOST:PORT",
      description = "Another node's HTTP address, for redirects to the leader (repeatable).")
  Map<String, String> peers;

  @Option(names = "--ack", paramLabel = "POLICY", converter = AckConverter.class,
      description = "async, semi-sync or sync (replikit.single-leader.ack-policy).")
  String ack;

  @Option(names = "--sync-standbys", paramLabel = "K",
      description = "Synchronous followers for semi-sync (replikit.single-leader.sync-standby-count, default 1).")
  Integer syncStandbys;

  @Option(names = "--sync-method", paramLabel = "METHOD", converter = MethodConverter.class,
      description = "first or any (replikit.single-leader.sync-standby-method).")
  String syncMethod;

  @Option(names = "--ack-level", paramLabel = "LEVEL", converter = LevelConverter.class,
      description = "received, persisted or applied (replikit.single-leader.ack-level).")
  String ackLevel;

  @Option(names = "--failover-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
      description = "Leader silence before an election, e.g. 1s (replikit.single-leader.failover-timeout).")
  String failoverTimeout;

  @Option(names = "--write-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
      description = "When an unconfirmed write is answered 504 (replikit.single-leader.write-timeout).")
  String writeTimeout;

  @Option(names = "--log-level", paramLabel = "LEVEL", defaultValue = "INFO", converter = LogLevelConverter.class,
      description = "Log level of Replikit and Akka Cluster on stderr (default: ${DEFAULT-VALUE}).")
  Level logLevel;

  @Override
  public Integer call() {
    setLogLevels(logLevel);
    Config config = config(logLevel);
    ServeSettings settings = settings(config);
    // a node downed by the cluster stops its actor system; the process must then end too (Akka exits with -1 for a
    // downing), not linger without it
    Config nodeConfig = ConfigFactory.parseMap(Map.of("akka.coordinated-shutdown.exit-jvm", "on"))
        .withFallback(config);
    ReplikitNode running = ReplikitNode.start(settings, nodeConfig);
    PrintWriter out = spec.commandLine().getOut();
    out.println("replikit serve: node " + settings.node() + " at " + running.clusterAddress() + ", HTTP on http://"
        + settings.httpHost() + ":" + running.httpPort() + ", groups " + running.groups().keySet()
        + (settings.rings().isEmpty() ? "" : ", rings " + settings.rings().stream().map(r -> r.id()).toList())
        + (settings.multiLeader().isEmpty() ? ""
            : ", multi-leader groups " + settings.multiLeader().stream().map(g -> g.id()).toList()));
    out.flush();
    running.whenTerminated().toCompletableFuture().join();
    Optional<CoordinatedShutdown.Reason> reason = CoordinatedShutdown.get(running.system()).getShutdownReason();
    return reason.isPresent() && reason.get() == CoordinatedShutdown.clusterDowningReason() ? 1 : 0;
  }

  /**
   * The node's settings from {@code config}; a mistake is a usage error naming its path, or the {@code --ring} /
   * {@code --multi-leader} flag that gave the entry.
   */
  ServeSettings settings(Config config) {
    try {
      ServeSettings settings = ServeSettings.fromConfig(config);
      settings.akkaConfig(config); // validates replikit.single-leader and the journal before anything starts
      return settings;
    } catch (IllegalArgumentException e) {
      String message = FamilyFlag.rename(e.getMessage(), "replikit.serve.rings", rings);
      message = FamilyFlag.rename(message, "replikit.serve.multi-leader", multiLeader);
      throw new ParameterException(spec.commandLine(), message, e);
    }
  }

  /** Flags over the file over application.conf and the reference.conf files. */
  Config config(Level level) {
    Map<String, Object> flags = new LinkedHashMap<>();
    String serve = "replikit.serve.";
    putIf(flags, serve + "node", node);
    putIf(flags, serve + "host", host);
    putIf(flags, serve + "port", port);
    putIf(flags, serve + "http-host", httpHost);
    putIf(flags, serve + "http-port", httpPort);
    putIf(flags, serve + "management.port", managementPort);
    putIf(flags, serve + "seed-nodes", seeds);
    putIf(flags, serve + "data-dir", dataDir);
    if (groups != null) {
      List<Map<String, Object>> list = new ArrayList<>();
      for (ServeSettings.GroupConfig g : groups) {
        list.add(Map.of("id", g.id(), "members", g.members()));
      }
      flags.put(serve + "groups", list);
    }
    if (rings != null) {
      flags.put(serve + "rings", rings.stream().map(FamilyFlag::entry).toList());
    }
    if (multiLeader != null) {
      flags.put(serve + "multi-leader", multiLeader.stream().map(FamilyFlag::entry).toList());
    }
    if (peers != null) {
      flags.put(serve + "peers", new LinkedHashMap<>(peers)); // merged with the file's peers, flags winning
    }
    String single = "replikit.single-leader.";
    putIf(flags, single + "ack-policy", ack);
    putIf(flags, single + "sync-standby-count", syncStandbys);
    putIf(flags, single + "sync-standby-method", syncMethod);
    putIf(flags, single + "ack-level", ackLevel);
    putIf(flags, single + "failover-timeout", failoverTimeout);
    putIf(flags, single + "write-timeout", writeTimeout);
    Config file = ConfigFactory.empty();
    if (configFile != null) {
      if (!configFile.isFile()) {
        throw new ParameterException(spec.commandLine(), "--config: no such file: " + configFile);
      }
      try {
        file = ConfigFactory.parseFile(configFile);
      } catch (ConfigException e) {
        throw new ParameterException(spec.commandLine(), "--config " + configFile + " is not valid HOCON: "
            + e.getMessage(), e);
      }
    }
    try {
      // Akka drops events below akka.loglevel before SLF4J sees them: follow --log-level unless the file says
      Config logging = ConfigFactory.parseMap(
          Map.of("akka.loglevel", level.toInt() <= Level.INFO_INT ? "INFO" : "WARNING"));
      return ConfigFactory.parseMap(flags).withFallback(file).withFallback(logging)
          .withFallback(ConfigFactory.load()).resolve();
    } catch (ConfigException e) {
      throw new ParameterException(spec.commandLine(), "invalid configuration: " + e.getMessage(), e);
    }
  }

  private static void putIf(Map<String, Object> map, String key, Object value) {
    if (value != null) {
      map.put(key, value);
    }
  }

  private static void setLogLevels(Level level) {
    // the examples' logback.xml keeps everything at WARN for the demo and the benchmarks; a node's log is its
    // operator's main view of elections, failovers and membership
    for (String name : new String[] {"io.replikit", "akka.cluster"}) {
      org.slf4j.Logger logger = LoggerFactory.getLogger(name);
      if (logger instanceof ch.qos.logback.classic.Logger l) {
        l.setLevel(level);
      }
    }
  }

  static final class GroupConverter implements ITypeConverter<ServeSettings.GroupConfig> {
    @Override
    public ServeSettings.GroupConfig convert(String value) {
      try {
        return ServeSettings.GroupConfig.parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  /** The library's parser decides; the option keeps the lower-case spelling that configuration uses. */
  private static String checked(String option, String value, java.util.function.BiFunction<String, String, ?> parse) {
    LibraryValues.parse(option, value, parse);
    return value.trim().toLowerCase(Locale.ROOT);
  }

  static final class AckConverter implements ITypeConverter<String> {
    @Override
    public String convert(String value) {
      return checked("--ack", value, io.replikit.singleleader.AckPolicy::parseMode);
    }
  }

  static final class MethodConverter implements ITypeConverter<String> {
    @Override
    public String convert(String value) {
      return checked("--sync-method", value, io.replikit.singleleader.AckPolicy::parseMethod);
    }
  }

  static final class LevelConverter implements ITypeConverter<String> {
    @Override
    public String convert(String value) {
      return checked("--level", value, io.replikit.singleleader.AckLevel::parse);
    }
  }

  static final class DurationConverter implements ITypeConverter<String> {
    @Override
    public String convert(String value) {
      try {
        java.time.Duration d = ConfigFactory.parseMap(Map.of("d", value)).getDuration("d");
        if (d.isNegative() || d.isZero()) {
          throw new TypeConversionException("'" + value + "' must be a positive duration");
        }
        return value;
      } catch (ConfigException e) {
        throw new TypeConversionException("'" + value + "' is not a duration such as 1s or 1500ms");
      }
    }
  }

  static final class LogLevelConverter implements ITypeConverter<Level> {
    @Override
    public Level convert(String value) {
      Level level = Level.toLevel(value.trim().toUpperCase(Locale.ROOT), null);
      if (level == null) {
        throw new TypeConversionException("unknown log level '" + value + "'; expected DEBUG, INFO, WARN or ERROR");
      }
      return level;
    }
  }
}
