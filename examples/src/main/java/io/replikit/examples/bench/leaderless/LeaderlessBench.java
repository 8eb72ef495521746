package io.replikit.examples.bench.leaderless;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Props;
import akka.actor.typed.javadsl.AskPattern;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.ddata.Key;
import akka.cluster.ddata.LWWMap;
import akka.cluster.ddata.LWWMapKey;
import akka.cluster.ddata.SelfUniqueAddress;
import akka.cluster.ddata.typed.javadsl.DistributedData;
import akka.cluster.ddata.typed.javadsl.Replicator;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.replikit.cluster.ReceptionistTransport;
import io.replikit.examples.bench.BenchReport;
import io.replikit.examples.bench.BenchSupport;
import io.replikit.leaderless.Coordinator;
import io.replikit.leaderless.Keyspace;
import io.replikit.leaderless.StorageReplica;
import io.replikit.leaderless.ring.Ring;
import io.replikit.leaderless.ring.RingMembership;
import io.replikit.persistence.ReplikitJournal;
import io.replikit.testkit.LoopbackCluster;
import io.replikit.versioning.VersionVector;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * {@code replikit bench leaderless}: N actor systems in one JVM on loopback Artery, one Akka Cluster; the same seeded
 * workload on Replikit's leaderless keyspace (a storage replica and a coordinator on every node, n = 3, w = 2, r = 2,
 * the ring from cluster membership) and on Akka Distributed Data (LWWMap buckets, WriteMajority / ReadMajority) on
 * the same nodes. Phases: load (K puts, one per key) and mixed (--ops requests over the K keys, a seeded share of
 * them gets). Figures never fail a run.
 */
public final class LeaderlessBench {
  public static final String REPLIKIT = "replikit";
  public static final String AKKA = "akka";
  public static final String JOURNAL_INMEM = "inmem";
  public static final String JOURNAL_H2 = "h2";
  private static final Duration ASK = Duration.ofSeconds(30);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private LeaderlessBench() {}

  /**
   * @param getShare share of the mixed phase that are gets (0..1)
   * @param akkaBuckets Distributed Data: the keys are spread over this many LWWMap top-level entries by hash
   * @param akkaTimeLimitSeconds Distributed Data: a phase still running after this long sends no more requests and
   *     is reported cut short, with the rate it had
   */
  public record Options(int nodes, int keys, int ops, int concurrency, List<String> systems, long seed,
      double getShare, String journal, int akkaBuckets, long akkaTimeLimitSeconds) {
    public Options {
      if (nodes < 3) {
        throw new IllegalArgumentException("--nodes must be at least 3 (n = 3 replicas per key), was " + nodes);
      }
      if (keys < 1) {
        throw new IllegalArgumentException("--keys must be at least 1, was " + keys);
      }
      if (ops < 0) {
        throw new IllegalArgumentException("--ops must be 0 or more, was " + ops);
      }
      if (concurrency < 1) {
        throw new IllegalArgumentException("--concurrency must be at least 1, was " + concurrency);
      }
      if (!(getShare >= 0 && getShare <= 1)) {
        throw new IllegalArgumentException("--get-share must be between 0 and 1, was " + getShare);
      }
      if (!JOURNAL_INMEM.equals(journal) && !JOURNAL_H2.equals(journal)) {
        throw new IllegalArgumentException("--journal must be inmem or h2, was '" + journal + "'");
      }
      if (akkaBuckets < 1) {
        throw new IllegalArgumentException("--akka-buckets must be at least 1, was " + akkaBuckets);
      }
      if (akkaTimeLimitSeconds < 1) {
        throw new IllegalArgumentException("--akka-time-limit-s must be at least 1, was " + akkaTimeLimitSeconds);
      }
      if (systems == null || systems.isEmpty()) {
        throw new IllegalArgumentException("--system selects no system");
      }
      systems = List.copyOf(systems);
    }

    /** replikit, akka or both. */
    public static List<String> systems(String value) {
      return switch (value.trim().toLowerCase(Locale.ROOT)) {
        case REPLIKIT -> List.of(REPLIKIT);
        case AKKA -> List.of(AKKA);
        case "both" -> List.of(REPLIKIT, AKKA);
        default -> throw new IllegalArgumentException("--system must be replikit, akka or both, was '" + value
            + "'");
      };
    }
  }

