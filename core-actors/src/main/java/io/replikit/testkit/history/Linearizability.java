package io.replikit.testkit.history;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Linearizability of a history of reads and writes of registers, checked key by key (a register per key; a history
 * is linearizable iff each key's is: P-compositionality) with the Wing-Gong search as improved by Lowe (just-in-time
 * linearization with a cache of (linearized set, state) configurations), the algorithm of Knossos and Porcupine.
 *
 * <p>Outcomes: an {@code ok} operation took effect between its start and end; a {@code failed} one did not happen at
 * all (only use it where the system promises that: a leaderless write answered QuorumFailed may have happened and
 * must be recorded {@code unknown}); an {@code unknown} write may have taken effect at any time after its start, or
 * never; an {@code unknown} read tells nothing and is left out. Values must be unique per key for a violation to
 * name its cause clearly (the search itself does not need it). The search is exponential in the worst case: it stops
 * at {@code budget} and answers {@link Verdict.Status#UNKNOWN} for that key rather than guessing.
 */
public final class Linearizability {
  private Linearizability() {}

  public static final String NAME = "linearizability";

  public static Verdict check(History history, Duration budget) {
    long deadline = System.nanoTime() + budget.toNanos();
    List<String> anomalies = new ArrayList<>();
    List<String> undecided = new ArrayList<>();
    int keys = 0;
    for (Map.Entry<String, List<Op>> e : history.byKey().entrySet()) {
      keys++;
      Result r = checkKey(e.getValue(), deadline);
      if (r == Result.NOT_LINEARIZABLE) {
        anomalies.add("key " + e.getKey() + ": no order of its " + e.getValue().size() + " operations is "
            + "consistent with both their real-time order and a register");
      } else if (r == Result.TIMED_OUT) {
        undecided.add(e.getKey());
      }
    }
    if (!anomalies.isEmpty()) {
      return new Verdict(NAME, Verdict.Status.INVALID, anomalies, keys + " keys checked; undecided " + undecided);
    }
    if (!undecided.isEmpty()) {
      return new Verdict(NAME, Verdict.Status.UNKNOWN, List.of(), "the search hit its " + budget.toMillis()
          + " ms bound on keys " + undecided);
    }
    return new Verdict(NAME, Verdict.Status.VALID, List.of(), keys + " keys, every one linearizable");
  }

  enum Result { LINEARIZABLE, NOT_LINEARIZABLE, TIMED_OUT }

  /** A call or return event in the doubly linked list the search lifts operations out of. */
  private static final class Entry {
    final int id;
    final boolean call;
    final long time;
    final Op op;
    Entry match;
    Entry prev;
    Entry next;

    Entry(int id, boolean call, long time, Op op) {
      this.id = id;
      this.call = call;
      this.time = time;
      this.op = op;
    }
  }

  private record Config(BitSet linearized, JsonNode state) {}

  static Result checkKey(List<Op> ops, long deadline) {
    List<Op> kept = new ArrayList<>();
    for (Op op : ops) {
      if (op.outcome() == Op.Outcome.FAILED || (op.isRead() && op.outcome() == Op.Outcome.UNKNOWN)) {
        continue;
      }
      kept.add(op);
    }
    List<Entry> events = new ArrayList<>();
    for (int i = 0; i < kept.size(); i++) {
      Op op = kept.get(i);
      Entry call = new Entry(i, true, op.startNs(), op);
      Entry ret = new Entry(i, false, op.ok() ? op.endNs() : Long.MAX_VALUE, op);
      call.match = ret;
      ret.match = call;
      events.add(call);
      events.add(ret);
    }
    // by time; at equal times calls first, so that touching operations count as concurrent (the permissive choice)
    events.sort((a, b) -> a.time != b.time ? Long.compare(a.time, b.time) : Boolean.compare(b.call, a.call));
    Entry head = new Entry(-1, false, Long.MIN_VALUE, null);
    Entry last = head;
    for (Entry e : events) {
      last.next = e;
      e.prev = last;
      last = e;
    }

    Set<Config> cache = new HashSet<>();
    Deque<Entry> stack = new ArrayDeque<>();
    Deque<JsonNode> states = new ArrayDeque<>();
    BitSet linearized = new BitSet(kept.size());
    JsonNode state = null;
    Entry entry = head.next;
    long steps = 0;
    while (head.next != null) {
      if ((++steps & 1023) == 0 && System.nanoTime() > deadline) {
        return Result.TIMED_OUT;
      }
      if (entry.call) {
        Op op = entry.op;
        List<JsonNode> seen = op.seen();
        boolean legal = op.isWrite() || seen.size() <= 1 && Objects.equals(seen.isEmpty() ? null : seen.get(0), state);
        JsonNode next = op.isWrite() ? op.single() : state;
        if (legal) {
          BitSet after = (BitSet) linearized.clone();
          after.set(entry.id);
          if (cache.add(new Config(after, next))) {
            stack.push(entry);
            states.push(state == null ? NULL : state);
            state = next;
            linearized.set(entry.id);
            lift(entry);
            entry = head.next;
            continue;
          }
        }
        entry = entry.next;
      } else {
        if (stack.isEmpty()) {
          return Result.NOT_LINEARIZABLE;
        }
        Entry undo = stack.pop();
        JsonNode previous = states.pop();
        state = previous == NULL ? null : previous;
        linearized.clear(undo.id);
        unlift(undo);
        entry = undo.next;
      }
    }
    return Result.LINEARIZABLE;
  }

  /** Stands for "absent" in the stack, which takes no nulls. */
  private static final JsonNode NULL = com.fasterxml.jackson.databind.node.MissingNode.getInstance();

  private static void lift(Entry call) {
    call.prev.next = call.next;
    if (call.next != null) {
      call.next.prev = call.prev;
    }
    Entry ret = call.match;
    ret.prev.next = ret.next;
    if (ret.next != null) {
      ret.next.prev = ret.prev;
    }
  }

  private static void unlift(Entry call) {
    Entry ret = call.match;
    ret.prev.next = ret;
    if (ret.next != null) {
      ret.next.prev = ret;
    }
    call.prev.next = call;
    if (call.next != null) {
      call.next.prev = call;
    }
  }
}
