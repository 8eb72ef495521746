package io.replikit.examples.bench.multileader;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The systems {@code replikit bench multi-leader --system} can run, by name. Replikit's own multi-leader replica
 * ({@link ReplikitMultiLeaderSystem}) and Akka's baseline are registered in {@link #FACTORIES}.
 */
public final class MultiLeaderSystems {
  public static final String AKKA = AkkaReplicatedBaseline.NAME;
  public static final String REPLIKIT = "replikit";
  /** {@code --system both}: every system, Replikit's first. */
  public static final String BOTH = "both";

  /** A null factory: the name is known but its implementation does not exist yet. */
  private static final Map<String, Supplier<MultiLeaderSystemUnderTest>> FACTORIES = new LinkedHashMap<>();

  static {
    FACTORIES.put(REPLIKIT, ReplikitMultiLeaderSystem::new);
    FACTORIES.put(AKKA, AkkaReplicatedBaseline::new);
  }

  private MultiLeaderSystems() {}

  /**
   * The systems {@code value} selects ({@code akka}, {@code replikit} or {@code both}), in the order they run.
   *
   * @throws IllegalArgumentException for an unknown name, or naming a system that is not available yet
   */
  public static List<String> select(String value) {
    String v = value.trim().toLowerCase(Locale.ROOT);
    List<String> names = v.equals(BOTH) ? new ArrayList<>(FACTORIES.keySet()) : List.of(v);
    for (String name : names) {
      if (!FACTORIES.containsKey(name)) {
        throw new IllegalArgumentException("--system must be akka, replikit or both, was '" + value + "'");
      }
      if (FACTORIES.get(name) == null) {
        throw new IllegalArgumentException("--system " + v + ": Replikit's own multi-leader replica (the "
            + "topologies module of issue 5) is not available yet; for now only --system " + AKKA
            + " runs (Akka's Replicated Event Sourcing, the baseline)");
      }
    }
    return names;
  }

  /** A new, unstarted instance of the system {@code name} (one that {@link #select} accepted). */
  public static MultiLeaderSystemUnderTest create(String name) {
    Supplier<MultiLeaderSystemUnderTest> factory = FACTORIES.get(name);
    if (factory == null) {
      throw new IllegalArgumentException("no multi-leader system '" + name + "' is available");
    }
    return factory.get();
  }
}
