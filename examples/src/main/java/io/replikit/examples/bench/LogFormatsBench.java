package io.replikit.examples.bench;

import static io.replikit.examples.bench.BenchSupport.millis;
import static io.replikit.examples.bench.BenchSupport.num;
import static io.replikit.examples.bench.BenchSupport.round;

import akka.actor.typed.ActorSystem;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.replikit.examples.support.ReplicaHost;
import io.replikit.examples.support.RunningGroup;
import io.replikit.examples.support.WriteLoad;
import io.replikit.logformat.LogFormat;
import io.replikit.replication.LocalTransport;
import io.replikit.replication.ReplicaId;
import io.replikit.singleleader.AckLevel;
import io.replikit.singleleader.AckPolicy;
import io.replikit.singleleader.Replica;
import io.replikit.singleleader.ReplicaObserver;
import io.replikit.singleleader.SingleLeaderSettings;
import io.replikit.singleleader.internal.Protocol;
import io.replikit.store.Statement;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * The four replication log formats on the same workload, in one run: for each, a fresh group (a leader and
 * {@code followers} followers, same journal and settings) is set up with the same rows, warmed up with the same
 * transactions, and then runs the same measured transactions ({@link TransactionMix}) as fast as it acknowledges
 * them. Per format: transactions per second, commit latency, rows changed per transaction, and the bytes the leader
 * shipped per transaction (see {@link ShippedLog}). The trigger format runs with a trigger on {@code orders}, so its
 * cost against the logical format shows. Times never fail a run: the figures are the output.
 */
public final class LogFormatsBench {

  /** How the bytes are measured, as printed with the figures. */
  public static final String BYTES_METHOD = "serialized with the actor system's own Akka serialization after the "
      + "run: entry_bytes = CBOR bytes each log entry adds to the AppendEntries message that shipped it (message with "
      + "that entry minus the same message empty, each position once); wire_bytes = whole AppendEntries messages "
      + "carrying entries, resends included, per follower; journal_bytes = the entry as the journal stores it "
      + "(jackson-json)";

  /**
   * What to measure; {@code warmUp} transactions precede the measured ones on each group; {@code order}: the order
   * the four formats run in (the JVM is warmer for later ones, so running another order shows that effect).
   */
  public record Options(int transactions, int followers, AckPolicy.Mode mode, AckLevel level, int concurrency,
      String journal, Path dataDir, long seed, int warmUp, List<LogFormat> order, int rounds) {
    public static final List<LogFormat> DEFAULT_ORDER = List.of(LogFormat.values());

    public Options(int transactions, int followers, AckPolicy.Mode mode, AckLevel level, int concurrency,
        String journal, Path dataDir, long seed, int warmUp) {
      this(transactions, followers, mode, level, concurrency, journal, dataDir, seed, warmUp, DEFAULT_ORDER, 1);
    }

    public Options {
      if (rounds < 1) {
        throw new IllegalArgumentException("--rounds must be at least 1, was " + rounds);
      }
      order = List.copyOf(order);
      if (order.size() != LogFormat.values().length || !order.containsAll(DEFAULT_ORDER)) {
        throw new IllegalArgumentException("--order must name each of statement, wal, logical, trigger once, was "
            + order);
      }
      if (transactions < 1) {
        throw new IllegalArgumentException("--transactions must be at least 1, was " + transactions);
      }
      if (followers < 1) {
        throw new IllegalArgumentException("--followers must be at least 1 (something has to be shipped), was "
            + followers);
      }
      if (concurrency < 1) {
        throw new IllegalArgumentException("--concurrency must be at least 1, was " + concurrency);
      }
      if (warmUp < 0) {
        throw new IllegalArgumentException("--warm-up must be 0 or more, was " + warmUp);
      }
      BenchSupport.checkJournal(journal);
    }

    /** The warm-up the CLI uses when none is given: a quarter of the measured transactions, 500 to 5000. */
    public static int defaultWarmUp(int transactions) {
      return Math.max(500, Math.min(5000, transactions / 4));
    }
  }

