package io.replikit.testkit.history;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * No acknowledged write lost: after the run has healed and gone quiet, the final value(s) of every key (all
 * siblings, for a multi-value key) must hold each acknowledged write, unless a write that could have come after it
 * replaced it. By real time only: a final value written by writes that all ended before an acknowledged write of the
 * same key began means that acknowledged write was overwritten by an older one: lost (what last-write-wins with a
 * skewed clock, or a leader that lost acknowledged writes in a failover, do). A final value no write wrote is lost
 * data too (a phantom). Needs values unique per key.
 */
public final class LostWrites {
  private LostWrites() {}

  public static final String NAME = "lost-writes";

  /** {@code finalValues}: per key, the values a final read returned (empty or missing: the key is absent). */
  public static Verdict check(History history, Map<String, List<JsonNode>> finalValues) {
    List<String> anomalies = new ArrayList<>();
    int acknowledged = 0;
    for (Map.Entry<String, List<Op>> e : history.byKey().entrySet()) {
      String key = e.getKey();
      List<JsonNode> finals = finalValues.getOrDefault(key, List.of());
      List<Op> writes = e.getValue().stream().filter(Op::isWrite).toList();
      for (Op w : writes) {
        if (!w.ok()) {
          continue;
        }
        acknowledged++;
        if (w.shownBy(finals)) {
          continue;
        }
        boolean replaced = false;
        for (Op other : writes) {
          if (other == w || other.outcome() == Op.Outcome.FAILED) {
            continue;
          }
          boolean inFinal = other.shownBy(finals);
          long otherEnd = other.ok() ? other.endNs() : Long.MAX_VALUE;
          if (inFinal && otherEnd >= w.startNs()) {
            replaced = true; // it may have come after w
            break;
          }
        }
        if (!replaced) {
          anomalies.add("key " + key + ": the acknowledged write of " + w.single() + " by client " + w.client()
              + " (start " + w.startNs() + ") is gone; the key ends as " + finals + ", written only before it");
        }
      }
      for (JsonNode v : finals) {
        boolean written = writes.stream().anyMatch(w -> w.outcome() != Op.Outcome.FAILED
            && Objects.equals(w.asSeen(), v));
        if (!written) {
          anomalies.add("key " + key + ": the final value " + v + " was never written (or only by a failed write)");
        }
      }
    }
    return Verdict.of(NAME, anomalies, acknowledged + " acknowledged writes over " + history.byKey().size() + " keys");
  }
}
