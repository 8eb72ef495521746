package io.replikit.leaderless.antientropy;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * The knobs of {@code replikit.leaderless.anti-entropy} (documented in core-actors' reference.conf), read once.
 * {@code enabled}: the periodic exchange (trees are kept, and {@link AntiEntropy.RunRound} works, whenever the
 * replica was given a ring); {@code interval}: one exchange (one range with one peer) per tick at most;
 * {@code exchangeTimeout}: an exchange with no answer for this long is abandoned; {@code segments} and
 * {@code fanOut}: the tree's shape (segments a power of fan-out, equal on every replica); {@code repairRate} and
 * {@code repairBurst}: the token bucket of keys repaired per second.
 */
public record AntiEntropySettings(boolean enabled, Duration interval, Duration exchangeTimeout, int segments,
    int fanOut, double repairRate, int repairBurst) {

  public AntiEntropySettings {
    if (interval == null || interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("replikit.leaderless.anti-entropy.interval must be > 0, was " + interval);
    }
    if (exchangeTimeout == null || exchangeTimeout.isNegative() || exchangeTimeout.isZero()) {
      throw new IllegalArgumentException("replikit.leaderless.anti-entropy.exchange-timeout must be > 0, was "
          + exchangeTimeout);
    }
    HashTree.depthOf(segments, fanOut); // the shape error names both numbers
    if (!(repairRate > 0) || repairBurst < 1) {
      throw new IllegalArgumentException("replikit.leaderless.anti-entropy: repair-rate must be > 0 and "
          + "repair-burst >= 1, were " + repairRate + " and " + repairBurst);
    }
  }

  /** Reads {@code replikit.leaderless.anti-entropy} from {@code root} (an actor system's whole configuration). */
  public static AntiEntropySettings fromConfig(Config root) {
    Config c = root.getConfig("replikit.leaderless.anti-entropy");
    return new AntiEntropySettings(c.getBoolean("enabled"), c.getDuration("interval"),
        c.getDuration("exchange-timeout"), c.getInt("segments"), c.getInt("fan-out"), c.getDouble("repair-rate"),
        c.getInt("repair-burst"));
  }

  /** Exchanges only when asked ({@link AntiEntropy.RunRound}), no rate limit to speak of: for tests. */
  public static AntiEntropySettings manual() {
    return new AntiEntropySettings(false, Duration.ofSeconds(10), Duration.ofSeconds(5), 1024, 32, 1e9, 1_000_000);
  }
}
