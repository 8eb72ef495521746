package io.replikit.crdt;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

/**
 * A seeded play of one CRDT at three replicas: each step either lets a replica perform an operation (its delta
 * merged into its own state and kept) or hands it some deltas performed elsewhere so far, so that later operations
 * build on what a replica has seen (a remove after an add it received, concurrent with another replica's add).
 */
final class Replicas<T extends Crdt<T>> {
  static final List<String> IDS = List.of("r1", "r2", "r3");
  private static final ObjectMapper JSON = new ObjectMapper();

  /** An operation at one replica: returns the delta of a mutator called on that replica's state. */
  interface Operation<T> {
    T perform(T state, String replica, Random random);
  }

  final T empty;
  final List<T> states = new ArrayList<>();
  final List<T> deltas = new ArrayList<>();
  private final Random random;

  private Replicas(T empty, Random random) {
    this.empty = empty;
    this.random = random;
    for (int i = 0; i < IDS.size(); i++) {
      states.add(empty);
    }
  }

  static <T extends Crdt<T>> Replicas<T> play(long seed, T empty, int steps, Operation<T> operation) {
    Replicas<T> play = new Replicas<>(empty, new Random(seed));
    for (int step = 0; step < steps; step++) {
      int at = play.random.nextInt(IDS.size());
      if (play.random.nextInt(4) == 0 && !play.deltas.isEmpty()) {
        for (int k = play.random.nextInt(play.deltas.size()) + 1; k > 0; k--) {
          T delta = play.deltas.get(play.random.nextInt(play.deltas.size()));
          play.states.set(at, play.states.get(at).merge(delta));
        }
      } else {
        T delta = operation.perform(play.states.get(at), IDS.get(at), play.random);
        play.states.set(at, play.states.get(at).merge(delta));
        play.deltas.add(delta);
      }
    }
    return play;
  }

  /** Every delta merged in the order performed: what every replica must end with. */
  T all() {
    return mergeAll(empty, deltas);
  }

  /** The merge of a random selection of this play's deltas: a state some replica could hold. */
  T someState(Random r) {
    List<T> some = new ArrayList<>();
    for (T d : deltas) {
      if (r.nextBoolean()) {
        some.add(d);
      }
    }
    return mergeAll(empty, some);
  }

  /**
   * Delivers every delta to each replica (and to a fresh one) in its own random order, with duplicates, each one
   * read back from its JSON as it would from a log entry, and asserts that all end equal to {@link #all()}.
   */
  List<T> deliverEverywhereAndAssertConverged(Function<T, T> throughTheWire) {
    T expected = all();
    List<T> ends = new ArrayList<>();
    List<T> starts = new ArrayList<>(states);
    starts.add(empty);
    for (T start : starts) {
      List<T> inbox = new ArrayList<>(deltas);
      for (int k = random.nextInt(deltas.size() + 1); k > 0; k--) {
        inbox.add(deltas.get(random.nextInt(deltas.size())));
      }
      Collections.shuffle(inbox, random);
      T state = start;
      for (T delta : inbox) {
        state = state.merge(throughTheWire.apply(delta));
      }
      ends.add(state);
    }
    for (T end : ends) {
      assertEquals(expected, end, "a replica ended elsewhere");
    }
    return ends;
  }

  static <T extends Crdt<T>> T mergeAll(T empty, List<T> deltas) {
    T state = empty;
    for (T d : deltas) {
      state = state.merge(d);
    }
    return state;
  }

  @SuppressWarnings("unchecked")
  static <T extends Crdt<T>> T viaJson(T value) {
    try {
      return (T) JSON.readValue(JSON.writerFor(Crdt.class).writeValueAsString(value), Crdt.class);
    } catch (Exception e) {
      throw new AssertionError("no JSON round trip for " + value, e);
    }
  }

  static CausalContext viaJsonContext(CausalContext context) {
    try {
      return JSON.readValue(JSON.writeValueAsString(context), CausalContext.class);
    } catch (Exception e) {
      throw new AssertionError("no JSON round trip for " + context, e);
    }
  }

  static <T extends Crdt<T>> void assertJoinLaws(T x, T y, T z) {
    assertEquals(x.merge(y), y.merge(x), "merge is not commutative");
    assertEquals(x.merge(y).merge(z), x.merge(y.merge(z)), "merge is not associative");
    assertEquals(x, x.merge(x), "merge is not idempotent");
    assertEquals(x.merge(y), x.merge(y).merge(y), "merging again changed the state");
  }
}
