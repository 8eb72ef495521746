package io.replikit.examples.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.replikit.leaderless.Coordinator;
import io.replikit.leaderless.StorageReplica;
import io.replikit.leaderless.antientropy.AntiEntropy;
import io.replikit.leaderless.handoff.HintedHandoff;
import io.replikit.leaderless.staleness.StalenessMonitor;
import io.replikit.metrics.LeaderlessMetrics;
import io.replikit.multileader.MultiLeaderMetrics;
import io.replikit.multileader.MultiLeaderReplica;
import io.replikit.versioning.VersionVector;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The Micrometer binding of the leaderless and multi-leader statuses, as a Prometheus scrape shows it. */
class FamilyMetricsTest {
  private static final String LL = "{keyspace=\"carts\",node=\"n1\"}";

  private static Optional<Double> value(String scrape, String series) {
    return TestHttp.series(scrape, series);
  }

  private static LeaderlessMetrics.Snapshot snapshot(Map<String, Integer> hintsWaiting) {
    return new LeaderlessMetrics.Snapshot(new Coordinator.Status("carts", "n1", 10, 7, 1, 3, 2),
        new StorageReplica.Status("carts", "n1", 5, 2, 4),
        new HintedHandoff.HintStatus("carts", "n1", hintsWaiting, 6, 1),
        new AntiEntropy.Status("carts", "n1", true, 3, 8, 1, 12, 2, 4096));
  }

  @Test
  void everyLeaderlessCounterAndLevelIsExportedAndHintsAreWaitingPerTarget() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    LeaderlessMetrics metrics = new LeaderlessMetrics(registry);
    metrics.update("carts", "n1", snapshot(Map.of("n2", 3, "n3", 1)));
    String scrape = registry.scrape();
    assertEquals(Optional.of(10.0), value(scrape, "replikit_leaderless_coordinator_writes_total" + LL), scrape);
    assertEquals(Optional.of(7.0), value(scrape, "replikit_leaderless_coordinator_reads_total" + LL));
    assertEquals(Optional.of(1.0), value(scrape, "replikit_leaderless_coordinator_failed_total" + LL));
    assertEquals(Optional.of(3.0), value(scrape, "replikit_leaderless_coordinator_read_repairs_total" + LL));
    assertEquals(Optional.of(2.0), value(scrape, "replikit_leaderless_coordinator_sloppy_writes_total" + LL));
    assertEquals(Optional.of(5.0), value(scrape, "replikit_leaderless_keys" + LL));
    assertEquals(Optional.of(2.0), value(scrape, "replikit_leaderless_sibling_keys" + LL));
    assertEquals(Optional.of(4.0), value(scrape, "replikit_leaderless_lww_discarded_total" + LL));
    assertEquals(Optional.of(3.0),
        value(scrape, "replikit_leaderless_hints_waiting{keyspace=\"carts\",node=\"n1\",target=\"n2\"}"));
    assertEquals(Optional.of(1.0),
        value(scrape, "replikit_leaderless_hints_waiting{keyspace=\"carts\",node=\"n1\",target=\"n3\"}"));
    assertEquals(Optional.of(6.0), value(scrape, "replikit_leaderless_hints_handed_off_total" + LL));
    assertEquals(Optional.of(1.0), value(scrape, "replikit_leaderless_hints_expired_total" + LL));
    assertEquals(Optional.of(8.0), value(scrape, "replikit_leaderless_antientropy_exchanges_total" + LL));
    assertEquals(Optional.of(12.0), value(scrape, "replikit_leaderless_antientropy_keys_repaired_total" + LL));
    assertEquals(Optional.of(2.0), value(scrape, "replikit_leaderless_antientropy_deferred_keys_total" + LL));
    assertEquals(Optional.of(1.0), value(scrape, "replikit_leaderless_up" + LL));

