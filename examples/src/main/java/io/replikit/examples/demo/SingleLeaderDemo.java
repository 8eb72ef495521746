package io.replikit.examples.demo;

import akka.actor.typed.ActorSystem;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.replikit.examples.support.Poll;
import io.replikit.examples.support.ReplicaHost;
import io.replikit.examples.support.RunningGroup;
import io.replikit.examples.support.WriteLoad;
import io.replikit.persistence.ReplikitJournal;
import io.replikit.replication.LogEntry;
import io.replikit.replication.ReplicaId;
import io.replikit.singleleader.AckPolicy;
import io.replikit.singleleader.Replica;
import io.replikit.singleleader.ReplicaGroupSpec;
import io.replikit.singleleader.ReplicaObserver;
import io.replikit.singleleader.ReplicaStatus;
import io.replikit.singleleader.SingleLeaderSettings;
import io.replikit.testkit.FaultyTransport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * The {@code replikit demo} run: a leader and three followers on the embedded H2 journal, narrated step by step.
 * Writes (JSON documents, compare-and-set, delete), reads from every replica with their lag, a follower stopped
 * and caught up, a new follower set up by snapshot while writes go on, the synchronous follower cut off so that
 * another is promoted, and a summary. Every wait is bounded; a step that does not happen in time fails the run.
 */
public final class SingleLeaderDemo {

  /** One replica in the final summary. */
  public record Row(String replica, String role, String syncState, long appliedPosition, int keys,
      long lagEntries, long lagMillis) {}

  /** What the run ended with: every replica's row, the leader first. */
  public record Result(String groupId, long leaderPosition, List<Row> rows, Path journalDirectory) {}

  private static final Duration STEP_TIMEOUT = Duration.ofSeconds(20);
  private static final ReplicaId L = ReplicaId.of("L");
  private static final ReplicaId F1 = ReplicaId.of("f1");
  private static final ReplicaId F2 = ReplicaId.of("f2");
  private static final ReplicaId F3 = ReplicaId.of("f3");
  private static final ReplicaId F4 = ReplicaId.of("f4");
  /** Products loaded in step 2: more than one replication window (1024 entries), so f4 joins by snapshot. */
  private static final int PRODUCTS = 1500;

  private final Path dataDir;
  private final PrintWriter out;
  private final ObjectMapper mapper = new ObjectMapper();
  private final Observer observer = new Observer();
  private final long startNanos = System.nanoTime();

  private SingleLeaderDemo(Path dataDir, PrintWriter out) {
    this.dataDir = dataDir;
    this.out = out;
  }

  /** Runs the demo with its H2 journal file in {@code dataDir}, narrating to {@code out}. */
  public static Result run(Path dataDir, PrintWriter out) {
    return new SingleLeaderDemo(dataDir.toAbsolutePath().normalize(), out).run();
  }

  /** Sees what the operator of a real group would see in its metrics: snapshot installs and sync changes. */
  private static final class Observer implements ReplicaObserver {
    final Map<ReplicaId, CompletableFuture<Long>> snapshots = new ConcurrentHashMap<>();
    final List<String> syncChanges = new CopyOnWriteArrayList<>();
    final Map<ReplicaId, AtomicInteger> applied = new ConcurrentHashMap<>();

    CompletableFuture<Long> snapshotOf(ReplicaId id) {
      return snapshots.computeIfAbsent(id, i -> new CompletableFuture<>());
    }

    @Override
    public void onSnapshotInstalled(ReplicaId replica, long position) {
      snapshotOf(replica).complete(position);
    }

    @Override
    public void onSyncChange(ReplicaId leader, String description) {
      syncChanges.add(description);
    }

    @Override
    public void onApplied(ReplicaId replica, LogEntry entry) {
      applied.computeIfAbsent(replica, r -> new AtomicInteger()).incrementAndGet();
    }
  }

  static Config config(Path dataDir) {
    // The demo's group policy is set here, as a user would in application.conf. The standby timeout is shorter
    // than the 2 s default so that step 6 shows the promotion without a long pause.
    Config base = ConfigFactory.parseString("""
        replikit.single-leader {
          ack-policy = "semi-sync"
          sync-standby-count = 1
          sync-standby-method = "first"
          ack-level = "persisted"
          sync-standby-timeout = 1s
        }
        """).withFallback(ConfigFactory.load());
    return ReplikitJournal.h2File(dataDir, base);
  }

