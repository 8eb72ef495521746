package io.replikit.testkit.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import io.replikit.replication.ReplicaId;
import io.replikit.testkit.FaultyTransport;
import io.replikit.testkit.history.Op;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * A replica group of one family, as a {@link Scenario} drives it: client operations recorded as history
 * {@link Op}s, replicas crashed and restarted from their journals, paused, and their network faulted through one
 * seeded {@link FaultyTransport}. Each family has one (single-leader: {@link SingleLeaderScenarioGroup}, leaderless:
 * {@link LeaderlessScenarioGroup}, multi-leader: {@code io.replikit.multileader.testkit.MultiLeaderScenarioGroup} in
 * the topologies module); it knows how its clients talk to it (which replica, with what session state) and what its
 * configuration {@link #promises() promises}.
 */
public interface ScenarioGroup extends AutoCloseable {

  /** "single-leader", "multi-leader" or "leaderless". */
  String family();

  /** A line saying how the group is configured, for reports ("3 replicas, semi-sync 1, reads at the leader"). */
  String describe();

  /** Every replica's name, in a fixed order. */
  List<String> replicas();

  FaultyTransport transport();

  /**
   * Client {@code client} writes {@code value} to {@code key} ({@code null}: deletes it). The stage completes with
   * the recorded operation (ok, failed, or unknown when no answer came in time), never exceptionally.
   */
  CompletionStage<Op> write(int client, String key, JsonNode value);

  /** Client {@code client} reads {@code key}; as {@link #write}. */
  CompletionStage<Op> read(int client, String key);

  /** The replica that leads now, in a family with a leader and while one is known. */
  default Optional<String> leader() {
    return Optional.empty();
  }

  /** Stops {@code replica}'s actors (a crash of its node). */
  void crash(String replica);

  /** Starts {@code replica} again; it recovers from its journal. */
  void restart(String replica);

  /** Holds every message from and to {@code replica}, client requests included, until {@link #resume}. */
  void pause(String replica);

  void resume(String replica);

  /**
   * With the network healed and every replica running, waits (at most {@code within}) for the group to go quiet
   * and reads what it holds. Returns what it saw when the time ran out, too: the checkers judge it.
   */
  Settled settle(Collection<String> keys, Duration within);

  /** The guarantees this configuration promises under the faults a scenario injects. */
  Set<Guarantee> promises();

  /** The guarantees worth checking for this family (promised or not: a report shows the rest as not promised). */
  Set<Guarantee> checked();

  /** The replica id the transport knows {@code replica} by. */
  default ReplicaId id(String replica) {
    return ReplicaId.of(replica);
  }

  @Override
  void close();
}