    // n3 came back and took its hint: its series goes, n2's stays
    metrics.update("carts", "n1", snapshot(Map.of("n2", 2)));
    scrape = registry.scrape();
    assertFalse(scrape.contains("target=\"n3\""), scrape);
    assertEquals(Optional.of(2.0),
        value(scrape, "replikit_leaderless_hints_waiting{keyspace=\"carts\",node=\"n1\",target=\"n2\"}"));

    metrics.unavailable("carts", "n1");
    assertEquals(Optional.of(0.0), value(registry.scrape(), "replikit_leaderless_up" + LL));
  }

  @Test
  void quorumLatenciesAreATimerPerOperationWithQuantiles() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    StalenessMonitor monitor = new LeaderlessMetrics(registry).monitor(ConfigFactory.load(), "carts", "n1");
    monitor.writeQuorumReached(4_000_000);
    monitor.writeQuorumReached(6_000_000);
    monitor.readQuorumReached(1_000_000);
    String scrape = registry.scrape();
    String write = "{keyspace=\"carts\",node=\"n1\",op=\"write\"}";
    assertEquals(Optional.of(2.0), value(scrape, "replikit_leaderless_quorum_latency_seconds_count" + write), scrape);
    assertEquals(0.010, value(scrape, "replikit_leaderless_quorum_latency_seconds_sum" + write).orElseThrow(),
        1e-9);
    assertEquals(Optional.of(1.0), value(scrape,
        "replikit_leaderless_quorum_latency_seconds_count{keyspace=\"carts\",node=\"n1\",op=\"read\"}"));
    assertTrue(value(scrape, "replikit_leaderless_quorum_latency_seconds{keyspace=\"carts\",node=\"n1\",op=\"write\","
        + "quantile=\"0.99\"}").orElseThrow() > 0.005, scrape);
  }

  @Test
  void multiLeaderConflictsAreCountedByResolutionWithAppliedPerOrigin() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    MultiLeaderMetrics metrics = new MultiLeaderMetrics(registry);
    metrics.update(new MultiLeaderReplica.Status("profiles", "n1", VersionVector.of(Map.of("n1", 12L, "n2", 7L)), 3,
        5, 2, 4, 1, List.of("n2", "n3"), 9, List.of(), Map.of("last-write-wins", 3L, "crdt:pn-counter", 2L)));
    String scrape = registry.scrape();
    String tags = "{group=\"profiles\",replica=\"n1\"}";
    assertEquals(Optional.of(12.0),
        value(scrape, "replikit_multileader_applied{group=\"profiles\",origin=\"n1\",replica=\"n1\"}"), scrape);
    assertEquals(Optional.of(7.0),
        value(scrape, "replikit_multileader_applied{group=\"profiles\",origin=\"n2\",replica=\"n1\"}"));
    assertEquals(Optional.of(3.0), value(scrape, "replikit_multileader_pending" + tags));
    assertEquals(Optional.of(5.0), value(scrape, "replikit_multileader_conflicts_total" + tags));
    assertEquals(Optional.of(3.0), value(scrape, "replikit_multileader_conflicts_by_resolution_total{group="
        + "\"profiles\",replica=\"n1\",resolution=\"last-write-wins\"}"));
    assertEquals(Optional.of(2.0), value(scrape, "replikit_multileader_conflicts_by_resolution_total{group="
        + "\"profiles\",replica=\"n1\",resolution=\"crdt:pn-counter\"}"));
    assertEquals(Optional.of(2.0), value(scrape, "replikit_multileader_discarded_total" + tags));
    assertEquals(Optional.of(4.0), value(scrape, "replikit_multileader_loops_prevented_total" + tags));
    assertEquals(Optional.of(9.0), value(scrape, "replikit_multileader_keys" + tags));
    assertEquals(Optional.of(2.0), value(scrape, "replikit_multileader_neighbours" + tags));
    metrics.unavailable("profiles", "n1");
    assertEquals(Optional.of(0.0), value(registry.scrape(), "replikit_multileader_up" + tags));
  }
}