  /** One system's two phases, or why it did not run. */
  record SystemRun(String name, ClosedLoop.Result load, ClosedLoop.Result mixed, long getsMissing,
      Map<String, String> description) {}

  public static BenchReport run(Options o, PrintWriter progress) throws Exception {
    String runId = Long.toString(System.nanoTime(), 36);
    List<ActorSystem<Void>> systems = new ArrayList<>();
    Map<String, SystemRun> runs = new LinkedHashMap<>();
    try {
      for (int i = 1; i <= o.nodes(); i++) {
        systems.add(startNode(i, o.journal(), runId));
      }
      note(progress, "leaderless bench: %d nodes joining one cluster on loopback", o.nodes());
      LoopbackCluster.joinAndAwaitUp(systems, Duration.ofSeconds(60));
      Workload w = new Workload(o);
      for (String s : o.systems()) {
        runs.put(s, s.equals(REPLIKIT) ? runReplikit(o, systems, w, progress) : runAkka(o, systems, w, progress));
      }
    } finally {
      BenchSupport.stopAll(systems, progress);
    }
    return new Report(o, runs);
  }

  /** The seeded mixed phase: request i is a get or a put of key {@code key[i]}. */
  static final class Workload {
    final boolean[] isGet;
    final int[] key;

    Workload(Options o) {
      Random r = new Random(o.seed());
      isGet = new boolean[o.ops()];
      key = new int[o.ops()];
      for (int i = 0; i < o.ops(); i++) {
        isGet[i] = r.nextDouble() < o.getShare();
        key[i] = r.nextInt(o.keys());
      }
    }

    static String key(int k) {
      return "key-" + k;
    }
  }

