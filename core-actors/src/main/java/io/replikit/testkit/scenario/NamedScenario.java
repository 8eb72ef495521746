package io.replikit.testkit.scenario;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import java.util.function.BiFunction;
import java.util.function.LongFunction;

/**
 * A scenario with a name, as {@code replikit check NAME} runs it: how to build its group for a seed, and its
 * script for that seed (the rounds its faults fall on are drawn from the seed too).
 *
 * @param family the family its group belongs to
 * @param description what it does and what its configuration promises, one or two sentences
 */
public record NamedScenario(String name, String family, String description,
    BiFunction<ActorTestKit, Long, ScenarioGroup> group, LongFunction<Scenario> script) {

  /** One seeded run: builds the group, runs the script, closes the group. */
  public ScenarioResult run(ActorTestKit kit, long seed) {
    try (ScenarioGroup g = group.apply(kit, seed)) {
      return script.apply(seed).run(g);
    }
  }

  /** One seeded run of this script against another group (a weakened configuration, say). */
  public ScenarioResult runAgainst(ScenarioGroup other, long seed) {
    return script.apply(seed).run(other);
  }
}
