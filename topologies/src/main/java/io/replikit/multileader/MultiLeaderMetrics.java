package io.replikit.multileader;

import akka.actor.Cancellable;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.replikit.metrics.StatusGauges;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * Micrometer series of multi-leader replicas, from their {@link MultiLeaderReplica.Status}: feed them with
 * {@link #update} or let {@link #refresh} / {@link #pollEvery} ask the replicas. Nothing here depends on the HTTP API.
 *
 * <p>Every series is tagged {@code group} and {@code replica}. Prometheus names:
 *
 * <ul>
 *   <li>{@code replikit_multileader_up}: 1 when the replica answered the last status request, else 0;
 *   <li>{@code replikit_multileader_applied{origin}}: the changes of each origin this replica has applied (its
 *       version vector; an origin's value here below its own is how far this replica lags it);
 *   <li>{@code replikit_multileader_pending}: received changes held until what they depend on arrives;
 *       {@code replikit_multileader_keys}; {@code replikit_multileader_neighbours} (where it sends now);
 *   <li>counts since the journal began (recovery rebuilds them): {@code replikit_multileader_conflicts_total},
 *       {@code replikit_multileader_conflicts_by_resolution_total{resolution}} (last-write-wins, keep-siblings,
 *       replica-priority, merge, on-write-resolver, crdt:KIND), {@code replikit_multileader_discarded_total} (writes
 *       last-write-wins threw away);
 *   <li>counts since the replica started: {@code replikit_multileader_loops_prevented_total} (changes dropped
 *       because they bore this replica's origin tag), {@code replikit_multileader_duplicates_dropped_total}.
 * </ul>
 */
public final class MultiLeaderMetrics {
  private static final Map<String, String> DESCRIPTIONS = Map.ofEntries(
      Map.entry("replikit.multileader.up", "1 when the replica answered the last status request"),
      Map.entry("replikit.multileader.applied", "changes of each origin the replica has applied"),
      Map.entry("replikit.multileader.pending", "received changes waiting for what they depend on"),
      Map.entry("replikit.multileader.keys", "keys in the replica's store"),
      Map.entry("replikit.multileader.neighbours", "replicas this one sends its changes to now"),
      Map.entry("replikit.multileader.conflicts", "conflicts detected by this replica"),
      Map.entry("replikit.multileader.conflicts.by.resolution", "conflicts by the strategy that resolved them"),
      Map.entry("replikit.multileader.discarded", "writes last-write-wins discarded"),
      Map.entry("replikit.multileader.loops.prevented", "changes dropped because they bore this replica's tag"),
      Map.entry("replikit.multileader.duplicates.dropped", "changes received again and dropped"));

  private final StatusGauges gauges;

  public MultiLeaderMetrics(MeterRegistry registry) {
    this.gauges = new StatusGauges(registry, DESCRIPTIONS);
  }

  /** Records {@code s} as the current state of its replica. */
  public void update(MultiLeaderReplica.Status s) {
    Tags base = Tags.of("group", s.groupId(), "replica", s.replica());
    StatusGauges.Values v = new StatusGauges.Values().gauge("replikit.multileader.up", base, 1)
        .gauge("replikit.multileader.pending", base, s.pending())
        .gauge("replikit.multileader.keys", base, s.keys())
        .gauge("replikit.multileader.neighbours", base, s.neighbours().size())
        .counter("replikit.multileader.conflicts", base, s.conflicts())
        .counter("replikit.multileader.discarded", base, s.discarded())
        .counter("replikit.multileader.loops.prevented", base, s.loopsPrevented())
        .counter("replikit.multileader.duplicates.dropped", base, s.duplicatesDropped());
    s.applied().toMap().forEach((origin, counter) ->
        v.gauge("replikit.multileader.applied", base.and("origin", origin), counter));
    s.conflictsByResolution().forEach((resolution, count) ->
        v.counter("replikit.multileader.conflicts.by.resolution", base.and("resolution", resolution), count));
    gauges.publish(List.of(s.groupId(), s.replica()), v);
  }

  /** Records that the replica did not answer: {@code replikit_multileader_up} becomes 0. */
  public void unavailable(String groupId, String replica) {
    gauges.set(List.of(groupId, replica), "replikit.multileader.up", Tags.of("group", groupId, "replica", replica),
        0);
  }

  /**
   * Asks every replica of {@code replicas} (by group id) for its status and records the answers; one that does not
   * answer within {@code timeout} is recorded as not up, tagged {@code replicaName}.
   */
  public CompletionStage<Void> refresh(ActorSystem<?> system, Map<String, ActorRef<MultiLeaderReplica.Command>> replicas,
      String replicaName, Duration timeout) {
    return StatusGauges.<MultiLeaderReplica.Command, MultiLeaderReplica.Status>askEach(system, replicas,
        MultiLeaderReplica.GetStatus::new, timeout, this::update, group -> unavailable(group, replicaName));
  }

  /** {@link #refresh} every {@code interval} until the returned handle is cancelled or the system stops. */
  public Cancellable pollEvery(ActorSystem<?> system, Map<String, ActorRef<MultiLeaderReplica.Command>> replicas,
      String replicaName, Duration interval) {
    Map<String, ActorRef<MultiLeaderReplica.Command>> copy = Map.copyOf(replicas);
    return system.scheduler().scheduleAtFixedRate(Duration.ZERO, interval,
        () -> refresh(system, copy, replicaName, interval), system.executionContext());
  }
}
