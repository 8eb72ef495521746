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
  })
  void mistakesAreNamedWithTheirPath(String hocon, String named) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ServeSettings.fromConfig(serve(hocon)));
    assertTrue(e.getMessage().contains(named.trim()), e.getMessage());
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
