package io.replikit.examples.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code replikit status}: asks running {@code serve} nodes for {@code GET /status} and prints the cluster's groups
 * as one table (each replica's role, epoch, applied position and lag as its leader measures it) and the members.
 */
@Command(name = "status", mixinStandardHelpOptions = true,
    description = {"Asks one or more running 'replikit serve' nodes for GET /status and prints every replica group "
        + "they host as a table: per replica its role, the leader it follows, epoch, applied position, and its lag "
        + "in entries and milliseconds as the leader measures it (applied level); leaderless rings and multi-leader "
        + "groups with their own counters (hints, repairs, conflicts) in STATE; sharded keyspaces' replicas as "
        + "their partition's group (<keyspace>-p<p>) and slot (r<i>), with the node they run on in STATE; then the "
        + "cluster's members. Exit "
        + "status 1 when a node cannot be reached or answers with an error."})
final class StatusCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Spec
  CommandSpec spec;

  @Option(names = "--node", paramLabel = "URL", split = ",", defaultValue = "http://127.0.0.1:8080",
      description = "HTTP address of a node (several: repeat or separate by commas; default: ${DEFAULT-VALUE}).")
  List<String> nodes;

  @Option(names = "--token", paramLabel = "TOKEN", defaultValue = "${env:REPLIKIT_HTTP_TOKEN}",
      description = "Bearer token, for nodes whose reads are closed (default: $REPLIKIT_HTTP_TOKEN).")
  String token;

  @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "5",
      description = "How long to wait for each node (default: ${DEFAULT-VALUE}).")
  int timeoutSeconds;

  @Option(names = "--json", description = "Print the merged view as one JSON object instead of a table.")
  boolean json;

  /** One row: a replica of a group, as its own node or its leader reports it. */
  record Row(String group, String replica, String role, String leader, long epoch, long applied, String lagEntries,
      String lagMillis, String state, String source) {}

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (timeoutSeconds <= 0) {
      throw new ParameterException(spec.commandLine(), "--timeout must be positive, was " + timeoutSeconds);
    }
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(timeoutSeconds)).build();
    Map<String, Row> rows = new TreeMap<>();
    Map<String, JsonNode> members = new TreeMap<>();
    int failures = 0;
    for (String node : nodes) {
      URI uri;
      try {
        uri = URI.create(node.trim().replaceAll("/+$", "") + "/status");
        if (uri.getScheme() == null || uri.getHost() == null) {
          throw new IllegalArgumentException("no scheme or host");
        }
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), "--node '" + node + "' is not an HTTP address such as "
            + "http://127.0.0.1:8080");
      }
      JsonNode body;
      try {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(timeoutSeconds)).GET();
        if (token != null && !token.isBlank()) {
          request.header("Authorization", "Bearer " + token.trim());
        }
        HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
          err.println("replikit status: " + uri + " answered " + r.statusCode() + ": " + r.body());
          failures++;
          continue;
        }
        body = JSON.readTree(r.body());
      } catch (IOException e) {
        err.println("replikit status: " + uri + " cannot be reached: " + e.getMessage());
        failures++;
        continue;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return 1;
      }
      merge(body, rows, members);
    }
    if (json) {
      ObjectNode o = JsonNodeFactory.instance.objectNode();
      ArrayNode groups = o.putArray("replicas");
      rows.values().forEach(r -> {
        ObjectNode row = JSON.valueToTree(r);
        if (r.epoch() == NOT_APPLICABLE) {
          row.putNull("epoch");
        }
        if (r.applied() == NOT_APPLICABLE) {
          row.putNull("applied");
        }
        groups.add(row);
      });
      ArrayNode m = o.putArray("members");
      members.values().forEach(m::add);
      o.put("unreachable_nodes", failures);
      out.println(o);
    } else {
      print(rows, members, out);
    }
    out.flush();
    return failures == 0 ? 0 : 1;
  }

  /** Adds what one node's /status says: its own replicas, and the followers its led groups measure. */
  static void merge(JsonNode body, Map<String, Row> rows, Map<String, JsonNode> members) {
    String node = body.path("node").asText();
    for (JsonNode g : body.path("groups")) {
      singleLeader(g.path("groupId").asText(), node, g, "", node, rows);
    }
    for (JsonNode g : body.path("sharded")) {
      // a sharded keyspace's replica r<i> of partition group <keyspace>-p<p>, running on this node
      String group = g.path("group").asText();
      String replica = g.path("replica").asText();
      String family = g.path("family").asText("single-leader");
      if (family.equals("single-leader")) {
        singleLeader(group, replica, g, g.path("rejoining").asBoolean() ? "rejoining @" + node : "@" + node, node,
            rows);
      } else if (family.equals("multi-leader")) {
        long applied = 0;
        for (JsonNode counter : g.path("applied")) {
          applied += counter.asLong();
        }
        rows.put(group + "/" + replica, new Row(group, replica, "multi-leader", "", NOT_APPLICABLE,
            g.has("error") ? -1 : applied, "", "", g.has("error") ? g.path("error").asText()
                : "writes as " + g.path("writesAs").asText() + " pending=" + g.path("pending").asLong() + " keys="
                    + g.path("keys").asLong() + " conflicts=" + g.path("conflicts").asLong() + " @" + node, node));
      } else {
        rows.put(group + "/" + replica, new Row(group, replica, "leaderless", "", NOT_APPLICABLE, NOT_APPLICABLE,
            "", "", g.has("error") ? g.path("error").asText()
                : "n=" + g.path("n").asInt() + " w=" + g.path("w").asInt() + " r=" + g.path("r").asInt()
                    + " mints as " + g.path("mintsAs").asText() + " keys=" + g.path("keys").asLong() + " @" + node,
            node));
      }
    }
    for (JsonNode g : body.path("multiLeader")) {
      String id = g.path("id").asText();
      String replica = g.path("replica").asText(node);
      String state = g.has("error") ? g.path("error").asText()
          : g.path("topology").asText() + " pending=" + g.path("pending").asLong() + " keys=" + g.path("keys").asLong()
              + " conflicts=" + g.path("conflicts").asLong() + " loops-prevented=" + g.path("loopsPrevented").asLong();
      long applied = 0;
      for (JsonNode counter : g.path("applied")) {
        applied += counter.asLong();
      }
      rows.put(id + "/" + replica, new Row(id, replica, "multi-leader", "", NOT_APPLICABLE,
          g.has("error") ? -1 : applied, "", "", state, node));
    }
    for (JsonNode g : body.path("rings")) {
      String id = g.path("id").asText();
      String at = g.path("node").asText(node);
      String state = g.has("error") ? g.path("error").asText()
          : "n=" + g.path("n").asInt() + " w=" + g.path("w").asInt() + " r=" + g.path("r").asInt() + " keys="
              + g.path("replica").path("keys").asLong() + " hints=" + g.path("hints").path("waiting").asLong()
              + " read-repairs=" + g.path("coordinator").path("readRepairs").asLong() + " ae-repaired="
              + g.path("antiEntropy").path("keysRepaired").asLong();
      rows.put(id + "/" + at, new Row(id, at, "leaderless", "", NOT_APPLICABLE, NOT_APPLICABLE, "", "", state,
          node));
    }
    for (JsonNode m : body.path("cluster").path("members")) {
      members.put(m.path("address").asText(), m);
    }
  }

  /**
   * One single-leader replica {@code self} of {@code group} as node {@code node} reports it, and the followers it
   * measures when it leads (their lag as the leader sees it; {@code where}: a note for the replica's own row).
   */
  private static void singleLeader(String group, String self, JsonNode g, String where, String node,
      Map<String, Row> rows) {
    if (g.has("error")) {
      rows.putIfAbsent(group + "/" + self, new Row(group, self, "?", "", -1, -1, "", "", g.path("error").asText(),
          node));
      return;
    }
    String leader = g.path("leader").isNull() ? "" : g.path("leader").asText();
    long epoch = g.path("epoch").asLong();
    rows.put(group + "/" + self, new Row(group, self, g.path("role").asText(), leader, epoch,
        g.path("appliedPosition").asLong(), g.path("role").asText().equals("leader") ? "0"
            : String.valueOf(g.path("lagEntries").asLong()), "", where, node));
    for (JsonNode f : g.path("followers")) {
      String id = f.path("id").asText();
      Row own = rows.get(group + "/" + id);
      // the leader's measure of a follower's lag (in milliseconds too) is the one to show
      rows.put(group + "/" + id, new Row(group, id, own != null ? own.role() : "follower", self, epoch,
          f.path("applied").asLong(), String.valueOf(f.path("lagEntries").asLong()),
          String.valueOf(f.path("lagMillis").asLong()), f.path("state").asText() + " " + f.path("syncState")
              .asText(), node));
    }
  }

  /** Epoch or position of a family that has none (leaderless rings have neither, multi-leader groups no epoch). */
  static final long NOT_APPLICABLE = Long.MIN_VALUE;

  private static String cell(long value) {
    return value == NOT_APPLICABLE ? "-" : value < 0 ? "?" : Long.toString(value);
  }

  private static void print(Map<String, Row> rows, Map<String, JsonNode> members, PrintWriter out) {
    List<String[]> table = new ArrayList<>();
    table.add(new String[] {"GROUP", "REPLICA", "ROLE", "LEADER", "EPOCH", "APPLIED", "LAG", "LAG MS", "STATE"});
    for (Row r : rows.values()) {
      table.add(new String[] {r.group(), r.replica(), r.role(), r.leader(), cell(r.epoch()), cell(r.applied()),
          r.lagEntries(), r.lagMillis(), r.state()});
    }
    int[] width = new int[table.get(0).length];
    for (String[] row : table) {
      for (int i = 0; i < row.length; i++) {
        width[i] = Math.max(width[i], row[i].length());
      }
    }
    for (String[] row : table) {
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < row.length; i++) {
        b.append(String.format("%-" + (width[i] + 2) + "s", row[i]));
      }
      out.println(b.toString().stripTrailing());
    }
    if (rows.isEmpty()) {
      out.println("(no replica groups hosted on the nodes asked)");
    }
    out.println();
    out.println("MEMBERS");
    for (JsonNode m : members.values()) {
      out.printf("  %-10s %-32s %-8s%s%n", m.path("node").asText("?"), m.path("address").asText(),
          m.path("status").asText(), m.path("reachable").isBoolean() && !m.path("reachable").asBoolean()
              ? " unreachable" : "");
    }
  }
}
