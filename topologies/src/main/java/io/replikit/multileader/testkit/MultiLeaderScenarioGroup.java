package io.replikit.multileader.testkit;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.typed.ActorRef;
import com.fasterxml.jackson.databind.JsonNode;
import io.replikit.multileader.ConflictPolicy;
import io.replikit.multileader.ConflictStrategy;
import io.replikit.multileader.MultiLeaderReplica;
import io.replikit.multileader.MultiLeaderSettings;
import io.replikit.multileader.TopologySpec;
import io.replikit.testkit.FaultyTransport;
import io.replikit.testkit.history.Op;
import io.replikit.testkit.scenario.AbstractScenarioGroup;
import io.replikit.testkit.scenario.Asks;
import io.replikit.testkit.scenario.Guarantee;
import io.replikit.testkit.scenario.Settled;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A multi-leader group under a {@link io.replikit.testkit.scenario.Scenario}: leaders {@code m1..mN} in one topology
 * (all-to-all by default) on one actor system, talking through a seeded {@link FaultyTransport}.
 *
 * <p>Client {@code c} is at home on leader {@code m(c mod N + 1)} (as a user's device or datacenter is) and reads and
 * writes there only; a write is ok once its home leader took it (it reaches the others asynchronously). With siblings
 * kept (the default), a read returns every concurrent value, and a client's write supersedes what its leader had.
 *
 * <p>What it promises, while clients stay at home: read-your-writes, monotonic reads and consistent prefix (a
 * leader's state only grows, and changes arrive in causal order); convergence of every leader after the heal; with
 * siblings, no acknowledged write lost. Not linearizability: leaders accept conflicting writes concurrently.
 */
public final class MultiLeaderScenarioGroup extends AbstractScenarioGroup<ActorRef<MultiLeaderReplica.Command>> {
  private static final AtomicInteger GROUPS = new AtomicInteger();

  private final TopologySpec spec;
  private final MultiLeaderSettings settings;
  private final ConflictPolicy policy;
  private final boolean siblings;
  private final String strategyName;
  private final Duration clientTimeout;
  private final Map<String, Duration> clockAhead;

  private MultiLeaderScenarioGroup(Builder b) {
    super(b.kit, b.seed, names(b.leaders));
    List<String> members = replicas();
    String id = "scenario-ml" + GROUPS.incrementAndGet() + "-s" + b.seed;
    this.spec = b.kind == TopologySpec.Kind.STAR
        ? TopologySpec.star(id, members.get(0), members.subList(1, members.size()).toArray(String[]::new))
        : new TopologySpec(id, b.kind, members, Map.of());
    this.settings = MultiLeaderSettings.fromConfig(kit.system().settings().config());
    this.siblings = b.strategy instanceof ConflictStrategy.KeepSiblings;
    this.strategyName = b.strategy.getClass().getSimpleName().replaceAll("([a-z])([A-Z])", "$1-$2")
        .toLowerCase(java.util.Locale.ROOT);
    this.policy = ConflictPolicy.of(b.strategy);
    this.clientTimeout = b.clientTimeout;
    this.clockAhead = Map.copyOf(b.clockAhead);
    startAll();
  }

  private static List<String> names(int leaders) {
    List<String> names = new ArrayList<>();
    for (int i = 1; i <= leaders; i++) {
      names.add("m" + i);
    }
    return names;
  }

  public static Builder builder(ActorTestKit kit) {
    return new Builder(kit);
  }

  @Override
  public String family() {
    return "multi-leader";
  }

  @Override
  public String describe() {
    return spec.members().size() + " leaders, " + spec.kind().name().toLowerCase().replace('_', '-')
        + (siblings ? ", siblings kept" : ", " + strategyName) + ", each client at its home leader"
        + (clockAhead.isEmpty() ? "" : ", clocks ahead " + clockAhead);
  }

  @Override
  public Set<Guarantee> promises() {
    Set<Guarantee> p = EnumSet.of(Guarantee.CONVERGENCE, Guarantee.READ_YOUR_WRITES, Guarantee.MONOTONIC_READS,
        Guarantee.CONSISTENT_PREFIX);
    if (siblings) {
      p.add(Guarantee.NO_LOST_WRITES);
    }
    return p;
  }

  @Override
  public Set<Guarantee> checked() {
    return EnumSet.of(Guarantee.NO_LOST_WRITES, Guarantee.CONVERGENCE, Guarantee.READ_YOUR_WRITES,
        Guarantee.MONOTONIC_READS, Guarantee.CONSISTENT_PREFIX, Guarantee.FRESH_READS);
  }

  private String home(int client) {
    return spec.members().get(client % spec.members().size());
  }

  @Override
  public CompletionStage<Op> write(int client, String key, JsonNode value) {
    long start = System.nanoTime();
    String via = home(client);
    String op = value == null ? Op.DELETE : Op.WRITE;
    return this.<MultiLeaderReplica.WriteReply>send(via, replyTo -> value == null
        ? new MultiLeaderReplica.Delete(key, replyTo) : new MultiLeaderReplica.Put(key, value, replyTo))
        .thenApply(reply -> {
          Op.Outcome outcome = reply.isEmpty() ? Op.Outcome.UNKNOWN
              : reply.get() instanceof MultiLeaderReplica.Written ? Op.Outcome.OK : Op.Outcome.FAILED;
          return new Op(client, op, key, value, null, null, start, System.nanoTime(), outcome, via);
        });
  }

  @Override
  public CompletionStage<Op> read(int client, String key) {
    long start = System.nanoTime();
    String via = home(client);
    return this.<MultiLeaderReplica.Value>send(via, replyTo -> new MultiLeaderReplica.Get(key, replyTo))
        .thenApply(reply -> {
          long end = System.nanoTime();
          if (reply.isEmpty()) {
            return new Op(client, Op.READ, key, null, null, null, start, end, Op.Outcome.UNKNOWN, via);
          }
          return new Op(client, Op.READ, key, null, values(reply.get()), null, start, end, Op.Outcome.OK, via);
        });
  }

  /** Every value a read shows: the siblings when several were kept, else the one value, else none. */
  private static List<JsonNode> values(MultiLeaderReplica.Value v) {
    if (v.siblings().size() > 1) { // a deleted sibling shows as JSON null, as the history format has it
      List<JsonNode> live = v.siblings().stream().filter(j -> j != null && !j.isNull()).toList();
      return live.isEmpty() ? List.of() : v.siblings().stream()
          .map(j -> j == null ? (JsonNode) com.fasterxml.jackson.databind.node.NullNode.getInstance() : j).toList();
    }
    return v.value() == null ? List.of() : List.of(v.value());
  }

  private <R> CompletionStage<Optional<R>> send(String via,
      java.util.function.Function<ActorRef<R>, MultiLeaderReplica.Command> message) {
    return gate.ask(via, running(via), message, clientTimeout);
  }

  @Override
  protected ActorRef<MultiLeaderReplica.Command> start(String name, int incarnation) {
    long ahead = clockAhead.getOrDefault(name, Duration.ZERO).toMillis();
    return kit.spawn(MultiLeaderReplica.create(spec, name, settings, policy, transport,
        io.replikit.multileader.MultiLeaderObserver.NONE, () -> System.currentTimeMillis() + ahead),
        spec.groupId() + "-" + name + "-" + incarnation);
  }

  @Override
  protected List<ActorRef<?>> actors(ActorRef<MultiLeaderReplica.Command> replica) {
    return List.of(replica);
  }

  @Override
  public Settled settle(Collection<String> keys, Duration within) {
    long deadline = System.nanoTime() + within.toNanos();
    String detail = "";
    do {
      List<String> applied = new ArrayList<>();
      for (String m : spec.members()) {
        applied.add(Asks.<MultiLeaderReplica.Command, MultiLeaderReplica.AllValues>askNow(kit.system(),
            running(m), MultiLeaderReplica.ReadAll::new, Duration.ofSeconds(5))
            .map(a -> a.applied().toString()).orElse("no answer"));
      }
      boolean same = applied.stream().distinct().count() == 1 && !applied.get(0).equals("no answer");
      detail = same ? "every leader applied " + applied.get(0) : "leaders at " + applied;
      if (same) {
        break;
      }
      poll(50); // while the digests repair what the partition kept apart
    } while (System.nanoTime() < deadline);
    Map<String, Map<String, List<JsonNode>>> held = new LinkedHashMap<>();
    for (String m : spec.members()) {
      Map<String, List<JsonNode>> values = new LinkedHashMap<>();
      for (String key : keys) {
        Asks.<MultiLeaderReplica.Command, MultiLeaderReplica.Value>askNow(kit.system(), running(m),
            replyTo -> new MultiLeaderReplica.Get(key, replyTo), Duration.ofSeconds(5))
            .ifPresent(v -> {
              if (!values(v).isEmpty()) {
                values.put(key, values(v));
              }
            });
      }
      held.put(m, values);
    }
    return new Settled(held.get(spec.members().get(0)), held, Map.of(), detail);
  }

  /** Configures a {@link MultiLeaderScenarioGroup}: three leaders, all-to-all, siblings kept. */
  public static final class Builder {
    private final ActorTestKit kit;
    private int leaders = 3;
    private TopologySpec.Kind kind = TopologySpec.Kind.ALL_TO_ALL;
    private ConflictStrategy strategy = new ConflictStrategy.KeepSiblings();
    private Duration clientTimeout = Duration.ofSeconds(2);
    private long seed = 1;
    private final Map<String, Duration> clockAhead = new LinkedHashMap<>();

    private Builder(ActorTestKit kit) {
      this.kit = kit;
    }

    public Builder leaders(int n) {
      if (n < 2) {
        throw new IllegalArgumentException("a multi-leader group needs at least two leaders, was " + n);
      }
      this.leaders = n;
      return this;
    }

    public Builder topology(TopologySpec.Kind kind) {
      this.kind = kind;
      return this;
    }

    /** How concurrent writes resolve (default: keep siblings). */
    public Builder conflicts(ConflictStrategy strategy) {
      this.strategy = strategy;
      return this;
    }

    /** Runs {@code leader}'s wall clock {@code ahead} of the others (the skew last-write-wins trusts blindly). */
    public Builder clockAhead(String leader, Duration ahead) {
      clockAhead.put(leader, ahead);
      return this;
    }

    public Builder clientTimeout(Duration d) {
      this.clientTimeout = d;
      return this;
    }

    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    public MultiLeaderScenarioGroup build() {
      return new MultiLeaderScenarioGroup(this);
    }
  }
}
