package io.replikit.examples.bench.multileader;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.replikit.examples.bench.multileader.MultiLeaderWorkload.Write;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Concurrent same-key writes are counted by what each leader had applied, the same as a pairwise check would. */
class ConcurrentWritesTest {

  /** Apply orders per leader: leader -> write ids in the order that leader applied them. */
  private static ConcurrentWrites.AppliedOrder orders(Map<Integer, List<Long>> applied) {
    return (writeId, leader) -> {
      int i = applied.getOrDefault(leader, List.of()).indexOf(writeId);
      return i < 0 ? Visibility.NEVER : i + 1;
    };
  }

  private static Write write(long id, int leader, String key) {
    return new Write(id, leader, key, "v" + id, false);
  }

  @Test
  void twoLeadersThatEachWroteBeforeSeeingTheOtherConflictOnce() {
    List<Write> writes = List.of(write(0, 0, "k"), write(1, 1, "k"));
    var count = ConcurrentWrites.count(writes, orders(Map.of(0, List.of(0L, 1L), 1, List.of(1L, 0L))));
    assertEquals(new ConcurrentWrites.Count(1, 2), count);
  }

  @Test
  void aWriteTakenAfterTheOtherArrivedFollowsItAndIsNoConflict() {
    List<Write> writes = List.of(write(0, 0, "k"), write(1, 1, "k"));
    var count = ConcurrentWrites.count(writes, orders(Map.of(0, List.of(0L, 1L), 1, List.of(0L, 1L))));
    assertEquals(new ConcurrentWrites.Count(0, 0), count);
  }

  @Test
  void writesToDifferentKeysOrFromTheSameLeaderNeverConflict() {
    List<Write> writes = List.of(write(0, 0, "a"), write(1, 1, "b"), write(2, 0, "c"), write(3, 0, "c"));
    var count = ConcurrentWrites.count(writes,
        orders(Map.of(0, List.of(0L, 2L, 3L, 1L), 1, List.of(1L, 0L, 2L, 3L))));
    assertEquals(new ConcurrentWrites.Count(0, 0), count);
  }

  @Test
  void writesThatNeverReachedTheOtherLeaderAreConcurrent() {
    List<Write> writes = List.of(write(0, 0, "k"), write(1, 1, "k"));
    var count = ConcurrentWrites.count(writes, orders(Map.of(0, List.of(0L), 1, List.of(1L))));
    assertEquals(new ConcurrentWrites.Count(1, 2), count);
  }

  @Test
  void countsAgreeWithThePairwiseDefinitionOnRandomDeliveries() {
    Random random = new Random(42);
    for (int round = 0; round < 200; round++) {
      int leaders = 2 + random.nextInt(3);
      int n = 1 + random.nextInt(40);
      List<Write> writes = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        writes.add(write(i, random.nextInt(leaders), "k" + random.nextInt(3)));
      }
      Map<Integer, List<Long>> applied = new HashMap<>();
      for (int l = 0; l < leaders; l++) {
        List<Long> order = new ArrayList<>();
        for (Write w : writes) {
          // each leader applies its own writes and, now and then, misses another's
          if (w.leader() == l || random.nextInt(10) > 0) {
            order.add(w.id());
          }
        }
        Collections.shuffle(order, random);
        applied.put(l, order);
      }
      ConcurrentWrites.AppliedOrder order = orders(applied);
      long pairs = 0;
      Set<Long> involved = new HashSet<>();
      for (Write a : writes) {
        for (Write b : writes) {
          if (a.id() < b.id() && a.key().equals(b.key()) && a.leader() != b.leader()
              && order.of(a.id(), b.leader()) > order.of(b.id(), b.leader())
              && order.of(b.id(), a.leader()) > order.of(a.id(), a.leader())) {
            pairs++;
            involved.add(a.id());
            involved.add(b.id());
          }
        }
      }
      assertEquals(new ConcurrentWrites.Count(pairs, involved.size()), ConcurrentWrites.count(writes, order),
          "round " + round);
    }
  }
}
