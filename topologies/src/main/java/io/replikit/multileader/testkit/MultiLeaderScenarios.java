package io.replikit.multileader.testkit;

import io.replikit.testkit.scenario.Fault;
import io.replikit.testkit.scenario.NamedScenario;
import io.replikit.testkit.scenario.Scenarios;
import io.replikit.testkit.scenario.Target;
import java.util.List;
import java.util.Random;

/** The named scenario of the multi-leader family ({@code replikit check multi-leader-partition}). */
public final class MultiLeaderScenarios {
  private MultiLeaderScenarios() {}

  public static final NamedScenario MULTI_LEADER_PARTITION = new NamedScenario("multi-leader-partition",
      "multi-leader",
      "three leaders all-to-all, siblings kept, each client at its home leader; one leader is cut off while every "
          + "leader keeps taking writes (conflicting ones included), then the network heals and the digests repair "
          + "what the partition kept apart; later a leader crashes and restarts from its journal. Promised: "
          + "convergence, no acknowledged write lost, read-your-writes, monotonic reads, consistent prefix.",
      (kit, seed) -> MultiLeaderScenarioGroup.builder(kit).seed(seed).build(),
      seed -> {
        int a = 2 + new Random(seed * 7919L + 17).nextInt(3);
        return Scenarios.base("multi-leader-partition", seed)
            .at(a, Fault.isolate(Target.random()))
            .at(a + 5, Fault.heal())
            .at(a + 7, Fault.crash(Target.random()))
            .at(a + 8, Fault.restart(Target.crashed()))
            .build();
      });

  public static List<NamedScenario> all() {
    return List.of(MULTI_LEADER_PARTITION);
  }
}