  /**
   * One format's figures.
   *
   * @param committed measured transactions acknowledged
   * @param failed measured transactions answered otherwise (or not at all)
   * @param rowsPerWrite row changes per acknowledged transaction (the same in every format: same workload)
   * @param triggeredPerWrite trigger outputs logged per transaction (non-zero for the trigger format only)
   */
  public record FormatFigures(LogFormat format, int committed, int failed, double writesPerSecond,
      double commitP50Millis, double commitP99Millis, double rowsPerWrite, double triggeredPerWrite,
      double entryBytesPerWrite, double wireBytesPerWrite, double journalBytesPerWrite) {

    ObjectNode toJson() {
      ObjectNode o = JsonNodeFactory.instance.objectNode();
      o.put("writes_per_s", round(writesPerSecond));
      o.put("commit_p50_ms", round(commitP50Millis));
      o.put("commit_p99_ms", round(commitP99Millis));
      o.put("rows_per_write", round(rowsPerWrite));
      o.put("entry_bytes_per_write", round(entryBytesPerWrite));
      o.put("wire_bytes_per_write", round(wireBytesPerWrite));
      o.put("journal_bytes_per_write", round(journalBytesPerWrite));
      o.put("triggered_per_write", round(triggeredPerWrite));
      o.put("committed", committed);
      o.put("failed_writes", failed);
      return o;
    }
  }

  /**
   * {@code formats}: per format, the figures of its median round by transactions/s; {@code rounds}: its
   * transactions/s in every round; {@code triggerVsLogical}: per round, trigger's transactions/s over logical's in
   * that round (a paired comparison, less noisy than comparing medians).
   */
  public record Result(Options options, List<FormatFigures> formats, Map<LogFormat, List<Double>> rounds,
      List<Double> triggerVsLogical) implements BenchReport {

    public Result(Options options, List<FormatFigures> formats) {
      this(options, formats, Map.of(), List.of());
    }

    public FormatFigures of(LogFormat format) {
      return formats.stream().filter(f -> f.format() == format).findFirst()
          .orElseThrow(() -> new IllegalArgumentException("no figures for " + format));
    }

    public ObjectNode toJson() {
      ObjectNode o = JsonNodeFactory.instance.objectNode();
      o.put("transactions", options.transactions());
      o.put("warm_up", options.warmUp());
      o.put("followers", options.followers());
      o.put("mode", SingleLeaderBench.modeName(options.mode()));
      o.put("level", options.level().name().toLowerCase(Locale.ROOT));
      o.put("journal", options.journal());
      o.put("concurrency", options.concurrency());
      o.put("seed", options.seed());
      o.put("order", String.join(",", options.order().stream().map(LogFormat::configName).toList()));
      o.put("bytes_method", BYTES_METHOD);
      o.put("rounds", options.rounds());
      ObjectNode fs = o.putObject("formats");
      for (FormatFigures f : formats) {
        ObjectNode figures = f.toJson();
        ArrayNode perRound = figures.putArray("writes_per_s_rounds");
        rounds.getOrDefault(f.format(), List.of()).forEach(v -> perRound.add(round(v)));
        fs.set(f.format().configName(), figures);
      }
      FormatFigures trigger = of(LogFormat.TRIGGER);
      FormatFigures logical = of(LogFormat.LOGICAL);
      ObjectNode vs = o.putObject("trigger_vs_logical");
      vs.put("writes_per_s_ratio", round(pairedRatio(trigger, logical)));
      ArrayNode perRound = vs.putArray("writes_per_s_ratio_rounds");
      triggerVsLogical.forEach(v -> perRound.add(round(v)));
      vs.put("commit_p50_ratio", round(ratio(trigger.commitP50Millis(), logical.commitP50Millis())));
      vs.put("entry_bytes_ratio", round(ratio(trigger.entryBytesPerWrite(), logical.entryBytesPerWrite())));
      return o;
    }

    /** The median of the per-round ratios when there are rounds, else the ratio of the two figures. */
    private double pairedRatio(FormatFigures trigger, FormatFigures logical) {
      if (triggerVsLogical.isEmpty()) {
        return ratio(trigger.writesPerSecond(), logical.writesPerSecond());
      }
      List<Double> sorted = new ArrayList<>(triggerVsLogical);
      sorted.sort(null);
      return sorted.get(sorted.size() / 2);
    }

    public void printTable(PrintWriter out) {
      out.printf(Locale.ROOT, "log formats bench: %d transactions per format after %d warm-up, %d follower(s), %s, "
              + "level %s, %d in flight, journal %s, seed %d, %d round(s) (figures of each format's median round)%n",
          options.transactions(), options.warmUp(),
          options.followers(), SingleLeaderBench.modeName(options.mode()),
          options.level().name().toLowerCase(Locale.ROOT), options.concurrency(), options.journal(), options.seed(),
          options.rounds());
      String format = "%-10s %9s %19s %11s %11s %10s %13s %12s %15s%n";
      out.printf(Locale.ROOT, format, "format", "writes/s", "rounds min-max", "commit p50", "commit p99",
          "rows/write", "entry B/write", "wire B/write", "journal B/write");
      for (FormatFigures f : formats) {
        List<Double> all = rounds.getOrDefault(f.format(), List.of(f.writesPerSecond()));
        String spread = num(all.stream().mapToDouble(Double::doubleValue).min().orElse(0)) + "-"
            + num(all.stream().mapToDouble(Double::doubleValue).max().orElse(0));
        out.printf(Locale.ROOT, format, f.format().configName(), num(f.writesPerSecond()), spread,
            num(f.commitP50Millis()) + "ms", num(f.commitP99Millis()) + "ms", num(f.rowsPerWrite()),
            num(f.entryBytesPerWrite()), num(f.wireBytesPerWrite()), num(f.journalBytesPerWrite()));
      }
      FormatFigures trigger = of(LogFormat.TRIGGER);
      FormatFigures logical = of(LogFormat.LOGICAL);
      out.printf(Locale.ROOT, "trigger vs logical: writes/s x%s, commit p50 x%s, entry bytes x%s (%s trigger "
              + "outputs per write, orders above %d to %s)%n",
          num(pairedRatio(trigger, logical)),
          num(ratio(trigger.commitP50Millis(), logical.commitP50Millis())),
          num(ratio(trigger.entryBytesPerWrite(), logical.entryBytesPerWrite())), num(trigger.triggeredPerWrite()),
          TransactionMix.BIG_ORDER_AMOUNT, TransactionMix.BIG_ORDERS_TARGET);
      out.printf(Locale.ROOT, "bytes: %s%n", BYTES_METHOD);
      for (FormatFigures f : formats) {
        if (f.failed() > 0) {
          out.printf(Locale.ROOT, "failed transactions (%s): %d%n", f.format().configName(), f.failed());
        }
      }
    }
  }

