package io.replikit.examples.bench;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Props;
import akka.actor.typed.SpawnProtocol;
import akka.actor.typed.javadsl.AskPattern;
import akka.serialization.Serialization;
import akka.serialization.SerializationExtension;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.replikit.leaderless.Keyspace;
import io.replikit.leaderless.StorageReplica;
import io.replikit.leaderless.antientropy.AntiEntropy;
import io.replikit.leaderless.antientropy.AntiEntropySettings;
import io.replikit.leaderless.ring.Ring;
import io.replikit.leaderless.ring.RingNode;
import io.replikit.replication.LocalTransport;
import io.replikit.versioning.DottedVersionVectorSet;
import io.replikit.versioning.VersionVector;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code replikit bench anti-entropy}: two storage replicas of one keyspace (n = 2, so both hold every range) with
 * the same K keys except D diverged ones on the second (half missing there, half holding a concurrent write of their
 * own), then one anti-entropy round on the second replica (one exchange per range). Prints the bytes the exchange
 * sent (serialized size of every exchange message and repair payload, both replicas), the bytes of a full copy
 * (serialized size of every key's set as a Fetched answer), their ratio, keys repaired, the time to repair, and
 * whether the replicas are equal afterwards (the diverged keys fetched from both, and a second round that finds no
 * difference). The keys are loaded in batches ({@link StorageReplica.ReplicateBatch}) into Akka's in-memory
 * journal (not H2: this bench measures the exchange, not the journal).
 */
public final class AntiEntropyBench {
  private static final Duration ASK = Duration.ofMinutes(5);
  private static final int BATCH = 10_000;
  /** A progress line's status question: an answer later than this says "progress unknown" instead. */
  private static final Duration STATUS_ASK = Duration.ofSeconds(2);

  public record Options(int keys, int diverged, long seed, int segments, int fanOut) {
    public Options {
      if (keys < 1) {
        throw new IllegalArgumentException("--keys must be at least 1, was " + keys);
      }
      if (diverged < 0 || diverged > keys) {
        throw new IllegalArgumentException("--diverged must be 0.." + keys + " (--keys), was " + diverged);
      }
      io.replikit.leaderless.antientropy.HashTree.depthOf(segments, fanOut);
    }
  }

  public record Report(Options options, long loadMillis, long bytesExchanged, long fullCopyBytes, long keysRepaired,
      int exchanges, int abandoned, double repairMillis, int siblingKeysAfter, boolean equalAfter,
      long secondRoundRepaired) implements BenchReport {

    double ratio() {
      return fullCopyBytes == 0 ? 0 : (double) bytesExchanged / fullCopyBytes;
    }

    @Override
    public ObjectNode toJson() {
      ObjectNode o = JsonNodeFactory.instance.objectNode();
      o.put("bench", "anti-entropy");
      o.put("keys", options.keys());
      o.put("diverged", options.diverged());
      o.put("seed", options.seed());
      o.put("segmentsPerRange", options.segments());
      o.put("fanOut", options.fanOut());
      o.put("journal", "akka-inmem");
      o.put("loadMillis", loadMillis);
      o.put("bytesExchanged", bytesExchanged);
      o.put("fullCopyBytes", fullCopyBytes);
      o.put("ratio", ratio());
      o.put("keysRepaired", keysRepaired);
      o.put("exchanges", exchanges);
      o.put("abandoned", abandoned);
      o.put("repairMillis", repairMillis);
      o.put("siblingKeysAfter", siblingKeysAfter);
      o.put("equalAfter", equalAfter);
      o.put("secondRoundRepaired", secondRoundRepaired);
      return o;
    }

    @Override
    public void printTable(PrintWriter out) {
      out.printf(Locale.ROOT, "anti-entropy bench: 2 replicas, %d keys, %d diverged (half missing, half concurrent),"
          + " %d segments per range, fan-out %d, seed %d, journal akka-inmem%n", options.keys(), options.diverged(),
          options.segments(), options.fanOut(), options.seed());
      out.printf(Locale.ROOT, "%-32s %14s%n", "load ms", loadMillis);
      out.printf(Locale.ROOT, "%-32s %14d%n", "bytes exchanged", bytesExchanged);
      out.printf(Locale.ROOT, "%-32s %14d%n", "bytes of a full copy", fullCopyBytes);
      out.printf(Locale.ROOT, "%-32s %13.4f%%%n", "exchanged / full copy", 100 * ratio());
      out.printf(Locale.ROOT, "%-32s %14d%n", "keys repaired", keysRepaired);
      out.printf(Locale.ROOT, "%-32s %7d / %4d%n", "exchanges / abandoned", exchanges, abandoned);
      out.printf(Locale.ROOT, "%-32s %14.1f%n", "time to repair ms", repairMillis);
      out.printf(Locale.ROOT, "%-32s %14d%n", "diverged keys with siblings", siblingKeysAfter);
      out.printf(Locale.ROOT, "%-32s %14s%n", "equal after", equalAfter ? "yes" : "no");
      out.printf(Locale.ROOT, "%-32s %14d%n", "repaired by a second round", secondRoundRepaired);
    }
  }

  private AntiEntropyBench() {}

  public static Report run(Options o, PrintWriter progress) {
    Config config = ConfigFactory.parseString("""
        akka.loglevel = WARNING
        akka.actor.serialize-messages = off
        akka.persistence.journal.plugin = "akka.persistence.journal.inmem"
        akka.persistence.journal.inmem.test-serialization = off
        akka.persistence.snapshot-store.plugin = ""
        """).withFallback(ConfigFactory.load());
    ActorSystem<SpawnProtocol.Command> system = ActorSystem.create(SpawnProtocol.create(), "aae-bench", config);
    try {
      return run(o, system, progress);
    } finally {
      system.terminate();
      try {
        system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        progress.println("the actor system did not shut down within 30 s: " + e);
      }
    }
  }

  private static Report run(Options o, ActorSystem<SpawnProtocol.Command> system, PrintWriter progress) {
    Keyspace ks = new Keyspace("aae-bench", 2, 1, 1, Duration.ofSeconds(5), Keyspace.Conflicts.SIBLINGS,
        Keyspace.ReadRepair.OFF);
    Ring ring = Ring.of(List.of(new RingNode("a", "dc1"), new RingNode("b", "dc1")), 16);
    AntiEntropySettings settings = new AntiEntropySettings(false, Duration.ofSeconds(10), Duration.ofSeconds(60),
        o.segments(), o.fanOut(), 1e12, Integer.MAX_VALUE); // one round repairs everything: no rate limit here
    LocalTransport transport = new LocalTransport();
    ActorRef<StorageReplica.Command> a = spawn(system, StorageReplica.create(ks, "a", transport, ring, settings), "a");
    ActorRef<StorageReplica.Command> b = spawn(system, StorageReplica.create(ks, "b", transport, ring, settings), "b");

    Random random = new Random(o.seed());
    BitSet diverged = new BitSet(o.keys());
    while (diverged.cardinality() < o.diverged()) {
      diverged.set(random.nextInt(o.keys()));
    }
    JsonNodeFactory f = JsonNodeFactory.instance;
    Serialization serialization = SerializationExtension.get(system);
    long fullCopy = 0;
    long loadStart = System.nanoTime();
    List<StorageReplica.KeySet> batchA = new ArrayList<>();
    List<StorageReplica.KeySet> batchB = new ArrayList<>();
    int nthDiverged = 0;
    AtomicLong loaded = new AtomicLong();
    try (Progress loading = Progress.of(progress, "load", "keys on both replicas", loaded::get, o.keys())) {
      for (int i = 0; i < o.keys(); i++) {
        String key = "key:" + i;
        DottedVersionVectorSet set = DottedVersionVectorSet.empty()
            .update(VersionVector.empty(), f.textNode("value-" + i), "a", 1_700_000_000_000L + i);
        batchA.add(new StorageReplica.KeySet(key, set));
        fullCopy += serialization.serialize(new StorageReplica.Fetched("a", key, set)).get().length;
        if (!diverged.get(i)) {
          batchB.add(new StorageReplica.KeySet(key, set));
        } else if (nthDiverged++ % 2 == 1) { // a concurrent write that only b saw
          batchB.add(new StorageReplica.KeySet(key, DottedVersionVectorSet.empty()
              .update(VersionVector.empty(), f.textNode("other-" + i), "b", 1_700_000_000_000L + i)));
        }
        if (batchA.size() == BATCH || i == o.keys() - 1) {
          load(system, a, batchA);
          load(system, b, batchB);
          batchA = new ArrayList<>();
          batchB = new ArrayList<>();
          loaded.set(i + 1);
        }
      }
    }
    long loadMillis = (System.nanoTime() - loadStart) / 1_000_000;
    progress.printf(Locale.ROOT, "loaded %d keys in %d ms; one anti-entropy round%n", o.keys(), loadMillis);
    progress.flush();

    AntiEntropy.Status bBefore = status(system, b);
    long bytesBefore = status(system, a).bytesSent() + bBefore.bytesSent();
    long t0 = System.nanoTime();
    AntiEntropy.RoundDone round = round(system, b, bBefore, progress, "repair round");
    double repairMillis = (System.nanoTime() - t0) / 1e6;
    long bytes = status(system, a).bytesSent() + status(system, b).bytesSent() - bytesBefore;
    progress.printf(Locale.ROOT, "  %d keys repaired in %.1f ms; comparing the %d diverged keys%n",
        round.keysRepaired(), repairMillis, o.diverged());
    progress.flush();

    boolean equal = true;
    int siblings = 0;
    AtomicLong compared = new AtomicLong();
    try (Progress p = Progress.of(progress, "compare", "diverged keys compared", compared::get, o.diverged())) {
      for (int i = diverged.nextSetBit(0); i >= 0; i = diverged.nextSetBit(i + 1)) {
        DottedVersionVectorSet sa = fetch(system, a, "key:" + i);
        DottedVersionVectorSet sb = fetch(system, b, "key:" + i);
        equal &= sa.equals(sb) && !sa.isEmpty();
        if (sa.values().size() > 1) {
          siblings++;
        }
        compared.incrementAndGet();
      }
    }
    AntiEntropy.RoundDone second = round(system, b, status(system, b), progress, "second round");
    equal &= second.keysRepaired() == 0 && second.abandoned() == 0;
    return new Report(o, loadMillis, bytes, fullCopy, round.keysRepaired(), round.exchanges(), round.abandoned(),
        repairMillis, siblings, equal, second.keysRepaired());
  }

  /**
   * One anti-entropy round on {@code replica}; while it runs, a progress line counts its exchanges (one per range)
   * and the keys they repaired, from the replica's status ({@code before}: its status just before the round).
   */
  private static AntiEntropy.RoundDone round(ActorSystem<?> system, ActorRef<StorageReplica.Command> replica,
      AntiEntropy.Status before, PrintWriter progress, String phase) {
    try (Progress p = Progress.every(progress, phase, () -> {
      AntiEntropy.Status now = AskPattern.<StorageReplica.Command, AntiEntropy.Status>ask(replica,
          AntiEntropy.GetStatus::new, STATUS_ASK, system.scheduler()).toCompletableFuture().join();
      return Progress.describe("exchanges", now.exchanges() + now.abandoned() - before.exchanges()
          - before.abandoned(), now.ranges()) + ", " + (now.keysRepaired() - before.keysRepaired()) + " keys repaired";
    })) {
      return AskPattern.<StorageReplica.Command, AntiEntropy.RoundDone>ask(replica, AntiEntropy.RunRound::new, ASK,
          system.scheduler()).toCompletableFuture().join();
    }
  }

  private static void load(ActorSystem<?> system, ActorRef<StorageReplica.Command> replica,
      List<StorageReplica.KeySet> batch) {
    StorageReplica.BatchStored r = AskPattern.<StorageReplica.Command, StorageReplica.BatchStored>ask(replica,
        reply -> new StorageReplica.ReplicateBatch(batch, reply), ASK, system.scheduler()).toCompletableFuture().join();
    if (r.problem() != null) {
      throw new IllegalStateException("the replica refused a batch: " + r.problem());
    }
  }

  private static AntiEntropy.Status status(ActorSystem<?> system, ActorRef<StorageReplica.Command> replica) {
    return AskPattern.<StorageReplica.Command, AntiEntropy.Status>ask(replica, AntiEntropy.GetStatus::new, ASK,
        system.scheduler()).toCompletableFuture().join();
  }

  private static DottedVersionVectorSet fetch(ActorSystem<?> system, ActorRef<StorageReplica.Command> replica,
      String key) {
    return AskPattern.<StorageReplica.Command, StorageReplica.Fetched>ask(replica,
        reply -> new StorageReplica.Fetch(key, reply), ASK, system.scheduler()).toCompletableFuture().join().set();
  }

  private static <T> ActorRef<T> spawn(ActorSystem<SpawnProtocol.Command> system, akka.actor.typed.Behavior<T> b,
      String name) {
    return AskPattern.<SpawnProtocol.Command, ActorRef<T>>ask(system,
        reply -> new SpawnProtocol.Spawn<>(b, name, Props.empty(), reply), ASK, system.scheduler())
        .toCompletableFuture().join();
  }
}
