package io.replikit.multileader.internal;

import java.util.Random;
import java.util.function.Supplier;

/**
 * Where a replica's write identity comes from, so that a replica that lost its journal never reuses a dot.
 *
 * <p>A change is named by its dot ({@code origin:counter}); peers drop a change whose dot they have applied as a
 * duplicate. A replica that restarts under the same member id with an empty journal (Cluster Sharding placed it on
 * a node without its journal; its disk was replaced) starts counting at 1 again, and every write it acknowledges
 * next looks already seen to its peers: silently lost. So a replica with {@code incarnate-when-empty} on that finds
 * its journal empty first persists {@link Incarnated} with a fresh origin {@code <member>~<id>} ({@code id} random,
 * 48 bits) and originates every change under it; a replica whose journal holds events keeps the origin it recovers
 * (its plain member id for a journal written before this option, or the incarnation it persisted). Chosen over
 * "copy the peers' history first, then go on counting": that needs every peer that may hold its last changes to
 * answer, which is exactly what is not there when a node was lost, and it would refuse writes meanwhile.
 *
 * <p>The price: every incarnation is one more entry in every version vector of the group (one per move of a
 * replica to a node without its journal), never collected. Member ids must not contain {@value #SEPARATOR}.
 */
public final class Incarnation {
  private Incarnation() {}

  public static final char SEPARATOR = '~';

  /** The origin a replica of {@code member} writes as in incarnation {@code id}. */
  public static String origin(String member, String id) {
    if (id == null || id.isEmpty() || id.indexOf(SEPARATOR) >= 0) {
      throw new IllegalArgumentException("an incarnation id must be non-empty and without '" + SEPARATOR + "', was '"
          + id + "'");
    }
    return member + SEPARATOR + id;
  }

  /** The member an origin belongs to: the origin itself, or what precedes its incarnation. */
  public static String memberOf(String origin) {
    int i = origin.indexOf(SEPARATOR);
    return i < 0 ? origin : origin.substring(0, i);
  }

  /** Whether a replica that recovered {@code recovered} must persist a fresh incarnation before anything else. */
  public static boolean mustIncarnate(MultiLeaderState recovered, boolean incarnateWhenEmpty) {
    return incarnateWhenEmpty && recovered.isBlank();
  }

  /** Fresh incarnation ids: 48 random bits in base 36 (uniqueness among one member's incarnations is enough). */
  public static Supplier<String> randomIds(Random random) {
    return () -> Long.toString(random.nextLong() & 0xFFFF_FFFF_FFFFL, 36);
  }
}
