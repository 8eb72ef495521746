package io.replikit.testkit.scenario;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.replikit.testkit.history.History;
import io.replikit.testkit.history.Op;
import io.replikit.testkit.history.Verdict;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What one seeded run of a {@link Scenario} did and what the checkers said of it.
 *
 * @param verdicts one per checked guarantee
 * @param promised what the group's configuration promised: a violated promise fails the run ({@link #ok()}); a
 *     violation of something not promised is shown, not failed (it is what that configuration gives up)
 * @param events the faults as they happened (round and the replicas they hit) and how the group settled
 */
public record ScenarioResult(String scenario, long seed, String family, String configuration, History history,
    Map<Guarantee, Verdict> verdicts, Set<Guarantee> promised, List<String> events, Map<String, Long> network,
    long tookMillis) {

  public ScenarioResult {
    verdicts = Map.copyOf(verdicts);
    promised = Set.copyOf(promised);
    events = List.copyOf(events);
    network = new TreeMap<>(network);
  }

  /** The promised guarantees whose checker found a violation. */
  public List<Guarantee> violations() {
    List<Guarantee> v = new ArrayList<>();
    for (Guarantee g : Guarantee.values()) {
      Verdict verdict = verdicts.get(g);
      if (promised.contains(g) && verdict != null && verdict.invalid()) {
        v.add(g);
      }
    }
    return v;
  }

  /** No promised guarantee was violated. */
  public boolean ok() {
    return violations().isEmpty();
  }

  public int operations() {
    return history.ops().size();
  }

  public long acknowledged() {
    return history.ops().stream().filter(o -> o.isWrite() && o.ok()).count();
  }

  public long count(Op.Outcome outcome) {
    return history.ops().stream().filter(o -> o.outcome() == outcome).count();
  }

  /** Acknowledged writes the lost-write checker found gone (0 when it did not run). */
  public int lost() {
    Verdict v = verdicts.get(Guarantee.NO_LOST_WRITES);
    return v == null ? 0 : (int) v.anomalies().stream().filter(a -> a.contains("acknowledged write")).count();
  }

  /** Anomalies found, by checker name. */
  public Map<String, Integer> anomaliesByKind() {
    Map<String, Integer> m = new TreeMap<>();
    verdicts.forEach((g, v) -> {
      if (!v.anomalies().isEmpty()) {
        m.put(v.checker(), v.anomalies().size());
      }
    });
    return m;
  }

  /** What a report says of the verdict of {@code g}: valid, INVALID, unknown, each "(not promised)" if so. */
  public String verdictWord(Guarantee g) {
    Verdict v = verdicts.get(g);
    if (v == null) {
      return "-";
    }
    String word = switch (v.status()) {
      case VALID -> "valid";
      case INVALID -> promised.contains(g) ? "VIOLATED" : "violated";
      case UNKNOWN -> "unknown";
    };
    return promised.contains(g) ? word : word + " (not promised)";
  }

  /** A few lines for an assertion message or a terminal: verdicts, the first anomalies, the faults, the seed. */
  public String summary() {
    StringBuilder b = new StringBuilder();
    b.append(scenario).append(" seed ").append(seed).append(" (").append(family).append(": ").append(configuration)
        .append("): ").append(operations()).append(" operations, ").append(acknowledged())
        .append(" acknowledged writes, ").append(count(Op.Outcome.UNKNOWN)).append(" unknown, ")
        .append(count(Op.Outcome.FAILED)).append(" failed, ").append(lost()).append(" lost; ")
        .append(ok() ? "ok" : "VIOLATED " + violations()).append('\n');
    for (Guarantee g : Guarantee.values()) {
      Verdict v = verdicts.get(g);
      if (v == null) {
        continue;
      }
      b.append("  ").append(v.checker()).append(": ").append(verdictWord(g));
      if (v.detail() != null && !v.detail().isEmpty()) {
        b.append(" — ").append(v.detail());
      }
      b.append('\n');
      v.anomalies().stream().limit(3).forEach(a -> b.append("    ").append(a).append('\n'));
    }
    events.forEach(e -> b.append("  ").append(e).append('\n'));
    b.append("  replay: seed ").append(seed);
    return b.toString();
  }

  /** The run as one JSON object (what {@code replikit check --json} prints per run). */
  public ObjectNode toJson() {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode o = f.objectNode();
    o.put("scenario", scenario);
    o.put("seed", seed);
    o.put("family", family);
    o.put("configuration", configuration);
    o.put("operations", operations());
    o.put("acknowledged", acknowledged());
    o.put("unknown", count(Op.Outcome.UNKNOWN));
    o.put("failed", count(Op.Outcome.FAILED));
    o.put("lost", lost());
    o.put("ok", ok());
    ObjectNode verdictsJson = o.putObject("verdicts");
    for (Guarantee g : Guarantee.values()) {
      Verdict v = verdicts.get(g);
      if (v == null) {
        continue;
      }
      ObjectNode one = verdictsJson.putObject(v.checker());
      one.put("status", v.status().name().toLowerCase());
      one.put("promised", promised.contains(g));
      one.put("anomalies", v.anomalies().size());
      if (!v.anomalies().isEmpty()) {
        one.put("first", v.anomalies().get(0));
      }
    }
    ObjectNode anomalies = o.putObject("anomalies");
    anomaliesByKind().forEach(anomalies::put);
    var eventsJson = o.putArray("events");
    events.forEach(eventsJson::add);
    ObjectNode net = o.putObject("network");
    network.forEach(net::put);
    o.put("took_ms", tookMillis);
    return o;
  }
}
