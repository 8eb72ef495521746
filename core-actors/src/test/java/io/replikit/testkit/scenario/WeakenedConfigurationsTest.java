package io.replikit.testkit.scenario;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import io.replikit.singleleader.AckPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The named scripts against configurations that promise less: the checkers must catch what those give up (so a
 * checker that always said "fine" fails here), and the group must not claim the promise it cannot keep.
 */
class WeakenedConfigurationsTest {
  private static final int SEEDS = 20; // stops at the first run that shows the anomaly (usually within the first few)
  private static ActorTestKit kit;

  @BeforeAll
  static void start() {
    kit = ActorTestKit.create("scenario-weakened", ScenarioKit.config());
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  /** Runs seeds until {@code caught} says a run showed the anomaly; returns the summaries of the runs tried. */
  private static List<ScenarioResult> untilCaught(NamedScenario script, LongFunction<ScenarioGroup> group,
      Guarantee anomaly) {
    List<ScenarioResult> tried = new ArrayList<>();
    for (long seed = 1; seed <= SEEDS; seed++) {
      try (ScenarioGroup g = group.apply(seed)) {
        ScenarioResult r = script.runAgainst(g, seed);
        tried.add(r);
        if (r.verdicts().get(anomaly).invalid()) {
          break;
        }
      }
    }
    return tried;
  }

  @Test
  void asynchronousReplicationWithLeaderCrashesIsCaughtLosingAcknowledgedWrites() {
    // the leader is cut off two rounds before it crashes: an asynchronous leader acknowledges those rounds' writes
    // (its lease still holds) without any follower having them, which is exactly what the chapter warns of
    NamedScenario cutThenCrash = new NamedScenario("leader-cut-then-crash", "single-leader", "",
        (k, seed) -> null, seed -> Scenarios.base("leader-cut-then-crash", seed)
            .at(4, Fault.isolate(Target.leader()))
            .at(6, Fault.crash(Target.leader()), Fault.heal())
            .at(11, Fault.restart(Target.crashed()))
            .build());
    List<ScenarioResult> runs = untilCaught(cutThenCrash,
        seed -> SingleLeaderScenarioGroup.builder(kit).seed(seed).ackPolicy(AckPolicy.async()).build(),
        Guarantee.NO_LOST_WRITES);
    ScenarioResult last = runs.get(runs.size() - 1);
    assertTrue(last.verdicts().get(Guarantee.NO_LOST_WRITES).invalid(),
        "in " + SEEDS + " seeded crashes of a cut-off leader an asynchronous group lost no acknowledged write (the "
            + "chapter's warning)\n" + last.summary());
    assertTrue(last.lost() > 0, last.summary());
    assertFalse(last.promised().contains(Guarantee.NO_LOST_WRITES), "async does not promise durability");
    assertTrue(last.ok(), "what is not promised does not fail the run: " + last.summary());
  }

  @Test
  void aLeaderlessKeyspaceWithWPlusRAtMostNIsCaughtReadingStaleValues() {
    // two nodes cut off from the other three for eight rounds: a write that one side acknowledged at w = 1 is not
    // on the other side, where a read at r = 1 still answers
    NamedScenario split = new NamedScenario("ring-split", "leaderless", "", (k, seed) -> null,
        seed -> Scenarios.base("ring-split", seed)
            .at(2, Fault.partitionRandom(2))
            .at(10, Fault.heal())
            .build());
    List<ScenarioResult> runs = untilCaught(split,
        seed -> LeaderlessScenarioGroup.builder(kit).seed(seed).quorum(3, 1, 1).build(), Guarantee.FRESH_READS);
    ScenarioResult last = runs.get(runs.size() - 1);
    assertTrue(last.verdicts().get(Guarantee.FRESH_READS).invalid(),
        "w = r = 1 of n = 3 read nothing stale in " + SEEDS + " seeds with the ring split in two\n" + last.summary());
    assertFalse(last.promised().contains(Guarantee.FRESH_READS));
  }

  @Test
  void followerReadsWithoutSessionPositionsAreCaughtBreakingMonotonicReadsOrReadYourWrites() {
    // the follower-partition script with reads at any replica that ask for no position: a cut-off follower serves
    // what it has, older than what the client wrote
    List<ScenarioResult> runs = untilCaught(Scenarios.FOLLOWER_PARTITION,
        seed -> SingleLeaderScenarioGroup.builder(kit).seed(seed).reads(SingleLeaderScenarioGroup.Reads.ANY).build(),
        Guarantee.READ_YOUR_WRITES);
    ScenarioResult last = runs.get(runs.size() - 1);
    assertTrue(last.verdicts().get(Guarantee.READ_YOUR_WRITES).invalid(),
        "reads at a cut-off follower without the session's position never missed the client's own write in "
            + SEEDS + " seeds\n" + last.summary());
    assertFalse(last.promised().contains(Guarantee.READ_YOUR_WRITES));
  }
}
