package io.replikit.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import io.replikit.examples.serve.MultiLeaderConfig;
import io.replikit.examples.serve.ReplikitNode;
import io.replikit.examples.serve.RingConfig;
import io.replikit.examples.serve.ServeSettings;
import io.replikit.examples.support.KvClient;
import io.replikit.examples.support.Poll;
import io.replikit.leaderless.Keyspace;
import io.replikit.multileader.TopologySpec;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/**
 * {@code replikit serve --ring} and {@code --multi-leader}: what the flags give a node (the keys left out coming
 * from replikit.leaderless, as in a file), that they replace the file's lists as {@code --group} does, that a node
 * started from them serves both, and that a bad value is refused naming the flag and what was wrong.
 */
class ServeCommandTest {

  /** The settings {@code serve} would start a node with, from {@code args}; the command, for its config. */
  private record Parsed(ServeCommand command, ServeSettings settings, Config config) {}

  private static Parsed parse(String... args) {
    ServeCommand cmd = new ServeCommand();
    new CommandLine(cmd).parseArgs(args);
    Config config = cmd.config(Level.WARN);
    return new Parsed(cmd, cmd.settings(config), config);
  }

  @Test
  void theFlagsGiveEachRingAndGroupWhatTheySayAndTheRestFromTheDefaults() {
    ServeSettings s = parse("--node", "n1",
        "--ring", "carts=n1,n2,n3:w=1,r=3,conflicts=lww,read-repair=off,sloppy-quorum=on,vnodes=8",
        "--ring", "tiny=n1,n2",
        "--multi-leader", "profiles=n1,n2,n3:topology=circular,resolution=keep-siblings",
        "--multi-leader", "rooms=n2,n1").settings();

    assertEquals(List.of("carts", "tiny"), s.rings().stream().map(RingConfig::id).toList());
    RingConfig carts = s.rings().get(0);
    assertEquals(List.of("n1", "n2", "n3"), carts.nodes());
    assertEquals(3, carts.n(), "replikit.leaderless.n");
    assertEquals(1, carts.w());
    assertEquals(3, carts.r());
    assertEquals(Keyspace.Conflicts.LAST_WRITE_WINS, carts.conflicts());
    assertEquals(Keyspace.ReadRepair.OFF, carts.readRepair());
    assertTrue(carts.sloppyQuorum());
    assertEquals(8, carts.vnodes());
    RingConfig tiny = s.rings().get(1);
    assertEquals(2, tiny.n(), "a ring of two nodes keeps every key on both, as from a file");
    assertEquals(2, tiny.w());
    assertEquals(2, tiny.r());
    assertEquals(Keyspace.Conflicts.SIBLINGS, tiny.conflicts(), "replikit.leaderless.conflicts");

    MultiLeaderConfig profiles = s.multiLeader().get(0);
    assertEquals(List.of("n1", "n2", "n3"), profiles.members());
    assertEquals(TopologySpec.Kind.CIRCULAR, profiles.topology());
    assertEquals("keep-siblings", profiles.resolution());
    MultiLeaderConfig rooms = s.multiLeader().get(1);
    assertEquals(List.of("n2", "n1"), rooms.members());
    assertEquals(TopologySpec.Kind.ALL_TO_ALL, rooms.topology());
    assertEquals("last-write-wins", rooms.resolution());
  }

  @Test
  void aFlagReplacesTheFilesListAndTakesWhatItLeavesOutFromTheFilesDefaults(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("node.conf");
    Files.writeString(file, String.join("\n",
        "replikit.serve {",
        "  node = n1",
        "  rings = [{ id = old, nodes = [n1] }]",
        "  multi-leader = [{ id = kept, members = [n1, n2], topology = star }]",
        "}",
        "replikit.leaderless { n = 2, w = 1 }"));
    ServeSettings s = parse("--config", file.toString(), "--ring", "carts=n1,n2,n3").settings();
    assertEquals(1, s.rings().size(), "--ring replaces replikit.serve.rings: " + s.rings());
    RingConfig carts = s.rings().get(0);
    assertEquals("carts", carts.id());
    assertEquals(2, carts.n(), "n from the file's replikit.leaderless");
    assertEquals(1, carts.w(), "w from the file's replikit.leaderless");
    assertEquals(List.of("kept"), s.multiLeader().stream().map(MultiLeaderConfig::id).toList(),
        "without --multi-leader the file's groups stay");
    assertEquals(TopologySpec.Kind.STAR, s.multiLeader().get(0).topology());

    // the file's n = 2 makes an explicit w = 3 too big: refused naming the flag, not the config path
    CommandLine.ParameterException e = org.junit.jupiter.api.Assertions.assertThrows(
        CommandLine.ParameterException.class,
        () -> parse("--config", file.toString(), "--ring", "carts=n1,n2,n3:w=3"));
    assertEquals("--ring carts=n1,n2,n3:w=3: ring 'carts' has w = 3 and r = 2: each must be between 1 and n = 2",
        e.getMessage());
  }