  private static final java.util.concurrent.atomic.AtomicInteger GROUPS = new java.util.concurrent.atomic.AtomicInteger();
  private final Options options;
  private final PrintWriter progress;

  private LogFormatsBench(Options options, PrintWriter progress) {
    this.options = options;
    this.progress = progress;
  }

  /** Runs the bench; progress notes go to {@code progress} (stderr in the CLI, so that stdout stays JSON). */
  public static Result run(Options options, PrintWriter progress) {
    return new LogFormatsBench(options, progress).run();
  }

  private Result run() {
    List<List<Statement>> setup = TransactionMix.setup();
    // the warm-up draws from another seed than the measured list, with carts of its own
    List<List<Statement>> warmUp = TransactionMix.generate(options.seed() ^ 0x5DEECE66DL, options.warmUp(), "w");
    List<List<Statement>> measured = TransactionMix.generate(options.seed(), options.transactions(), "c");
    ActorSystem<ReplicaHost.Command> system = BenchSupport.startSystem(options.journal(), options.dataDir(),
        "bench-logs");
    try {
      SingleLeaderSettings base = SingleLeaderSettings.fromConfig(system.settings().config())
          .withAckPolicy(SingleLeaderBench.policy(options.mode())).withAckLevel(options.level());
      // A JVM round first: every format's code paths run (its warm-up list, on a throwaway group) before anything is
      // measured, so that the first format measured does not pay for the JIT (it ran at about 40% of its speed)
      if (!warmUp.isEmpty()) {
        for (LogFormat format : options.order()) {
          measure(system, format, settingsOf(base, format), setup, List.of(), warmUp);
        }
      }
      Map<LogFormat, List<FormatFigures>> byFormat = new java.util.EnumMap<>(LogFormat.class);
      List<Double> triggerVsLogical = new ArrayList<>();
      for (int round = 0; round < options.rounds(); round++) {
        // each round starts one format later, so every format runs in every place of the order
        List<LogFormat> order = new ArrayList<>(options.order());
        java.util.Collections.rotate(order, -round);
        note("round %d of %d: %s", round + 1, options.rounds(), order);
        Map<LogFormat, FormatFigures> thisRound = new java.util.EnumMap<>(LogFormat.class);
        for (LogFormat format : order) {
          FormatFigures f = measure(system, format, settingsOf(base, format), setup, warmUp, measured);
          thisRound.put(format, f);
          byFormat.computeIfAbsent(format, k -> new ArrayList<>()).add(f);
        }
        triggerVsLogical.add(ratio(thisRound.get(LogFormat.TRIGGER).writesPerSecond(),
            thisRound.get(LogFormat.LOGICAL).writesPerSecond()));
      }
      List<FormatFigures> figures = new ArrayList<>();
      Map<LogFormat, List<Double>> rounds = new java.util.EnumMap<>(LogFormat.class);
      for (LogFormat format : options.order()) {
        List<FormatFigures> all = new ArrayList<>(byFormat.get(format));
        rounds.put(format, all.stream().map(FormatFigures::writesPerSecond).toList());
        all.sort(java.util.Comparator.comparingDouble(FormatFigures::writesPerSecond));
        figures.add(all.get(all.size() / 2));
      }
      return new Result(options, figures, rounds, triggerVsLogical);
    } finally {
      BenchSupport.shutdown(system, progress);
    }
  }

