package io.replikit.testkit.scenario;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Which replica(s) a scripted fault hits, resolved when the fault happens: a named replica, the group's leader at
 * that moment, a seeded random replica, or every replica the script crashed or paused before.
 */
public sealed interface Target {

  /** The replica called {@code name}. */
  static Target named(String name) {
    return new Named(name);
  }

  /** The replica that leads when the fault happens; in a family without a leader, a random running replica. */
  static Target leader() {
    return Leader.INSTANCE;
  }

  /** A running replica drawn from the scenario's seed; never the leader when {@code notLeader}. */
  static Target random() {
    return new Drawn(false);
  }

  /** A running follower (not the leader) drawn from the scenario's seed. */
  static Target follower() {
    return new Drawn(true);
  }

  /** Every replica the script crashed and has not restarted. */
  static Target crashed() {
    return Crashed.INSTANCE;
  }

  /** Every replica the script paused and has not resumed. */
  static Target paused() {
    return Paused.INSTANCE;
  }

  record Named(String name) implements Target {
    @Override
    public String toString() {
      return name;
    }
  }

  enum Leader implements Target {
    INSTANCE;

    @Override
    public String toString() {
      return "the leader";
    }
  }

  record Drawn(boolean notLeader) implements Target {
    @Override
    public String toString() {
      return notLeader ? "a follower" : "a replica";
    }
  }

  enum Crashed implements Target {
    INSTANCE;

    @Override
    public String toString() {
      return "the crashed replicas";
    }
  }

  enum Paused implements Target {
    INSTANCE;

    @Override
    public String toString() {
      return "the paused replicas";
    }
  }

  /** The replicas this target names now. */
  default List<String> resolve(ScenarioGroup group, ScenarioState state, Random random) {
    List<String> running = new ArrayList<>(group.replicas());
    running.removeAll(state.crashed());
    if (this instanceof Named n) {
      if (!group.replicas().contains(n.name())) {
        throw new IllegalArgumentException("the script names replica " + n.name() + ", which is not one of "
            + group.replicas());
      }
      return List.of(n.name());
    }
    if (this == Crashed.INSTANCE) {
      return List.copyOf(state.crashed());
    }
    if (this == Paused.INSTANCE) {
      return List.copyOf(state.paused());
    }
    String leader = group.leader().orElse(null);
    if (this == Leader.INSTANCE && leader != null) {
      return List.of(leader);
    }
    if (this instanceof Drawn r && r.notLeader() && leader != null) {
      running.remove(leader);
    }
    running.removeAll(state.paused());
    if (running.isEmpty()) {
      return List.of();
    }
    return List.of(running.get(random.nextInt(running.size())));
  }
}
