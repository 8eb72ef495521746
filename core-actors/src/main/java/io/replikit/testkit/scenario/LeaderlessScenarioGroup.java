package io.replikit.testkit.scenario;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.typed.ActorRef;
import com.fasterxml.jackson.databind.JsonNode;
import io.replikit.leaderless.Coordinator;
import io.replikit.leaderless.Keyspace;
import io.replikit.leaderless.StorageReplica;
import io.replikit.leaderless.ring.Ring;
import io.replikit.leaderless.ring.RingNode;
import io.replikit.testkit.FaultyTransport;
import io.replikit.testkit.history.Op;
import io.replikit.versioning.DottedVersionVectorSet;
import io.replikit.versioning.VersionVector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A leaderless (Dynamo-style) keyspace under a {@link Scenario}: nodes {@code n1..nN}, each with a storage replica and
 * a coordinator, on one actor system, talking through a seeded {@link FaultyTransport}.
 *
 * <p>Each operation goes to a coordinator drawn (per client, from the seed) among the nodes the client can reach (not
 * crashed; a paused node is not known to be paused, so it may be drawn). A client's write carries the context of its
 * last read or write of that key, as the chapter's algorithm asks, so it replaces what it saw and keeps what it did
 * not as siblings. A write answered {@code PutOk} is ok; {@code QuorumFailed} or no answer is unknown (the replicas
 * that took it keep it: a failed quorum write is not rolled back). Reads return every sibling.
 *
 * <p>What it promises: with w + r > n and no sloppy quorum, no read misses a write acknowledged before it began;
 * with siblings (not last-write-wins), no acknowledged write lost; always, convergence of every key's home replicas
 * after the heal, one read of each key at r = n (which repairs them) and the hints handed off.
 */
public final class LeaderlessScenarioGroup extends AbstractScenarioGroup<LeaderlessScenarioGroup.Node> {
  private static final AtomicInteger KEYSPACES = new AtomicInteger();

  /** A node's actors: its storage replica and its coordinator. */
  record Node(ActorRef<StorageReplica.Command> replica, ActorRef<Coordinator.Command> coordinator) {}

  private final Keyspace keyspace;
  private final List<String> names;
  private final Ring ring;
  private final Duration clientTimeout;
  private final long seed;
  private final Map<String, VersionVector> contexts = new ConcurrentHashMap<>();
  private final Map<Integer, Random> clientRandom = new ConcurrentHashMap<>();

  private LeaderlessScenarioGroup(Builder b) {
    super(b.kit, b.seed, names(b.nodes));
    this.seed = b.seed;
    this.keyspace = new Keyspace("scenario-ll" + KEYSPACES.incrementAndGet() + "-s" + b.seed, b.n, b.w, b.r,
        b.requestTimeout, b.conflicts, Keyspace.ReadRepair.BLOCKING).withSloppyQuorum(b.sloppy);
    this.names = replicas();
    this.ring = Ring.of(names.stream().map(n -> new RingNode(n, "dc1")).toList(), 16);
    this.clientTimeout = b.requestTimeout.multipliedBy(2).plus(Duration.ofMillis(500));
    startAll();
    for (String n : names) { // answered once recovered, so the first operation does not meet a replica starting
      Asks.askNow(kit.system(), replicaOf(n), StorageReplica.GetStatus::new, Duration.ofSeconds(10));
    }
  }

  private static List<String> names(int nodes) {
    List<String> names = new ArrayList<>();
    for (int i = 1; i <= nodes; i++) {
      names.add("n" + i);
    }
    return names;
  }

  public static Builder builder(ActorTestKit kit) {
    return new Builder(kit);
  }

  public Keyspace keyspace() {
    return keyspace;
  }

  @Override
  public String family() {
    return "leaderless";
  }

  @Override
  public String describe() {
    return names.size() + " nodes, n=" + keyspace.n() + " w=" + keyspace.w() + " r=" + keyspace.r()
        + (keyspace.sloppyQuorum() ? ", sloppy quorum with hinted handoff" : ", strict quorum")
        + (keyspace.conflicts() == Keyspace.Conflicts.SIBLINGS ? ", siblings" : ", last-write-wins");
  }

