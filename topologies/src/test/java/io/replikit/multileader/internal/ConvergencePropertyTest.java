package io.replikit.multileader.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.replikit.multileader.ConflictPolicy;
import io.replikit.multileader.ConflictStrategy;
import io.replikit.versioning.HybridLogicalClock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The law behind multi-leader convergence: whatever the writes and whatever order (respecting causality, as the
 * replicas enforce) each replica receives the others' changes in, every replica ends with the same versions of
 * every key and shows the same value under every strategy; and a conflict is counted exactly where two writes are
 * concurrent.
 */
class ConvergencePropertyTest {
  private static final List<String> REPLICAS = List.of("a", "b", "c");

  private static List<ConflictPolicy> policies() {
    return List.of(ConflictPolicy.lastWriteWins(),
        ConflictPolicy.of(new ConflictStrategy.ReplicaPriority(List.of("c", "a", "b"))),
        ConflictPolicy.of(new ConflictStrategy.Merge((x, y) -> JsonNodeFactory.instance.numberNode(x.asInt()
            + y.asInt()))),
        ConflictPolicy.of(ConflictStrategy.keepSiblings()),
        ConflictPolicy.of(new ConflictStrategy.OnWrite((key, versions) -> JsonNodeFactory.instance.numberNode(
            versions.stream().mapToInt(v -> v.value() == null ? 0 : v.value().asInt()).max().orElse(0)))));
  }

  @Property(tries = 150, seed = "20261122")
  void everyReplicaConvergesWhateverTheDeliveryOrder(@ForAll long seed,
      @ForAll @IntRange(min = 1, max = 40) int steps) {
    for (ConflictPolicy policy : policies()) {
      Random r = new Random(seed);
      long[] wall = {1000, 900, 1100}; // skewed clocks
      List<MultiLeaderState> states = new ArrayList<>();
      List<HybridLogicalClock> clocks = new ArrayList<>();
      List<List<Change>> inbox = new ArrayList<>();
      List<Change> all = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        int n = i;
        states.add(MultiLeaderState.empty(REPLICAS.get(i)));
        clocks.add(new HybridLogicalClock(REPLICAS.get(i), () -> wall[n]));
        inbox.add(new ArrayList<>());
      }
      for (int step = 0; step < steps; step++) {
        int at = r.nextInt(3);
        wall[at] += r.nextInt(3);
        if (r.nextInt(3) > 0) {
          String key = "k" + r.nextInt(3);
          Change c;
          if (r.nextInt(4) == 0) {
            // a CRDT-valued key: concurrent increments merge, none lost
            io.replikit.crdt.PNCounter current = (io.replikit.crdt.PNCounter) states.get(at).crdtOf("counter");
            c = states.get(at).localCrdt("counter", (current == null ? io.replikit.crdt.PNCounter.empty() : current)
                .increment(REPLICAS.get(at), 1 + r.nextInt(3)), clocks.get(at).now());
          } else {
            c = states.get(at).localWrite(key, r.nextInt(8) == 0 ? null
                : JsonNodeFactory.instance.numberNode(r.nextInt(100)), clocks.get(at).now());
          }
          states.set(at, states.get(at).apply(c, policy).state());
          all.add(c);
          for (int other = 0; other < 3; other++) {
            if (other != at) {
              inbox.get(other).add(c);
            }
          }
        } else {
          deliverSome(states, clocks, inbox, at, r, policy, 1 + r.nextInt(3));
        }
      }
      for (int i = 0; i < 3; i++) {
        deliverSome(states, clocks, inbox, i, r, policy, Integer.MAX_VALUE);
      }
      Map<String, MultiLeaderState.View> first = views(states.get(0), policy);
      for (MultiLeaderState s : states) {
        assertEquals(states.get(0).applied(), s.applied());
        assertEquals(first, views(s, policy), s.self() + " under " + policy.strategyFor("k0"));
      }
    }
  }

  /** Delivers up to {@code n} deliverable changes from {@code at}'s inbox, picked at random among deliverable ones. */
  private static void deliverSome(List<MultiLeaderState> states, List<HybridLogicalClock> clocks,
      List<List<Change>> inbox, int at, Random r, ConflictPolicy policy, int n) {
    for (int delivered = 0; delivered < n; delivered++) {
      List<Change> ready = new ArrayList<>();
      for (Change c : inbox.get(at)) {
        if (MultiLeaderState.deliverable(states.get(at).applied(), c)) {
          ready.add(c);
        }
      }
      if (ready.isEmpty()) {
        return;
      }
      Change c = ready.get(r.nextInt(ready.size()));
      inbox.get(at).remove(c);
      clocks.get(at).observe(c.hlc());
      states.set(at, states.get(at).apply(c, policy).state());
    }
  }

  private static Map<String, MultiLeaderState.View> views(MultiLeaderState s, ConflictPolicy policy) {
    Map<String, MultiLeaderState.View> out = new TreeMap<>();
    for (String key : s.store().keySet()) {
      out.put(key, s.view(key, policy));
    }
    return out;
  }
}
