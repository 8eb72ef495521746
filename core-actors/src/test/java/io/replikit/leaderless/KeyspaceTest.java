package io.replikit.leaderless;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A keyspace's fall-over-after: read from configuration, defaulting to what minting always did, and checked. */
class KeyspaceTest {

  @Test
  void fallOverAfterDefaultsToThreeQuartersOfTheRequestTimeoutAndFollowsIt() {
    Keyspace ks = Keyspace.fromConfig("carts", ConfigFactory.load());
    assertNull(ks.fallOverAfter(), "reference.conf says auto");
    assertEquals(Duration.ofMillis(1500), ks.mintDeadline(), "three quarters of the 2s request timeout");
    assertEquals(Duration.ofMillis(3000), ks.withTimeout(Duration.ofSeconds(4)).mintDeadline(),
        "auto follows a changed timeout");
  }

  @Test
  void fallOverAfterIsReadFromConfigurationAndKeptByTheWithers() {
    Keyspace ks = Keyspace.fromConfig("carts", ConfigFactory.parseString(
        "replikit.leaderless { request-timeout = 5s, fall-over-after = 400ms }").withFallback(ConfigFactory.load()));
    assertEquals(Duration.ofMillis(400), ks.fallOverAfter());
    assertEquals(Duration.ofMillis(400), ks.mintDeadline());
    assertEquals(Duration.ofMillis(400), ks.withQuorum(3, 1).withSloppyQuorum(true).mintDeadline());
    assertEquals(Duration.ofMillis(250), ks.withFallOverAfter(Duration.ofMillis(250)).mintDeadline());
    assertEquals(Duration.ofMillis(3750), ks.withFallOverAfter(null).mintDeadline(), "null is auto again");
  }

  @Test
  void aFallOverAfterThatIsNotShorterThanTheTimeoutOrNotPositiveIsRefusedNamingTheKeyspaceAndValues() {
    Keyspace ks = Keyspace.of("orders", 3, 2, 2); // 2 s timeout
    IllegalArgumentException tooLong = assertThrows(IllegalArgumentException.class,
        () -> ks.withFallOverAfter(Duration.ofSeconds(2)));
    assertTrue(tooLong.getMessage().contains("orders") && tooLong.getMessage().contains("fall-over-after")
        && tooLong.getMessage().contains("2000 ms"), tooLong.getMessage());
    IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
        () -> ks.withFallOverAfter(Duration.ZERO));
    assertTrue(zero.getMessage().contains("orders") && zero.getMessage().contains("was 0 ms"), zero.getMessage());
    assertThrows(IllegalArgumentException.class, () -> ks.withFallOverAfter(Duration.ofMillis(-5)));
    IllegalArgumentException shrunk = assertThrows(IllegalArgumentException.class,
        () -> ks.withFallOverAfter(Duration.ofMillis(1800)).withTimeout(Duration.ofSeconds(1)));
    assertTrue(shrunk.getMessage().contains("1000 ms") && shrunk.getMessage().contains("1800 ms"),
        shrunk.getMessage());
    IllegalArgumentException fromConfig = assertThrows(IllegalArgumentException.class, () -> Keyspace.fromConfig(
        "orders", ConfigFactory.parseString("replikit.leaderless.fall-over-after = 3s")
            .withFallback(ConfigFactory.load())));
    assertTrue(fromConfig.getMessage().contains("orders") && fromConfig.getMessage().contains("3000 ms"),
        fromConfig.getMessage());
    IllegalArgumentException garbage = assertThrows(IllegalArgumentException.class, () -> Keyspace.fromConfig(
        "orders", ConfigFactory.parseString("replikit.leaderless.fall-over-after = soon")
            .withFallback(ConfigFactory.load())));
    assertTrue(garbage.getMessage().contains("fall-over-after"), garbage.getMessage());
  }
}
