package io.replikit.leaderless;

import static io.replikit.leaderless.LeaderlessNodes.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.replikit.leaderless.staleness.LatencySamples;
import io.replikit.leaderless.staleness.PbsCalculator;
import io.replikit.leaderless.staleness.StalenessMonitor;
import io.replikit.replication.ReplicaId;
import io.replikit.testkit.FaultyTransport;
import io.replikit.versioning.VersionVector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Staleness measured from version metadata against the PBS prediction: five nodes, n = 3, read repair off, writes
 * coordinated on one outsider node and reads on the other, slow seeded links so that the write reaches the key's
 * later replicas late. The monitor counts stale reads exactly where a replica that missed the write answered first,
 * and the calculator fed with the measured latencies predicts the stale share the probes measured.
 */
class LeaderlessStalenessTest {
  private static final List<String> NODES = List.of("n1", "n2", "n3", "n4", "n5");
  private static final AtomicInteger KEYSPACES = new AtomicInteger();
  private static ActorTestKit kit;

  private LeaderlessNodes cluster;
  private final List<ActorRef<Coordinator.Command>> extra = new ArrayList<>();

  @BeforeAll
  static void start() {
    kit = ActorTestKit.create("staleness", LeaderlessNodes.testKitConfig());
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  @AfterEach
  void stopNodes() {
    extra.forEach(c -> kit.stop(c, LeaderlessNodes.WAIT));
    extra.clear();
    if (cluster != null) {
      cluster.close();
    }
  }

  private Keyspace start(int w, int r) {
    Keyspace ks = new Keyspace("st" + KEYSPACES.incrementAndGet(), 3, w, r, Duration.ofSeconds(10),
        Keyspace.Conflicts.SIBLINGS, Keyspace.ReadRepair.OFF);
    cluster = new LeaderlessNodes(kit, ks, NODES);
    return ks;
  }

  /** A coordinator of its own on {@code node} reporting to {@code monitor} (the fixture's have their own). */
  private ActorRef<Coordinator.Command> coordinator(String node, StalenessMonitor monitor, LongSupplier clock) {
    ActorRef<Coordinator.Command> c = kit.spawn(Coordinator.create(cluster.keyspace, cluster.ring, node,
        cluster.transport, clock, monitor), cluster.keyspace.name() + "-monitored-" + node);
    extra.add(c);
    return c;
  }

  /** {@code count} keys with the same home replicas as {@code "probe-0"}. */
  private List<String> keysHomedLike(int count) {
    List<String> homes = cluster.homes("probe-0");
    List<String> keys = new ArrayList<>();
    for (int i = 0; keys.size() < count; i++) {
      if (cluster.homes("probe-" + i).equals(homes)) {
        keys.add("probe-" + i);
      }
    }
    return keys;
  }

  private static Coordinator.Staleness staleness(ActorRef<Coordinator.Command> c) {
    TestProbe<Coordinator.Staleness> probe = kit.createTestProbe();
    c.tell(new Coordinator.GetStaleness(probe.getRef()));
    return probe.receiveMessage(LeaderlessNodes.WAIT);
  }

  /** Waits until {@code c} checked {@code checked} reads in all, and returns its staleness then. */
  private static Coordinator.Staleness awaitChecked(ActorRef<Coordinator.Command> c, long checked) {
    TestProbe<Coordinator.Staleness> probe = kit.createTestProbe();
    return probe.awaitAssert(Duration.ofSeconds(10), Duration.ofMillis(50), () -> {
      Coordinator.Staleness s = staleness(c);
      assertEquals(checked, s.checked() + s.unchecked(), "reads done: " + s);
      return s;
    });
  }

  /**
   * Writes each key through {@code writer}, and {@code afterMs} after each write was acknowledged reads it through
   * {@code reader} (r = the keyspace's). The reads' replies are checked to be answers, not failures.
   */
  private void probe(ActorRef<Coordinator.Command> writer, ActorRef<Coordinator.Command> reader, List<String> keys,
      long afterMs, ScheduledExecutorService timer) {
    TestProbe<Coordinator.PutReply> puts = kit.createTestProbe();
    TestProbe<Coordinator.GetReply> gets = kit.createTestProbe();
    for (String key : keys) {
      writer.tell(new Coordinator.Put(key, text("v"), VersionVector.empty(), Coordinator.Quorum.DEFAULT,
          puts.getRef()));
    }
    for (int i = 0; i < keys.size(); i++) {
      // in the order the acknowledgements arrive, so that each read starts afterMs after its own
      Coordinator.PutOk ok = assertInstanceOf(Coordinator.PutOk.class, puts.receiveMessage(LeaderlessNodes.WAIT));
      timer.schedule(() -> reader.tell(new Coordinator.Get(ok.key(), Coordinator.Quorum.DEFAULT, gets.getRef())),
          afterMs, TimeUnit.MILLISECONDS);
    }
    for (int i = 0; i < keys.size(); i++) {
      assertInstanceOf(Coordinator.GetOk.class, gets.receiveMessage(LeaderlessNodes.WAIT));
    }
  }

  /**
   * Compares real delays with a model, so it needs a quiet machine: tagged "timing", outside the default suite; run
   * it with {@code mvn -pl core-actors test -Dtest=LeaderlessStalenessTest -Dreplikit.excluded-groups=none}.
   */
  @Test
  @Tag("timing")
  void thePbsPredictionMatchesTheMeasuredStaleShare() {
    start(1, 1);
    List<String> keys = keysHomedLike(192);
    List<String> homes = cluster.homes(keys.get(0));
    String writerNode = cluster.outsiders(keys.get(0)).get(0);
    String readerNode = cluster.outsiders(keys.get(0)).get(1);
    // every request takes a seeded random 0..120 ms more; the write reaches homes 1 and 2 late, the read hears
    // home 2 first most of the time, home 1 sometimes, home 0 (which always has the write) never first. Delays this
    // large keep the scheduling and journal noise of a busy 2-core machine small beside them.
    cluster.transport.setFaults(new FaultyTransport.Faults(0, 0, 1.0, Duration.ofMillis(120)));
    slow(writerNode, homes.get(1), 60);
    slow(writerNode, homes.get(2), 180);
    slow(readerNode, homes.get(0), 300);
    slow(readerNode, homes.get(1), 30);
    // replies go straight to the request actors, undelayed: the whole round trip is the request leg
    StalenessMonitor writes = new StalenessMonitor(cluster.keyspace.name(), writerNode, null, 1.0, 4096, 5);
    StalenessMonitor reads = new StalenessMonitor(cluster.keyspace.name(), readerNode, new SimpleMeterRegistry(),
        1.0, 4096, 6);
    ActorRef<Coordinator.Command> writer = coordinator(writerNode, writes, System::currentTimeMillis);
    ActorRef<Coordinator.Command> reader = coordinator(readerNode, reads, System::currentTimeMillis);

    // warm up (JIT, journal) through the fixture's coordinators, so the monitored latencies are not the first ones
    for (String key : keysHomedLike(204).subList(192, 204)) {
      cluster.putOk(writerNode, key, text("warm"), VersionVector.empty());
      cluster.getOk(readerNode, key, 1);
    }

    // small batches, the times interleaved: queueing in the replicas stays small and alike for every t
    List<Long> times = List.of(0L, 120L, 240L, 480L);
    int batch = 8;
    long[] stale = new long[times.size()];
    long[] probes = new long[times.size()];
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    try {
      long staleBefore = 0;
      for (int b = 0; b * batch < keys.size(); b++) {
        int t = b % times.size();
        probe(writer, reader, keys.subList(b * batch, (b + 1) * batch), times.get(t), timer);
        Coordinator.Staleness s = awaitChecked(reader, (b + 1L) * batch);
        assertEquals(0, s.unchecked(), "every read heard all three replicas: " + s);
        stale[t] += s.stale() - staleBefore;
        probes[t] += batch;
        staleBefore = s.stale();
      }
    } finally {
      timer.shutdownNow();
    }
    List<Double> measured = new ArrayList<>();
    for (int t = 0; t < times.size(); t++) {
      measured.add(stale[t] / (double) probes[t]);
    }

    LatencySamples latencies = LatencySamples.combine(staleness(writer).latencies(), staleness(reader).latencies());
    PbsCalculator.Prediction p = latencies.calculator(3, 1, 1)
        .predict(times.stream().map(Long::doubleValue).toList(), 50_000, 42);
    List<Double> predicted = p.probabilities().stream().map(c -> 1 - c).toList();
    double sum = 0;
    for (int i = 0; i < times.size(); i++) {
      sum += Math.abs(predicted.get(i) - measured.get(i));
    }
    StringBuilder medians = new StringBuilder();
    for (LatencySamples.Position pos : latencies.positions()) {
      medians.append(String.format(" [W %.1f A %.1f R %.1f S %.1f]", median(pos.w()), median(pos.a()),
          median(pos.r()), median(pos.s())));
    }
    String table = "median ms per position" + medians + "\nt ms " + times + "\nmeasured stale " + measured + "\npredicted stale " + predicted;
    System.out.println("[staleness] " + table.replace("\n", " | "));
    // 48 probes a point: one standard deviation of a share is at most 0.07. The model leans to more staleness than
    // measured: it counts each replica's journal write as part of W (a read queued behind it sees the write), and a
    // loaded machine inflates every latency at once while the model draws them independently. So: close at t = 0,
    // never much below the measurement, and within 0.3 on average (seen: 0.26 at a load average of 36).
    assertTrue(Math.abs(predicted.get(0) - measured.get(0)) <= 0.2, "at t = 0:\n" + table);
    for (int i = 0; i < times.size(); i++) {
      assertTrue(predicted.get(i) >= measured.get(i) - 0.15, "conservative at t = " + times.get(i) + ":\n" + table);
    }
    assertTrue(sum / times.size() <= 0.3, "mean error " + sum / times.size() + ":\n" + table);
    assertTrue(measured.get(0) >= 0.5, "w = r = 1 reads right after the write are mostly stale: " + measured);
    assertTrue(measured.get(times.size() - 1) <= 0.05, "480 ms later the write is everywhere: " + measured);
  }

  private static double median(List<Double> xs) {
    if (xs.isEmpty()) {
      return Double.NaN;
    }
    List<Double> sorted = xs.stream().sorted().toList();
    return sorted.get(sorted.size() / 2);
  }

  private void slow(String from, String to, long ms) {
    cluster.transport.slow(ReplicaId.of(from), ReplicaId.of(to), Duration.ofMillis(ms));
  }

  @Test
  void strictQuorumsMeasureNoStaleRead() {
    start(2, 2);
    List<String> keys = keysHomedLike(60);
    List<String> homes = cluster.homes(keys.get(0));
    String writerNode = cluster.outsiders(keys.get(0)).get(0);
    String readerNode = cluster.outsiders(keys.get(0)).get(1);
    cluster.transport.setFaults(new FaultyTransport.Faults(0, 0, 1.0, Duration.ofMillis(40)));
    slow(writerNode, homes.get(2), 90);
    slow(readerNode, homes.get(0), 60);
    StalenessMonitor reads = new StalenessMonitor(cluster.keyspace.name(), readerNode, null, 1.0, 1024, 6);
    StalenessMonitor writes = new StalenessMonitor(cluster.keyspace.name(), writerNode, null, 1.0, 1024, 5);
    ActorRef<Coordinator.Command> writer = coordinator(writerNode, writes, System::currentTimeMillis);
    ActorRef<Coordinator.Command> reader = coordinator(readerNode, reads, System::currentTimeMillis);
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    try {
      probe(writer, reader, keys, 0, timer);
    } finally {
      timer.shutdownNow();
    }
    Coordinator.Staleness s = awaitChecked(reader, keys.size());
    assertEquals(keys.size(), s.checked(), "every read heard all three: " + s);
    assertEquals(0, s.stale(), "w + r > n: " + s);
    LatencySamples latencies = LatencySamples.combine(staleness(writer).latencies(), s.latencies());
    assertEquals(1.0, latencies.calculator(3, 2, 2).predict(List.of(0.0), 10_000, 1).probabilities().get(0));
  }

  @Test
  void aReadFromAReplicaThatMissedTheWritesIsCountedWithHowFarBehind() {
    start(1, 1);
    String key = keysHomedLike(1).get(0);
    List<String> homes = cluster.homes(key);
    String writerNode = cluster.outsiders(key).get(0);
    String readerNode = cluster.outsiders(key).get(1);
    AtomicLong clock = new AtomicLong(1_000);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    StalenessMonitor monitor = new StalenessMonitor(cluster.keyspace.name(), readerNode, registry, 0.5, 64, 1);
    ActorRef<Coordinator.Command> writer = coordinator(writerNode, null, clock::get);
    ActorRef<Coordinator.Command> reader = coordinator(readerNode, monitor, clock::get);
    // homes 1 and 2 never get the writes; the reader hears home 0, which has them, last
    cluster.block(writerNode, homes.get(1));
    cluster.block(writerNode, homes.get(2));
    slow(readerNode, homes.get(0), 150);

    TestProbe<Coordinator.PutReply> puts = kit.createTestProbe();
    writer.tell(new Coordinator.Put(key, text("v1"), VersionVector.empty(), Coordinator.Quorum.DEFAULT,
        puts.getRef()));
    Coordinator.PutOk first = assertInstanceOf(Coordinator.PutOk.class, puts.receiveMessage(LeaderlessNodes.WAIT));
    clock.set(1_250);
    Coordinator.GetOk read = readThrough(reader, key);
    assertEquals(List.of(), read.values(), "r = 1 answered by a replica that missed the write");
    Coordinator.Staleness s = awaitChecked(reader, 1);
    assertEquals(1, s.stale(), s.toString());
    assertEquals(1.0, s.staleShare());
    assertEquals(1.0, s.versionsP50());
    assertEquals(250.0, s.msP50(), "read at 1250, the write stamped 1000");

    // a second write over the first, at 1300; read at 1400: two versions behind, 100 ms (the live write's age)
    clock.set(1_300);
    writer.tell(new Coordinator.Put(key, text("v2"), first.context(), Coordinator.Quorum.DEFAULT, puts.getRef()));
    assertInstanceOf(Coordinator.PutOk.class, puts.receiveMessage(LeaderlessNodes.WAIT));
    clock.set(1_400);
    assertEquals(List.of(), readThrough(reader, key).values());
    s = awaitChecked(reader, 2);
    assertEquals(2, s.stale(), s.toString());
    assertEquals(2.0, s.versionsP99());
    assertEquals(250.0, s.msP99());
    assertEquals(100.0, s.msP50());
    assertEquals(1.5, s.versionsMean(), "(1 + 2) / 2 stale reads");
    assertEquals(175.0, s.msMean(), "(250 + 100) / 2 stale reads");
    assertEquals(2, registry.get("replikit.leaderless.reads.stale").counter().count());
    assertEquals(350, registry.get("replikit.leaderless.staleness.ms").summary().totalAmount());
    assertEquals(3, registry.get("replikit.leaderless.staleness.versions").summary().totalAmount());

    // once home 0 answers first, the read is fresh and counted as checked, not stale
    cluster.transport.heal();
    slow(readerNode, homes.get(1), 150);
    slow(readerNode, homes.get(2), 150);
    clock.set(1_500);
    assertEquals(List.of(text("v2")), readThrough(reader, key).values());
    s = awaitChecked(reader, 3);
    assertEquals(2, s.stale(), s.toString());
    assertEquals(3, s.checked());
  }

  private static Coordinator.GetOk readThrough(ActorRef<Coordinator.Command> reader, String key) {
    TestProbe<Coordinator.GetReply> probe = kit.createTestProbe();
    reader.tell(new Coordinator.Get(key, Coordinator.Quorum.DEFAULT, probe.getRef()));
    return assertInstanceOf(Coordinator.GetOk.class, probe.receiveMessage(LeaderlessNodes.WAIT));
  }
}