  @Test
  void aNodeStartedFromTheFlagsServesTheRingAndTheMultiLeaderGroup(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("node.conf");
    Files.writeString(file, String.join("\n",
        "replikit.serve.management.enabled = off",
        "replikit.journal { kind = h2-memory, h2-memory.name = serve-flags }"));
    Parsed p = parse("--config", file.toString(), "--node", "n1", "--port", "0", "--http-port", "0",
        "--data-dir", dir.toString(), "--ring", "carts=n1:w=1,r=1",
        "--multi-leader", "profiles=n1:topology=circular");
    ReplikitNode node = ReplikitNode.start(p.settings(), p.config());
    try {
      String base = "http://127.0.0.1:" + node.httpPort();
      KvClient http = new KvClient(Duration.ofSeconds(10));
      ObjectMapper json = new ObjectMapper();
      JsonNode status = http.send("GET", URI.create(base + "/status"), null).body();
      JsonNode ring = status.path("rings").path(0);
      assertEquals("carts", ring.path("id").asText(), status.toString());
      assertEquals(1, ring.path("n").asInt(), ring.toString());
      assertEquals("circular", status.path("multiLeader").path(0).path("topology").asText(), status.toString());

      // the ring's replica is listed through the Receptionist shortly after start: retry until a write lands
      Poll.until(Duration.ofSeconds(30), "a write to the ring acknowledged", () -> {
        try {
          return http.put(base, "carts", "ada", json.readTree("[\"milk\"]")).status() == 200;
        } catch (java.io.IOException e) {
          return false;
        }
      });
      assertEquals(json.readTree("[\"milk\"]"), http.get(base, "carts", "ada").body().path("value"));
      assertEquals(200, http.put(base, "profiles", "ada", json.readTree("\"Ada, London\"")).status());
      assertEquals("Ada, London", http.get(base, "profiles", "ada").body().path("value").asText());
    } finally {
      node.stop().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }
  }

  @ParameterizedTest(name = "{0} is refused naming {1}")
  @CsvSource(delimiter = '|', value = {
      "--ring carts                              | Invalid value for option '--ring'",
      "--ring carts=                             | must look like ID=NODE1,NODE2",
      "--ring carts:w=2                          | must look like ID=NODE1,NODE2",
      "--ring carts=n1,n2:                       | nothing after ':'",
      "--ring carts=n1,n2:w                      | 'w' in 'carts=n1,n2:w' is not KEY=VALUE",
      "--ring carts=n1,n2:q=2                    | unknown key 'q' in 'carts=n1,n2:q=2'",
      "--ring carts=n1,n2:w=1,w=2                | gives w twice",
      "--ring carts=n1,n2:w=two                  | w must be a whole number, was 'two'",
      "--ring carts=n1:sloppy-quorum=maybe       | sloppy-quorum must be on or off",
      "--ring carts=n1,n2,n3:w=4                 | --ring carts=n1,n2,n3:w=4: ring 'carts' has w = 4",
      "--ring carts=n1,n2:n=3                    | --ring carts=n1,n2:n=3: ring 'carts' has n = 3 but 2 nodes",
      "--ring carts=n1,,n3                       | --ring carts=n1,,n3: node '' of ring 'carts' is not a node name",
      "--ring carts=n1,n1                        | lists node 'n1' twice",
      "--ring carts=n1:conflicts=newest          | --ring carts=n1:conflicts=newest: conflicts must be siblings",
      "--ring carts=n1:read-repair=sometimes     | read-repair",
      "--ring carts=n1:vnodes=0                  | vnodes = 0",
      "--ring a/b=n1                             | ring id 'a/b'",
      "--group orders=n1 --ring orders=n1        | --ring orders=n1: id 'orders' is already used by a single-leader",
      "--ring x=n1 --multi-leader x=n1           | --multi-leader x=n1: id 'x' is already used by a ring",
      "--multi-leader profiles                   | Invalid value for option '--multi-leader'",
      "--multi-leader p=n1:w=2                   | unknown key 'w' in 'p=n1:w=2'; expected one of topology, resolution",
      "--multi-leader p=n1,n2:topology=mesh      | --multi-leader p=n1,n2:topology=mesh: topology must be",
      "--multi-leader p=n1,n2:topology=tree      | tree needs each member's parent",
      "--multi-leader p=n1,n2:resolution=newest  | --multi-leader p=n1,n2:resolution=newest: resolution must be one of",
      "--multi-leader p=n1,n1                    | lists member 'n1' twice",
  })
  void aBadRingOrMultiLeaderFlagIsAUsageErrorNamingTheFlagAndWhatWasWrong(String args, String named) {
    // parsed and checked only, never run: a flag wrongly accepted must fail here, not start a node
    CommandLine.ParameterException e = org.junit.jupiter.api.Assertions.assertThrows(
        CommandLine.ParameterException.class, () -> parse(("--node n1 " + args.trim()).split("\\s+")),
        "refused: " + args);
    assertTrue(e.getMessage().contains(named), "the error for '" + args + "' says " + named + ": " + e.getMessage());
  }
}
