package io.replikit.testkit.scenario;

import io.replikit.testkit.FaultyTransport;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/**
 * The named scenarios of the single-leader and leaderless families (the multi-leader one lives beside its family in
 * the topologies module). Each draws the rounds of its faults from the seed, so different seeds crash at different
 * moments, and runs under light random message faults (drops, duplicates, delays) throughout.
 */
public final class Scenarios {
  private Scenarios() {}

  /** Light message faults: what every named scenario runs under besides its scripted faults. */
  public static final FaultyTransport.Faults NOISE =
      new FaultyTransport.Faults(0.02, 0.05, 0.1, Duration.ofMillis(20));

  /** Rounds and pace every named scenario shares: 14 rounds of 80 ms at least, three clients, three keys. */
  public static Scenario.Builder base(String name, long seed) {
    return Scenario.builder(name).seed(seed).clients(3).keys(3).rounds(14).pace(Duration.ofMillis(80))
        .writeShare(0.5).deleteShare(0.05).at(0, Fault.messages(NOISE));
  }

  /** A round in [from, from + spread) drawn from the seed (a different stream from the operations'). */
  static int roundFrom(long seed, int from, int spread) {
    return from + new Random(seed * 7919L + 17).nextInt(spread);
  }

  public static final NamedScenario LEADER_CRASH = new NamedScenario("leader-crash", "single-leader",
      "three replicas, semi-synchronous (one synchronous follower), reads at the leader under its lease; the leader's "
          + "outbound links slow down, it crashes while writes are in flight, restarts from its journal six rounds "
          + "later and the new leader crashes in turn. Promised: no acknowledged write lost, linearizable leader "
          + "reads and writes, convergence.",
      (kit, seed) -> SingleLeaderScenarioGroup.builder(kit).seed(seed).build(),
      seed -> {
        int a = roundFrom(seed, 2, 3);
        return base("leader-crash", seed)
            .at(a - 1, Fault.slow(Target.leader(), Duration.ofMillis(120)))
            .at(a, Fault.crash(Target.leader()), Fault.heal())
            .at(a + 6, Fault.restart(Target.crashed()))
            .at(a + 8, Fault.crash(Target.leader()))
            .build();
      });

  public static final NamedScenario LEADER_PAUSE = new NamedScenario("leader-pause", "single-leader",
      "three replicas, semi-synchronous, reads at the leader under its lease; the leader pauses (everything it "
          + "sends and receives held, as in a long GC pause) long enough for the others to elect a new leader, then "
          + "resumes and finds itself deposed. Promised: no split brain: linearizable leader reads and writes, no "
          + "acknowledged write lost, convergence.",
      (kit, seed) -> SingleLeaderScenarioGroup.builder(kit).seed(seed).build(),
      seed -> {
        int a = roundFrom(seed, 2, 3);
        return base("leader-pause", seed)
            .at(a, Fault.pause(Target.leader()))
            .at(a + 8, Fault.resume(Target.paused()))
            .build();
      });

  public static final NamedScenario FOLLOWER_PARTITION = new NamedScenario("follower-partition", "single-leader",
      "three replicas, semi-synchronous, reads at any replica with the client's session position; a follower is cut "
          + "off while writes continue (the leader turns the other follower synchronous) and rejoins six rounds "
          + "later. Promised: no acknowledged write lost, read-your-writes, monotonic reads, consistent prefix, "
          + "convergence.",
      (kit, seed) -> SingleLeaderScenarioGroup.builder(kit).seed(seed).reads(SingleLeaderScenarioGroup.Reads.SESSION)
          .build(),
      seed -> {
        int a = roundFrom(seed, 2, 4);
        return base("follower-partition", seed)
            .at(a, Fault.isolate(Target.follower()))
            .at(a + 6, Fault.heal())
            .build();
      });

  public static final NamedScenario RING_NODE_FAILURE = new NamedScenario("ring-node-failure", "leaderless",
      "five nodes, n=3 w=2 r=2, strict quorum, siblings; a node crashes while writes continue, restarts from its "
          + "journal six rounds later, then another node crashes until the end. Promised: no read misses a write "
          + "acknowledged before it, no acknowledged write lost, the home replicas converge.",
      (kit, seed) -> LeaderlessScenarioGroup.builder(kit).seed(seed).build(),
      seed -> {
        int a = roundFrom(seed, 2, 4);
        return base("ring-node-failure", seed)
            .at(a, Fault.crash(Target.random()))
            .at(a + 6, Fault.restart(Target.crashed()))
            .at(a + 8, Fault.crash(Target.random()))
            .build();
      });

  public static final NamedScenario QUORUM_PARTITION = new NamedScenario("quorum-partition", "leaderless",
      "five nodes, n=3 w=2 r=2, strict quorum, siblings; two random nodes are partitioned from the other three (keys "
          + "whose homes split lose their quorum on one side), then the network heals. Promised: no read misses an "
          + "acknowledged write, none is lost, the homes converge.",
      (kit, seed) -> LeaderlessScenarioGroup.builder(kit).seed(seed).build(),
      seed -> {
        int a = roundFrom(seed, 2, 4);
        return base("quorum-partition", seed)
            .at(a, Fault.partitionRandom(2))
            .at(a + 6, Fault.heal())
            .build();
      });

  public static final NamedScenario SLOPPY_HANDOFF = new NamedScenario("sloppy-handoff", "leaderless",
      "five nodes, n=3 w=2 r=2 with a sloppy quorum and hinted handoff; a node crashes, writes for its keys land on "
          + "stand-ins with hints, the node restarts and the hints are handed back. Promised: no acknowledged write "
          + "lost and convergence; not fresh reads (a sloppy quorum gives that up, as the chapter says).",
      (kit, seed) -> LeaderlessScenarioGroup.builder(kit).seed(seed).sloppyQuorum(true).build(),
      seed -> {
        int a = roundFrom(seed, 2, 3);
        return base("sloppy-handoff", seed)
            .at(a, Fault.crash(Target.random()))
            .at(a + 7, Fault.restart(Target.crashed()))
            .build();
      });

  /** Every named scenario of this module, in the order {@code replikit check --list} prints them. */
  public static List<NamedScenario> all() {
    return List.of(LEADER_CRASH, LEADER_PAUSE, FOLLOWER_PARTITION, RING_NODE_FAILURE, QUORUM_PARTITION,
        SLOPPY_HANDOFF);
  }

  public static Optional<NamedScenario> named(List<NamedScenario> among, String name) {
    return among.stream().filter(s -> s.name().equals(name)).findFirst();
  }
}
