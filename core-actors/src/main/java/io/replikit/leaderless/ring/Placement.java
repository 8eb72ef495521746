package io.replikit.leaderless.ring;

import java.util.Objects;

/**
 * One replica chosen by a sloppy quorum: {@code node} holds the key either as one of its home replicas
 * ({@code homeFor == null}) or as a stand-in for the unreachable home replica whose id is {@code homeFor}, in which
 * case what it stores is a hint to hand back to that home (hinted handoff).
 *
 * <p>Guarantee: a placement names exactly one home it stands in for, so a hint has one owner to go back to. Not
 * survived: the home leaving the ring for good before the hint is handed back (the hint then has no owner here).
 */
public record Placement(RingNode node, String homeFor) {
  public Placement {
    Objects.requireNonNull(node, "Placement node must not be null");
  }

  /** True when the node stands in for a down home replica rather than being a home itself. */
  public boolean isHint() {
    return homeFor != null;
  }
}