  private static ActorSystem<Void> startNode(int i, String journal, String runId) {
    Config base = LoopbackCluster.nodeConfig("""
        akka.cluster.roles = ["replikit-node:n%d"]
        akka.loglevel = WARNING
        # every node is a system in this JVM: a few threads each, or N systems' default pools (8+ threads each)
        # and Artery's 4 inbound lanes fight over the machine's cores
        akka.actor.default-dispatcher.fork-join-executor { parallelism-min = 2, parallelism-max = 2 }
        akka.remote.artery.advanced { inbound-lanes = 1, outbound-lanes = 1 }
        """.formatted(i)).withFallback(ConfigFactory.load());
    Config config = JOURNAL_H2.equals(journal)
        ? ReplikitJournal.h2InMemory("ll-bench-" + runId + "-n" + i, base)
        : ConfigFactory.parseString("""
            akka.persistence.journal.plugin = "akka.persistence.journal.inmem"
            akka.persistence.snapshot-store.plugin = "akka.persistence.no-snapshot-store"
            """).withFallback(base);
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "replikit-ll-bench", config);
    if (JOURNAL_H2.equals(journal)) {
      ReplikitJournal.createSchemaBlocking(system, ASK);
    }
    return system;
  }

  private static SystemRun runReplikit(Options o, List<ActorSystem<Void>> systems, Workload w, PrintWriter progress)
      throws Exception {
    Keyspace ks = new Keyspace("bench", 3, 2, 2, REQUEST_TIMEOUT, Keyspace.Conflicts.LAST_WRITE_WINS,
        Keyspace.ReadRepair.BLOCKING);
    List<ActorRef<Coordinator.Command>> coordinators = new ArrayList<>();
    List<ActorRef<RingMembership.Command>> memberships = new ArrayList<>();
    for (int i = 0; i < systems.size(); i++) {
      ActorSystem<Void> s = systems.get(i);
      String id = "n" + (i + 1);
      s.systemActorOf(StorageReplica.create(ks, id, ReceptionistTransport.create(s, ks.name())), "ll-replica",
          Props.empty());
      memberships.add(s.systemActorOf(RingMembership.create(RingMembership.Settings.fromConfig(
          s.settings().config())), "ll-ring", Props.empty()));
    }
    for (int i = 0; i < systems.size(); i++) {
      ActorSystem<Void> s = systems.get(i);
      Ring ring = awaitRing(s, memberships.get(i), systems.size());
      ActorRef<Coordinator.Command> c = s.systemActorOf(Coordinator.create(ks, ring, "n" + (i + 1),
          ReceptionistTransport.create(s, ks.name())), "ll-coordinator", Props.empty());
      memberships.get(i).tell(new RingMembership.Register(c));
      coordinators.add(c);
    }
    for (int i = 0; i < systems.size(); i++) {
      awaitReplikitReady(systems.get(i), coordinators.get(i));
    }
    note(progress, "replikit: ring of %d nodes from cluster membership; loading %d keys", systems.size(), o.keys());
    ActorSystem<Void> driver = systems.get(0);
    long[] missing = {0};
    ClosedLoop.Result load = ClosedLoop.run(o.keys(), o.concurrency(), Long.MAX_VALUE, i -> false,
        i -> replikitPut(driver, coordinators.get(i % coordinators.size()), Workload.key(i), "v" + i), progress,
        "replikit load");
    note(progress, "replikit: load %d puts in %.1f s; mixed %d requests", load.completed(), load.seconds(), o.ops());
    ClosedLoop.Result mixed = ClosedLoop.run(o.ops(), o.concurrency(), Long.MAX_VALUE, i -> w.isGet[i], i -> {
      ActorRef<Coordinator.Command> c = coordinators.get(i % coordinators.size());
      String key = Workload.key(w.key[i]);
      if (!w.isGet[i]) {
        return replikitPut(driver, c, key, "m" + i);
      }
      return ClosedLoop.plain(AskPattern.<Coordinator.Command, Coordinator.GetReply>ask(c,
          r -> new Coordinator.Get(key, Coordinator.Quorum.DEFAULT, r), ASK, driver.scheduler()))
          .thenApply(reply -> {
            if (reply instanceof Coordinator.GetOk ok) {
              if (ok.values().isEmpty()) {
                synchronized (missing) {
                  missing[0]++;
                }
              }
              return true;
            }
            return false;
          });
    }, progress, "replikit mixed");
    Map<String, String> d = new LinkedHashMap<>();
    d.put("what", "Replikit leaderless keyspace: a StorageReplica and a Coordinator on every node, n = 3, w = 2, "
        + "r = 2, conflicts last-write-wins (the same rule as LWWMap), read repair blocking; the ring (64 vnodes per "
        + "node) comes from Akka Cluster membership (RingMembership); replicas talk through the Receptionist "
        + "(ReceptionistTransport) over Artery");
    d.put("key_mapping", "one entry per key in each of its 3 replicas' state (a dotted version vector set per key)");
    d.put("journal", JOURNAL_H2.equals(o.journal())
        ? "h2: akka-persistence-jdbc 5.1.0 on an in-memory H2 database per node; every write is persisted on every "
            + "replica that stores it"
        : "inmem: Akka's in-memory journal (akka.persistence.journal.inmem) per node, no snapshots; every write is "
            + "persisted (an event per write) on every replica that stores it; nothing survives the JVM");
    d.put("put", "Coordinator.Put (blind, empty context) answered PutOk once 2 of the key's 3 replicas persisted it");
    d.put("get", "Coordinator.Get answered GetOk once 2 of the key's 3 replicas answered");
    return new SystemRun(REPLIKIT, load, mixed, missing[0], d);
  }

  private static CompletionStage<Boolean> replikitPut(ActorSystem<Void> driver, ActorRef<Coordinator.Command> c,
      String key, String value) {
    return ClosedLoop.plain(AskPattern.<Coordinator.Command, Coordinator.PutReply>ask(c, r -> new Coordinator.Put(key,
        JSON.textNode(value), VersionVector.empty(), Coordinator.Quorum.DEFAULT, r), ASK, driver.scheduler()))
        .thenApply(reply -> reply instanceof Coordinator.PutOk);
  }

  private static Ring awaitRing(ActorSystem<Void> s, ActorRef<RingMembership.Command> membership, int size)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      RingMembership.CurrentRing cur = AskPattern.<RingMembership.Command, RingMembership.CurrentRing>ask(
          membership, RingMembership.GetRing::new, ASK, s.scheduler()).toCompletableFuture().get(30, TimeUnit.SECONDS);
      if (cur.ring().isPresent() && cur.ring().get().nodes().size() == size) {
        return cur.ring().get();
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the ring from cluster membership did not reach " + size + " nodes in 30 s: "
            + cur.ring());
      }
      TimeUnit.MILLISECONDS.sleep(50);
    }
  }

  /** Until the Receptionist listed every replica on this node, a quorum may be short: reads tell when it is not. */
  private static void awaitReplikitReady(ActorSystem<Void> s, ActorRef<Coordinator.Command> c) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      boolean all = true;
      for (int k = 0; k < 32 && all; k++) {
        String key = "ready-" + k;
        Coordinator.GetReply reply = AskPattern.<Coordinator.Command, Coordinator.GetReply>ask(c,
            r -> new Coordinator.Get(key, new Coordinator.Quorum(0, 3), r), ASK, s.scheduler())
            .toCompletableFuture().get(30, TimeUnit.SECONDS);
        all = reply instanceof Coordinator.GetOk;
      }
      if (all) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("replikit: a coordinator could not reach all 3 replicas of a key in 60 s");
      }
    }
  }

  private static SystemRun runAkka(Options o, List<ActorSystem<Void>> systems, Workload w, PrintWriter progress)
      throws Exception {
    List<ActorRef<Replicator.Command>> replicators = new ArrayList<>();
    List<SelfUniqueAddress> selves = new ArrayList<>();
    for (ActorSystem<Void> s : systems) {
      replicators.add(DistributedData.get(s).replicator());
      selves.add(DistributedData.get(s).selfUniqueAddress());
    }
    List<Key<LWWMap<String, String>>> buckets = new ArrayList<>(o.akkaBuckets());
    for (int b = 0; b < o.akkaBuckets(); b++) {
      buckets.add(LWWMapKey.create("ll-bench-" + b));
    }
    ActorSystem<Void> driver = systems.get(0);
    Replicator.WriteConsistency write = new Replicator.WriteMajority(REQUEST_TIMEOUT);
    Replicator.ReadConsistency read = new Replicator.ReadMajority(REQUEST_TIMEOUT);
    long[] missing = {0};
    long limit = TimeUnit.SECONDS.toNanos(o.akkaTimeLimitSeconds());
    note(progress, "akka distributed data: %d LWWMap buckets; loading %d keys", o.akkaBuckets(), o.keys());
    ClosedLoop.Result load = ClosedLoop.run(o.keys(), o.concurrency(), System.nanoTime() + limit, i -> false, i -> {
      int node = i % systems.size();
      return akkaPut(driver, replicators.get(node), selves.get(node), buckets, write, Workload.key(i), "v" + i);
    }, progress, "akka load");
    note(progress, "akka: load %d puts in %.1f s%s; mixed %d requests", load.completed(), load.seconds(),
        load.cutShort() ? " (cut short at the time limit)" : "", o.ops());
    ClosedLoop.Result mixed = ClosedLoop.run(o.ops(), o.concurrency(), System.nanoTime() + limit, i -> w.isGet[i],
        i -> {
          int node = i % systems.size();
          String key = Workload.key(w.key[i]);
          if (!w.isGet[i]) {
            return akkaPut(driver, replicators.get(node), selves.get(node), buckets, write, key, "m" + i);
          }
          Key<LWWMap<String, String>> bucket = buckets.get(bucket(key, buckets.size()));
          return ClosedLoop.plain(AskPattern.<Replicator.Command, Replicator.GetResponse<LWWMap<String, String>>>ask(
              replicators.get(node), r -> new Replicator.Get<>(bucket, read, r), ASK, driver.scheduler()))
              .thenApply(reply -> {
                if (reply instanceof Replicator.GetSuccess<LWWMap<String, String>> ok) {
                  if (ok.dataValue().get(key).isEmpty()) {
                    synchronized (missing) {
                      missing[0]++;
                    }
                  }
                  return true;
                }
                if (reply instanceof Replicator.NotFound) {
                  synchronized (missing) {
                    missing[0]++;
                  }
                  return true;
                }
                return false;
              });
        });
    Map<String, String> d = new LinkedHashMap<>();
    d.put("what", "Akka Distributed Data 2.6.21 (typed Replicator on every node), LWWMap<String, String>, "
        + "Update with WriteMajority and Get with ReadMajority (2 of 3 nodes), default distributed-data settings "
        + "(delta-crdt on, gossip every 2 s)");
    d.put("key_mapping", "key -> one of " + o.akkaBuckets() + " LWWMap top-level entries by floorMod(key.hashCode(), "
        + o.akkaBuckets() + "), about " + Math.max(1, o.keys() / o.akkaBuckets()) + " keys per map");
    d.put("key_mapping_why", "Distributed Data documents about 100,000 top-level entries as its limit and sends a "
        + "whole top-level entry on ReadMajority (and on gossip), so one LWWRegister per key does not scale past "
        + "that, and one map for all keys makes every read ship every key; hashing keys into a fixed number of "
        + "maps (--akka-buckets) keeps both the number of entries and the size of each small, as Akka's docs "
        + "advise for large key spaces");
    d.put("journal", "none: Distributed Data keeps its state in memory (durable storage not enabled); nothing is "
        + "persisted and nothing survives the JVM");
    d.put("put", "Replicator.Update (LWWMap.put) answered UpdateSuccess once a majority of nodes had it");
    d.put("get", "Replicator.Get answered GetSuccess (or NotFound) once a majority of nodes answered");
    return new SystemRun(AKKA, load, mixed, missing[0], d);
  }

  private static int bucket(String key, int buckets) {
    return Math.floorMod(key.hashCode(), buckets);
  }

  private static CompletionStage<Boolean> akkaPut(ActorSystem<Void> driver, ActorRef<Replicator.Command> replicator,
      SelfUniqueAddress self, List<Key<LWWMap<String, String>>> buckets, Replicator.WriteConsistency write,
      String key, String value) {
    Key<LWWMap<String, String>> bucket = buckets.get(bucket(key, buckets.size()));
    return ClosedLoop.plain(AskPattern.<Replicator.Command, Replicator.UpdateResponse<LWWMap<String, String>>>ask(replicator,
        r -> new Replicator.Update<>(bucket, LWWMap.create(), write, r, m -> m.put(self, key, value)), ASK,
        driver.scheduler()))
        .thenApply(reply -> reply instanceof Replicator.UpdateSuccess);
  }

  static void note(PrintWriter progress, String format, Object... args) {
    progress.printf(Locale.ROOT, format + "%n", args);
    progress.flush();
  }

  /** The figures of one run. */
  static final class Report implements BenchReport {
    final Options o;
    final Map<String, SystemRun> runs;

    Report(Options o, Map<String, SystemRun> runs) {
      this.o = o;
      this.runs = runs;
    }

    @Override
    public ObjectNode toJson() {
      ObjectNode root = JSON.objectNode();
      root.put("bench", "leaderless");
      root.put("nodes", o.nodes());
      root.put("keys", o.keys());
      root.put("ops", o.ops());
      root.put("concurrency", o.concurrency());
      root.put("get_share", o.getShare());
      root.put("seed", o.seed());
      root.put("journal", o.journal());
      root.put("n", 3).put("w", 2).put("r", 2);
      ObjectNode m = root.putObject("machine");
      m.put("cores", Runtime.getRuntime().availableProcessors());
      m.put("max_heap_mb", Runtime.getRuntime().maxMemory() / (1024 * 1024));
      m.put("java", System.getProperty("java.version"));
      m.put("setup", "all nodes are actor systems in this one JVM, on loopback Artery TCP; the client asks the "
          + "node's coordinator (or replicator) in turn, closed loop with --concurrency requests outstanding");
      ObjectNode systems = root.putObject("systems");
      runs.forEach((name, run) -> systems.set(name, systemJson(run)));
      SystemRun rk = runs.get(REPLIKIT);
      SystemRun ak = runs.get(AKKA);
      if (rk != null && ak != null) {
        ObjectNode ratio = root.putObject("replikit_over_akka");
        ratio.put("load_puts_per_s", ratioOf(rate(rk.load(), true), rate(ak.load(), true)));
        ratio.put("mixed_puts_per_s", ratioOf(rate(rk.mixed(), true), rate(ak.mixed(), true)));
        ratio.put("mixed_gets_per_s", ratioOf(rate(rk.mixed(), false), rate(ak.mixed(), false)));
      }
      return root;
    }

    private static Double ratioOf(double a, double b) {
      return b > 0 ? round(a / b) : null;
    }

    private static ObjectNode systemJson(SystemRun run) {
      ObjectNode s = JSON.objectNode();
      s.set("load", phaseJson(run.load()));
      s.set("mixed", phaseJson(run.mixed()));
      s.put("gets_of_loaded_keys_not_found", run.getsMissing());
      if (run.load().cutShort()) {
        s.put("not_run", "too slow: the load phase hit --akka-time-limit-s after " + run.load().completed() + " of "
            + "the puts; its figures are what it measured until then");
      }
      ObjectNode d = s.putObject("description");
      run.description().forEach(d::put);
      return s;
    }

    private static ObjectNode phaseJson(ClosedLoop.Result r) {
      ObjectNode p = JSON.objectNode();
      p.put("puts", r.puts().getTotalCount());
      p.put("gets", r.gets().getTotalCount());
      p.put("seconds", round(r.seconds()));
      p.put("puts_per_s", round(rate(r, true)));
      p.put("gets_per_s", round(rate(r, false)));
      p.put("put_p50_ms", round(ms(r.puts(), 50)));
      p.put("put_p99_ms", round(ms(r.puts(), 99)));
      p.put("get_p50_ms", round(ms(r.gets(), 50)));
      p.put("get_p99_ms", round(ms(r.gets(), 99)));
      p.put("failed_puts", r.failedPuts());
      p.put("failed_gets", r.failedGets());
      if (r.firstFailure() != null) {
        p.put("first_failure", r.firstFailure());
      }
      p.put("cut_short", r.cutShort());
      return p;
    }

    /** Requests of one kind completed per second of the phase (a mixed phase shares its seconds). */
    static double rate(ClosedLoop.Result r, boolean puts) {
      long n = (puts ? r.puts() : r.gets()).getTotalCount();
      return r.seconds() > 0 ? n / r.seconds() : 0;
    }

    static double ms(Histogram h, double pct) {
      return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(pct) / 1000.0;
    }

    static double round(double v) {
      return Math.round(v * 1000) / 1000.0;
    }

    @Override
    public void printTable(PrintWriter out) {
      out.printf(Locale.ROOT, "leaderless bench: %d nodes, %d keys, %d mixed requests (%.0f%% gets), concurrency %d,"
          + " n=3 w=2 r=2, journal %s%n", o.nodes(), o.keys(), o.ops(), o.getShare() * 100, o.concurrency(),
          o.journal());
      out.printf(Locale.ROOT, "%-9s %-6s %10s %10s %9s %9s %9s %9s %7s%n", "system", "phase", "puts/s", "gets/s",
          "put p50", "put p99", "get p50", "get p99", "failed");
      runs.forEach((name, run) -> {
        for (ClosedLoop.Result r : List.of(run.load(), run.mixed())) {
          out.printf(Locale.ROOT, "%-9s %-6s %10.0f %10.0f %9.2f %9.2f %9.2f %9.2f %7d%s%n", name,
              r == run.load() ? "load" : "mixed", rate(r, true), rate(r, false), ms(r.puts(), 50), ms(r.puts(), 99),
              ms(r.gets(), 50), ms(r.gets(), 99), r.failedPuts() + r.failedGets(), r.cutShort() ? " cut short" : "");
        }
        out.printf(Locale.ROOT, "  %s: %s%n  %s%n", name, run.description().get("key_mapping"),
            run.description().get("journal"));
      });
      out.println("latencies in ms; see --json for the full description");
    }
  }
}
