package io.replikit.examples.bench.multileader;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * A multi-leader key/value store as {@code replikit bench multi-leader} drives it: {@code leaders} replicas that each
 * accept writes and pass them on to the others. The bench owns the workload, the clock and every figure; an
 * implementation only starts its leaders, takes writes, tells when each write became visible at each leader, and
 * answers each leader's whole state.
 *
 * <p>Lifecycle: {@link #start}, then any number of {@link #write}s (from several threads at once), then
 * {@link #readAll} of every leader once the bench has seen every write visible everywhere (or given up waiting),
 * then {@link #stop}. An instance is started once.
 *
 * <p>To add an implementation: implement this interface (its leaders must call {@link Setup#visibility()} as
 * described there) and register a factory under its name in {@link MultiLeaderSystems}.
 */
public interface MultiLeaderSystemUnderTest {

  /** The name that {@code --system} selects and that heads its figures in the JSON (e.g. {@code akka}). */
  String name();

  /**
   * Starts {@code setup.leaders()} leaders and returns once every one of them accepts writes and replicates.
   *
   * @throws IllegalArgumentException when the setup asks for something this system cannot do (say so in the message,
   *     naming the option)
   */
  void start(Setup setup) throws Exception;

  /**
   * Writes {@code value} under {@code key} at leader {@code leader} (0-based). The stage completes when that leader
   * has acknowledged the write (whatever "acknowledged" means for the system; {@link #describe()} says it), and
   * completes exceptionally when the write failed or was not answered in time. Called from many threads.
   *
   * @param writeId the write's id in the workload, to be passed to {@link VisibilityListener#applied} by every
   *     leader that applies it
   */
  CompletionStage<?> write(int leader, long writeId, String key, String value);

  /** The whole key/value state of {@code leader} as it is when the request reaches it. */
  CompletionStage<Map<String, String>> readAll(int leader);

  /**
   * Messages and bytes the system exchanged between leaders since {@link #start} or the last call to
   * {@link #startCounting()}, if it can count them; empty when it cannot (printed as "not measured").
   */
  default Optional<Traffic> traffic() {
    return Optional.empty();
  }

  /** Starts counting {@link #traffic()} afresh (before the measured writes). */
  default void startCounting() {}

  /**
   * Empty when this system can {@link #cut} a leader off and {@link #heal} it; otherwise why it cannot, printed in
   * place of the figures after a heal.
   */
  default Optional<String> cannotCut() {
    return Optional.of("the system offers no links the bench can cut");
  }

  /**
   * Cuts {@code leader} off from every other leader, both directions, as a network partition would: messages on its
   * links are lost (it is not reported down, and it keeps taking writes) until {@link #heal}.
   */
  default void cut(int leader) {
    throw new UnsupportedOperationException(cannotCut().orElse("cut is not implemented"));
  }

  /** Ends a {@link #cut}: the links carry messages again. */
  default void heal() {}

  /**
   * What the figures of this system rest on, printed with them (journal, why that journal, how writes travel, what
   * an acknowledgement means, what its conflict flag means): keys and values are copied into the JSON as they are.
   */
  Map<String, String> describe();

  /** Stops every leader and frees what {@link #start} took; safe to call after a failed or no start. */
  void stop();

  /**
   * What {@link #start} gets.
   *
   * @param leaders how many leaders (at least 2)
   * @param topology how writes propagate, as {@code --topology} names it ({@code all-to-all}, {@code circular},
   *     {@code star}); a system that has one fixed way says so in {@link #describe()} and ignores it
   * @param journal the journal kind to run on ({@code h2-memory} or {@code testkit}, see {@link MultiLeaderBench})
   * @param pollMillis how often a journal that is read by polling (the JDBC read journal) is asked for new entries
   * @param runId unique per run: persistence ids and database names derive from it so that runs never share state
   * @param dataDir where a system that keeps files may put them
   * @param visibility to be told, by every leader, of every write it applies (including the leader that took it)
   * @param extra system-specific settings from the command line ({@code --akka-*} options), by name
   */
  record Setup(int leaders, String topology, String journal, long pollMillis, String runId, Path dataDir,
      VisibilityListener visibility, Map<String, String> extra) {
    public Setup {
      if (leaders < 2) {
        throw new IllegalArgumentException("--leaders must be at least 2, was " + leaders);
      }
      extra = Map.copyOf(extra);
    }

    public String extra(String name, String defaultValue) {
      return extra.getOrDefault(name, defaultValue);
    }
  }

  /**
   * Told by the leaders when a write becomes visible there. The bench stamps the call with {@link System#nanoTime()}
   * and with the order of the calls for that leader, so each leader must call it from the one place that applies
   * writes to its state, in the order they are applied (from inside its actor, as the write is applied), once per
   * write; a second call for the same write and leader is ignored.
   */
  @FunctionalInterface
  interface VisibilityListener {
    /**
     * @param leader the leader that applied the write (0-based)
     * @param writeId the id given to {@link #write}
     * @param conflictFlagged whether the system itself saw this write as concurrent with what that leader had
     *     applied before (counted as the system's own conflict figure; {@code false} when it cannot tell)
     */
    void applied(int leader, long writeId, boolean conflictFlagged);
  }

  /**
   * Traffic between leaders.
   *
   * @param messages messages sent from one leader to another
   * @param bytes their serialized size
   * @param method how they were counted, printed with the figures
   */
  record Traffic(long messages, long bytes, String method) {}

  /** A small helper for {@link #describe()}: an insertion-ordered map from alternating keys and values. */
  static Map<String, String> description(String... keysAndValues) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i + 1 < keysAndValues.length; i += 2) {
      m.put(keysAndValues[i], keysAndValues[i + 1]);
    }
    return m;
  }
}
