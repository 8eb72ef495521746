/**
 * Staleness of leaderless reads, in one place: {@link io.replikit.leaderless.staleness.StalenessCheck} decides from
 * version metadata whether a read missed an acknowledged write and by how much;
 * {@link io.replikit.leaderless.staleness.StalenessMonitor} counts that continuously for a coordinator (Micrometer
 * meters {@code replikit.leaderless.reads.*} and {@code replikit.leaderless.staleness.*}) and samples the latencies
 * its requests measured; {@link io.replikit.leaderless.staleness.PbsCalculator} predicts the probability of a
 * consistent read t ms after a write for given n, w, r and latencies (probabilistically bounded staleness, the WARS
 * model of Bailis et al.). A coordinator answers {@code Coordinator.GetStaleness} with both.
 */
package io.replikit.leaderless.staleness;
