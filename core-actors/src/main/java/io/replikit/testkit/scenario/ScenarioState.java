package io.replikit.testkit.scenario;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;

/** Which replicas a running scenario has crashed or paused (and not yet brought back). */
public final class ScenarioState {
  private final Set<String> crashed = new LinkedHashSet<>();
  private final Set<String> paused = new LinkedHashSet<>();

  public Set<String> crashed() {
    return Collections.unmodifiableSet(crashed);
  }

  public Set<String> paused() {
    return Collections.unmodifiableSet(paused);
  }

  void crashed(String replica, boolean is) {
    if (is) {
      crashed.add(replica);
    } else {
      crashed.remove(replica);
    }
  }

  void paused(String replica, boolean is) {
    if (is) {
      paused.add(replica);
    } else {
      paused.remove(replica);
    }
  }
}
