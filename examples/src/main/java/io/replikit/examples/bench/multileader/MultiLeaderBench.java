package io.replikit.examples.bench.multileader;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.replikit.examples.bench.Progress;
import io.replikit.examples.bench.multileader.MultiLeaderWorkload.Outcome;
import io.replikit.examples.bench.multileader.MultiLeaderWorkload.Shape;
import io.replikit.examples.bench.multileader.MultiLeaderWorkload.Write;
import io.replikit.examples.support.Poll;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * {@code replikit bench multi-leader}: the same writes, drawn from one seed, on each selected multi-leader system
 * ({@link MultiLeaderSystems}) in turn, each on a fresh instance. Per system: writes per second, local
 * acknowledgement latency, propagation delay to the last leader, concurrent writes to the same key, whether and how
 * fast the leaders converged, and messages and bytes per write where the system can count them. Times never fail a
 * run: the figures are the output.
 */
public final class MultiLeaderBench {

  public static final List<String> TOPOLOGIES = List.of("all-to-all", "circular", "star");
  public static final List<String> JOURNALS = List.of(AkkaReplicatedBaseline.JOURNAL_H2_MEMORY,
      AkkaReplicatedBaseline.JOURNAL_TESTKIT);

  /** How propagation delay is measured, printed with the figures. */
  public static final String DELAY_METHOD = "per acknowledged write: from the moment the bench saw the local "
      + "acknowledgement (its stage completed) to the moment the last other leader applied the write (that leader "
      + "reports it from the code that applies writes; the bench stamps System.nanoTime, one JVM, one clock); 0 when "
      + "every other leader had applied it before the acknowledgement was seen (counted as propagated_before_ack)";
  /** How conflicts are counted, printed with the figures. */
  public static final String CONFLICT_METHOD = "concurrent_same_key_pairs: pairs of writes to one key taken by "
      + "different leaders where neither leader had applied the other's write when it applied its own (by the order "
      + "each leader applied writes in, no clocks); conflicts_flagged_by_system: writes the system itself flagged as "
      + "concurrent at some leader (see its conflict_flag)";

  /** How the cut-and-heal phase runs, printed with its figures. */
  public static final String CUT_METHOD = "after the measured writes the last leader is cut off from the others "
      + "(messages on its links lost both ways; it is not reported down and keeps taking writes) while --cut-writes "
      + "more writes are taken at every leader; then the cut heals; time_to_converge_after_heal_ms runs from the heal "
      + "to the moment the last leader applied the last of those writes";

  /**
   * What to run.
   *
   * @param writes measured writes
   * @param warmUp writes before the measured ones, drawn from another seed on other keys, waited for until every
   *     leader applied them, not measured
   * @param seed seed of the measured writes (the warm-up's is derived from it)
   * @param concurrency writes outstanding in a closed loop (when {@code rate} is 0)
   * @param rate writes per second in an open loop; 0 for a closed loop
   * @param systems what {@link MultiLeaderSystems#select} returned
   * @param topology handed to each system; Akka's RES ignores it
   * @param journal {@code h2-memory} or {@code testkit}
   * @param pollMillis how often the JDBC read journal polls, for systems whose replication reads the journal
   * @param convergeTimeout how long to wait, after the last write is answered, for every write to be visible at every
   *     leader
   * @param extra system-specific settings by name ({@code --akka-*} options)
   * @param cutWrites after the measured writes, the last leader is cut off while this many more writes are taken
   *     (at every leader, the cut one too), then the cut heals and the time to converge is measured; 0: no cut
   */
  public record Options(int writes, int warmUp, Shape shape, long seed, int concurrency, double rate,
      List<String> systems, String topology, String journal, long pollMillis, Path dataDir, Duration convergeTimeout,
      Map<String, String> extra, int cutWrites) {
    public Options {
      if (cutWrites < 0) {
        throw new IllegalArgumentException("--cut-writes must be 0 or more, was " + cutWrites);
      }
      if (writes < 1) {
        throw new IllegalArgumentException("--writes must be at least 1, was " + writes);
      }
      if (warmUp < 0) {
        throw new IllegalArgumentException("--warm-up must be 0 or more, was " + warmUp);
      }
      if (concurrency < 1) {
        throw new IllegalArgumentException("--concurrency must be at least 1, was " + concurrency);
      }
      if (!(rate >= 0) || Double.isInfinite(rate)) {
        throw new IllegalArgumentException("--rate must be a positive number of writes per second, was " + rate);
      }
      if (systems.isEmpty()) {
        throw new IllegalArgumentException("--system selects no system");
      }
      if (!TOPOLOGIES.contains(topology)) {
        throw new IllegalArgumentException("--topology must be one of " + String.join(", ", TOPOLOGIES) + ", was '"
            + topology + "'");
      }
      if (!JOURNALS.contains(journal)) {
        throw new IllegalArgumentException("--journal must be one of " + String.join(", ", JOURNALS) + ", was '"
            + journal + "'");
      }
      if (pollMillis < 10) {
        throw new IllegalArgumentException("--poll-ms must be at least 10, was " + pollMillis);
      }
      if (convergeTimeout.isNegative() || convergeTimeout.isZero()) {
        throw new IllegalArgumentException("--converge-timeout-s must be at least 1, was "
            + convergeTimeout.toSeconds());
      }
      systems = List.copyOf(systems);
      extra = Map.copyOf(extra);
    }

    /** The warm-up the CLI uses when none is given: a quarter of the measured writes, 200 to 2000. */
    public static int defaultWarmUp(int writes) {
      return Math.max(200, Math.min(2000, writes / 4));
    }

    boolean openLoop() {
      return rate > 0;
    }
  }

