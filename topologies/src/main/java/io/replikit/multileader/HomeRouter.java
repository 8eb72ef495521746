package io.replikit.multileader;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import java.util.zip.CRC32;

/**
 * Conflict avoidance: every write for a record (or for a user: route by the user id) goes to the record's home
 * leader, so writes to it are applied in one order and never conflict. The home is chosen by rendezvous hashing
 * over the live leaders: stable while they stay up, and when a home leader fails only its records move (to the
 * next leader in their own order), without coordination. While a failed home's last writes have not reached the
 * new home, a write there can still conflict with them: avoidance narrows conflicts to failovers, it does not
 * remove the need to resolve them.
 */
public final class HomeRouter {
  private final List<String> leaders;
  private final Supplier<Set<String>> alive;

  /** {@code alive}: the leaders the failure detector considers up now (e.g. from cluster membership). */
  public HomeRouter(List<String> leaders, Supplier<Set<String>> alive) {
    if (leaders.isEmpty()) {
      throw new IllegalArgumentException("a home router needs at least one leader");
    }
    this.leaders = List.copyOf(leaders);
    this.alive = alive;
  }

  /** The leader every write to {@code record} should go to now (a down home's records go to their next choice). */
  public String homeOf(String record) {
    Set<String> up = alive.get();
    String best = null;
    long bestWeight = Long.MIN_VALUE;
    for (String leader : leaders) {
      if (!up.contains(leader)) {
        continue;
      }
      long w = weight(leader, record);
      if (best == null || w > bestWeight || (w == bestWeight && leader.compareTo(best) < 0)) {
        best = leader;
        bestWeight = w;
      }
    }
    if (best == null) {
      throw new IllegalStateException("no leader of " + leaders + " is up to take writes for '" + record + "'");
    }
    return best;
  }

  private static long weight(String leader, String record) {
    CRC32 crc = new CRC32();
    crc.update((leader + '\u0000' + record).getBytes(StandardCharsets.UTF_8));
    long h = crc.getValue() * 0x9E3779B97F4A7C15L; // spread the 32 bits over 64
    return h ^ (h >>> 29);
  }
}