  private Result run() {
    String groupId = "demo-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS"));
    Config config = config(dataDir);
    ActorSystem<ReplicaHost.Command> system = ActorSystem.create(ReplicaHost.create(), "replikit-demo", config);
    ExecutorService writerThread = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "demo-writer");
      t.setDaemon(true);
      return t;
    });
    FaultyTransport transport = new FaultyTransport(1L, FaultyTransport.Faults.NONE);
    RunningGroup group = null;
    try {
      ReplikitJournal.createSchemaBlocking(system, Duration.ofSeconds(30));
      SingleLeaderSettings settings = SingleLeaderSettings.fromConfig(system.settings().config());
      group = new RunningGroup(system, ReplicaGroupSpec.of(groupId, "L", "f1", "f2", "f3"), settings, transport,
          observer);
      start(group, settings);
      writes(group);
      reads(group, writerThread);
      stopAndRestart(group, writerThread);
      join(group, writerThread);
      cutOff(group, transport);
      return summary(group);
    } finally {
      writerThread.shutdownNow();
      if (group != null) {
        try {
          group.stopAll();
        } catch (RuntimeException e) {
          out.println("(could not stop every replica cleanly: " + e.getMessage() + ")");
        }
      }
      transport.close();
      system.terminate();
      try {
        system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        out.println("(the actor system did not shut down within 30 s: " + e + ")");
      }
    }
  }

  // --- steps ---

  private void start(RunningGroup group, SingleLeaderSettings settings) {
    heading("1. A group of four: leader L, followers f1, f2, f3");
    out.println("group id:  " + group.spec().groupId() + " (new for every run, so old journal contents never clash)");
    out.println("journal:   H2 file " + dataDir.resolve("replikit.mv.db"));
    out.println("policy:    " + settings.ackPolicy() + " at level " + lower(settings.ackLevel().name())
        + ": a write is acknowledged once the leader and the first");
    out.println("           healthy follower in priority order f1, f2, f3 hold it in their journals");
    long t0 = System.nanoTime();
    group.startAll();
    Poll.until(STEP_TIMEOUT, "f1 is the synchronous follower and every follower streams", () -> {
      List<ReplicaStatus.FollowerStatus> fs = group.status(L).followers();
      return fs.size() == 3 && fs.stream().allMatch(f -> f.state().equals("streaming"))
          && syncState(fs, F1).equals("sync");
    });
    out.println("started in " + seconds(System.nanoTime() - t0) + "; the leader sees " + describeFollowers(group));
  }

  private void writes(RunningGroup group) {
    heading("2. Writes to the leader");
    put(group, "users/alice", """
        {"name": "Alice", "email": "alice@example.com", "roles": ["admin"]}""");
    put(group, "users/bob", """
        {"name": "Bob", "email": "bob@example.com", "roles": []}""");
    put(group, "orders/1001", """
        {"customer": "users/alice", "items": [{"sku": "P-0001", "qty": 2}], "total": 39.80}""");
    long cartVersion = put(group, "carts/alice", """
        {"items": ["P-0002"]}""");

    Replica.Found alice = (Replica.Found) group.get(L, "users/alice");
    JsonNode promoted = parse("""
        {"name": "Alice", "email": "alice@example.com", "roles": ["admin", "auditor"]}""");
    Replica.WriteReply cas = group.putIfVersion("users/alice", promoted, alice.version());
    out.printf("conditional put users/alice if version %d -> %s%n", alice.version(), describe(cas));
    Replica.WriteReply stale = group.putIfVersion("users/alice", parse("""
        {"name": "Alice", "roles": []}"""), alice.version());
    out.printf("conditional put users/alice if version %d -> %s%n", alice.version(), describe(stale));
    if (!(cas instanceof Replica.Written) || !(stale instanceof Replica.VersionConflict)) {
      throw new IllegalStateException("compare-and-set did not behave: " + cas + ", then " + stale);
    }
    Replica.WriteReply deleted = group.delete("carts/alice");
    out.printf("delete carts/alice (was version %d) -> %s%n", cartVersion, describe(deleted));
  }

  private void reads(RunningGroup group, ExecutorService writerThread) {
    heading("3. Reads of users/alice from every replica, in the middle of a bulk import");
    long importFrom = group.status(L).lastPosition();
    long t0 = System.nanoTime();
    // the import runs on its own thread so that the reads below see replicas while entries stream to them
    Future<WriteLoad.Outcome> importing = writerThread.submit(() -> WriteLoad.run(PRODUCTS, () -> false, 32, 0,
        i -> group.putAsync(String.format(Locale.ROOT, "products/P-%04d", i), product(i)), nanos -> {}));
    Poll.until(STEP_TIMEOUT, "the import is half done", () -> group.status(L).lastPosition() > importFrom
        + PRODUCTS / 2);
    // every read is sent before any answer is awaited, so that they show one moment of the group
    Map<ReplicaId, CompletionStage<Replica.ReadReply>> reads = new LinkedHashMap<>();
    for (ReplicaId id : List.of(F1, F2, F3, L)) {
      reads.put(id, group.getAsync(id, "users/alice"));
    }
    ReplicaStatus leader = group.status(L);
    Replica.ReadReply atLeader = RunningGroup.await(reads.get(L), "reading from L");
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"replica", "sync state", "state", "version read", "applied", "lag entries", "lag ms"});
    rows.add(new String[] {"L", "leader", "-", versionOf(atLeader), Long.toString(positionOf(atLeader)), "-", "-"});
    for (ReplicaId f : List.of(F1, F2, F3)) {
      Replica.ReadReply r = RunningGroup.await(reads.get(f), "reading from " + f);
      ReplicaStatus.FollowerStatus view = find(leader.followers(), f);
      rows.add(new String[] {f.value(), view.syncState(), view.state(), versionOf(r), Long.toString(positionOf(r)),
          Long.toString(view.lagEntries()), Long.toString(view.lagMillis())});
    }
    if (atLeader instanceof Replica.Found found) {
      out.println("users/alice on the leader = " + found.value());
    }
    table(rows);
    out.println("(applied: the position of the replica when it answered; lag: the leader's view of each follower");
    out.println(" right after the reads: entries not yet applied there, and the age of the oldest of them.)");
    out.println("f1 is synchronous: it held every write before the leader acknowledged it. f2 and f3 are");
    out.println("asynchronous: during a burst they may trail further, and a read there may return a stale version.");
    WriteLoad.Outcome load = get(importing);
    requireAllWritten("the product import", load);
    out.printf("import finished: %d product documents with 32 writes in flight in %s (%.0f writes/s); the leader "
        + "is at position %d%n", load.written(), seconds(System.nanoTime() - t0), load.writtenPerSecond(),
        group.status(L).lastPosition());
  }

  private void stopAndRestart(RunningGroup group, ExecutorService writerThread) {
    heading("4. Follower f2 stops; writes go on; f2 restarts and catches up");
    long before = group.status(F2).appliedPosition();
    group.stop(F2);
    out.println("f2 stopped at position " + before);
    AtomicBoolean stop = new AtomicBoolean();
    Future<WriteLoad.Outcome> writer = background(writerThread, group, stop, 4);
    // writes go on until the leader's failure detector (sync-standby-timeout) calls f2 silent
    boolean silent = Poll.within(STEP_TIMEOUT, () -> group.followerView(F2).map(v -> v.state().equals("silent"))
        .orElse(false));
    stop.set(true);
    WriteLoad.Outcome outcome = get(writer);
    requireAllWritten("the writes while f2 was down", outcome);
    ReplicaStatus.FollowerStatus view = group.followerView(F2).orElseThrow();
    out.printf("%d writes while f2 was down; the leader is at %d and sees f2 %s, %d entries behind (oldest "
        + "missing entry written %d ms ago)%n", outcome.written(), group.status(L).lastPosition(),
        silent ? "silent" : view.state(), view.lagEntries(), view.lagMillis());
    long t0 = System.nanoTime();
    group.start(F2);
    long recovered = group.status(F2).appliedPosition();
    Poll.until(STEP_TIMEOUT, "f2 caught up", () -> group.caughtUp(F2));
    out.printf("f2 restarted: recovered position %d from its own journal, then caught up from the leader's log "
        + "to %d in %s%n", recovered, group.status(F2).appliedPosition(), seconds(System.nanoTime() - t0));
  }

  private void join(RunningGroup group, ExecutorService writerThread) {
    heading("5. A new follower f4 joins while a writer keeps writing");
    AtomicBoolean stop = new AtomicBoolean();
    Future<WriteLoad.Outcome> writer = background(writerThread, group, stop, 8);
    long leaderAtJoin = group.status(L).lastPosition();
    out.println("f4 is not in the group's spec: it joins as an asynchronous follower of lowest priority");
    out.println("the leader's log (" + leaderAtJoin + " entries) is longer than one replication window, so f4 is set "
        + "up from a snapshot of the leader's store and then catches up from the snapshot's position");
    long t0 = System.nanoTime();
    group.start(F4);
    long snapshotAt = get(observer.snapshotOf(F4), "f4 installing a snapshot");
    long installedAfter = System.nanoTime() - t0;
    int afterSnapshot = appliedCount(F4);
    // keep writing a little longer, so that f4 streams live entries after its snapshot, as a real joiner does
    Poll.until(STEP_TIMEOUT, "f4 applying live entries after its snapshot", () -> appliedCount(F4) > afterSnapshot
        + 100);
    stop.set(true);
    WriteLoad.Outcome outcome = get(writer);
    requireAllWritten("the writes while f4 joined", outcome);
    Poll.until(STEP_TIMEOUT, "f4 caught up", () -> group.caughtUp(F4));
    ReplicaStatus f4 = group.status(F4);
    out.printf("f4 installed a snapshot taken at position %d, %s after it started (the leader was at %d when it "
        + "started)%n", snapshotAt, seconds(installedAfter), leaderAtJoin);
    out.printf("the writer went on meanwhile (%d writes); f4 applied %d entries after the snapshot and is at %d, "
        + "with %d keys, like the leader%n", outcome.written(), appliedCount(F4), f4.appliedPosition(), f4.keys());
  }

  private void cutOff(RunningGroup group, FaultyTransport transport) {
    heading("6. The synchronous follower f1 is cut off from the network");
    int changesBefore = observer.syncChanges.size();
    transport.isolate(F1, Set.of(L, F2, F3, F4));
    out.println("f1 can no longer reach L, f2, f3 or f4, nor they it");
    long t0 = System.nanoTime();
    Replica.WriteReply first = group.put("status/cutover", parse("{\"step\": 6, \"n\": 1}"));
    long firstNanos = System.nanoTime() - t0;
    out.printf("a write -> %s after %s: the leader waited for f1 until sync-standby-timeout, then promoted%n",
        describe(first), seconds(firstNanos));
    for (String change : observer.syncChanges.subList(changesBefore, observer.syncChanges.size())) {
      out.println("  leader: " + change);
    }
    t0 = System.nanoTime();
    Replica.WriteReply second = group.put("status/cutover", parse("{\"step\": 6, \"n\": 2}"));
    out.printf("the next write -> %s after %s; the leader sees %s%n", describe(second),
        seconds(System.nanoTime() - t0), describeFollowers(group));
    transport.heal();
    t0 = System.nanoTime();
    Poll.until(STEP_TIMEOUT, "f1 caught up and synchronous again", () -> group.caughtUp(F1)
        && syncState(group.status(L).followers(), F1).equals("sync"));
    out.printf("network healed: f1 caught up and, first in priority order, is synchronous again after %s%n",
        seconds(System.nanoTime() - t0));
  }

  private Result summary(RunningGroup group) {
    heading("7. Summary");
    Poll.until(STEP_TIMEOUT, "every replica caught up", group::allCaughtUp);
    ReplicaStatus leader = group.status(L);
    List<Row> rows = new ArrayList<>();
    rows.add(new Row("L", "leader", "-", leader.appliedPosition(), leader.keys(), 0, 0));
    for (ReplicaId f : List.of(F1, F2, F3, F4)) {
      ReplicaStatus s = group.status(f);
      ReplicaStatus.FollowerStatus view = find(leader.followers(), f);
      rows.add(new Row(f.value(), s.role(), view.syncState(), s.appliedPosition(), s.keys(), view.lagEntries(),
          view.lagMillis()));
    }
    List<String[]> cells = new ArrayList<>();
    cells.add(new String[] {"replica", "role", "sync state", "applied", "keys", "lag entries", "lag ms"});
    for (Row r : rows) {
      cells.add(new String[] {r.replica(), r.role(), r.syncState(), Long.toString(r.appliedPosition()),
          Integer.toString(r.keys()), r.role().equals("leader") ? "-" : Long.toString(r.lagEntries()),
          r.role().equals("leader") ? "-" : Long.toString(r.lagMillis())});
    }
    table(cells);
    out.printf("every replica is at the leader's position %d. Finished in %s; the journal stays in %s%n",
        leader.lastPosition(), seconds(System.nanoTime() - startNanos), dataDir);
    return new Result(group.spec().groupId(), leader.lastPosition(), rows, dataDir);
  }

  // --- helpers ---

  private Future<WriteLoad.Outcome> background(ExecutorService thread, RunningGroup group, AtomicBoolean stop,
      int concurrency) {
    AtomicInteger seq = new AtomicInteger();
    // paced, so that the writer does not starve the replicas it is there to show, on a small machine
    return thread.submit(() -> WriteLoad.run(Integer.MAX_VALUE, stop::get, concurrency, 1000,
        i -> group.putAsync("events/" + (seq.getAndIncrement() % 500), event(i)), nanos -> {}));
  }

  private long put(RunningGroup group, String key, String json) {
    JsonNode value = parse(json);
    Replica.WriteReply reply = group.put(key, value);
    out.printf("put %-12s %s -> %s%n", key, value, describe(reply));
    if (reply instanceof Replica.Written w) {
      return w.version();
    }
    throw new IllegalStateException("write of " + key + " failed: " + reply);
  }

  private JsonNode parse(String json) {
    try {
      return mapper.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("bad JSON in the demo: " + json, e);
    }
  }

  private ObjectNode product(int i) {
    ObjectNode p = mapper.createObjectNode();
    p.put("sku", String.format(Locale.ROOT, "P-%04d", i));
    p.put("name", "Product " + i);
    p.put("price", 5 + (i % 40) * 0.5);
    p.put("stock", i % 17);
    return p;
  }

  private ObjectNode event(int i) {
    ObjectNode e = mapper.createObjectNode();
    e.put("seq", i);
    e.put("at", System.currentTimeMillis());
    return e;
  }

  private static String describe(Replica.WriteReply reply) {
    if (reply instanceof Replica.Written w) {
      return "written at version " + w.version();
    } else if (reply instanceof Replica.VersionConflict c) {
      return "refused: version conflict (expected " + c.expectedVersion() + ", the key is at " + c.actualVersion()
          + "); nothing was logged";
    } else if (reply instanceof Replica.NotConfirmed n) {
      return "logged at " + n.version() + " but not confirmed: " + n.reason();
    }
    return String.valueOf(reply);
  }

  private static String versionOf(Replica.ReadReply r) {
    if (r instanceof Replica.Found f) {
      return Long.toString(f.version());
    }
    return r instanceof Replica.NotFound ? "absent" : String.valueOf(r);
  }

  private static long positionOf(Replica.ReadReply r) {
    if (r instanceof Replica.Found f) {
      return f.appliedPosition();
    }
    return r instanceof Replica.NotFound n ? n.appliedPosition() : -1;
  }

  private static ReplicaStatus.FollowerStatus find(List<ReplicaStatus.FollowerStatus> fs, ReplicaId id) {
    return fs.stream().filter(f -> f.id().equals(id)).findFirst()
        .orElseThrow(() -> new IllegalStateException("the leader does not list follower " + id));
  }

  private static String syncState(List<ReplicaStatus.FollowerStatus> fs, ReplicaId id) {
    Optional<ReplicaStatus.FollowerStatus> f = fs.stream().filter(x -> x.id().equals(id)).findFirst();
    return f.map(ReplicaStatus.FollowerStatus::syncState).orElse("unknown");
  }

  private static String describeFollowers(RunningGroup group) {
    return group.status(L).followers().stream()
        .map(f -> f.id() + " " + f.syncState() + (f.state().equals("streaming") ? "" : " (" + f.state() + ")"))
        .collect(Collectors.joining(", "));
  }

  private int appliedCount(ReplicaId id) {
    AtomicInteger n = observer.applied.get(id);
    return n == null ? 0 : n.get();
  }

  private static void requireAllWritten(String what, WriteLoad.Outcome outcome) {
    if (outcome.failed() > 0) {
      throw new IllegalStateException(what + ": " + outcome.failed() + " of " + outcome.sent()
          + " writes failed, the first with " + outcome.firstFailure());
    }
  }

  private static <T> T get(Future<T> future) {
    try {
      return future.get(STEP_TIMEOUT.toMillis() + RunningGroup.ASK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (Exception e) {
      throw new IllegalStateException("the background writer failed: " + e, e);
    }
  }

  private static <T> T get(CompletableFuture<T> future, String what) {
    try {
      return future.get(STEP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for " + what, e);
    } catch (Exception e) {
      throw new IllegalStateException("timed out after " + STEP_TIMEOUT.toSeconds() + " s waiting for " + what, e);
    }
  }

  private void heading(String title) {
    out.println();
    out.println("== " + title + " ==");
  }

  private void table(List<String[]> rows) {
    int[] widths = new int[rows.get(0).length];
    for (String[] r : rows) {
      for (int i = 0; i < r.length; i++) {
        widths[i] = Math.max(widths[i], r[i].length());
      }
    }
    for (String[] r : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < r.length; i++) {
        line.append(String.format(Locale.ROOT, "%-" + (widths[i] + 2) + "s", r[i]));
      }
      out.println(line.toString().stripTrailing());
    }
  }

  private static String seconds(long nanos) {
    return String.format(Locale.ROOT, "%.2f s", nanos / 1e9);
  }

  private static String lower(String s) {
    return s.toLowerCase(Locale.ROOT);
  }
}
