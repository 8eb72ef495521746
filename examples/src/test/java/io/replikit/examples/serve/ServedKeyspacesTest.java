package io.replikit.examples.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code replikit.serve.sharding.keyspaces}: defaults from {@code replikit.sharding}, and errors naming the path. */
class ServedKeyspacesTest {
  private static ServedKeyspaces parse(String keyspaces, String... groups) {
    return ServedKeyspaces.fromConfig(ConfigFactory.parseString("replikit.serve.sharding.keyspaces = " + keyspaces)
        .withFallback(ConfigFactory.load()).resolve(), List.of(groups));
  }

  private static String error(String keyspaces, String... groups) {
    return assertThrows(IllegalArgumentException.class, () -> parse(keyspaces, groups)).getMessage();
  }

  @Test
  void aKeyspaceTakesWhatItDoesNotSetFromReplikitSharding() {
    ServedKeyspaces k = parse("[{ name = carts }, { name = orders, partitions = 8, replicas = 5 }]");
    assertEquals(16, k.keyspaces().get(0).partitions());
    assertEquals(3, k.keyspaces().get(0).replicas());
    assertEquals(8, k.keyspaces().get(1).partitions());
    assertEquals(5, k.keyspaces().get(1).replicas());
    assertEquals(List.of(), parse("[]").keyspaces());
    assertEquals(ServedKeyspaces.Family.SINGLE_LEADER, k.familyOf("carts"));
    ServedKeyspaces f = parse("[{ name = a, family = leaderless }, { name = b, family = multi-leader }]");
    assertEquals(ServedKeyspaces.Family.LEADERLESS, f.familyOf("a"));
    assertEquals(ServedKeyspaces.Family.MULTI_LEADER, f.familyOf("b"));
  }

  @Test
  void badKeyspacesAreRefusedNamingThePathAndWhatWasWrong() {
    assertTrue(error("[{ partitions = 4 }]").contains("keyspaces[0] needs a name"));
    assertTrue(error("[{ name = \"a b\" }]").contains("keyspaces[0].name: 'a b' must be 1 to 64 letters"));
    assertTrue(error("[{ name = carts }, { name = carts }]").contains("keyspaces[1]: keyspace 'carts' is configured twice"));
    assertTrue(error("[{ name = orders }]", "orders").contains("is also the id of a group, ring or multi-leader group"));
    assertTrue(error("[{ name = carts, replicas = 0 }]").contains("keyspaces[0]: keyspace 'carts': "
        + "replikit.sharding.replicas must be 1 to 9, was 0"));
    assertTrue(error("[{ name = carts, partitions = lots }]").contains("partitions and replicas must be whole"));
    assertTrue(error("[{ name = carts, replica = 3 }]").contains("keyspaces[0].replica is not a keyspace setting"));
    assertTrue(error("{ name = carts }").contains("must be a list of"));
    assertTrue(error("[{ name = carts, family = raft }]").contains("keyspaces[0].family: 'raft' is not a family"));
  }

  @Test
  void serveSettingsRefuseABadKeyspaceAtStartup() {
    String msg = assertThrows(IllegalArgumentException.class, () -> ServeSettings.fromConfig(ConfigFactory.parseString(
        "replikit.serve { node = n1, sharding.keyspaces = [{ name = carts, partitions = 0 }] }")
        .withFallback(ConfigFactory.load()).resolve())).getMessage();
    assertTrue(msg.contains("replikit.serve.sharding.keyspaces[0]") && msg.contains("partitions must be 1 to 100000"),
        msg);
  }
}