  @Override
  public Set<Guarantee> promises() {
    Set<Guarantee> p = EnumSet.of(Guarantee.CONVERGENCE);
    if (keyspace.conflicts() == Keyspace.Conflicts.SIBLINGS) {
      p.add(Guarantee.NO_LOST_WRITES);
    }
    if (keyspace.w() + keyspace.r() > keyspace.n() && !keyspace.sloppyQuorum()) {
      p.add(Guarantee.FRESH_READS);
    }
    return p;
  }

  @Override
  public Set<Guarantee> checked() {
    return EnumSet.of(Guarantee.NO_LOST_WRITES, Guarantee.FRESH_READS, Guarantee.CONVERGENCE,
        Guarantee.READ_YOUR_WRITES, Guarantee.MONOTONIC_READS);
  }

  /** The key's home replicas, in preference-list order. */
  public List<String> homes(String key) {
    return ring.preferenceList(key, keyspace.n()).stream().map(RingNode::id).toList();
  }

  // --- client operations ---

  private String coordinatorFor(int client) {
    Random r = clientRandom.computeIfAbsent(client, c -> new Random(seed * 1_000_003L + c));
    String drawn = names.get(r.nextInt(names.size()));
    if (isRunning(drawn)) {
      return drawn;
    }
    for (int i = 1; i <= names.size(); i++) { // a crashed node refuses connections: the client tries the next
      String next = names.get((names.indexOf(drawn) + i) % names.size());
      if (isRunning(next)) {
        return next;
      }
    }
    return drawn;
  }

  @Override
  public CompletionStage<Op> write(int client, String key, JsonNode value) {
    long start = System.nanoTime();
    String via = coordinatorFor(client);
    String op = value == null ? Op.DELETE : Op.WRITE;
    VersionVector context = contexts.getOrDefault(client + "/" + key, VersionVector.empty());
    JsonNode basedOn = context.equals(VersionVector.empty()) ? null
        : com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.textNode(context.toString());
    return this.<Coordinator.PutReply>send(via, replyTo -> new Coordinator.Put(key, value, context,
        Coordinator.Quorum.DEFAULT, replyTo)).thenApply(reply -> {
          long end = System.nanoTime();
          Op.Outcome outcome = Op.Outcome.UNKNOWN;
          if (reply.orElse(null) instanceof Coordinator.PutOk ok) {
            outcome = Op.Outcome.OK;
            contexts.put(client + "/" + key, ok.context());
          }
          return new Op(client, op, key, value, null, basedOn, start, end, outcome, via);
        });
  }

  @Override
  public CompletionStage<Op> read(int client, String key) {
    long start = System.nanoTime();
    String via = coordinatorFor(client);
    return this.<Coordinator.GetReply>send(via, replyTo -> new Coordinator.Get(key, Coordinator.Quorum.DEFAULT,
        replyTo)).thenApply(reply -> {
          long end = System.nanoTime();
          if (reply.orElse(null) instanceof Coordinator.GetOk ok) {
            contexts.put(client + "/" + key, ok.context());
            return new Op(client, Op.READ, key, null, seen(ok), null, start, end, Op.Outcome.OK, via);
          }
          return new Op(client, Op.READ, key, null, null, null, start, end,
              reply.isPresent() ? Op.Outcome.FAILED : Op.Outcome.UNKNOWN, via);
        });
  }

  /** A read's values as the history holds them: a concurrent delete kept as a sibling shows as JSON null. */
  private static List<JsonNode> seen(Coordinator.GetOk ok) {
    List<JsonNode> values = new ArrayList<>(ok.values());
    if (ok.concurrentDelete()) {
      values.add(com.fasterxml.jackson.databind.node.NullNode.getInstance());
    }
    return values;
  }

  /** What a replica holds for a key, as {@link #seen} shows it. */
  private static List<JsonNode> held(DottedVersionVectorSet set) {
    if (set.deleted() || set.isEmpty()) {
      return List.of();
    }
    List<JsonNode> values = new ArrayList<>(set.values());
    if (set.siblings().stream().anyMatch(DottedVersionVectorSet.Sibling::tombstone)) {
      values.add(com.fasterxml.jackson.databind.node.NullNode.getInstance());
    }
    return values;
  }

  private <R> CompletionStage<Optional<R>> send(String via,
      java.util.function.Function<ActorRef<R>, Coordinator.Command> message) {
    return gate.ask(via, coordinatorOf(via), message, clientTimeout);
  }

  // --- faults ---

