package io.replikit.metrics;

import akka.actor.Cancellable;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.AskPattern;
import com.typesafe.config.Config;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.replikit.leaderless.Coordinator;
import io.replikit.leaderless.StorageReplica;
import io.replikit.leaderless.antientropy.AntiEntropy;
import io.replikit.leaderless.handoff.HintedHandoff;
import io.replikit.leaderless.staleness.StalenessMonitor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Micrometer series of leaderless keyspaces on one node, from the statuses of its {@link Coordinator} and
 * {@link StorageReplica} (with its hint store and anti-entropy driver): feed them with {@link #update} or let
 * {@link #refresh} / {@link #pollEvery} ask the actors. The coordinator's quorum latencies are recorded as they
 * happen by the {@link StalenessMonitor} that {@link #monitor} makes on the same registry: pass it to
 * {@link Coordinator#create(io.replikit.leaderless.Keyspace, io.replikit.leaderless.ring.Ring, String,
 * io.replikit.replication.ReplicaTransport, java.util.function.LongSupplier, StalenessMonitor)}. Nothing here depends
 * on the HTTP API.
 *
 * <p>Every series is tagged {@code keyspace} and {@code node}. Prometheus names:
 *
 * <ul>
 *   <li>{@code replikit_leaderless_up}: 1 when the node's actors answered the last status request, else 0;
 *   <li>coordinator, counts since it started: {@code replikit_leaderless_coordinator_writes_total},
 *       {@code _reads_total}, {@code _failed_total} (answered QuorumFailed), {@code _read_repairs_total} (repairs
 *       sent by reads), {@code _sloppy_writes_total} (writes acknowledged with a stand-in among the replicas);
 *   <li>{@code replikit_leaderless_quorum_latency_seconds{op="read|write",quantile=...}} (and {@code _count},
 *       {@code _sum}, {@code _max}): from a request's start to its answer, see {@link StalenessMonitor};
 *   <li>storage replica: {@code replikit_leaderless_keys} (tombstones included), {@code replikit_leaderless_sibling_keys}
 *       (keys with concurrent values), {@code replikit_leaderless_lww_discarded_total} (values last-write-wins threw
 *       away);
 *   <li>hinted handoff: {@code replikit_leaderless_hints_waiting{target}} (keys held here for each unreachable home),
 *       {@code replikit_leaderless_hints_handed_off_total}, {@code replikit_leaderless_hints_expired_total} (dropped
 *       after the hint window: anti-entropy must repair them);
 *   <li>anti-entropy: {@code replikit_leaderless_antientropy_exchanges_total}, {@code _abandoned_total},
 *       {@code _keys_repaired_total}, {@code _deferred_keys_total} (left for later by the repair rate limit).
 * </ul>
 *
 * <p>A node without a storage replica of the keyspace (a coordinator only) has only the coordinator's series. Counts
 * restart at 0 when an actor restarts (a counter reset to Prometheus). Does not survive the JVM.
 */
public final class LeaderlessMetrics {
  private static final Map<String, String> DESCRIPTIONS = Map.ofEntries(
      Map.entry("replikit.leaderless.up", "1 when the node's coordinator and replica answered the last status request"),
      Map.entry("replikit.leaderless.coordinator.writes", "writes the coordinator took"),
      Map.entry("replikit.leaderless.coordinator.reads", "reads the coordinator took"),
      Map.entry("replikit.leaderless.coordinator.failed", "requests answered QuorumFailed"),
      Map.entry("replikit.leaderless.coordinator.read.repairs", "repairs sent by reads to stale replicas"),
      Map.entry("replikit.leaderless.coordinator.sloppy.writes", "writes acknowledged with a stand-in (sloppy quorum)"),
      Map.entry("replikit.leaderless.keys", "keys held by the storage replica, tombstones included"),
      Map.entry("replikit.leaderless.sibling.keys", "keys with more than one concurrent value"),
      Map.entry("replikit.leaderless.lww.discarded", "values last-write-wins threw away"),
      Map.entry("replikit.leaderless.hints.waiting", "hinted keys held here for an unreachable home replica"),
      Map.entry("replikit.leaderless.hints.handed.off", "hints delivered to their home and deleted"),
      Map.entry("replikit.leaderless.hints.expired", "hints dropped after the hint window"),
      Map.entry("replikit.leaderless.antientropy.exchanges", "anti-entropy exchanges completed"),
      Map.entry("replikit.leaderless.antientropy.abandoned", "anti-entropy exchanges abandoned"),
      Map.entry("replikit.leaderless.antientropy.keys.repaired", "keys sent or fetched by anti-entropy"),
      Map.entry("replikit.leaderless.antientropy.deferred.keys", "differing keys left for later by the rate limit"));

  /**
   * One keyspace as one node hosts it.
   *
   * @param replica the node's storage replica of the keyspace, or null when it hosts a coordinator only
   */
  public record Hosted(String keyspace, String node, ActorRef<Coordinator.Command> coordinator,
      ActorRef<StorageReplica.Command> replica) {}

  /** What one node's actors said about a keyspace; the replica's parts are null for a coordinator-only node. */
  public record Snapshot(Coordinator.Status coordinator, StorageReplica.Status replica,
      HintedHandoff.HintStatus hints, AntiEntropy.Status antiEntropy) {}

  private final StatusGauges gauges;

  public LeaderlessMetrics(MeterRegistry registry) {
    this.gauges = new StatusGauges(registry, DESCRIPTIONS);
  }

  /**
   * A staleness monitor of {@code keyspace} on {@code node} ({@code replikit.leaderless.staleness} of
   * {@code config}) whose meters, quorum latencies included, are in this registry.
   */
  public StalenessMonitor monitor(Config config, String keyspace, String node) {
    return StalenessMonitor.fromConfig(config, keyspace, node, gauges.registry());
  }

  /** Records {@code s} as the current state of {@code keyspace} on {@code node}. */
  public void update(String keyspace, String node, Snapshot s) {
    Tags base = Tags.of("keyspace", keyspace, "node", node);
    StatusGauges.Values v = new StatusGauges.Values().gauge("replikit.leaderless.up", base, 1);
    Coordinator.Status c = s.coordinator();
    v.counter("replikit.leaderless.coordinator.writes", base, c.writes())
        .counter("replikit.leaderless.coordinator.reads", base, c.reads())
        .counter("replikit.leaderless.coordinator.failed", base, c.failed())
        .counter("replikit.leaderless.coordinator.read.repairs", base, c.readRepairs())
        .counter("replikit.leaderless.coordinator.sloppy.writes", base, c.sloppyWrites());
    if (s.replica() != null) {
      v.gauge("replikit.leaderless.keys", base, s.replica().keys())
          .gauge("replikit.leaderless.sibling.keys", base, s.replica().siblingKeys())
          .counter("replikit.leaderless.lww.discarded", base, s.replica().lwwDiscarded());
    }
    if (s.hints() != null) {
      s.hints().waiting().forEach((target, keys) ->
          v.gauge("replikit.leaderless.hints.waiting", base.and("target", target), keys));
      v.counter("replikit.leaderless.hints.handed.off", base, s.hints().handedOff())
          .counter("replikit.leaderless.hints.expired", base, s.hints().expired());
    }
    if (s.antiEntropy() != null) {
      AntiEntropy.Status ae = s.antiEntropy();
      v.counter("replikit.leaderless.antientropy.exchanges", base, ae.exchanges())
          .counter("replikit.leaderless.antientropy.abandoned", base, ae.abandoned())
          .counter("replikit.leaderless.antientropy.keys.repaired", base, ae.keysRepaired())
          .counter("replikit.leaderless.antientropy.deferred.keys", base, ae.deferredKeys());
    }
    gauges.publish(List.of(keyspace, node), v);
  }

  /** Records that the node's actors of {@code keyspace} did not answer: {@code replikit_leaderless_up} becomes 0. */
  public void unavailable(String keyspace, String node) {
    gauges.set(List.of(keyspace, node), "replikit.leaderless.up", Tags.of("keyspace", keyspace, "node", node), 0);
  }

  /** Asks every hosted keyspace's actors for their status (within {@code timeout}) and records the answers. */
  public CompletionStage<Void> refresh(ActorSystem<?> system, List<Hosted> hosted, Duration timeout) {
    List<CompletableFuture<Void>> each = new ArrayList<>();
    for (Hosted h : hosted) {
      each.add(snapshot(system, h, timeout).handle((s, failure) -> {
        if (failure == null) {
          update(h.keyspace(), h.node(), s);
        } else {
          unavailable(h.keyspace(), h.node());
        }
        return (Void) null;
      }).toCompletableFuture());
    }
    return CompletableFuture.allOf(each.toArray(new CompletableFuture<?>[0]));
  }

  /** Every status of one hosted keyspace, asked at once; fails when any does not answer within {@code timeout}. */
  public static CompletionStage<Snapshot> snapshot(ActorSystem<?> system, Hosted h, Duration timeout) {
    CompletableFuture<Coordinator.Status> c = AskPattern.<Coordinator.Command, Coordinator.Status>ask(
        h.coordinator(), Coordinator.GetStatus::new, timeout, system.scheduler()).toCompletableFuture();
    if (h.replica() == null) {
      return c.thenApply(cs -> new Snapshot(cs, null, null, null));
    }
    CompletableFuture<StorageReplica.Status> r = AskPattern.<StorageReplica.Command, StorageReplica.Status>ask(
        h.replica(), StorageReplica.GetStatus::new, timeout, system.scheduler()).toCompletableFuture();
    CompletableFuture<HintedHandoff.HintStatus> hints = AskPattern.<StorageReplica.Command,
        HintedHandoff.HintStatus>ask(h.replica(), HintedHandoff.GetHintStatus::new, timeout, system.scheduler())
        .toCompletableFuture();
    CompletableFuture<AntiEntropy.Status> ae = AskPattern.<StorageReplica.Command, AntiEntropy.Status>ask(
        h.replica(), AntiEntropy.GetStatus::new, timeout, system.scheduler()).toCompletableFuture();
    return CompletableFuture.allOf(c, r, hints, ae).thenApply(v ->
        new Snapshot(c.join(), r.join(), hints.join(), ae.join()));
  }

  /** {@link #refresh} every {@code interval} until the returned handle is cancelled or the system stops. */
  public Cancellable pollEvery(ActorSystem<?> system, List<Hosted> hosted, Duration interval) {
    List<Hosted> copy = List.copyOf(hosted);
    return system.scheduler().scheduleAtFixedRate(Duration.ZERO, interval, () -> refresh(system, copy, interval),
        system.executionContext());
  }
}
