package io.replikit.leaderless.staleness;

import java.util.Objects;

/**
 * The four one-way latencies of the WARS model (Bailis et al., "Probabilistically Bounded Staleness for Practical
 * Partial Quorums") for one replica: W the write request from the coordinator to the replica, A its acknowledgement
 * back, R the read request to the replica, S the read response back.
 */
public record Wars(Latency w, Latency a, Latency r, Latency s) {
  public Wars {
    Objects.requireNonNull(w, "W (write request latency) is missing");
    Objects.requireNonNull(a, "A (write acknowledgement latency) is missing");
    Objects.requireNonNull(r, "R (read request latency) is missing");
    Objects.requireNonNull(s, "S (read response latency) is missing");
  }
}