  /**
   * One system's figures; times in milliseconds, null where there is nothing to measure (no write propagated, a run
   * that did not converge, traffic a system cannot count).
   */
  public record SystemFigures(String system, Map<String, String> description, int sent, int acked, int failed,
      String firstFailure, double writesPerSecond, double ackP50, double ackP99, int propagated,
      int propagatedBeforeAck, Double propagationP50, Double propagationP99, Double propagationMax,
      long concurrentPairs, int writesInConcurrentPairs, int flaggedBySystem, boolean converged,
      int notVisibleEverywhere, Double timeToConverge, boolean statesEqual, List<Integer> keysPerLeader,
      int keysMissing, Double messagesPerWrite, Double bytesPerWrite, String trafficMethod,
      boolean warmUpConverged, int unknownReports, CutFigures cut) {

    ObjectNode toJson() {
      ObjectNode o = JsonNodeFactory.instance.objectNode();
      o.put("writes_per_s", round(writesPerSecond));
      o.put("acked", acked);
      o.put("failed_writes", failed);
      if (firstFailure != null) {
        o.put("first_failure", firstFailure);
      }
      o.put("ack_p50_ms", round(ackP50));
      o.put("ack_p99_ms", round(ackP99));
      o.put("propagation_p50_ms", round(propagationP50));
      o.put("propagation_p99_ms", round(propagationP99));
      o.put("propagation_max_ms", round(propagationMax));
      o.put("propagated_writes", propagated);
      o.put("propagated_before_ack", propagatedBeforeAck);
      o.put("concurrent_same_key_pairs", concurrentPairs);
      o.put("writes_in_concurrent_pairs", writesInConcurrentPairs);
      o.put("conflicts_flagged_by_system", flaggedBySystem);
      o.put("converged", converged);
      o.put("writes_not_visible_everywhere", notVisibleEverywhere);
      o.put("time_to_converge_ms", round(timeToConverge));
      o.put("states_equal", statesEqual);
      ArrayNode keys = o.putArray("keys_per_leader");
      keysPerLeader.forEach(keys::add);
      o.put("keys_missing", keysMissing);
      o.put("messages_per_write", round(messagesPerWrite));
      o.put("bytes_per_write", round(bytesPerWrite));
      o.put("traffic_method", trafficMethod);
      o.put("warm_up_converged", warmUpConverged);
      if (unknownReports > 0) {
        o.put("unknown_visibility_reports", unknownReports);
      }
      if (cut != null) {
        o.set("after_heal", cut.toJson());
      }
      ObjectNode d = o.putObject("description");
      description.forEach(d::put);
      return o;
    }
  }

