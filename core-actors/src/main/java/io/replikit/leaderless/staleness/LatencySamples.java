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
 * is split the same way into W and A; a later replica is sent the write only once replica 0 answered, so its W and A
 * are the split of its own round trip, counted from that send, and {@link #calculator} models the wait for replica 0
 * ({@link PbsCalculator#coordinatedWrite}). 0.5 assumes symmetric links; where replies do not travel the request's
 * path (the test kit's {@code FaultyTransport} delays only requests, replies go straight to the request actor) 1.0
 * is exact. A position is the index in the request's replica list (the preference list, the coordinator's
 * datacenter first): write and read positions name the same replica when the first replica is reachable.
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
    return new Wars(Latency.empirical(w), Latency.empirical(a), Latency.empirical(r), Latency.empirical(s));
  }

  /** The write series (W, A) of {@code writes} with the read series (R, S) of {@code reads}: two coordinators'. */
  public static LatencySamples combine(LatencySamples writes, LatencySamples reads) {
    List<Position> out = new ArrayList<>();
    int size = Math.max(writes.positions().size(), reads.positions().size());
    for (int i = 0; i < size; i++) {
      Position w = i < writes.positions().size() ? writes.positions().get(i) : null;
      Position r = i < reads.positions().size() ? reads.positions().get(i) : null;
      out.add(new Position(w == null ? List.of() : w.w(), w == null ? List.of() : w.a(),
          r == null ? List.of() : r.r(), r == null ? List.of() : r.s()));
    }
    return new LatencySamples(writes.requestShare(), out);
  }

  /**
   * A calculator of Replikit's write path ({@link PbsCalculator#coordinatedWrite}) for n replicas, each position with
   * its own measured distributions (a series not measured at a position takes the pooled one).
   */
  public PbsCalculator calculator(int n, int w, int r) {
    Wars pooled = pooled();
    List<Wars> perReplica = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Position p = i < positions.size() ? positions.get(i) : null;
      perReplica.add(p == null ? pooled : new Wars(
          p.w().isEmpty() ? pooled.w() : Latency.empirical(p.w()), p.a().isEmpty() ? pooled.a() : Latency.empirical(p.a()),
          p.r().isEmpty() ? pooled.r() : Latency.empirical(p.r()), p.s().isEmpty() ? pooled.s() : Latency.empirical(p.s())));
    }
    return PbsCalculator.coordinatedWrite(perReplica, w, r);
  }
}
