package io.replikit.examples.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.replikit.singleleader.SingleLeaderSettings;
import io.replikit.logformat.LogFormat;
import io.replikit.singleleader.ReplicaGroupSpec;
import java.io.IOException;
import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A node's configuration is read from HOCON as documented, and every mistake is named with its path. */
class ServeSettingsTest {

  private static Config serve(String hocon) {
    return ConfigFactory.parseString(hocon).withFallback(ConfigFactory.load()).resolve();
  }

  @Test
  void aConfigFileDescribesTheNodeItsGroupsAndPeers() {
    ServeSettings s = ServeSettings.fromConfig(serve(String.join("\n",
        "replikit.serve {",
        "  node = n2, port = 2552, http-port = 8082, data-dir = /tmp/rk",
        "  seed-nodes = [\"127.0.0.1:2551\", \"akka://replikit@127.0.0.1:2552\"]",
        "  groups = [{ id = orders, members = [n1, n2, n3] }, { id = carts, members = [n2], log-format = wal }]",
        "  peers { n1 = \"127.0.0.1:8081\", n3 = \"127.0.0.1:8083\" }",
        "}")));
    assertEquals("n2", s.node());
    assertEquals("127.0.0.1", s.host(), "loopback unless told otherwise");
    assertEquals("127.0.0.1", s.httpHost(), "loopback unless told otherwise");
    assertEquals(List.of("akka://replikit@127.0.0.1:2551", "akka://replikit@127.0.0.1:2552"), s.seedNodes());
    assertEquals(ReplicaGroupSpec.of("orders", "n1", "n2", "n3"), s.groups().get(0).spec());
    SingleLeaderSettings base = SingleLeaderSettings.fromConfig(ConfigFactory.load());
    assertEquals(LogFormat.LOGICAL, s.groups().get(0).settings(base).logEncoding().format(), "the default");
    assertEquals(LogFormat.WAL, s.groups().get(1).settings(base).logEncoding().format(), "carts' own format");
    assertEquals(Map.of("n1", "127.0.0.1:8081", "n3", "127.0.0.1:8083"), s.peers());
    assertEquals(1024 * 1024, s.maxBodyBytes(), "1 MiB by default");

    Config akka = s.akkaConfig(serve("replikit.single-leader.failover-timeout = 1s"));
    assertEquals("cluster", akka.getString("akka.actor.provider"));
    assertEquals(2552, akka.getInt("akka.remote.artery.canonical.port"));
    assertEquals(List.of("replikit-node:n2"), akka.getStringList("akka.cluster.roles"));
    assertTrue(akka.getString("akka-persistence-jdbc.shared-databases.slick.db.url").contains("/tmp/rk/n2/"),
        "one journal per node under the data directory");
    assertTrue(akka.getString("akka-persistence-jdbc.shared-databases.slick.db.url")
        .endsWith(";DB_CLOSE_ON_EXIT=FALSE"), "the journal stays open while a stopping leader hands over");
  }

  @Test
  void groupFlagsParse() {
    ServeSettings.GroupConfig g = ServeSettings.GroupConfig.parse("orders=n1, n2,n3");
    assertEquals("orders", g.id());
    assertEquals(List.of("n1", "n2", "n3"), g.members());
  }