  /**
   * The cut-and-heal phase: {@code writes} taken while leader {@code cutLeader} was cut off; {@code toRepair} of
   * them had not reached every leader when the cut healed; {@code timeToConverge}: from the heal to the last leader
   * applying the last of them (null when they did not converge, or when {@code notMeasured} says why not).
   */
  public record CutFigures(String notMeasured, int cutLeader, int writes, int acked, int failed, int toRepair,
      boolean converged, int notVisibleEverywhere, Double timeToConverge, boolean statesEqual) {

    static CutFigures notMeasured(String why) {
      return new CutFigures(why, -1, 0, 0, 0, 0, false, 0, null, false);
    }

    ObjectNode toJson() {
      ObjectNode o = JsonNodeFactory.instance.objectNode();
      if (notMeasured != null) {
        o.put("not_measured", notMeasured);
        return o;
      }
      o.put("cut_leader", cutLeader);
      o.put("writes_during_cut", writes);
      o.put("acked", acked);
      o.put("failed_writes", failed);
      o.put("writes_to_repair_at_heal", toRepair);
      o.put("converged", converged);
      o.put("writes_not_visible_everywhere", notVisibleEverywhere);
      o.put("time_to_converge_after_heal_ms", round(timeToConverge));
      o.put("states_equal", statesEqual);
      return o;
    }

    String cell() {
      if (notMeasured != null) {
        return "links cannot be cut";
      }
      return converged ? num(timeToConverge) + " (" + toRepair + " writes)" : "NO (" + notVisibleEverywhere
          + " writes missing somewhere)";
    }
  }

  public record Result(Options options, List<SystemFigures> systems)
      implements io.replikit.examples.bench.BenchReport {

    public SystemFigures of(String system) {
      return systems.stream().filter(s -> s.system().equals(system)).findFirst()
          .orElseThrow(() -> new IllegalArgumentException("no figures for " + system));
    }

    public ObjectNode toJson() {
      ObjectNode o = JsonNodeFactory.instance.objectNode();
      Options op = options;
      o.put("leaders", op.shape().leaders());
      o.put("writes", op.writes());
      o.put("warm_up", op.warmUp());
      o.put("keys", op.shape().keys());
      o.put("hot_keys", op.shape().hotKeys());
      o.put("hot_share", op.shape().hotShare());
      o.put("placement", op.shape().placement().cliName());
      o.put("seed", op.seed());
      o.put("load", op.openLoop() ? "open-loop" : "closed-loop");
      if (op.openLoop()) {
        o.put("rate", op.rate());
        o.put("outstanding_cap", MultiLeaderWorkload.OPEN_LOOP_OUTSTANDING);
      } else {
        o.put("concurrency", op.concurrency());
      }
      o.put("topology", op.topology());
      o.put("journal", op.journal());
      o.put("poll_ms", op.pollMillis());
      o.put("converge_timeout_s", op.convergeTimeout().toSeconds());
      o.put("cut_writes", op.cutWrites());
      ObjectNode extra = o.putObject("system_options");
      op.extra().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> extra.put(e.getKey(),
          e.getValue()));
      o.put("delay_method", DELAY_METHOD);
      o.put("conflict_method", CONFLICT_METHOD);
      ObjectNode ss = o.putObject("systems");
      for (SystemFigures f : systems) {
        ss.set(f.system(), f.toJson());
      }
      return o;
    }

