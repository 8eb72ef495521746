package io.replikit.leaderless.internal;

/**
 * Which id a storage replica mints its dots under, without actors. A dot must name one write for good, but a
 * replica's per-key counters live only in its journal: a replica that starts again with an empty journal under the
 * same node id (a sharded replica placed anew on a node without its journal, a wiped disk) would mint
 * {@code (node, 1)} again for a key whose peers hold {@code (node, 1)} from before, and
 * {@link io.replikit.versioning.DottedVersionVectorSet#sync} keeps one of two writes with one dot: an acknowledged
 * write silently lost. So a replica that may start empty (the option is on) and finds its journal empty persists a
 * fresh incarnation first and mints under {@code <node>~<incarnation>} from then on: counters of a new id start at 1
 * and cannot collide with anything minted before. A journal is the only record of what its incarnation minted, and
 * it keeps all of it, so a replica whose journal has events (of any incarnation, or of none: journals written before
 * this option) goes on minting as before.
 *
 * <p>Why an incarnation rather than refusing writes until the replica has copied its peers: the replica takes writes
 * at once, and nothing depends on reaching peers (a peer may be down too). The cost: each incarnation adds one entry
 * to the version vectors of the keys it minted for (one per time the replica started empty).
 */
public final class Incarnation {
  /** Separates a node id from its incarnation in a dot's replica id. */
  public static final char SEPARATOR = '~';

  private Incarnation() {}

  /**
   * Whether a replica must persist a new incarnation before it handles anything: the option is on, and its journal
   * held nothing ({@code journalEmpty}: no key stored, no incarnation recorded).
   */
  public static boolean mustStart(boolean newIncarnationWhenEmpty, boolean journalEmpty) {
    return newIncarnationWhenEmpty && journalEmpty;
  }

  /** The id {@code node} mints dots under: itself without an incarnation, else {@code <node>~<incarnation>}. */
  public static String minterId(String node, String incarnation) {
    return incarnation == null ? node : node + SEPARATOR + incarnation;
  }

  /** A refusal naming what is wrong with {@code incarnation} as an id part, or null when it is fine. */
  public static String problem(String incarnation) {
    if (incarnation == null || incarnation.isBlank()) {
      return "an incarnation must be non-blank, was '" + incarnation + "'";
    }
    if (incarnation.indexOf(SEPARATOR) >= 0 || incarnation.chars().anyMatch(Character::isWhitespace)) {
      return "an incarnation must hold no '" + SEPARATOR + "' and no whitespace, was '" + incarnation + "'";
    }
    return null;
  }
}
