package io.replikit.testkit;

import akka.actor.typed.ActorRef;
import io.replikit.replication.LocalTransport;
import io.replikit.replication.ReplicaId;
import io.replikit.replication.ReplicaTransport;
import io.replikit.replication.ReplicationMessage;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A transport for tests that drops, duplicates, delays, reorders and partitions messages between named replicas.
 *
 * <p>Every fault decision on a link (from, to) is drawn from a generator seeded by the transport's seed and the
 * link's names, so the faults a link sees depend only on the seed and the order of the messages sent on it (a
 * leader sends to one follower from one actor, so that order is its own). Delayed messages are delivered by one
 * daemon thread; {@link #close()} stops it.
 *
 * <p>Partitions block links in both directions until {@link #heal()}; {@link #block(ReplicaId, ReplicaId)} blocks
 * one direction. Blocked messages are lost, as on a real network. {@link #pause(ReplicaId)} plays a process that
 * stops (a long garbage-collection pause, a stopped VM): what it sends and what is sent to it is held, not lost,
 * and delivered in order at {@link #resume(ReplicaId)}; its own timers keep running, so this is a pause as seen by
 * the others, not a frozen clock.
 */
public final class FaultyTransport implements ReplicaTransport, AutoCloseable {

  /**
   * Fault probabilities and delays.
   *
   * @param dropProbability chance a message is lost
   * @param duplicateProbability chance a message is delivered twice
   * @param delayProbability chance a message is held back for a random time in [0, maxDelay], which reorders it
   *     against the messages sent after it
   * @param maxDelay longest hold-back
   */
  public record Faults(double dropProbability, double duplicateProbability, double delayProbability,
      Duration maxDelay) {
    public static final Faults NONE = new Faults(0, 0, 0, Duration.ZERO);

    public Faults {
      check("drop", dropProbability);
      check("duplicate", duplicateProbability);
      check("delay", delayProbability);
      if (maxDelay == null || maxDelay.isNegative()) {
        throw new IllegalArgumentException("maxDelay must be zero or positive, was " + maxDelay);
      }
    }

    private static void check(String what, double p) {
      if (!(p >= 0 && p <= 1)) {
        throw new IllegalArgumentException(what + " probability must be within [0, 1], was " + p);
      }
    }
  }

  private final ReplicaTransport delegate;
  private final long seed;
  private volatile Faults faults;
  private final Map<String, Random> links = new ConcurrentHashMap<>();
  private final Set<String> blocked = ConcurrentHashMap.newKeySet();
  private final Map<String, Long> latencies = new ConcurrentHashMap<>();
  private final Set<ReplicaId> down = ConcurrentHashMap.newKeySet();
  private final Map<ReplicaId, java.util.List<Runnable>> paused = new ConcurrentHashMap<>();
  private final ScheduledExecutorService delayer;
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong duplicated = new AtomicLong();
  private final AtomicLong delayed = new AtomicLong();
  private final AtomicLong blockedCount = new AtomicLong();
  private final AtomicLong heldCount = new AtomicLong();

  public FaultyTransport(long seed, Faults faults) {
    this(new LocalTransport(), seed, faults);
  }

  public FaultyTransport(ReplicaTransport delegate, long seed, Faults faults) {
    this.delegate = delegate;
    this.seed = seed;
    this.faults = faults;
    this.delayer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "replikit-faulty-transport-" + seed);
      t.setDaemon(true);
      return t;
    });
  }

  public long seed() {
    return seed;
  }

  /** Changes the fault probabilities from now on. */
  public void setFaults(Faults faults) {
    this.faults = faults;
  }

  /** Cuts every link between a replica of {@code side} and a replica outside it, both ways. */
  public void partition(Set<ReplicaId> side, Set<ReplicaId> otherSide) {
    for (ReplicaId a : side) {
      for (ReplicaId b : otherSide) {
        blocked.add(link(a, b));
        blocked.add(link(b, a));
      }
    }
  }

  /** Cuts {@code replica} off from every one of {@code others}, both ways. */
  public void isolate(ReplicaId replica, Set<ReplicaId> others) {
    Set<ReplicaId> rest = new HashSet<>(others);
    rest.remove(replica);
    partition(Set.of(replica), rest);
  }

  /** Cuts the link from {@code from} to {@code to} only. */
  public void block(ReplicaId from, ReplicaId to) {
    blocked.add(link(from, to));
  }

  /**
   * Makes every message on the link from {@code from} to {@code to} take {@code latency} (a slow link: a far
   * datacenter, a congested route), in the order sent; on top of the random faults. Zero makes it fast again.
   */
  public void slow(ReplicaId from, ReplicaId to, Duration latency) {
    if (latency == null || latency.isNegative()) {
      throw new IllegalArgumentException("latency must be zero or positive, was " + latency);
    }
    if (latency.isZero()) {
      latencies.remove(link(from, to));
    } else {
      latencies.put(link(from, to), latency.toNanos());
    }
  }

  /**
   * Plays the failure detector marking {@code replica}'s node down: {@link #reachable} answers false for it (its
   * links are not cut by this; {@link #isolate} does that). {@link #heal} brings it back.
   */
  public void markDown(ReplicaId replica) {
    down.add(replica);
  }

  public void markUp(ReplicaId replica) {
    down.remove(replica);
  }

  @Override
  public boolean reachable(ReplicaId id) {
    return !down.contains(id) && delegate.reachable(id);
  }

  /** Restores every link: no partition, no slow link, no replica marked down (paused replicas stay paused). */
  public void heal() {
    blocked.clear();
    latencies.clear();
    down.clear();
  }

  /** Holds every message from and to {@code replica} until {@link #resume}: the replica looks paused to the others. */
  public void pause(ReplicaId replica) {
    paused.putIfAbsent(replica, new java.util.ArrayList<>());
  }

  /** Delivers what {@code replica}'s pause held, in the order it was sent, and lets messages through again. */
  public void resume(ReplicaId replica) {
    java.util.List<Runnable> held = paused.get(replica);
    if (held == null) {
      return;
    }
    synchronized (held) {
      paused.remove(replica);
      held.forEach(Runnable::run);
      held.clear();
    }
  }

  public boolean isPaused(ReplicaId replica) {
    return paused.containsKey(replica);
  }

  /** Holds {@code delivery} if {@code from} or {@code to} is paused; whether it did. */
  private boolean hold(ReplicaId from, ReplicaId to, Runnable delivery) {
    for (ReplicaId r : new ReplicaId[] {from, to}) {
      java.util.List<Runnable> held = paused.get(r);
      if (held != null) {
        synchronized (held) {
          if (paused.get(r) == held) {
            held.add(delivery);
            heldCount.incrementAndGet();
            return true;
          }
        }
      }
    }
    return false;
  }

  @Override
  public void register(ReplicaId id, ActorRef<? extends ReplicationMessage> ref) {
    delegate.register(id, ref);
  }

  @Override
  public void send(ReplicaId from, ReplicaId to, ReplicationMessage message) {
    if (hold(from, to, () -> send(from, to, message))) {
      return;
    }
    sent.incrementAndGet();
    String link = link(from, to);
    if (blocked.contains(link)) {
      blockedCount.incrementAndGet();
      return;
    }
    Faults f = faults;
    Random random = links.computeIfAbsent(link, l -> new Random(seed * 31 + l.hashCode()));
    boolean drop;
    boolean duplicate;
    boolean delay;
    long delayNanos;
    synchronized (random) {
      drop = random.nextDouble() < f.dropProbability();
      duplicate = random.nextDouble() < f.duplicateProbability();
      delay = random.nextDouble() < f.delayProbability();
      delayNanos = f.maxDelay().isZero() ? 0 : (long) (random.nextDouble() * f.maxDelay().toNanos());
    }
    if (drop) {
      dropped.incrementAndGet();
      return;
    }
    int copies = duplicate ? 2 : 1;
    if (duplicate) {
      duplicated.incrementAndGet();
    }
    long latency = latencies.getOrDefault(link, 0L);
    for (int i = 0; i < copies; i++) {
      if (latency > 0 || (delay && delayNanos > 0)) {
        delayed.incrementAndGet();
        delayer.schedule(() -> deliver(link, from, to, message), latency + (delay ? delayNanos : 0),
            TimeUnit.NANOSECONDS);
      } else {
        delegate.send(from, to, message);
      }
    }
  }

  private void deliver(String link, ReplicaId from, ReplicaId to, ReplicationMessage message) {
    // a partition that started while the message was in flight loses it; a pause that did holds it
    if (!blocked.contains(link) && !hold(from, to, () -> delegate.send(from, to, message))) {
      delegate.send(from, to, message);
    }
  }

  /** Counts so far: sent, dropped, duplicated, delayed, blocked by a partition, held by a pause. */
  public Map<String, Long> stats() {
    return Map.of("sent", sent.get(), "dropped", dropped.get(), "duplicated", duplicated.get(), "delayed",
        delayed.get(), "blocked", blockedCount.get(), "held", heldCount.get());
  }

  @Override
  public void close() {
    delayer.shutdownNow();
  }

  private static String link(ReplicaId from, ReplicaId to) {
    return from.value() + "->" + to.value();
  }
}
