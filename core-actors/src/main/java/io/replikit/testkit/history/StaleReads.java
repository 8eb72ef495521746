package io.replikit.testkit.history;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Stale reads against the quorum promise: a read is stale when some write of its key was acknowledged before the read
 * began and the read returned something older (every write of what it returned ended before that write began, or it
 * found the key absent). With w + r > n and no sloppy quorum a leaderless keyspace promises none; with w + r <= n, or
 * a sloppy quorum, this counts what the configuration gave up. Needs values unique per key.
 */
public final class StaleReads {
  private StaleReads() {}

  public static final String NAME = "stale-reads";

  public static Verdict check(History history) {
    List<String> anomalies = new ArrayList<>();
    int reads = 0;
    for (Map.Entry<String, List<Op>> e : history.byKey().entrySet()) {
      List<Op> ops = e.getValue();
      for (Op read : ops) {
        if (!read.isRead() || !read.ok()) {
          continue;
        }
        reads++;
        for (Op write : ops) {
          if (write.isWrite() && write.ok() && write.endNs() < read.startNs()
              && SessionGuarantees.olderThan(ops, read.seen(), write)) {
            anomalies.add("key " + e.getKey() + ": client " + read.client() + " read " + read.seen() + " (start "
                + read.startNs() + ") after the write of " + write.single() + " was acknowledged (end "
                + write.endNs() + ")");
            break;
          }
        }
      }
    }
    return Verdict.of(NAME, anomalies, anomalies.size() + " of " + reads + " reads stale");
  }
}
