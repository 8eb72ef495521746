package io.replikit.leaderless.staleness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class PbsCalculatorTest {
  private static final List<Double> TIMES = List.of(0.0, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0);
  private static final double MEAN_W = 10;

  /**
   * n = 3, w = 1, r = 1, W exponential (mean 10 ms), A = R = S = 0: the write commits at the smallest W; the read
   * answers from one replica, which is that one with probability 1/3 and otherwise gets the write an Exp later
   * (memorylessness): P(t) = 1/3 + 2/3 (1 - e^(-t/10)).
   */
  private static double closedForm(double t) {
    return 1.0 / 3 + 2.0 / 3 * (1 - Math.exp(-t / MEAN_W));
  }

  private static PbsCalculator exponentialWrites() {
    return PbsCalculator.iid(3, 1, 1, new Wars(Latency.exponential(MEAN_W), Latency.constant(0),
        Latency.constant(0), Latency.constant(0)));
  }

  @Test
  void strictQuorumsAreConsistentAtOnce() {
    Wars heavy = new Wars(Latency.pareto(2, 1.5), Latency.exponential(5), Latency.exponential(3),
        Latency.pareto(1, 2));
    for (int[] nwr : new int[][] {{3, 2, 2}, {3, 1, 3}, {3, 3, 1}, {5, 3, 3}, {5, 2, 4}}) {
      PbsCalculator.Prediction p = PbsCalculator.iid(nwr[0], nwr[1], nwr[2], heavy).predict(List.of(0.0), 20_000, 7);
      assertEquals(1.0, p.probabilities().get(0), "n,w,r = " + nwr[0] + "," + nwr[1] + "," + nwr[2]);
      assertEquals(0.0, p.timeFor(0.999));
    }
  }

  @Test
  void partialQuorumMatchesTheClosedForm() {
    PbsCalculator.Prediction p = exponentialWrites().predict(TIMES, 200_000, 42);
    for (int i = 0; i < TIMES.size(); i++) {
      assertEquals(closedForm(TIMES.get(i)), p.probabilities().get(i), 0.005, "t = " + TIMES.get(i));
    }
    // inverse of the closed form: t = -10 ln(3 (1 - target) / 2)
    assertEquals(-MEAN_W * Math.log(3 * (1 - 0.99) / 2), p.timeFor(0.99), 1.5);
    assertTrue(p.probabilities().get(0) < 0.35, "w + r <= n is stale at t = 0 two reads in three");
  }

  @Test
  void perReplicaLatenciesFollowTheWritePath() {
    // replica 0 gets the write at 0 and acknowledges it (commit at 0), replicas 1 and 2 get it at 40 and 120 ms;
    // the read's first answer comes from replica 2 (R = 0) before 1 (R = 5) and 0 (R = 200)
    List<Wars> path = List.of(
        new Wars(Latency.constant(0), Latency.constant(0), Latency.constant(200), Latency.constant(0)),
        new Wars(Latency.constant(40), Latency.constant(0), Latency.constant(5), Latency.constant(0)),
        new Wars(Latency.constant(120), Latency.constant(0), Latency.constant(0), Latency.constant(0)));
    PbsCalculator.Prediction r1 = PbsCalculator.perReplica(path, 1, 1).predict(List.of(0.0, 119.0, 120.0), 100, 1);
    assertEquals(List.of(0.0, 0.0, 1.0), r1.probabilities());
    // r = 2 also hears replica 1, which has the write once 40 - 5 ms passed
    PbsCalculator.Prediction r2 = PbsCalculator.perReplica(path, 1, 2).predict(List.of(0.0, 34.0, 35.0), 100, 1);
    assertEquals(List.of(0.0, 0.0, 1.0), r2.probabilities());
  }

  @Test
  void aCoordinatedWriteReachesTheOthersAfterTheFirstAnswered() {
    // every leg 5 ms: replica 0 has the write at 5 and commits it at 10; replicas 1 and 2 get it at 10 + 5 = 15;
    // the read's first answer is replica 1's (R = 1), so it is consistent once 15 - 1 - 10 = 4 ms passed
    Wars five = new Wars(Latency.constant(5), Latency.constant(5), Latency.constant(5), Latency.constant(0));
    Wars fast = new Wars(Latency.constant(5), Latency.constant(5), Latency.constant(1), Latency.constant(0));
    PbsCalculator.Prediction p = PbsCalculator.coordinatedWrite(List.of(five, fast, five), 1, 1)
        .predict(List.of(0.0, 3.9, 4.0), 50, 1);
    assertEquals(List.of(0.0, 0.0, 1.0), p.probabilities());
    assertEquals(4.0, p.timeFor(0.999));
    // the paper's parallel write would have had them all at 5, before the commit
    assertEquals(1.0, PbsCalculator.perReplica(List.of(five, fast, five), 1, 1).predict(List.of(0.0), 50, 1)
        .probabilities().get(0));
  }

  @Test
  void monotoneInTime() {
    PbsCalculator.Prediction p = PbsCalculator.iid(5, 1, 2, new Wars(Latency.pareto(1, 1.2),
        Latency.exponential(4), Latency.exponential(2), Latency.pareto(0.5, 3))).predict(
        IntStream.range(0, 200).mapToObj(i -> i * 0.5).toList(), 20_000, 3);
    for (int i = 1; i < p.probabilities().size(); i++) {
      assertTrue(p.probabilities().get(i) >= p.probabilities().get(i - 1), "at index " + i);
    }
  }

  @Test
  void seededRunsAreReproducibleAndMoreTrialsAreTighter() {
    assertEquals(exponentialWrites().predict(TIMES, 5_000, 11).probabilities(),
        exponentialWrites().predict(TIMES, 5_000, 11).probabilities());
    double few = worstError(300);
    double many = worstError(40_000);
    assertTrue(many < few / 3, "worst error over seeds with 300 trials " + few + ", with 40000 " + many);
    assertTrue(many < 0.015, "40000 trials within 1.5 points: " + many);
  }

  private static double worstError(int trials) {
    double worst = 0;
    for (long seed = 1; seed <= 8; seed++) {
      PbsCalculator.Prediction p = exponentialWrites().predict(TIMES, trials, seed);
      for (int i = 0; i < TIMES.size(); i++) {
        worst = Math.max(worst, Math.abs(p.probabilities().get(i) - closedForm(TIMES.get(i))));
      }
    }
    return worst;
  }

  @Test
  void badInputIsNamed() {
    Wars zero = new Wars(Latency.constant(0), Latency.constant(0), Latency.constant(0), Latency.constant(0));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> PbsCalculator.iid(3, 4, 1, zero)).getMessage()
        .contains("w must be between 1 and n = 3, was 4"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> PbsCalculator.iid(3, 1, 0, zero)).getMessage()
        .contains("r must be"));
    assertThrows(IllegalArgumentException.class, () -> Latency.exponential(-1));
    assertThrows(IllegalArgumentException.class, () -> Latency.pareto(1, 0));
    assertThrows(IllegalArgumentException.class, () -> Latency.empirical(List.of()));
    assertThrows(IllegalArgumentException.class, () -> PbsCalculator.iid(3, 1, 1, zero)
        .predict(List.of(-1.0), 10, 1));
    assertThrows(IllegalArgumentException.class, () -> PbsCalculator.iid(3, 1, 1, zero)
        .predict(List.of(0.0), 10, 1).timeFor(1.5));
  }
}
