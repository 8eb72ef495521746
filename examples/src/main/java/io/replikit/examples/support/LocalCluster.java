package io.replikit.examples.support;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A cluster of {@code replikit serve} JVMs on loopback, started from {@code replikit.jar}: the multi-process tests
 * and {@code replikit bench failover} both run on it. Each node gets free Artery and HTTP ports (taken by binding
 * port 0 first), its own data directory (kept across restarts, so a restarted node recovers its journal) and a log
 * file that collects its stdout and stderr across incarnations. Faults are real: {@link #kill} is SIGKILL,
 * {@link #freeze} / {@link #thaw} are SIGSTOP / SIGCONT.
 *
 * <p>{@link #close()} kills every node still running; use it in a finally block (or try-with-resources) so that
 * a failed run leaves no JVM behind.
 */
public final class LocalCluster implements AutoCloseable {

  /**
   * How to start the nodes.
   *
   * @param jar the shaded {@code replikit.jar}
   * @param workDir where data directories and logs go (created)
   * @param nodes how many nodes (n1, n2, ...), all members of {@code group} in that order
   * @param group the one group every node hosts
   * @param ack {@code --ack}: async, semi-sync or sync
   * @param failoverTimeout {@code --failover-timeout}, e.g. 1s
   * @param jvmOptions options for each node's JVM (heap size, collector)
   * @param extraArgs more {@code serve} flags for every node
   */
  public record Options(Path jar, Path workDir, int nodes, String group, String ack, String failoverTimeout,
      List<String> jvmOptions, List<String> extraArgs) {
    public Options {
      jvmOptions = List.copyOf(jvmOptions);
      extraArgs = List.copyOf(extraArgs);
      if (nodes < 1) {
        throw new IllegalArgumentException("a cluster needs at least 1 node, was " + nodes);
      }
    }

    /**
     * Small JVMs for a 2-core machine: a 256 MiB heap, the serial collector (no GC threads competing with the
     * other nodes) and the client compiler only (less compilation work at startup).
     */
    public static List<String> smallJvm() {
      return List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");
    }
  }

  /** One node: its ports, directories and current process. */
  public final class Node {
    private final String name;
    private final int arteryPort;
    private final int httpPort;
    private final int managementPort;
    private final Path log;
    private volatile Process process;
    private volatile boolean frozen;

    private Node(String name, int arteryPort, int httpPort, int managementPort) {
      this.managementPort = managementPort;
      this.name = name;
      this.arteryPort = arteryPort;
      this.httpPort = httpPort;
      this.log = options.workDir().resolve(name + ".log");
    }

    public String name() {
      return name;
    }

    public int httpPort() {
      return httpPort;
    }

    public String baseUrl() {
      return "http://127.0.0.1:" + httpPort;
    }

    public Path log() {
      return log;
    }

    public boolean running() {
      Process p = process;
      return p != null && p.isAlive();
    }

    public boolean frozen() {
      return frozen;
    }

    public long pid() {
      Process p = process;
      if (p == null) {
        throw new IllegalStateException("node " + name + " was never started");
      }
      return p.pid();
    }

    /** The last {@code lines} lines of this node's log (all incarnations). */
    public String tail(int lines) {
      try {
        if (!Files.exists(log)) {
          return "(no log yet)";
        }
        List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
      } catch (IOException | UncheckedIOException e) {
        return "(could not read " + log + ": " + e + ")";
      }
    }

    private List<String> command() {
      List<String> cmd = new ArrayList<>();
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      cmd.addAll(options.jvmOptions());
      cmd.add("-jar");
      cmd.add(options.jar().toString());
      cmd.add("serve");
      cmd.addAll(List.of("--node", name, "--host", "127.0.0.1", "--port", Integer.toString(arteryPort),
          "--http-port", Integer.toString(httpPort), "--data-dir", options.workDir().resolve("data").toString(),
          "--management-port", Integer.toString(managementPort), "--ack", options.ack(), "--failover-timeout",
          options.failoverTimeout()));
      cmd.add("--seed");
      cmd.add(nodes.values().stream().map(n -> "127.0.0.1:" + n.arteryPort).collect(Collectors.joining(",")));
      cmd.add("--group");
      cmd.add(options.group() + "=" + String.join(",", nodes.keySet()));
      for (Node peer : nodes.values()) {
        if (peer != this) {
          cmd.add("--peer");
          cmd.add(peer.name + "=127.0.0.1:" + peer.httpPort);
        }
      }
      cmd.addAll(options.extraArgs());
      return cmd;
    }

    private synchronized void launch() {
      if (running()) {
        throw new IllegalStateException("node " + name + " is already running (pid " + pid() + ")");
      }
      try {
        Files.writeString(log, "\n=== " + Instant.now() + " starting " + name + " ===\n", StandardCharsets.UTF_8,
            java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        process = new ProcessBuilder(command())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
        frozen = false;
      } catch (IOException e) {
        throw new UncheckedIOException("could not start node " + name, e);
      }
    }
  }

  private final Options options;
  private final Map<String, Node> nodes = new LinkedHashMap<>();
  private final KvClient client = new KvClient(Duration.ofMillis(1500));

  private LocalCluster(Options options) {
    this.options = options;
  }

  /** Starts every node at once and returns without waiting for them: see {@link #awaitLeader}. */
  public static LocalCluster start(Options options) {
    if (!Files.isRegularFile(options.jar())) {
      throw new IllegalArgumentException("no replikit.jar at " + options.jar() + ": build it with mvn package");
    }
    try {
      Files.createDirectories(options.workDir());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + options.workDir(), e);
    }
    LocalCluster cluster = new LocalCluster(options);
    int[] ports = freePorts(3 * options.nodes());
    for (int i = 0; i < options.nodes(); i++) {
      String name = "n" + (i + 1);
      cluster.nodes.put(name, cluster.new Node(name, ports[3 * i], ports[3 * i + 1], ports[3 * i + 2]));
    }
    try {
      cluster.nodes.values().forEach(Node::launch);
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
    return cluster;
  }

  /**
   * Ports that were free a moment ago: all are bound at once (so none is handed out twice) and then released
   * for the nodes to take.
   */
  private static int[] freePorts(int count) {
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      int[] ports = new int[count];
      for (int i = 0; i < count; i++) {
        ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        s.setReuseAddress(true);
        sockets.add(s);
        ports[i] = s.getLocalPort();
      }
      return ports;
    } catch (IOException e) {
      throw new UncheckedIOException("could not find free ports", e);
    } finally {
      for (ServerSocket s : sockets) {
        try {
          s.close();
        } catch (IOException ignored) {
          // closing a listening socket we opened: nothing to recover
        }
      }
    }
  }

  public Options options() {
    return options;
  }

  public String group() {
    return options.group();
  }

  public List<Node> nodes() {
    return List.copyOf(nodes.values());
  }

  public Node node(String name) {
    Node n = nodes.get(name);
    if (n == null) {
      throw new IllegalArgumentException("no node " + name + " in " + nodes.keySet());
    }
    return n;
  }

  /** The node whose HTTP API listens on {@code port}, if any (to follow a redirect's Location). */
  public Optional<Node> nodeByHttpPort(int port) {
    return nodes.values().stream().filter(n -> n.httpPort == port).findFirst();
  }

  public KvClient client() {
    return client;
  }

  /** SIGKILL: the node gets no chance to hand over or leave the cluster. Returns once the process is gone. */
  public void kill(String name) {
    Node n = node(name);
    Process p = n.process;
    if (p == null) {
      return;
    }
    p.destroyForcibly();
    try {
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("node " + name + " (pid " + p.pid() + ") survived SIGKILL for 10 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while killing " + name, e);
    }
    n.frozen = false;
  }

  /** SIGTERM: a graceful stop (a leader hands over first). Returns the exit code, or fails after {@code wait}. */
  public int terminate(String name, Duration wait) {
    Node n = node(name);
    Process p = n.process;
    p.destroy();
    try {
      if (!p.waitFor(wait.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException("node " + name + " did not exit within " + wait.toMillis()
            + " ms of SIGTERM");
      }
      return p.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while stopping " + name, e);
    }
  }

  /** Starts {@code name} again on the same ports and data directory (it recovers its journal). */
  public void restart(String name) {
    node(name).launch();
  }

  /** SIGSTOP: the JVM stops dead, as in a long GC pause, and keeps its sockets open. */
  public void freeze(String name) {
    signal(name, "-STOP");
    node(name).frozen = true;
  }

  /** SIGCONT: a frozen node carries on where it stopped, unaware that time has passed. */
  public void thaw(String name) {
    signal(name, "-CONT");
    node(name).frozen = false;
  }

  private void signal(String name, String signal) {
    long pid = node(name).pid();
    try {
      Process kill = new ProcessBuilder("kill", signal, Long.toString(pid)).redirectErrorStream(true).start();
      String output = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new IllegalStateException("kill " + signal + " " + pid + " (node " + name + ") failed: " + output);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not run kill " + signal + " " + pid, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while signalling " + name, e);
    }
  }

  /**
   * The group status of every running, unfrozen node that answered within the client's timeout, by node name
   * (asked in parallel, so a dead node costs one timeout, not one per node).
   */
  public Map<String, JsonNode> statuses() {
    Map<String, CompletableFuture<KvClient.Response>> asked = new LinkedHashMap<>();
    for (Node n : nodes.values()) {
      if (n.running() && !n.frozen) {
        asked.put(n.name, client.statusAsync(n.baseUrl(), options.group()));
      }
    }
    Map<String, JsonNode> answered = new LinkedHashMap<>();
    asked.forEach((name, f) -> {
      try {
        KvClient.Response r = f.join();
        if (r.status() == 200) {
          answered.put(name, r.body());
        }
      } catch (RuntimeException e) {
        // no answer (starting, dead, or paused): not part of this view
      }
    });
    return answered;
  }

  /** The node that claims leadership in the highest epoch among those answering, if any. */
  public Optional<String> leaderNow() {
    return leaderIn(statuses());
  }

  private static Optional<String> leaderIn(Map<String, JsonNode> statuses) {
    return statuses.entrySet().stream()
        .filter(e -> "leader".equals(e.getValue().path("role").asText()))
        .max((a, b) -> Long.compare(a.getValue().path("epoch").asLong(), b.getValue().path("epoch").asLong()))
        .map(Map.Entry::getKey);
  }

  /**
   * Waits until every running, unfrozen node answers, all agree on one leader in one epoch (the leader itself
   * included), and each finds every running member through the Receptionist ({@code listed} in its status: right
   * after a cluster forms, registrations take a few gossip rounds to reach every node, and a replica cannot vote for
   * one it cannot reach). Returns the leader's name, or fails with every node's status and log tail.
   */
  public String awaitLeader(Duration timeout) {
    String[] leader = new String[1];
    boolean agreed = Poll.within(timeout, Duration.ofMillis(100), () -> {
      Map<String, JsonNode> s = statuses();
      long expected = nodes.values().stream().filter(n -> n.running() && !n.frozen).count();
      Optional<String> l = leaderIn(s);
      if (s.size() < expected || l.isEmpty()) {
        return false;
      }
      long epoch = s.get(l.get()).path("epoch").asLong();
      long members = nodes.values().stream().filter(n -> n.running() && !n.frozen).count();
      boolean all = s.values().stream().allMatch(st -> l.get().equals(st.path("leader").asText())
          && st.path("epoch").asLong() == epoch && st.path("listed").size() >= members);
      leader[0] = l.get();
      return all;
    });
    if (!agreed) {
      throw new IllegalStateException("no leader that every running node agrees on within " + timeout.toMillis()
          + " ms\n" + describe());
    }
    return leader[0];
  }

  /** Every node's status (or why there is none) and the tail of its log: for failure messages. */
  public String describe() {
    Map<String, JsonNode> s = statuses();
    StringBuilder b = new StringBuilder();
    for (Node n : nodes.values()) {
      b.append("--- ").append(n.name).append(n.running() ? " (pid " + n.pid() + (n.frozen ? ", frozen" : "") + ")"
          : " (not running)").append(": ").append(s.containsKey(n.name) ? s.get(n.name).toString() : "no status")
          .append("\n").append(n.tail(40)).append("\n");
    }
    return b.toString();
  }

  /** Kills every node still running (frozen ones included: SIGKILL needs no SIGCONT). */
  @Override
  public void close() {
    for (Node n : nodes.values()) {
      Process p = n.process;
      if (p != null && p.isAlive()) {
        p.destroyForcibly();
      }
    }
    for (Node n : nodes.values()) {
      Process p = n.process;
      if (p != null) {
        try {
          p.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }
}
