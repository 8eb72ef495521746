package io.replikit.multileader.testkit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import io.replikit.multileader.ConflictStrategy;
import io.replikit.testkit.scenario.Guarantee;
import io.replikit.testkit.scenario.ScenarioKit;
import io.replikit.testkit.scenario.ScenarioResult;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The multi-leader scenario for 20 seeds in the default suite: every run keeps what siblings promise; and the same
 * script with last-write-wins and one leader's clock 5 s fast is caught discarding acknowledged writes (a later write
 * loses to an earlier one stamped in the future), which last-write-wins does not promise to keep.
 */
class MultiLeaderScenarioCampaignTest {
  private static ActorTestKit kit;

  @BeforeAll
  static void start() {
    kit = ActorTestKit.create("ml-scenario-campaign", ScenarioKit.config());
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  @Test
  void multiLeaderPartitionKeepsWhatItPromisesForTwentySeeds() {
    List<String> failed = new ArrayList<>();
    long acknowledged = 0;
    long staleReads = 0;
    for (long seed = 1; seed <= 20; seed++) {
      ScenarioResult r = MultiLeaderScenarios.MULTI_LEADER_PARTITION.run(kit, seed);
      acknowledged += r.acknowledged();
      staleReads += r.verdicts().get(Guarantee.FRESH_READS).anomalies().size();
      if (!r.ok()) {
        failed.add(r.summary());
      }
    }
    assertTrue(failed.isEmpty(), failed.size() + " of 20 runs broke a promise:\n" + String.join("\n", failed));
    assertTrue(acknowledged > 0);
    assertTrue(staleReads > 0, "a partitioned leader serves stale reads to other leaders' writers, which "
        + "multi-leader does not promise against: the checker should have seen some in 20 runs");
  }

  @Test
  void lastWriteWinsWithAFastClockIsCaughtDiscardingAcknowledgedWrites() {
    ScenarioResult caught = null;
    for (long seed = 1; seed <= 10 && caught == null; seed++) {
      try (MultiLeaderScenarioGroup g = MultiLeaderScenarioGroup.builder(kit).seed(seed)
          .conflicts(new ConflictStrategy.LastWriteWins()).clockAhead("m1", java.time.Duration.ofSeconds(5)).build()) {
        ScenarioResult r = MultiLeaderScenarios.MULTI_LEADER_PARTITION.runAgainst(g, seed);
        assertFalse(r.promised().contains(Guarantee.NO_LOST_WRITES), "last-write-wins does not promise to keep them");
        if (r.verdicts().get(Guarantee.NO_LOST_WRITES).invalid()) {
          caught = r;
        }
      }
    }
    assertTrue(caught != null, "under last-write-wins with m1's clock 5 s fast no later write lost to one of m1's "
        + "in 10 seeds");
    assertTrue(caught.ok(), "what is not promised does not fail the run: " + caught.summary());
  }
}
