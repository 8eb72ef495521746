package io.replikit.testkit.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.replikit.testkit.FaultyTransport;
import io.replikit.testkit.history.Convergence;
import io.replikit.testkit.history.History;
import io.replikit.testkit.history.Linearizability;
import io.replikit.testkit.history.LostWrites;
import io.replikit.testkit.history.Op;
import io.replikit.testkit.history.SessionGuarantees;
import io.replikit.testkit.history.StaleReads;
import io.replikit.testkit.history.Verdict;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A seeded campaign against one {@link ScenarioGroup}: logical clients issue reads, writes and deletes of a few keys
 * in rounds (every client one operation per round, all in flight together), a script applies {@link Fault}s at
 * given rounds while that round's operations are in flight, then the network heals, crashed replicas restart, paused
 * ones resume, the group {@link ScenarioGroup#settle settles}, and checkers judge the recorded history.
 *
 * <p>One seed drives the operations (client, key, kind), the replicas faults pick and, when the group was built with
 * the same seed, every message fault on the transport: a failing run is replayed by its seed. What one seed cannot
 * pin is the thread interleaving of the actors under it, so a replay repeats the same operations and faults at the
 * same points, not the same nanoseconds.
 *
 * <pre>{@code
 * Scenario scenario = Scenario.builder("leader-crash").seed(7).clients(3).keys(3).rounds(12)
 *     .at(4, Fault.crash(Target.leader()))
 *     .at(8, Fault.restart(Target.crashed()))
 *     .build();
 * try (ScenarioGroup group = SingleLeaderScenarioGroup.builder(kit).seed(7).build()) {
 *   ScenarioResult result = scenario.run(group);
 *   assertTrue(result.ok(), result.summary());
 * }
 * }</pre>
 */
public final class Scenario {
  private final String name;
  private final long seed;
  private final int clients;
  private final int keys;
  private final int rounds;
  private final double writeShare;
  private final double deleteShare;
  private final Map<Integer, List<Fault>> script;
  private final Duration settleWithin;
  private final Duration operationDeadline;
  private final Duration linearizabilityBudget;
  private final Duration pace;

  private Scenario(Builder b) {
    this.name = b.name;
    this.seed = b.seed;
    this.clients = b.clients;
    this.keys = b.keys;
    this.rounds = b.rounds;
    this.writeShare = b.writeShare;
    this.deleteShare = b.deleteShare;
    this.script = new TreeMap<>(b.script);
    this.settleWithin = b.settleWithin;
    this.operationDeadline = b.operationDeadline;
    this.linearizabilityBudget = b.linearizabilityBudget;
    this.pace = b.pace;
  }

  public static Builder builder(String name) {
    return new Builder(name);
  }

  public String name() {
    return name;
  }

  public long seed() {
    return seed;
  }

  /** The keys the clients use: {@code k1 .. kK}. */
  public List<String> keys() {
    List<String> k = new ArrayList<>();
    for (int i = 1; i <= keys; i++) {
      k.add("k" + i);
    }
    return k;
  }

  /** Runs the campaign against {@code group} (which it does not close) and judges what happened. */
  public ScenarioResult run(ScenarioGroup group) {
    Random random = new Random(seed);
    ScenarioState state = new ScenarioState();
    List<String> events = new ArrayList<>();
    List<Op> ops = new ArrayList<>();
    List<String> keyNames = keys();
    int written = 0;
    long began = System.nanoTime();
    for (int round = 0; round < rounds; round++) {
      List<CompletableFuture<Op>> inFlight = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        String key = keyNames.get(random.nextInt(keyNames.size()));
        double kind = random.nextDouble();
        if (kind < deleteShare) {
          inFlight.add(group.write(c, key, null).toCompletableFuture());
        } else if (kind < deleteShare + writeShare) {
          JsonNode value = JsonNodeFactory.instance.textNode("c" + c + "-" + (++written));
          inFlight.add(group.write(c, key, value).toCompletableFuture());
        } else {
          inFlight.add(group.read(c, key).toCompletableFuture());
        }
      }
      for (Fault fault : script.getOrDefault(round, List.of())) {
        events.add("round " + round + ": " + fault.apply(group, state, random));
      }
      for (CompletableFuture<Op> f : inFlight) {
        ops.add(await(f, round));
      }
      long next = began + (round + 1) * pace.toNanos();
      long idle = next - System.nanoTime();
      if (idle > 0) {
        thinkTime(idle); // the clients' pace: rounds span real time, so timeouts and failovers happen within a run
      }
    }
    // heal everything, then let the group go quiet
    group.transport().heal();
    group.transport().setFaults(FaultyTransport.Faults.NONE);
    for (String r : List.copyOf(state.paused())) {
      group.resume(r);
      state.paused(r, false);
    }
    for (String r : List.copyOf(state.crashed())) {
      group.restart(r);
      state.crashed(r, false);
    }
    events.add("end: healed, every replica running");
    Settled settled = group.settle(keyNames, settleWithin);
    events.add("settled: " + settled.detail());
    long tookMillis = (System.nanoTime() - began) / 1_000_000;

    ops.sort(java.util.Comparator.comparingLong(Op::startNs));
    History history = new History(ops);
    Map<Guarantee, Verdict> verdicts = new EnumMap<>(Guarantee.class);
    for (Guarantee g : group.checked()) {
      verdicts.put(g, judge(g, history, settled));
    }
    return new ScenarioResult(name, seed, group.family(), group.describe(), history, verdicts, group.promises(),
        events, group.transport().stats(), tookMillis);
  }

  private Verdict judge(Guarantee g, History history, Settled settled) {
    return switch (g) {
      case NO_LOST_WRITES -> LostWrites.check(history, settled.finalValues());
      case LINEARIZABLE -> Linearizability.check(history, linearizabilityBudget);
      case READ_YOUR_WRITES -> SessionGuarantees.readYourWrites(history);
      case MONOTONIC_READS -> SessionGuarantees.monotonicReads(history);
      case CONSISTENT_PREFIX -> SessionGuarantees.consistentPrefix(history);
      case CONVERGENCE -> Convergence.check(settled.replicas(), settled.holders());
      case FRESH_READS -> StaleReads.check(history);
    };
  }

  private static void thinkTime(long nanos) {
    try {
      TimeUnit.NANOSECONDS.sleep(nanos);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private Op await(CompletableFuture<Op> f, int round) {
    try {
      return f.get(operationDeadline.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new IllegalStateException("scenario " + name + " (seed " + seed + "): an operation of round " + round
          + " did not complete within " + operationDeadline + "; the group must answer every operation (ok, failed "
          + "or unknown) within its own timeout");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("scenario " + name + " (seed " + seed + "): an operation failed in the group "
          + "adapter (it must record failures, not throw): " + e.getCause(), e.getCause());
    }
  }

  /** Builds a {@link Scenario}; every setting has a default that makes a short run. */
  public static final class Builder {
    private final String name;
    private long seed = 1;
    private int clients = 3;
    private int keys = 3;
    private int rounds = 12;
    private double writeShare = 0.5;
    private double deleteShare = 0.0;
    private final Map<Integer, List<Fault>> script = new TreeMap<>();
    private Duration settleWithin = Duration.ofSeconds(10);
    private Duration operationDeadline = Duration.ofSeconds(30);
    private Duration linearizabilityBudget = Duration.ofSeconds(5);
    private Duration pace = Duration.ofMillis(100);

    private Builder(String name) {
      if (name == null || name.isBlank()) {
        throw new IllegalArgumentException("a scenario needs a name");
      }
      this.name = name;
    }

    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    public Builder clients(int clients) {
      this.clients = positive("clients", clients);
      return this;
    }

    public Builder keys(int keys) {
      this.keys = positive("keys", keys);
      return this;
    }

    public Builder rounds(int rounds) {
      this.rounds = positive("rounds", rounds);
      return this;
    }

    /** The share of operations that write a new value (the rest read, but for deletes). */
    public Builder writeShare(double share) {
      this.writeShare = share(share, "write");
      return this;
    }

    /** The share of operations that delete their key. */
    public Builder deleteShare(double share) {
      this.deleteShare = share(share, "delete");
      return this;
    }

    /** Applies {@code faults}, in order, at {@code round} (0-based), while that round's operations are in flight. */
    public Builder at(int round, Fault... faults) {
      if (round < 0) {
        throw new IllegalArgumentException("a fault's round must be 0 or more, was " + round);
      }
      for (Fault f : faults) {
        script.computeIfAbsent(round, r -> new ArrayList<>()).add(java.util.Objects.requireNonNull(f, "fault"));
      }
      return this;
    }

    /** How long the group may take to go quiet after the heal (default 10 s). */
    public Builder settleWithin(Duration d) {
      this.settleWithin = d;
      return this;
    }

    /** Longest the scenario waits for one operation's record before calling the group adapter broken. */
    public Builder operationDeadline(Duration d) {
      this.operationDeadline = d;
      return this;
    }

    /** The linearizability search's bound per run; past it that key's verdict is unknown (default 5 s). */
    public Builder linearizabilityBudget(Duration d) {
      this.linearizabilityBudget = d;
      return this;
    }

    /**
     * The clients' pace: a round starts no sooner than this after the one before it started (default 100 ms), so a
     * script's rounds are also a clock (a crash at round 4 and a restart at round 10 leave the replica down for at
     * least 600 ms, longer than the test kit's failover timeout). Zero: as fast as answers come.
     */
    public Builder pace(Duration d) {
      if (d == null || d.isNegative()) {
        throw new IllegalArgumentException("pace must be zero or more, was " + d);
      }
      this.pace = d;
      return this;
    }

    public Scenario build() {
      if (writeShare + deleteShare > 1) {
        throw new IllegalArgumentException("write share " + writeShare + " plus delete share " + deleteShare
            + " is more than 1");
      }
      for (int round : script.keySet()) {
        if (round >= rounds) {
          throw new IllegalArgumentException("scenario " + name + " scripts a fault at round " + round + " of only "
              + rounds + " rounds (0-based)");
        }
      }
      return new Scenario(this);
    }

    private static int positive(String what, int n) {
      if (n <= 0) {
        throw new IllegalArgumentException(what + " must be 1 or more, was " + n);
      }
      return n;
    }

    private static double share(double s, String what) {
      if (!(s >= 0 && s <= 1)) {
        throw new IllegalArgumentException("the " + what + " share must be within [0, 1], was " + s);
      }
      return s;
    }
  }
}
