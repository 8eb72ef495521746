package io.replikit.testkit.scenario;

import io.replikit.replication.ReplicaId;
import io.replikit.testkit.FaultyTransport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * One scripted fault (or its repair), applied to a {@link ScenarioGroup} at a round of a {@link Scenario}. Faults
 * that pick a replica pick it through a {@link Target}, from the scenario's seed, when they happen.
 */
public sealed interface Fault {

  /** Cuts the target off from every other replica, both ways (a network partition of one). */
  static Fault isolate(Target target) {
    return new Isolate(target);
  }

  /** Cuts {@code side} off from the other replicas, both ways. */
  static Fault partition(Set<String> side) {
    return new Partition(Set.copyOf(side), 0);
  }

  /** Cuts a seeded random minority of {@code size} replicas off from the rest. */
  static Fault partitionRandom(int size) {
    return new Partition(Set.of(), size);
  }

  /** Restores every link (partitions, slow links); crashed replicas stay down and paused ones paused. */
  static Fault heal() {
    return Heal.INSTANCE;
  }

  /** Stops the target's actors, as a crash of its node: what it had not persisted is gone. */
  static Fault crash(Target target) {
    return new Crash(target);
  }

  /** Starts the target again from its journal. */
  static Fault restart(Target target) {
    return new Restart(target);
  }

  /** Holds every message from and to the target (and client requests to it) until {@link #resume}. */
  static Fault pause(Target target) {
    return new Pause(target);
  }

  static Fault resume(Target target) {
    return new Resume(target);
  }

  /** Makes every message the target sends take {@code latency} (a slow link out of it). */
  static Fault slow(Target target, Duration latency) {
    return new Slow(target, latency);
  }

  /** From now on drops, duplicates and delays messages with these probabilities ({@code NONE} stops it). */
  static Fault messages(FaultyTransport.Faults faults) {
    return new Messages(faults);
  }

  record Isolate(Target target) implements Fault {
    @Override
    public String toString() {
      return "isolate " + target;
    }
  }

  record Partition(Set<String> side, int randomSize) implements Fault {
    @Override
    public String toString() {
      return side.isEmpty() ? "partition off " + randomSize + " random replica(s)" : "partition off " + side;
    }
  }

  enum Heal implements Fault {
    INSTANCE;

    @Override
    public String toString() {
      return "heal the network";
    }
  }

  record Crash(Target target) implements Fault {
    @Override
    public String toString() {
      return "crash " + target;
    }
  }

  record Restart(Target target) implements Fault {
    @Override
    public String toString() {
      return "restart " + target;
    }
  }

  record Pause(Target target) implements Fault {
    @Override
    public String toString() {
      return "pause " + target;
    }
  }

  record Resume(Target target) implements Fault {
    @Override
    public String toString() {
      return "resume " + target;
    }
  }

  record Slow(Target target, Duration latency) implements Fault {
    public Slow {
      if (latency == null || latency.isNegative()) {
        throw new IllegalArgumentException("a slow link needs a latency of zero or more, was " + latency);
      }
    }

    @Override
    public String toString() {
      return "slow the links out of " + target + " to " + latency.toMillis() + " ms";
    }
  }

  record Messages(FaultyTransport.Faults faults) implements Fault {
    @Override
    public String toString() {
      return faults.equals(FaultyTransport.Faults.NONE) ? "stop message faults"
          : "message faults drop " + faults.dropProbability() + " duplicate " + faults.duplicateProbability()
              + " delay " + faults.delayProbability() + " up to " + faults.maxDelay().toMillis() + " ms";
    }
  }

  /**
   * Applies this fault to {@code group} now and returns what it did, naming the replicas it resolved to (the line a
   * report prints); "nothing" when its target resolved to no replica.
   */
  default String apply(ScenarioGroup group, ScenarioState state, Random random) {
    FaultyTransport transport = group.transport();
    List<String> all = group.replicas();
    if (this instanceof Isolate i) {
      List<String> who = i.target().resolve(group, state, random);
      for (String r : who) {
        transport.isolate(ReplicaId.of(r), ids(all));
      }
      return who.isEmpty() ? "isolate: nothing to isolate" : "isolate " + who;
    }
    if (this instanceof Partition p) {
      Set<String> side = new HashSet<>(p.side());
      if (side.isEmpty()) {
        List<String> pool = new ArrayList<>(all);
        for (int k = 0; k < p.randomSize() && !pool.isEmpty(); k++) {
          side.add(pool.remove(random.nextInt(pool.size())));
        }
      }
      Set<String> rest = all.stream().filter(r -> !side.contains(r)).collect(Collectors.toSet());
      transport.partition(ids(side), ids(rest));
      return "partition " + new java.util.TreeSet<>(side) + " | " + new java.util.TreeSet<>(rest);
    }
    if (this == Heal.INSTANCE) {
      transport.heal();
      return "heal the network";
    }
    if (this instanceof Messages m) {
      transport.setFaults(m.faults());
      return toString();
    }
    Target target = this instanceof Crash c ? c.target() : this instanceof Restart r ? r.target()
        : this instanceof Pause p ? p.target() : this instanceof Resume u ? u.target() : ((Slow) this).target();
    List<String> who = target.resolve(group, state, random);
    for (String r : who) {
      if (this instanceof Crash) {
        if (!state.crashed().contains(r)) {
          group.crash(r);
          state.crashed(r, true);
        }
      } else if (this instanceof Restart) {
        if (state.crashed().contains(r)) {
          group.restart(r);
          state.crashed(r, false);
        }
      } else if (this instanceof Pause) {
        group.pause(r);
        state.paused(r, true);
      } else if (this instanceof Resume) {
        group.resume(r);
        state.paused(r, false);
      } else {
        Slow s = (Slow) this;
        for (String to : all) {
          if (!to.equals(r)) {
            transport.slow(ReplicaId.of(r), ReplicaId.of(to), s.latency());
          }
        }
      }
    }
    String verb = toString().split(" ")[0];
    return who.isEmpty() ? verb + ": no replica to " + verb : verb + " " + who
        + (this instanceof Slow s ? " (" + s.latency().toMillis() + " ms)" : "");
  }

  private static Set<ReplicaId> ids(java.util.Collection<String> names) {
    return names.stream().map(ReplicaId::of).collect(Collectors.toSet());
  }
}
