package io.replikit.leaderless.staleness;

import io.replikit.versioning.DottedVersionVectorSet;
import io.replikit.versioning.VersionVector;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * Decides from version metadata alone whether one read was stale, and by how much.
 *
 * <p>Definition. A read started at {@code readStartMillis} (the coordinator's clock), answered the merge
 * {@code answered} of its first answers, and by the time it stopped had seen the sets {@code seen} (one per
 * replica that answered). A <em>missed acknowledged write</em> is a sibling (value or tombstone) of the merge of
 * {@code seen} whose dot the answered context does not cover, that at least {@code w} of the seen replicas hold
 * (their context covers its dot: the evidence that the write was acknowledged), and whose write timestamp
 * ({@link DottedVersionVectorSet.Sibling#wallMillis()}, taken by the writing coordinator when the write began) is
 * before the read's start. The read was <b>stale</b> when there is at least one. Then:
 * <ul>
 *   <li>{@code versionsBehind}: for each replica that minted a missed acknowledged write, the counter of its newest
 *       such write minus the counter the answered context holds for that replica, summed (so two writes minted
 *       by one replica one after the other count 2 even though the second superseded the first);
 *   <li>{@code msBehind}: read start minus the write timestamp of the oldest missed acknowledged write (how long
 *       the answer had already been out of date).
 * </ul>
 *
 * <p>What it cannot see: a write held by fewer than w of the replicas that answered (one whose other holders did not
 * answer in time, or that was never acknowledged); a write none of the answering replicas had yet; superseded
 * writes' timestamps (only live siblings carry one). It counts as stale a write that began before the read but was
 * acknowledged only after it began (a read concurrent with a write), since the acknowledgement time is not in the
 * metadata; and it trusts the writers' clocks against the reader's (skew shifts {@code msBehind}).
 */
public final class StalenessCheck {
  private StalenessCheck() {}

  /** The verdict on one read; {@code msBehind} and {@code versionsBehind} are 0 for a fresh read. */
  public record Verdict(boolean stale, long versionsBehind, long msBehind) {
    public static final Verdict FRESH = new Verdict(false, 0, 0);
  }

  public static Verdict check(int w, long readStartMillis, DottedVersionVectorSet answered,
      Collection<DottedVersionVectorSet> seen) {
    if (answered == null || seen == null || seen.isEmpty()) {
      return Verdict.FRESH;
    }
    VersionVector answeredContext = answered.context();
    DottedVersionVectorSet all = DottedVersionVectorSet.empty();
    for (DottedVersionVectorSet s : seen) {
      all = all.sync(s);
    }
    Map<String, Long> newestMissed = new HashMap<>();
    long oldestMissedWall = Long.MAX_VALUE;
    for (DottedVersionVectorSet.Sibling sibling : all.siblings()) {
      if (answeredContext.covers(sibling.dot()) || sibling.wallMillis() >= readStartMillis) {
        continue;
      }
      int holders = 0;
      for (DottedVersionVectorSet s : seen) {
        if (s.context().covers(sibling.dot())) {
          holders++;
        }
      }
      if (holders < w) {
        continue;
      }
      newestMissed.merge(sibling.dot().replica(), sibling.dot().counter(), Math::max);
      oldestMissedWall = Math.min(oldestMissedWall, sibling.wallMillis());
    }
    if (newestMissed.isEmpty()) {
      return Verdict.FRESH;
    }
    long versions = 0;
    for (Map.Entry<String, Long> e : newestMissed.entrySet()) {
      versions += Math.max(0, e.getValue() - answeredContext.get(e.getKey()));
    }
    return new Verdict(true, versions, Math.max(0, readStartMillis - oldestMissedWall));
  }
}