  @ParameterizedTest(name = "--group {0} is refused naming {1}")
  @CsvSource(delimiter = '|', value = {
      "orders            | ID=NODE1",
      "=n1,n2            | ID=NODE1",
      "orders=           | ID=NODE1",
      "orders=n1,,n2     | member ''",
      "orders=n1,n1      | twice",
      "ord/ers=n1        | group id",
      "orders=n 1        | member 'n 1'",
  })
  void badGroupFlagsAreRefused(String flag, String named) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ServeSettings.GroupConfig.parse(flag.trim()));
    assertTrue(e.getMessage().contains(named.trim()), e.getMessage());
  }

  @ParameterizedTest(name = "{0} is refused naming {1}")
  @CsvSource(delimiter = '|', value = {
      "replikit.serve.port = 1                                                  | no node name",
      "replikit.serve { node = \"n 1\" }                                        | replikit.serve.node",
      "replikit.serve { node = n1, port = 70000 }                               | replikit.serve.port",
      "replikit.serve { node = n1, http-port = -1 }                             | replikit.serve.http-port",
      "replikit.serve { node = n1, seed-nodes = [\"nowhere\"] }                 | seed node 'nowhere'",
      "replikit.serve { node = n1, seed-nodes = [\"akka://other@h:1\"] }        | actor system 'replikit'",
      "replikit.serve { node = n1, groups = [{ id = g }] }                      | replikit.serve.groups[0]",
      "replikit.serve { node = n1, groups = [{ id = g, members = [] }] }        | has no members",
      "replikit.serve { node = n1, groups = [{id = g, members = [a]}, {id = g, members = [b]}] } | twice",
      "replikit.serve { node = n1, peers { n2 = \"8082\" } }                    | replikit.serve.peers.n2",
      "replikit.serve { node = n1, max-body-bytes = 0 }                         | max-body-bytes",
      "replikit.serve { node = n1, handover-timeout = 0s }                      | handover-timeout",
      "replikit.serve { node = n1, metrics-interval = soon }                    | metrics-interval",
      "replikit.serve { node = n1, groups = [{ id = g, members = [n1], log-format = csv }] } | groups[0].log-format",
      "replikit.serve { node = n1, rings = [{ id = c }] }                                 | replikit.serve.rings[0]",
      "replikit.serve { node = n1, rings = [{ id = c, nodes = [] }] }                     | has no nodes",
      "replikit.serve { node = n1, rings = [{ id = c, nodes = [n1, n2], n = 3 }] }        | n = 3 but 2 nodes",
      "replikit.serve { node = n1, rings = [{ id = c, nodes = [n1, n2, n3], w = 4 }] }    | w = 4",
      "replikit.serve { node = n1, rings = [{ id = c, nodes = [n1, n2, n3], r = 0 }] }    | r = 0",
      "replikit.serve { node = n1, rings = [{ id = c, nodes = [n1, n1] }] }               | lists node 'n1' twice",
      "replikit.serve { node = n1, rings = [{ id = \"c d\", nodes = [n1] }] }           | ring id 'c d'",
      "replikit.serve { node = n1, rings = [{ id = c, nodes = [n1], quorum = 2 }] }       | unknown field 'quorum'",
      "replikit.serve { node = n1, rings = [{ id = c, nodes = [n1], conflicts = newest }] } | rings[0].conflicts",
      "replikit.serve { node = n1, rings = [{ id = c, nodes = [n1], read-repair = x }] }  | rings[0].read-repair",
      "replikit.serve { node = n1, multi-leader = [{ id = p }] }                          | replikit.serve.multi-leader[0]",
      "replikit.serve { node = n1, multi-leader = [{ id = p, members = [n1], topology = mesh }] } | multi-leader[0].topology",
      "replikit.serve { node = n1, multi-leader = [{ id = p, members = [n1], topology = tree }] } | tree needs each member's parent",
      "replikit.serve { node = n1, multi-leader = [{ id = p, members = [n1], resolution = first }] } | multi-leader[0].resolution",
      "replikit.serve { node = n1, multi-leader = [{ id = p, members = [n1, n1] }] }      | lists member 'n1' twice",
      "replikit.serve { node = n1, groups = [{ id = x, members = [n1] }], rings = [{ id = x, nodes = [n1] }] } | already used by a single-leader group",
      "replikit.serve { node = n1, rings = [{ id = x, nodes = [n1] }], multi-leader = [{ id = x, members = [n1] }] } | already used by a ring",
  })
  void mistakesAreNamedWithTheirPath(String hocon, String named) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ServeSettings.fromConfig(serve(hocon)));
    assertTrue(e.getMessage().contains(named.trim()), e.getMessage());
  }

  @Test
  void ringsAndMultiLeaderGroupsAreReadWithTheFamiliesDefaults() {
    ServeSettings s = ServeSettings.fromConfig(serve(String.join("\n",
        "replikit.serve {",
        "  node = n1",
        "  rings = [{ id = carts, nodes = [n1, n2, n3] }, { id = tags, nodes = [n1, n2], n = 2, w = 1, r = 1,",
        "    conflicts = last-write-wins, read-repair = off, sloppy-quorum = on, vnodes = 8 }]",
        "  multi-leader = [{ id = profiles, members = [n1, n2, n3] },",
        "    { id = docs, members = [n2, n1], topology = star, resolution = keep-siblings }]",
        "}")));
    RingConfig carts = s.rings().get(0);
    assertEquals(List.of("n1", "n2", "n3"), carts.nodes());
    assertEquals(List.of(3, 2, 2), List.of(carts.n(), carts.w(), carts.r()), "replikit.leaderless' n, w, r");
    assertEquals(io.replikit.leaderless.Keyspace.Conflicts.SIBLINGS, carts.conflicts());
    assertEquals(64, carts.vnodes(), "replikit.leaderless.membership.vnodes");
    RingConfig tags = s.rings().get(1);
    assertEquals(List.of(2, 1, 1, 8), List.of(tags.n(), tags.w(), tags.r(), tags.vnodes()));
    assertTrue(tags.sloppyQuorum());
    assertEquals(io.replikit.leaderless.Keyspace.ReadRepair.OFF, tags.readRepair());
    assertEquals(2, tags.keyspace(serve("")).n());
    MultiLeaderConfig profiles = s.multiLeader().get(0);
    assertEquals("all-to-all", profiles.topologyName(), "the default topology");
    assertEquals("last-write-wins", profiles.resolution(), "the default resolution");
    MultiLeaderConfig docs = s.multiLeader().get(1);
    assertEquals("star", docs.topologyName());
    assertEquals("keep-siblings", docs.resolution());
    assertEquals(List.of("n2", "n1"), docs.spec().members());
  }

  @Test
  void theReplicasArePolledForMetricsEverySecondByDefault() {
    assertEquals(Duration.ofSeconds(1), ServeSettings.fromConfig(serve("replikit.serve.node = n1")).metricsInterval());
    assertEquals(Duration.ofMillis(250), ServeSettings.fromConfig(serve(
        "replikit.serve { node = n1, metrics-interval = 250ms }")).metricsInterval());
  }

  @Test
  void badReplicaSettingsAreRefusedBeforeTheNodeStarts() {
    ServeSettings s = ServeSettings.fromConfig(serve("replikit.serve.node = n1"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> s.akkaConfig(serve("replikit.single-leader.ack-policy = fast")));
    assertTrue(e.getMessage().contains("ack-policy"), e.getMessage());
  }

  /**
   * The cluster defaults restated in the examples' application.conf (see the comment there: in the shaded jar
   * akka-cluster's reference.conf would otherwise override core-actors') must stay equal to core-actors' own.
   */
  @Test
  void theRestatedClusterDefaultsEqualCoreActorsReferenceConf() throws IOException {
    List<URL> references = Collections.list(getClass().getClassLoader().getResources("reference.conf"));
    List<Config> core = new ArrayList<>();
    for (URL url : references) {
      if (url.toString().contains("core-actors")) {
        core.add(ConfigFactory.parseURL(url));
      }
    }
    assertEquals(1, core.size(), "core-actors' reference.conf on the class path: " + references);
    Config application = ConfigFactory.parseResources("application.conf");
    for (String path : new String[] {"akka.cluster.downing-provider-class",
        "akka.cluster.split-brain-resolver.active-strategy", "akka.cluster.split-brain-resolver.stable-after",
        "akka.cluster.failure-detector.acceptable-heartbeat-pause"}) {
      assertEquals(core.get(0).getValue(path).unwrapped(), application.getValue(path).unwrapped(), path);
    }
  }
}
