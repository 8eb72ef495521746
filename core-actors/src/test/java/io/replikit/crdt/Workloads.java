package io.replikit.crdt;

import com.fasterxml.jackson.databind.node.IntNode;
import io.replikit.versioning.HybridLogicalClock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Seeded random operation histories at three replicas, one per CRDT type (and the nestings that matter). */
final class Workloads {
  private Workloads() {}

  private static final List<String> ELEMENTS = List.of("a", "b", "c", "d");
  private static final List<String> KEYS = List.of("k1", "k2", "k3");
  static final int STEPS = 40;

  private static <E> E pick(List<E> from, Random r) {
    return from.get(r.nextInt(from.size()));
  }

  static Replicas<GCounter> gCounter(long seed) {
    return Replicas.play(seed, GCounter.empty(), STEPS, (s, rep, r) -> s.increment(rep, r.nextInt(5)));
  }

  static Replicas<PNCounter> pnCounter(long seed) {
    return Replicas.play(seed, PNCounter.empty(), STEPS,
        (s, rep, r) -> r.nextBoolean() ? s.increment(rep, r.nextInt(5)) : s.decrement(rep, r.nextInt(5)));
  }

  static Replicas<AwORSet> awORSet(long seed) {
    return Replicas.play(seed, AwORSet.empty(), STEPS, (s, rep, r) -> switch (r.nextInt(6)) {
      case 0, 1, 2 -> s.add(rep, pick(ELEMENTS, r));
      case 3, 4 -> s.remove(pick(ELEMENTS, r));
      default -> s.clear();
    });
  }

  static Replicas<LwwRegister> lwwRegister(long seed) {
    long[] walls = {1000, 1000, 1000};
    Map<String, HybridLogicalClock> clocks = new HashMap<>();
    for (int i = 0; i < 3; i++) {
      int n = i;
      clocks.put(Replicas.IDS.get(i), new HybridLogicalClock(Replicas.IDS.get(i), () -> walls[n]));
    }
    return Replicas.play(seed, LwwRegister.empty(), STEPS, (s, rep, r) -> {
      walls[Replicas.IDS.indexOf(rep)] += r.nextInt(3) - 1; // skewed clocks that even step back
      return s.assign(IntNode.valueOf(r.nextInt(100)), clocks.get(rep));
    });
  }

  static Replicas<MvRegister> mvRegister(long seed) {
    return Replicas.play(seed, MvRegister.empty(), STEPS,
        (s, rep, r) -> r.nextInt(5) == 0 ? s.clear() : s.assign(rep, IntNode.valueOf(r.nextInt(100))));
  }

  static Replicas<Rga> rga(long seed) {
    return Replicas.play(seed, Rga.empty(), STEPS, (s, rep, r) -> {
      int length = s.ids().size();
      int choice = r.nextInt(6);
      if (choice == 5 && !s.nodes().isEmpty()) { // after any node, deleted ones too
        List<Rga.Id> all = new ArrayList<>(s.nodes().keySet());
        return s.insertAfter(rep, pick(all, r), "q");
      }
      if (choice >= 3 && length > 0) {
        int at = r.nextInt(length);
        return s.delete(at, 1 + r.nextInt(Math.min(2, length - at)));
      }
      StringBuilder text = new StringBuilder();
      for (int n = 1 + r.nextInt(3); n > 0; n--) {
        text.append((char) ('a' + r.nextInt(26)));
      }
      return s.insert(rep, r.nextInt(length + 1), text.toString());
    });
  }

  static Replicas<Resettable<GCounter>> resettableCounter(long seed) {
    return Replicas.play(seed, Resettable.<GCounter>empty(), STEPS, (s, rep, r) -> r.nextInt(5) == 0 ? s.reset()
        : s.update(rep, GCounter::empty, c -> c.increment(rep, 1 + r.nextInt(3))));
  }

  static Replicas<OrMap<AwORSet>> mapOfSets(long seed) {
    return Replicas.play(seed, OrMap.<AwORSet>empty(), STEPS, (s, rep, r) -> {
      String key = pick(KEYS, r);
      return switch (r.nextInt(6)) {
        case 0, 1, 2 -> s.update(key, AwORSet::empty, set -> set.add(rep, pick(ELEMENTS, r)));
        case 3, 4 -> s.update(key, AwORSet::empty, set -> set.remove(pick(ELEMENTS, r)));
        default -> s.remove(key);
      };
    });
  }

  static Replicas<OrMap<Resettable<PNCounter>>> mapOfCounters(long seed) {
    return Replicas.play(seed, OrMap.<Resettable<PNCounter>>empty(), STEPS, (s, rep, r) -> {
      String key = pick(KEYS, r);
      if (r.nextInt(5) == 0) {
        return s.remove(key);
      }
      return s.update(key, Resettable::empty, c -> c.update(rep, PNCounter::empty,
          n -> r.nextBoolean() ? n.increment(rep, r.nextInt(4)) : n.decrement(rep, r.nextInt(4))));
    });
  }

  static Replicas<OrMap<OrMap<MvRegister>>> mapOfMapsOfRegisters(long seed) {
    return Replicas.play(seed, OrMap.<OrMap<MvRegister>>empty(), STEPS, (s, rep, r) -> {
      String outer = pick(KEYS, r);
      String inner = pick(ELEMENTS, r);
      return switch (r.nextInt(7)) {
        case 0 -> s.remove(outer);
        case 1 -> s.update(outer, OrMap::empty, m -> m.remove(inner));
        case 2 -> s.update(outer, OrMap::empty, m -> m.update(inner, MvRegister::empty, MvRegister::clear));
        default -> s.update(outer, OrMap::empty,
            m -> m.update(inner, MvRegister::empty, v -> v.assign(rep, IntNode.valueOf(r.nextInt(100)))));
      };
    });
  }

  static Replicas<OrMap<Resettable<Rga>>> mapOfTexts(long seed) {
    return Replicas.play(seed, OrMap.<Resettable<Rga>>empty(), STEPS, (s, rep, r) -> {
      String key = pick(KEYS, r);
      if (r.nextInt(6) == 0) {
        return s.remove(key);
      }
      return s.update(key, Resettable::empty, t -> t.update(rep, Rga::empty, text -> {
        int length = text.ids().size();
        return length > 0 && r.nextInt(3) == 0 ? text.delete(r.nextInt(length), 1)
            : text.insert(rep, r.nextInt(length + 1), String.valueOf((char) ('a' + r.nextInt(26))));
      }));
    });
  }
}
