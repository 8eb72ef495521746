package io.replikit.testkit.scenario;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.typed.ActorRef;
import com.fasterxml.jackson.databind.JsonNode;
import io.replikit.replication.ReplicaId;
import io.replikit.singleleader.AckPolicy;
import io.replikit.singleleader.ReadConsistency;
import io.replikit.singleleader.Replica;
import io.replikit.singleleader.ReplicaGroupSpec;
import io.replikit.singleleader.ReplicaStatus;
import io.replikit.singleleader.SingleLeaderSettings;
import io.replikit.store.StoreItem;
import io.replikit.testkit.FaultyTransport;
import io.replikit.testkit.history.Op;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A single-leader replica group under a {@link Scenario}: replicas {@code r1..rN} ({@code r1} leads first) on one
 * actor system, talking through a seeded {@link FaultyTransport}.
 *
 * <p>Clients send writes to the leader they know (a {@code NotLeader} answer naming another leader is followed
 * once). Reads are either {@link Reads#LEADER}: at the leader under its lease (a bounded-staleness read of 0 ms),
 * which a leader refuses once it cannot be sure it still leads, so they are linearizable; or {@link Reads#SESSION}: at a
 * replica drawn per read, asking for at least the log position the client last wrote or saw, which gives
 * read-your-writes, monotonic reads and consistent prefix but not linearizability. A write is recorded ok when
 * {@code Written}, failed when the group says it never appended it ({@code NotLeader}, {@code Unavailable} from the
 * buffer, {@code Rejected}), and unknown otherwise ({@code NotConfirmed}, no answer).
 *
 * <p>What it promises: with an acknowledgement policy that reaches a majority (leader included) before answering,
 * no acknowledged write is lost across failovers, and the read mode's guarantees; with fewer (async, say) only
 * convergence, as the chapter warns.
 */
public final class SingleLeaderScenarioGroup extends AbstractScenarioGroup<ActorRef<Replica.Command>> {
  private static final AtomicInteger GROUPS = new AtomicInteger();

  /**
   * Where clients read: {@code LEADER} at the leader under its lease; {@code SESSION} at any replica, no older than
   * the client's session position; {@code ANY} at any replica, whatever it holds (no guarantee at all).
   */
  public enum Reads { LEADER, SESSION, ANY }

  private final ReplicaGroupSpec spec;
  private final SingleLeaderSettings settings;
  private final Reads reads;
  private final Duration timeout;
  private final List<String> names;
  private final Map<Integer, Long> sessionPosition = new ConcurrentHashMap<>();
  private final Map<Integer, Random> clientRandom = new ConcurrentHashMap<>();
  private final long seed;
  private volatile String leaderHint;

  private SingleLeaderScenarioGroup(Builder b) {
    super(b.kit, b.seed, names(b.replicas));
    this.seed = b.seed;
    this.names = replicas();
    this.spec = ReplicaGroupSpec.of("scenario-sl" + GROUPS.incrementAndGet() + "-s" + b.seed, names.get(0),
        names.subList(1, names.size()).toArray(String[]::new));
    SingleLeaderSettings base = b.settings != null ? b.settings
        : SingleLeaderSettings.fromConfig(kit.system().settings().config());
    this.settings = b.ackPolicy == null ? base : base.withAckPolicy(b.ackPolicy);
    this.reads = b.reads;
    this.timeout = b.timeout != null ? b.timeout : settings.writeTimeout().plus(Duration.ofMillis(500));
    this.leaderHint = names.get(0);
    startAll();
    awaitLeader(Duration.ofSeconds(10));
  }

  private static List<String> names(int replicas) {
    List<String> names = new ArrayList<>();
    for (int i = 1; i <= replicas; i++) {
      names.add("r" + i);
    }
    return names;
  }

  public static Builder builder(ActorTestKit kit) {
    return new Builder(kit);
  }

  @Override
  public String family() {
    return "single-leader";
  }

  @Override
  public String describe() {
    AckPolicy p = settings.ackPolicy();
    String acks = switch (p.mode()) {
      case ASYNC -> "async";
      case SYNC -> "sync";
      case SEMI_SYNC -> "semi-sync " + p.method().name().toLowerCase() + " " + p.syncCount();
    };
    return names.size() + " replicas, " + acks + ", reads " + switch (reads) {
      case LEADER -> "at the leader under its lease";
      case SESSION -> "at any replica with session positions";
      case ANY -> "at any replica, unbounded";
    };
  }

  /** How many replicas hold an acknowledged write: the leader and its synchronous followers (1 when async). */
  private int acknowledgedCopies() {
    AckPolicy p = settings.ackPolicy();
    return switch (p.mode()) {
      case ASYNC -> 1;
      case SYNC -> names.size();
      case SEMI_SYNC -> 1 + Math.min(p.syncCount(), names.size() - 1);
    };
  }

  @Override
  public Set<Guarantee> promises() {
    Set<Guarantee> p = EnumSet.of(Guarantee.CONVERGENCE);
    if (acknowledgedCopies() > names.size() / 2) {
      p.add(Guarantee.NO_LOST_WRITES);
      if (reads == Reads.LEADER) {
        p.add(Guarantee.LINEARIZABLE);
      } else if (reads == Reads.SESSION) {
        p.addAll(EnumSet.of(Guarantee.READ_YOUR_WRITES, Guarantee.MONOTONIC_READS, Guarantee.CONSISTENT_PREFIX));
      }
    }
    return p;
  }

  @Override
  public Set<Guarantee> checked() {
    Set<Guarantee> c = EnumSet.of(Guarantee.NO_LOST_WRITES, Guarantee.CONVERGENCE, Guarantee.READ_YOUR_WRITES,
        Guarantee.MONOTONIC_READS, Guarantee.CONSISTENT_PREFIX);
    if (reads == Reads.LEADER) {
      c.add(Guarantee.LINEARIZABLE);
    }
    return c;
  }

  // --- client operations ---

  @Override
  public CompletionStage<Op> write(int client, String key, JsonNode value) {
    long start = System.nanoTime();
    String op = value == null ? Op.DELETE : Op.WRITE;
    return writeAt(entryPoint(), key, value, start, true).thenApply(r -> {
      long end = System.nanoTime();
      Op.Outcome outcome;
      if (r.reply() instanceof Replica.Written w) {
        outcome = Op.Outcome.OK;
        sessionPosition.merge(client, w.version(), Math::max);
      } else if (r.reply() instanceof Replica.NotLeader || r.reply() instanceof Replica.Unavailable
          || r.reply() instanceof Replica.Rejected || r.reply() instanceof Replica.VersionConflict) {
        outcome = Op.Outcome.FAILED;
      } else {
        outcome = Op.Outcome.UNKNOWN;
        if (r.reply() == null) {
          suspect(r.via());
        }
      }
      return new Op(client, op, key, value, null, null, start, end, outcome, r.via());
    });
  }

  private record Answer<T>(String via, T reply) {}

  private CompletionStage<Answer<Replica.WriteReply>> writeAt(String via, String key, JsonNode value, long start,
      boolean mayFollow) {
    ActorRef<Replica.Command> ref = running(via);
    if (ref == null) { // its node is down: the connection is refused, nothing was sent
      return CompletableFuture.completedFuture(new Answer<>(via, new Replica.NotLeader(null, via + " is down")));
    }
    CompletionStage<Answer<Replica.WriteReply>> done = gate.<Replica.Command, Replica.WriteReply>ask(via, ref,
        replyTo -> value == null ? Replica.delete(key, replyTo) : Replica.put(key, value, replyTo), remaining(start))
        .thenApply(a -> new Answer<>(via, a.orElse(null)));
    return done.thenCompose(a -> {
      if (mayFollow && a.reply() instanceof Replica.NotLeader nl && nl.leader() != null
          && !nl.leader().value().equals(via) && remaining(start).toMillis() > 50) {
        leaderHint = nl.leader().value();
        return writeAt(nl.leader().value(), key, value, start, false);
      }
      return CompletableFuture.completedFuture(a);
    });
  }

  @Override
  public CompletionStage<Op> read(int client, String key) {
    long start = System.nanoTime();
    String via;
    ReadConsistency consistency;
    if (reads == Reads.LEADER) {
      via = entryPoint();
      consistency = ReadConsistency.maxStaleness(Duration.ZERO);
    } else {
      Random r = clientRandom.computeIfAbsent(client, c -> new Random(seed * 1_000_003L + c));
      via = names.get(r.nextInt(names.size()));
      consistency = reads == Reads.ANY ? ReadConsistency.any()
          : ReadConsistency.atLeast(sessionPosition.getOrDefault(client, 0L));
    }
    return readAt(via, key, consistency, start, reads == Reads.LEADER).thenApply(a -> {
      long end = System.nanoTime();
      if (a.reply() instanceof Replica.Found f) {
        sessionPosition.merge(client, f.appliedPosition(), Math::max);
        return Op.read(client, key, f.value(), start, end, Op.Outcome.OK).withReplica(a.via());
      } else if (a.reply() instanceof Replica.NotFound nf) {
        sessionPosition.merge(client, nf.appliedPosition(), Math::max);
        return Op.read(client, key, null, start, end, Op.Outcome.OK).withReplica(a.via());
      } else if (a.reply() == null) {
        suspect(a.via());
        return Op.read(client, key, null, start, end, Op.Outcome.UNKNOWN).withReplica(a.via());
      }
      return Op.read(client, key, null, start, end, Op.Outcome.FAILED).withReplica(a.via());
    });
  }

  private CompletionStage<Answer<Replica.ReadReply>> readAt(String via, String key, ReadConsistency consistency,
      long start, boolean mayFollow) {
    ActorRef<Replica.Command> ref = running(via);
    if (ref == null) {
      return CompletableFuture.completedFuture(new Answer<>(via, new Replica.ReadRejected(via + " is down")));
    }
    CompletionStage<Answer<Replica.ReadReply>> done = gate.<Replica.Command, Replica.ReadReply>ask(via, ref,
        replyTo -> new Replica.Read(key, consistency, replyTo), remaining(start))
        .thenApply(a -> new Answer<>(via, a.orElse(null)));
    return done.thenCompose(a -> {
      if (mayFollow && a.reply() instanceof Replica.TooStale ts && ts.leader() != null
          && !ts.leader().value().equals(via) && remaining(start).toMillis() > 50) {
        leaderHint = ts.leader().value();
        return readAt(ts.leader().value(), key, consistency, start, false);
      }
      return CompletableFuture.completedFuture(a);
    });
  }

  /**
   * Where a client sends a leader's request: the leader it last heard of, or, when that node is down (its
   * connection refused), the next running replica, which names the leader in its answer.
   */
  private String entryPoint() {
    String hint = leaderHint;
    if (isRunning(hint)) {
      return hint;
    }
    int at = names.indexOf(hint);
    for (int i = 1; i <= names.size(); i++) {
      String next = names.get((at + i) % names.size());
      if (isRunning(next)) {
        return next;
      }
    }
    return hint;
  }

  /** No answer from {@code via} in time: the client tries the next replica with its next request. */
  private void suspect(String via) {
    if (via.equals(leaderHint)) {
      leaderHint = names.get((names.indexOf(via) + 1) % names.size());
    }
  }

  private Duration remaining(long start) {
    long left = timeout.toNanos() - (System.nanoTime() - start);
    return Duration.ofNanos(Math.max(left, 1_000_000));
  }

  // --- faults ---

  @Override
  public Optional<String> leader() {
    String best = null;
    long bestEpoch = -1;
    for (String n : names) {
      if (!isRunning(n) || gate.paused(n)) {
        continue;
      }
      Optional<ReplicaStatus> st = status(n);
      if (st.isPresent() && "leader".equals(st.get().role()) && st.get().epoch() > bestEpoch) {
        best = n;
        bestEpoch = st.get().epoch();
      }
    }
    if (best != null) {
      leaderHint = best;
    }
    return Optional.ofNullable(best);
  }

  private Optional<ReplicaStatus> status(String n) {
    return Asks.askNow(kit.system(), running(n), Replica.GetStatus::new, Duration.ofSeconds(1));
  }

  @Override
  protected ActorRef<Replica.Command> start(String name, int incarnation) {
    return kit.spawn(Replica.create(spec, ReplicaId.of(name), settings, transport),
        spec.groupId() + "-" + name + "-" + incarnation);
  }

  @Override
  protected List<ActorRef<?>> actors(ActorRef<Replica.Command> replica) {
    return List.of(replica);
  }

  // --- settling ---

  private Optional<String> awaitLeader(Duration within) {
    long deadline = System.nanoTime() + within.toNanos();
    do {
      Optional<String> l = leader();
      if (l.isPresent()) {
        return l;
      }
      poll(50);
    } while (System.nanoTime() < deadline);
    return Optional.empty();
  }

  @Override
  public Settled settle(Collection<String> keys, Duration within) {
    long deadline = System.nanoTime() + within.toNanos();
    String detail = "no leader within " + within.toMillis() + " ms";
    while (System.nanoTime() < deadline) {
      Optional<String> leader = leader();
      if (leader.isEmpty()) {
        poll(50);
        continue;
      }
      Optional<ReplicaStatus> ls = status(leader.get());
      if (ls.isEmpty()) {
        continue;
      }
      long target = ls.get().lastPosition();
      boolean caughtUp = ls.get().appliedPosition() >= target;
      StringBuilder lag = new StringBuilder();
      for (String n : names) {
        Optional<ReplicaStatus> st = status(n);
        if (st.isEmpty() || st.get().appliedPosition() < target || !leader.get().equals(
            st.get().leader() == null ? null : st.get().leader().value())) {
          caughtUp = false;
          lag.append(' ').append(n).append('=').append(st.map(s -> s.appliedPosition() + " under "
              + s.leader()).orElse("no answer"));
        }
      }
      detail = "leader " + leader.get() + " at position " + target + (caughtUp ? ", every replica caught up"
          : ", behind:" + lag);
      if (caughtUp) {
        break;
      }
      poll(50);
    }
    Map<String, Map<String, List<JsonNode>>> held = new LinkedHashMap<>();
    for (String n : names) {
      Optional<Replica.AllItems> all = Asks.askNow(kit.system(), running(n), Replica.ReadAll::new,
          Duration.ofSeconds(5));
      Map<String, List<JsonNode>> values = new LinkedHashMap<>();
      for (StoreItem item : all.map(Replica.AllItems::items).orElse(List.of())) {
        if (keys.contains(item.key()) && item.value() != null && !item.value().isNull()) {
          values.put(item.key(), List.of(item.value()));
        }
      }
      held.put(n, values);
    }
    Map<String, List<JsonNode>> finals = held.getOrDefault(leader().orElse(leaderHint), Map.of());
    return new Settled(finals, held, Map.of(), detail);
  }

  /** Configures a {@link SingleLeaderScenarioGroup}. */
  public static final class Builder {
    private final ActorTestKit kit;
    private int replicas = 3;
    private AckPolicy ackPolicy = AckPolicy.semiSync(AckPolicy.SyncMethod.FIRST, 1);
    private SingleLeaderSettings settings;
    private Reads reads = Reads.LEADER;
    private Duration timeout;
    private long seed = 1;

    private Builder(ActorTestKit kit) {
      this.kit = kit;
    }

    public Builder replicas(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("a group needs at least one replica, was " + n);
      }
      this.replicas = n;
      return this;
    }

    /** Default: semi-synchronous with one synchronous follower (with three replicas, a majority). */
    public Builder ackPolicy(AckPolicy policy) {
      this.ackPolicy = policy;
      return this;
    }

    /** Settings other than the actor system's {@code replikit.single-leader} (the ack policy still applies). */
    public Builder settings(SingleLeaderSettings s) {
      this.settings = s;
      return this;
    }

    public Builder reads(Reads r) {
      this.reads = r;
      return this;
    }

    /** How long a client waits for an answer (default: the write timeout and half a second). */
    public Builder clientTimeout(Duration d) {
      this.timeout = d;
      return this;
    }

    /** Seeds the transport's message faults (use the scenario's seed). */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    public SingleLeaderScenarioGroup build() {
      return new SingleLeaderScenarioGroup(this);
    }
  }
}