    public void printTable(PrintWriter out) {
      Options op = options;
      out.printf(Locale.ROOT, "multi-leader bench: %d leaders, %d writes after %d warm-up, %d keys + %d hot keys "
              + "(%.0f%% of writes), %s placement, %s, seed %d, topology %s, journal %s%n",
          op.shape().leaders(), op.writes(), op.warmUp(), op.shape().keys(), op.shape().hotKeys(),
          op.shape().hotShare() * 100, op.shape().placement().cliName(),
          op.openLoop() ? String.format(Locale.ROOT, "open loop at %s writes/s", num(op.rate()))
              : op.concurrency() + " outstanding (closed loop)",
          op.seed(), op.topology(), op.journal());
      List<String[]> rows = new ArrayList<>();
      rows.add(row("", systems, SystemFigures::system));
      rows.add(row("writes/s", systems, f -> num(f.writesPerSecond())));
      rows.add(row("acked / failed", systems, f -> f.acked() + " / " + f.failed()));
      rows.add(row("ack p50 / p99 ms", systems, f -> num(f.ackP50()) + " / " + num(f.ackP99())));
      rows.add(row("propagation p50 / p99 ms", systems,
          f -> num(f.propagationP50()) + " / " + num(f.propagationP99())));
      rows.add(row("propagation max ms", systems, f -> num(f.propagationMax())));
      rows.add(row("same-key concurrent pairs", systems,
          f -> f.concurrentPairs() + " (" + f.writesInConcurrentPairs() + " writes)"));
      rows.add(row("flagged by the system", systems, f -> Integer.toString(f.flaggedBySystem())));
      rows.add(row("converged / states equal", systems,
          f -> (f.converged() ? "yes" : "NO (" + f.notVisibleEverywhere() + " writes missing somewhere)") + " / "
              + (f.statesEqual() ? "yes" : "NO")));
      rows.add(row("time to converge ms", systems, f -> num(f.timeToConverge())));
      if (op.cutWrites() > 0) {
        rows.add(row("converge after heal ms", systems, f -> f.cut() == null ? "-" : f.cut().cell()));
        rows.add(row("after heal states equal", systems,
            f -> f.cut() == null || f.cut().notMeasured() != null ? "-" : f.cut().statesEqual() ? "yes" : "NO"));
      }
      rows.add(row("messages / bytes per write", systems,
          f -> f.messagesPerWrite() == null ? "not measured"
              : num(f.messagesPerWrite()) + " / " + num(f.bytesPerWrite())));
      int[] widths = new int[systems.size() + 1];
      for (String[] r : rows) {
        for (int i = 0; i < r.length; i++) {
          widths[i] = Math.max(widths[i], r[i].length());
        }
      }
      for (String[] r : rows) {
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-" + widths[0] + "s", r[0]));
        for (int i = 1; i < r.length; i++) {
          line.append("  ").append(String.format(Locale.ROOT, "%" + widths[i] + "s", r[i]));
        }
        out.println(line);
      }
      for (SystemFigures f : systems) {
        out.printf(Locale.ROOT, "%s:%n", f.system());
        f.description().forEach((k, v) -> out.printf(Locale.ROOT, "  %s: %s%n", k, v));
        if (f.trafficMethod() != null) {
          out.printf(Locale.ROOT, "  traffic: %s%n", f.trafficMethod());
        }
        if (f.firstFailure() != null) {
          out.printf(Locale.ROOT, "  first failed write: %s%n", f.firstFailure());
        }
        if (f.cut() != null && f.cut().notMeasured() != null) {
          out.printf(Locale.ROOT, "  after a heal: no figures, the links cannot be cut: %s%n", f.cut().notMeasured());
        }
      }
      if (op.cutWrites() > 0) {
        out.printf(Locale.ROOT, "after a heal: %s%n", CUT_METHOD);
      }
      out.printf(Locale.ROOT, "propagation delay: %s%n", DELAY_METHOD);
      out.printf(Locale.ROOT, "conflicts: %s%n", CONFLICT_METHOD);
    }

