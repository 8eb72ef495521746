package io.replikit.metrics;

import akka.actor.Cancellable;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.replikit.singleleader.Replica;
import io.replikit.singleleader.ReplicaStatus;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Micrometer gauges of single-leader replicas, from their {@link ReplicaStatus}: feed it statuses with
 * {@link #update} (or let {@link #pollEvery} ask the replicas), and any {@link MeterRegistry} exports them (a
 * {@code PrometheusMeterRegistry} for a scrape endpoint). Nothing here depends on the HTTP API: a service that runs
 * replicas in its own actor system binds them the same way.
 *
 * <p>Every series is tagged {@code group} and {@code replica} (the replica that reported it). The gauges, with
 * their Prometheus names:
 *
 * <ul>
 *   <li>{@code replikit_replica_up}: 1 when the replica answered the last status request, 0 when it did not (its
 *       other series then keep their last values);
 *   <li>{@code replikit_replica_role{role}}: 1 for the replica's role (leader, candidate, follower), 0 for the
 *       others;
 *   <li>{@code replikit_replica_epoch}, {@code replikit_replica_applied_position},
 *       {@code replikit_replica_leader_last_position} (the leader's last position as this replica last heard it),
 *       {@code replikit_replica_lag_entries} (the difference of the two),
 *       {@code replikit_replica_staleness_ms} (how old this replica's data may be, as bounded-staleness reads see
 *       it: 0 on a leader holding its lease; NaN when unknown), {@code replikit_replica_divergent_writes},
 *       {@code replikit_replica_pending_writes}, {@code replikit_replica_keys},
 *       {@code replikit_replica_retained_entries}, {@code replikit_replica_replication_error} (1 while the replica
 *       refuses its leader's stream);
 *   <li>on a leader, per follower (tag {@code follower}) and level (tag {@code level}: received, persisted,
 *       applied, as PostgreSQL's {@code pg_stat_replication} write, flush and replay):
 *       {@code replikit_follower_position}, {@code replikit_follower_lag_entries} and
 *       {@code replikit_follower_lag_ms} (how long ago the leader wrote the oldest entry the follower lacks at that
 *       level; 0 when caught up; NaN when that entry is no longer in the leader's memory); and
 *       {@code replikit_follower_last_heard_ms}.
 * </ul>
 *
 * <p>Series that a status no longer has (a follower of a replica that stopped leading) are removed from the
 * registry, so a scrape never shows a former leader's stale view of its followers.
 */
public final class ReplicaMetrics {
  /** The levels of {@link ReplicaStatus.FollowerStatus}, in the order data reaches them. */
  public static final List<String> LEVELS = List.of("received", "persisted", "applied");
  private static final List<String> ROLES = List.of("leader", "candidate", "follower");

  private static final Map<String, String> DESCRIPTIONS = Map.ofEntries(
      Map.entry("replikit.replica.up", "1 when the replica answered the last status request"),
      Map.entry("replikit.replica.role", "1 for the replica's current role"),
      Map.entry("replikit.replica.epoch", "highest epoch the replica has seen"),
      Map.entry("replikit.replica.applied.position", "log position the replica has applied"),
      Map.entry("replikit.replica.leader.last.position", "leader's last log position as the replica knows it"),
      Map.entry("replikit.replica.lag.entries", "entries the replica lacks compared with its leader"),
      Map.entry("replikit.replica.staleness.ms", "how old the replica's data may be (NaN: unknown)"),
      Map.entry("replikit.replica.divergent.writes", "entries set aside after failovers"),
      Map.entry("replikit.replica.pending.writes", "writes logged by the leader but not yet acknowledged"),
      Map.entry("replikit.replica.keys", "keys and rows in the replica's store"),
      Map.entry("replikit.replica.retained.entries", "log entries kept in memory for catch-up"),
      Map.entry("replikit.replica.replication.error", "1 while the replica refuses its leader's stream"),
      Map.entry("replikit.follower.position", "follower's log position at each level, as its leader sees it"),
      Map.entry("replikit.follower.lag.entries", "entries the follower lacks at each level"),
      Map.entry("replikit.follower.lag.ms", "age of the oldest entry the follower lacks at each level (NaN: unknown)"),
      Map.entry("replikit.follower.last.heard.ms", "time since the leader last heard from the follower"));

  private final StatusGauges gauges;
  private final Map<String, String> lastReplica = new ConcurrentHashMap<>();

  public ReplicaMetrics(MeterRegistry registry) {
    this.gauges = new StatusGauges(registry, DESCRIPTIONS);
  }

  /** Records {@code status} as the current state of its replica. */
  public synchronized void update(ReplicaStatus status) {
    String group = status.groupId();
    String replica = status.replica().value();
    lastReplica.put(group, replica);
    Tags base = Tags.of("group", group, "replica", replica);
    StatusGauges.Values values = new StatusGauges.Values();
    values.gauge("replikit.replica.up", base, 1.0);
    for (String role : ROLES) {
      values.gauge("replikit.replica.role", base.and("role", role), role.equals(status.role()) ? 1.0 : 0.0);
    }
    values.gauge("replikit.replica.epoch", base, (double) status.epoch());
    values.gauge("replikit.replica.applied.position", base, (double) status.appliedPosition());
    values.gauge("replikit.replica.leader.last.position", base, (double) status.leaderLastPosition());
    values.gauge("replikit.replica.lag.entries", base, (double) status.lagEntries());
    values.gauge("replikit.replica.staleness.ms", base, orNaN(status.stalenessMillis()));
    values.gauge("replikit.replica.divergent.writes", base, (double) status.divergentWrites());
    values.gauge("replikit.replica.pending.writes", base, (double) status.pendingWrites());
    values.gauge("replikit.replica.keys", base, (double) status.keys());
    values.gauge("replikit.replica.retained.entries", base, (double) status.retainedEntries());
    values.gauge("replikit.replica.replication.error", base, status.replicationError() == null ? 0.0 : 1.0);
    for (ReplicaStatus.FollowerStatus f : status.followers()) {
      Tags follower = base.and("follower", f.id().value());
      values.gauge("replikit.follower.last.heard.ms", follower, (double) f.lastHeardMillisAgo());
      long[][] levels = {
          {f.received(), f.receivedLagEntries(), f.receivedLagMillis()},
          {f.persisted(), f.persistedLagEntries(), f.persistedLagMillis()},
          {f.applied(), f.lagEntries(), f.lagMillis()}};
      for (int i = 0; i < LEVELS.size(); i++) {
        Tags level = follower.and("level", LEVELS.get(i));
        values.gauge("replikit.follower.position", level, (double) levels[i][0]);
        values.gauge("replikit.follower.lag.entries", level, (double) levels[i][1]);
        values.gauge("replikit.follower.lag.ms", level, orNaN(levels[i][2]));
      }
    }
    gauges.publish(List.of(group, replica), values);
  }

  /** Records that the replica of {@code groupId} did not answer: {@code replikit_replica_up} becomes 0. */
  public synchronized void unavailable(String groupId, String replica) {
    String name = lastReplica.getOrDefault(groupId, replica);
    gauges.set(List.of(groupId, name), "replikit.replica.up", Tags.of("group", groupId, "replica", name), 0.0);
  }

  /**
   * Asks every replica of {@code replicas} (by group id) for its status and records the answers; a replica that
   * does not answer within {@code timeout} is recorded as not up. Completes when every answer is recorded.
   *
   * @param replicaName the name to tag a replica with before it has ever answered
   */
  public CompletionStage<Void> refresh(ActorSystem<?> system, Map<String, ActorRef<Replica.Command>> replicas,
      String replicaName, Duration timeout) {
    return StatusGauges.<Replica.Command, ReplicaStatus>askEach(system, replicas, Replica.GetStatus::new, timeout,
        this::update, group -> unavailable(group, replicaName));
  }

  /** {@link #refresh} every {@code interval} until the returned handle is cancelled or the system stops. */
  public Cancellable pollEvery(ActorSystem<?> system, Map<String, ActorRef<Replica.Command>> replicas,
      String replicaName, Duration interval) {
    Map<String, ActorRef<Replica.Command>> copy = Map.copyOf(replicas);
    return system.scheduler().scheduleAtFixedRate(Duration.ZERO, interval,
        () -> refresh(system, copy, replicaName, interval), system.executionContext());
  }

  private static double orNaN(long millis) {
    return millis < 0 ? Double.NaN : (double) millis;
  }
}
