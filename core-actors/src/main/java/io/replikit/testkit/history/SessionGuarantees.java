package io.replikit.testkit.history;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The chapter's session guarantees, checked per client (a client is a session) on registers by real time alone:
 * a value is <em>older</em> than a write when every write of that value ended before the write began (so a system
 * that respected real time would have replaced it).
 *
 * <ul>
 *   <li>read-your-writes: a read after the client's own acknowledged write of the key returns that write or a value
 *       that is not older than it;</li>
 *   <li>monotonic reads: a read of a key returns no value older than a value an earlier read of the same client saw;</li>
 *   <li>consistent prefix: when a client saw a write of key y and then reads key x, it does not see x older than a
 *       value of x the writer of y had itself read or written before writing y (it does not see an answer before its
 *       question).</li>
 * </ul>
 * Needs values unique per key. Unknown and failed reads tell nothing and are left out.
 */
public final class SessionGuarantees {
  private SessionGuarantees() {}

  public static Verdict readYourWrites(History history) {
    List<String> anomalies = new ArrayList<>();
    Map<String, List<Op>> byKey = history.byKey();
    for (List<Op> session : history.byClient().values()) {
      for (Op read : session) {
        if (!read.isRead() || !read.ok()) {
          continue;
        }
        for (Op write : session) {
          if (write.isWrite() && write.ok() && write.key().equals(read.key()) && write.endNs() < read.startNs()
              && olderThan(byKey.get(read.key()), read.seen(), write)) {
            anomalies.add("client " + read.client() + " wrote " + write.single() + " to " + write.key() + " and then"
                + " read " + read.seen() + ", which is older");
          }
        }
      }
    }
    return Verdict.of("read-your-writes", anomalies, history.byClient().size() + " sessions");
  }

  public static Verdict monotonicReads(History history) {
    List<String> anomalies = new ArrayList<>();
    Map<String, List<Op>> byKey = history.byKey();
    for (List<Op> session : history.byClient().values()) {
      List<Op> reads = session.stream().filter(o -> o.isRead() && o.ok()).toList();
      for (int i = 0; i < reads.size(); i++) {
        for (int j = i + 1; j < reads.size(); j++) {
          Op first = reads.get(i);
          Op later = reads.get(j);
          if (!first.key().equals(later.key()) || first.endNs() >= later.startNs()) {
            continue;
          }
          for (JsonNode seen : first.seen()) {
            for (Op w : writesOf(byKey.get(first.key()), seen)) {
              if (olderThan(byKey.get(first.key()), later.seen(), w)) {
                anomalies.add("client " + first.client() + " read " + first.seen() + " of " + first.key()
                    + " and later " + later.seen() + ", which is older: time went backwards");
              }
            }
          }
        }
      }
    }
    return Verdict.of("monotonic-reads", anomalies.stream().distinct().toList(), history.byClient().size()
        + " sessions");
  }

  public static Verdict consistentPrefix(History history) {
    List<String> anomalies = new ArrayList<>();
    Map<String, List<Op>> byKey = history.byKey();
    Map<Integer, List<Op>> sessions = history.byClient();
    for (List<Op> session : sessions.values()) {
      List<Op> reads = session.stream().filter(o -> o.isRead() && o.ok()).toList();
      for (int i = 0; i < reads.size(); i++) {
        Op sawY = reads.get(i);
        for (JsonNode y : sawY.seen()) {
          for (Op writeY : writesOf(byKey.get(sawY.key()), y)) {
            if (writeY.client() == sawY.client()) {
              continue;
            }
            // what the writer of y knew before writing it
            for (Op known : sessions.get(writeY.client())) {
              if (known.endNs() >= writeY.startNs() || !known.ok() || known.key().equals(sawY.key())) {
                continue;
              }
              for (int j = i + 1; j < reads.size(); j++) {
                Op readX = reads.get(j);
                if (!readX.key().equals(known.key()) || readX.startNs() <= sawY.endNs()) {
                  continue;
                }
                for (JsonNode x : known.isWrite() ? nonNull(known.single()) : known.seen()) {
                  for (Op writeX : writesOf(byKey.get(known.key()), x)) {
                    if (olderThan(byKey.get(known.key()), readX.seen(), writeX)) {
                      anomalies.add("client " + sawY.client() + " saw " + y + " of " + sawY.key() + " (written by "
                          + "client " + writeY.client() + " after it knew " + x + " of " + known.key()
                          + ") and then read " + readX.seen() + " of " + known.key() + ", which is older");
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
    return Verdict.of("consistent-prefix", anomalies.stream().distinct().toList(), sessions.size() + " sessions");
  }

  private static List<JsonNode> nonNull(JsonNode v) {
    return v == null ? List.of() : List.of(v);
  }

  private static List<Op> writesOf(List<Op> ops, JsonNode value) {
    return ops.stream().filter(o -> o.isWrite() && o.outcome() != Op.Outcome.FAILED
        && Objects.equals(o.asSeen(), value)).toList();
  }

  /**
   * Whether what a read {@code seen} is older than {@code write}: it does not include the write's value, and every
   * write of every value seen (the absent key: no write at all) ended before {@code write} began.
   */
  static boolean olderThan(List<Op> keyOps, List<JsonNode> seen, Op write) {
    if (write.shownBy(seen)) {
      return false;
    }
    if (seen.isEmpty()) {
      // absent: older unless a delete could have come after the write
      return keyOps.stream().noneMatch(o -> o.op().equals(Op.DELETE) && o.outcome() != Op.Outcome.FAILED
          && (o.ok() ? o.endNs() : Long.MAX_VALUE) >= write.startNs());
    }
    for (JsonNode v : seen) {
      for (Op w : writesOf(keyOps, v)) {
        if ((w.ok() ? w.endNs() : Long.MAX_VALUE) >= write.startNs()) {
          return false;
        }
      }
    }
    return true;
  }
}