    private static String[] row(String label, List<SystemFigures> systems,
        java.util.function.Function<SystemFigures, String> cell) {
      String[] r = new String[systems.size() + 1];
      r[0] = label;
      for (int i = 0; i < systems.size(); i++) {
        r[i + 1] = cell.apply(systems.get(i));
      }
      return r;
    }
  }

  private static final AtomicInteger RUNS = new AtomicInteger();
  private final Options options;
  private final PrintWriter progress;

  private MultiLeaderBench(Options options, PrintWriter progress) {
    this.options = options;
    this.progress = progress;
  }

  /** Runs the bench; progress notes go to {@code progress} (stderr in the CLI, so that stdout stays JSON). */
  public static Result run(Options options, PrintWriter progress) throws Exception {
    return new MultiLeaderBench(options, progress).run();
  }

  private Result run() throws Exception {
    if (!options.topology().equals("all-to-all") && options.systems().contains(MultiLeaderSystems.AKKA)) {
      note("--topology %s applies to Replikit only: Akka's Replicated Event Sourcing is all-to-all",
          options.topology());
    }
    List<SystemFigures> figures = new ArrayList<>();
    for (String name : options.systems()) {
      figures.add(measure(MultiLeaderSystems.create(name)));
    }
    return new Result(options, figures);
  }

  private SystemFigures measure(MultiLeaderSystemUnderTest system) throws Exception {
    Shape shape = options.shape();
    int leaders = shape.leaders();
    List<Write> warmUp = MultiLeaderWorkload.generate(shape, options.seed() ^ 0x5DEECE66DL, 0, options.warmUp(),
        "warm-");
    List<Write> measured = MultiLeaderWorkload.generate(shape, options.seed(), options.warmUp(), options.writes(),
        "");
    Visibility visibility = new Visibility(leaders, options.warmUp() + options.writes() + options.cutWrites());
    String runId = system.name() + "-" + System.currentTimeMillis() + "-" + RUNS.incrementAndGet();
    MultiLeaderSystemUnderTest.Setup setup = new MultiLeaderSystemUnderTest.Setup(leaders, options.topology(),
        options.journal(), options.pollMillis(), runId, options.dataDir(), visibility, options.extra());
    try {
      note("%s: starting %d leaders on %s", system.name(), leaders, options.journal());
      system.start(setup);
      boolean warmUpConverged = true;
      if (!warmUp.isEmpty()) {
        note("%s: %d warm-up writes", system.name(), warmUp.size());
        Outcome w = drive(system.name() + " warm-up", warmUp, system,
            (write, sent, ack) -> visibility.acked(write.id(), ack));
        if (w.failed() > 0) {
          note("  warm-up: %d of %d writes failed (first: %s)", w.failed(), w.sent(), w.firstFailure());
        }
        warmUpConverged = awaitConverged(system.name() + " warm-up converging", visibility, warmUp);
        if (!warmUpConverged) {
          note("  warm-up writes did not reach every leader within %d s; measuring on",
              options.convergeTimeout().toSeconds());
        }
      }

      system.startCounting();
      Histogram ack = new ConcurrentHistogram(3);
      note("%s: %d measured writes", system.name(), measured.size());
      Outcome outcome = drive(system.name() + " measured", measured, system, (write, sent, acked) -> {
        visibility.acked(write.id(), acked);
        ack.recordValue(Math.max(0, (acked - sent) / 1000));
      });
      if (outcome.failed() > 0) {
        note("  %d of %d writes failed (first: %s)", outcome.failed(), outcome.sent(), outcome.firstFailure());
      }
      boolean converged = awaitConverged(system.name() + " converging", visibility, measured);
      if (!converged) {
        note("  not every write reached every leader within %d s; first missing: %s",
            options.convergeTimeout().toSeconds(), missing(visibility, measured, 10));
      }

      List<Map<String, String>> states = new ArrayList<>();
      for (int l = 0; l < leaders; l++) {
        states.add(system.readAll(l).toCompletableFuture().get(30, TimeUnit.SECONDS));
      }
      Optional<MultiLeaderSystemUnderTest.Traffic> traffic = system.traffic();
      CutFigures cut = options.cutWrites() == 0 ? null : cutAndHeal(system, visibility);
      SystemFigures f = figures(system, visibility, measured, warmUp, outcome, ack, converged, warmUpConverged,
          states, traffic, cut);
      note("  %.0f writes/s, propagation p50 %s ms, p99 %s ms, converged %s, states equal %s", f.writesPerSecond(),
          num(f.propagationP50()), num(f.propagationP99()), f.converged(), f.statesEqual());
      return f;
    } finally {
      system.stop();
    }
  }

  /**
   * Cuts the last leader off, takes {@link Options#cutWrites} more writes (drawn from a seed derived from
   * {@code --seed}, on their own keys, so the measured figures above are untouched), heals, and times the repair.
   */
  private CutFigures cutAndHeal(MultiLeaderSystemUnderTest system, Visibility visibility) throws Exception {
    Optional<String> cannot = system.cannotCut();
    if (cannot.isPresent()) {
      return CutFigures.notMeasured(cannot.get());
    }
    Shape shape = options.shape();
    int cutLeader = shape.leaders() - 1;
    List<Write> writes = MultiLeaderWorkload.generate(shape, options.seed() ^ 0x2545F4914F6CDD1DL,
        options.warmUp() + options.writes(), options.cutWrites(), "cut-");
    note("%s: leader %d cut off while %d more writes are taken", system.name(), cutLeader, writes.size());
    system.cut(cutLeader);
    Outcome outcome;
    long healNanos;
    try {
      outcome = drive(system.name() + " cut off", writes, system,
          (write, sent, ack) -> visibility.acked(write.id(), ack));
    } finally {
      healNanos = System.nanoTime();
      system.heal();
    }
    int toRepair = 0;
    for (Write w : writes) {
      if (!visibility.visibleEverywhere(w.id()) || lastApplied(visibility, w.id()) > healNanos) {
        toRepair++;
      }
    }
    boolean converged = awaitConverged(system.name() + " healing", visibility, writes);
    int notEverywhere = 0;
    long last = healNanos;
    for (Write w : writes) {
      if (visibility.visibleEverywhere(w.id())) {
        last = Math.max(last, lastApplied(visibility, w.id()));
      } else if (!settled(visibility, w.id())) {
        notEverywhere++;
      }
    }
    List<Map<String, String>> states = new ArrayList<>();
    for (int l = 0; l < shape.leaders(); l++) {
      states.add(system.readAll(l).toCompletableFuture().get(30, TimeUnit.SECONDS));
    }
    boolean ok = converged && notEverywhere == 0;
    Double time = ok ? (last - healNanos) / 1e6 : null;
    note("  healed: %d writes to repair, converged %s in %s ms", toRepair, ok, num(time));
    return new CutFigures(null, cutLeader, writes.size(), outcome.acked(), outcome.failed(), toRepair, ok,
        notEverywhere, time, states.stream().allMatch(st -> st.equals(states.get(0))));
  }

  /** When the last leader applied {@code writeId} (it must be visible everywhere). */
  private static long lastApplied(Visibility visibility, long writeId) {
    long last = Long.MIN_VALUE;
    for (int l = 0; l < visibility.leaders(); l++) {
      last = Math.max(last, visibility.nanos(writeId, l));
    }
    return last;
  }

  /**
   * Waits until every write of {@code writes} that some leader applied or that was acknowledged is applied at every
   * leader. A write that failed and that no leader applied is left out: it may never exist anywhere.
   */
  private boolean awaitConverged(String phase, Visibility visibility, List<Write> writes) {
    AtomicInteger cursor = new AtomicInteger();
    try (Progress p = Progress.of(progress, phase, "writes on every leader", cursor::get, writes.size())) {
      return Poll.within(options.convergeTimeout(), () -> {
        // writes become visible roughly in order: resume where the last check stopped
        while (cursor.get() < writes.size() && settled(visibility, writes.get(cursor.get()).id())) {
          cursor.incrementAndGet();
        }
        return cursor.get() == writes.size();
      });
    }
  }

  /** {@link MultiLeaderWorkload#drive} at the bench's load, with a progress line on the writes acknowledged. */
  private Outcome drive(String phase, List<Write> writes, MultiLeaderSystemUnderTest system,
      MultiLeaderWorkload.AckSink sink) {
    AtomicInteger acked = new AtomicInteger();
    try (Progress p = Progress.of(progress, phase, "writes acknowledged", acked::get, writes.size())) {
      return MultiLeaderWorkload.drive(writes, system, options.concurrency(), options.rate(),
          (write, sent, ack) -> {
            sink.acked(write, sent, ack);
            acked.incrementAndGet();
          });
    }
  }

  /** Up to {@code limit} writes that some leader lacks, as "write id (taken by L, missing at L, L)". */
  private static String missing(Visibility visibility, List<Write> writes, int limit) {
    List<String> found = new ArrayList<>();
    for (Write w : writes) {
      if (found.size() == limit) {
        break;
      }
      if (!settled(visibility, w.id())) {
        List<Integer> at = new ArrayList<>();
        for (int l = 0; l < visibility.leaders(); l++) {
          if (visibility.order(w.id(), l) == Visibility.NEVER) {
            at.add(l);
          }
        }
        found.add(w.id() + " (taken by " + w.leader() + ", missing at " + at + ")");
      }
    }
    return String.join(", ", found);
  }

  private static boolean settled(Visibility visibility, long writeId) {
    if (visibility.visibleEverywhere(writeId)) {
      return true;
    }
    if (visibility.isAcked(writeId)) {
      return false;
    }
    for (int l = 0; l < visibility.leaders(); l++) {
      if (visibility.order(writeId, l) != Visibility.NEVER) {
        return false;
      }
    }
    return true;
  }

  private SystemFigures figures(MultiLeaderSystemUnderTest system, Visibility visibility, List<Write> measured,
      List<Write> warmUp, Outcome outcome, Histogram ack, boolean converged, boolean warmUpConverged,
      List<Map<String, String>> states, Optional<MultiLeaderSystemUnderTest.Traffic> traffic, CutFigures cut) {
    int leaders = visibility.leaders();
    Histogram delay = new Histogram(3);
    int beforeAck = 0;
    long lastVisible = Long.MIN_VALUE;
    int notEverywhere = 0;
    int flagged = 0;
    for (Write w : measured) {
      if (visibility.flagged(w.id())) {
        flagged++;
      }
      if (!visibility.visibleEverywhere(w.id())) {
        if (!settled(visibility, w.id())) {
          notEverywhere++;
        }
        continue;
      }
      long lastRemote = Long.MIN_VALUE;
      for (int l = 0; l < leaders; l++) {
        long at = visibility.nanos(w.id(), l);
        lastVisible = Math.max(lastVisible, at);
        if (l != w.leader()) {
          lastRemote = Math.max(lastRemote, at);
        }
      }
      if (visibility.isAcked(w.id())) {
        long d = lastRemote - visibility.ackNanos(w.id());
        if (d <= 0) {
          beforeAck++;
        }
        delay.recordValue(Math.max(0, d / 1000));
      }
    }
    ConcurrentWrites.Count conflicts = ConcurrentWrites.count(measured, visibility::order);

    boolean statesEqual = states.stream().allMatch(s -> s.equals(states.get(0)));
    Set<String> written = new HashSet<>();
    for (List<Write> list : List.of(warmUp, measured)) {
      for (Write w : list) {
        if (visibility.isAcked(w.id())) {
          written.add(w.key());
        }
      }
    }
    int keysMissing = 0;
    List<Integer> keysPerLeader = new ArrayList<>();
    for (Map<String, String> s : states) {
      keysPerLeader.add(s.size());
      int missing = 0;
      for (String k : written) {
        if (!s.containsKey(k)) {
          missing++;
        }
      }
      keysMissing = Math.max(keysMissing, missing);
    }
    Double timeToConverge = converged && lastVisible != Long.MIN_VALUE
        ? Math.max(0, lastVisible - outcome.lastAckNanos()) / 1e6 : null;
    int acked = outcome.acked();
    Double messagesPerWrite = traffic.map(t -> acked == 0 ? null : t.messages() / (double) acked).orElse(null);
    Double bytesPerWrite = traffic.map(t -> acked == 0 ? null : t.bytes() / (double) acked).orElse(null);
    String trafficMethod = traffic.map(MultiLeaderSystemUnderTest.Traffic::method).orElse("not measured");
    long propagated = delay.getTotalCount();
    return new SystemFigures(system.name(), new LinkedHashMap<>(system.describe()), outcome.sent(), acked,
        outcome.failed(), outcome.firstFailure(), outcome.ackedPerSecond(), millis(ack, 50), millis(ack, 99),
        (int) propagated, beforeAck, propagated == 0 ? null : millis(delay, 50),
        propagated == 0 ? null : millis(delay, 99), propagated == 0 ? null : delay.getMaxValue() / 1000.0,
        conflicts.pairs(), conflicts.writesInvolved(), flagged, converged && notEverywhere == 0, notEverywhere,
        timeToConverge, statesEqual, keysPerLeader, keysMissing, messagesPerWrite, bytesPerWrite, trafficMethod,
        warmUpConverged, visibility.unknownReports(), cut);
  }

  private void note(String format, Object... args) {
    progress.printf(Locale.ROOT, format + "%n", args);
    progress.flush();
  }

  /** A percentile of a histogram of microseconds, in milliseconds (0 when empty). */
  private static double millis(Histogram h, double percentile) {
    return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(percentile) / 1000.0;
  }

  static Double round(Double v) {
    return v == null || v.isNaN() ? null : Math.round(v * 1000) / 1000.0;
  }

  static String num(Double v) {
    return v == null || v.isNaN() ? "-" : String.format(Locale.ROOT, v >= 100 ? "%.0f" : "%.3f", v);
  }
}
