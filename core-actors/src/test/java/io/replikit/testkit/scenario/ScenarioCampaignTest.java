package io.replikit.testkit.scenario;

import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The default suite's campaign: every named scenario of this module for 20 seeds. Each run's promised guarantees
 * must hold, and the faults must have bitten (something acknowledged, something not). A failure prints the run's
 * summary with its seed: {@code ./replikit check NAME --seed S --runs 1} replays it.
 */
class ScenarioCampaignTest {
  static final int RUNS = 20;
  private static ActorTestKit kit;

  @BeforeAll
  static void start() {
    kit = ActorTestKit.create("scenario-campaign", ScenarioKit.config());
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  @TestFactory
  Stream<DynamicTest> everyNamedScenarioKeepsWhatItPromisesForTwentySeeds() {
    return Scenarios.all().stream().map(s -> DynamicTest.dynamicTest(s.name(), () -> campaign(kit, s)));
  }

  static void campaign(ActorTestKit kit, NamedScenario scenario) {
    List<String> failed = new ArrayList<>();
    long acknowledged = 0;
    long notOk = 0;
    for (long seed = 1; seed <= RUNS; seed++) {
      ScenarioResult r = scenario.run(kit, seed);
      acknowledged += r.acknowledged();
      notOk += r.operations() - r.history().ops().stream().filter(o -> o.ok()).count();
      if (!r.ok()) {
        failed.add(r.summary());
      }
    }
    assertTrue(failed.isEmpty(), scenario.name() + ": " + failed.size() + " of " + RUNS + " runs broke a promise:\n"
        + String.join("\n", failed));
    assertTrue(acknowledged > 0, scenario.name() + ": no write was acknowledged in " + RUNS + " runs");
    assertTrue(notOk > 0, scenario.name() + ": every operation succeeded in " + RUNS + " runs: the faults never bit");
  }
}
