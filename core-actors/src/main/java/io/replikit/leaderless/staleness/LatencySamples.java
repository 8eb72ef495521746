package io.replikit.leaderless.staleness;

import io.replikit.serialization.WireMessage;
import java.util.ArrayList;
import java.util.List;

/**
 * A snapshot of the one-way latencies a coordinator measured, in ms, per replica position (the index in the
 * request's replica list: for a write, position 0 is the replica that minted the write's dot), ready for
 * {@link PbsCalculator}.
 *
 * <p>How they are derived (the approximation): a coordinator sees only round trips. A read's round trip to a replica
 * is split {@code requestShare} to R and the rest to S. A write's round trip to replica 0 (its {@code CoordinatePut})
 * is split the same way into W and A; a later replica is sent the write only once replica 0 answered, so its W is the
 * time from the write's start to its acknowledgement minus its A (its own round trip times {@code 1 -
 * requestShare}): W then includes the wait for replica 0, which is what makes the write reach it late. 0.5 assumes
 * symmetric links; where replies do not travel the request's path (the test kit's {@code FaultyTransport} delays
 * only requests) 1.0 is exact.
 *
 * @param positions one entry per position, each series a seeded uniform sample (reservoir) of what was measured
 */
public record LatencySamples(double requestShare, List<Position> positions) implements WireMessage {
  public LatencySamples {
    positions = positions == null ? List.of() : List.copyOf(positions);
  }

  /** The four series of one replica position. */
  public record Position(List<Double> w, List<Double> a, List<Double> r, List<Double> s) {
    public Position {
      w = List.copyOf(w);
      a = List.copyOf(a);
      r = List.copyOf(r);
      s = List.copyOf(s);
    }

    boolean complete() {
      return !w.isEmpty() && !a.isEmpty() && !r.isEmpty() && !s.isEmpty();
    }

    Wars wars() {
      return new Wars(Latency.empirical(w), Latency.empirical(a), Latency.empirical(r), Latency.empirical(s));
    }
  }

  /** Every series of every position pooled: the paper's iid model. */
  public Wars pooled() {
    List<Double> w = new ArrayList<>();
    List<Double> a = new ArrayList<>();
    List<Double> r = new ArrayList<>();
    List<Double> s = new ArrayList<>();
    for (Position p : positions) {
      w.addAll(p.w());
      a.addAll(p.a());
      r.addAll(p.r());
      s.addAll(p.s());
    }
    Position all = new Position(w, a, r, s);
    if (!all.complete()) {
      throw new IllegalStateException("no latencies measured yet: needs at least one write and one read");
    }
    return all.wars();
  }

  /**
   * A calculator for n replicas with each position's own measured distributions (a position with a series not yet
   * measured takes the pooled one).
   */
  public PbsCalculator calculator(int n, int w, int r) {
    Wars pooled = pooled();
    List<Wars> perReplica = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Position p = i < positions.size() ? positions.get(i) : null;
      perReplica.add(p != null && p.complete() ? p.wars() : pooled);
    }
    return PbsCalculator.perReplica(perReplica, w, r);
  }
}