  @Override
  protected Node start(String node, int incarnation) {
    return new Node(kit.spawn(StorageReplica.create(keyspace, node, transport),
        keyspace.name() + "-replica-" + node + "-" + incarnation),
        kit.spawn(Coordinator.create(keyspace, ring, node, transport),
            keyspace.name() + "-coordinator-" + node + "-" + incarnation));
  }

  @Override
  protected List<ActorRef<?>> actors(Node node) {
    return List.of(node.replica(), node.coordinator());
  }

  private ActorRef<Coordinator.Command> coordinatorOf(String node) {
    Node n = running(node);
    return n == null ? null : n.coordinator();
  }

  private ActorRef<StorageReplica.Command> replicaOf(String node) {
    Node n = running(node);
    return n == null ? null : n.replica();
  }

  // --- settling ---

  @Override
  public Settled settle(Collection<String> keys, Duration within) {
    long deadline = System.nanoTime() + within.toNanos();
    Map<String, List<JsonNode>> finals = new LinkedHashMap<>();
    Map<String, Set<String>> holders = new LinkedHashMap<>();
    Map<String, Map<String, List<JsonNode>>> held = new LinkedHashMap<>();
    names.forEach(n -> held.put(n, new LinkedHashMap<>()));
    List<String> unsettled = new ArrayList<>();
    String reader = names.get(0);
    for (String key : keys) {
      holders.put(key, new LinkedHashSet<>(homes(key)));
      boolean settled = false;
      do {
        // r = n hears every home and repairs the stale ones before it answers (blocking read repair)
        Optional<Coordinator.GetReply> reply = Asks.askNow(kit.system(), coordinatorOf(reader),
            replyTo -> new Coordinator.Get(key, new Coordinator.Quorum(0, keyspace.n()), replyTo), clientTimeout);
        if (reply.orElse(null) instanceof Coordinator.GetOk ok) {
          finals.put(key, seen(ok));
          Map<String, DottedVersionVectorSet> sets = new LinkedHashMap<>();
          for (String home : homes(key)) {
            Asks.<StorageReplica.Command, StorageReplica.Fetched>askNow(kit.system(), replicaOf(home),
                replyTo -> new StorageReplica.Fetch(key, replyTo), Duration.ofSeconds(5))
                .ifPresent(f -> sets.put(home, f.set()));
          }
          settled = sets.size() == homes(key).size() && sets.values().stream().allMatch(
              s -> sets.values().stream().allMatch(s::descends));
          sets.forEach((home, set) -> held.get(home).put(key, held(set)));
        }
      } while (!settled && System.nanoTime() < deadline);
      if (!settled) {
        unsettled.add(key);
      }
    }
    return new Settled(finals, held, holders, unsettled.isEmpty()
        ? "every key read at r=" + keyspace.n() + " through " + reader + ", its homes repaired and equal"
        : "still unequal or unanswered at the deadline: " + unsettled);
  }

  /** Configures a {@link LeaderlessScenarioGroup}: five nodes, n = 3, w = 2, r = 2, siblings, strict quorum. */
  public static final class Builder {
    private final ActorTestKit kit;
    private int nodes = 5;
    private int n = 3;
    private int w = 2;
    private int r = 2;
    private boolean sloppy;
    private Keyspace.Conflicts conflicts = Keyspace.Conflicts.SIBLINGS;
    private Duration requestTimeout = Duration.ofMillis(400);
    private long seed = 1;

    private Builder(ActorTestKit kit) {
      this.kit = kit;
    }

    public Builder nodes(int nodes) {
      this.nodes = nodes;
      return this;
    }

    /** n, w and r of the keyspace (checked by {@link Keyspace}). */
    public Builder quorum(int n, int w, int r) {
      this.n = n;
      this.w = w;
      this.r = r;
      return this;
    }

    public Builder sloppyQuorum(boolean sloppy) {
      this.sloppy = sloppy;
      return this;
    }

    public Builder conflicts(Keyspace.Conflicts c) {
      this.conflicts = c;
      return this;
    }

    /** The coordinators' request timeout (default 400 ms); clients wait twice that and half a second more. */
    public Builder requestTimeout(Duration d) {
      this.requestTimeout = d;
      return this;
    }

    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    public LeaderlessScenarioGroup build() {
      if (nodes < n) {
        throw new IllegalArgumentException("a keyspace of n=" + n + " needs at least " + n + " nodes, was " + nodes);
      }
      return new LeaderlessScenarioGroup(this);
    }
  }
}