  private static SingleLeaderSettings settingsOf(SingleLeaderSettings base, LogFormat format) {
    SingleLeaderSettings settings = base.withLogFormat(format);
    return format == LogFormat.TRIGGER ? settings.withTriggers(TransactionMix.bigOrdersTrigger()) : settings;
  }

  private FormatFigures measure(ActorSystem<ReplicaHost.Command> system, LogFormat format,
      SingleLeaderSettings settings, List<List<Statement>> setup, List<List<Statement>> warmUp,
      List<List<Statement>> measured) {
    List<ReplicaId> followers = new ArrayList<>();
    for (int i = 1; i <= options.followers(); i++) {
      followers.add(ReplicaId.of("f" + i));
    }
    ShippedLog shipped = new ShippedLog(new LocalTransport());
    String groupId = "logs-" + format.configName() + "-" + GROUPS.incrementAndGet() + "-" + System.currentTimeMillis();
    note("%s: setting up %d rows, %d warm-up transactions", format.configName(),
        TransactionMix.ACCOUNT_ROWS + TransactionMix.PRICE_ROWS, warmUp.size());
    RunningGroup group = BenchSupport.startGroup(system, groupId, ReplicaId.of("L"), followers, settings, shipped,
        ReplicaObserver.NONE);
    try {
      for (List<Statement> tx : setup) {
        Replica.WriteReply reply = RunningGroup.await(group.transactAsync(tx), "setting up " + format);
        if (!(reply instanceof Replica.Committed)) {
          throw new IllegalStateException("the setup transaction was not committed under " + format + ": " + reply);
        }
      }
      if (!warmUp.isEmpty()) {
        load(group, warmUp, new ConcurrentHistogram(3), new AtomicLong(), "warm-up");
      }
      BenchSupport.awaitCaughtUp(group, progress);

      long before = group.status(group.leader()).lastPosition();
      Histogram commit = new ConcurrentHistogram(3);
      AtomicLong rows = new AtomicLong();
      shipped.startRecording();
      WriteLoad.Outcome outcome = load(group, measured, commit, rows, "measured");
      BenchSupport.awaitCaughtUp(group, progress);
      List<Protocol.AppendEntries> messages = shipped.stopRecording();

      ShippedLog.Sizes sizes = ShippedLog.measure(system, messages, before);
      int written = outcome.written();
      double perWrite = Math.max(1, written);
      FormatFigures f = new FormatFigures(format, written, outcome.failed(), outcome.writtenPerSecond(),
          millis(commit, 50), millis(commit, 99), rows.get() / perWrite,
          sizes.entries() == 0 ? 0 : sizes.triggered() / (double) sizes.entries(),
          sizes.entries() == 0 ? 0 : sizes.entryBytes() / (double) sizes.entries(),
          sizes.wireBytes() / perWrite / options.followers(),
          sizes.entries() == 0 ? 0 : sizes.journalBytes() / (double) sizes.entries());
      note("  %.0f transactions/s, commit p50 %.3f ms, p99 %.3f ms, %.1f entry bytes per transaction",
          f.writesPerSecond(), f.commitP50Millis(), f.commitP99Millis(), f.entryBytesPerWrite());
      return f;
    } finally {
      group.stopAll();
    }
  }

  /** Sends {@code txs} in order from this thread, at most {@code concurrency} outstanding. */
  private WriteLoad.Outcome load(RunningGroup group, List<List<Statement>> txs, Histogram commit, AtomicLong rows,
      String phase) {
    AtomicLong done = new AtomicLong();
    WriteLoad.Outcome outcome;
    try (Progress p = Progress.of(progress, phase, "transactions committed", done::get, txs.size())) {
      outcome = WriteLoad.run(txs.size(), () -> false, options.concurrency(), 0,
          i -> group.transactAsync(txs.get(i)).thenApply(reply -> {
            if (reply instanceof Replica.Committed c) {
              rows.addAndGet(c.rowChanges());
            }
            return reply;
          }), nanos -> {
            commit.recordValue(Math.max(0, nanos / 1000));
            done.incrementAndGet();
          });
    }
    if (outcome.failed() > 0) {
      note("  %s: %d of %d transactions were not acknowledged (first: %s)", phase, outcome.failed(), outcome.sent(),
          outcome.firstFailure());
    }
    return outcome;
  }

  private static double ratio(double a, double b) {
    return b == 0 ? Double.NaN : a / b;
  }

  private void note(String format, Object... args) {
    BenchSupport.note(progress, format, args);
  }
}
