package io.replikit.examples.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.replikit.metrics.ReplicaMetrics;
import io.replikit.replication.ReplicaId;
import io.replikit.singleleader.ReplicaStatus;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The Micrometer binding of ReplicaStatus, as a Prometheus scrape shows it. */
class ReplicaMetricsTest {

  private static ReplicaStatus leaderOf(List<ReplicaStatus.FollowerStatus> followers) {
    return new ReplicaStatus("orders", ReplicaId.of("n1"), "leader", ReplicaId.of("n1"), 3, 120, 120, 120, 40, 1,
        100, "async", "persisted", 2, 1, followers, List.of(), "logical", 0, null);
  }

  /** n2: received 118, persisted 110, applied 100 of the leader's 120; the oldest missing applied entry unknown. */
  private static ReplicaStatus.FollowerStatus n2() {
    return new ReplicaStatus.FollowerStatus(ReplicaId.of("n2"), "streaming", "async", 118, 110, 100, 20, -1, 15,
        2, 30, 10, 250, 0, 0);
  }

  private static Optional<Double> value(String scrape, String series) {
    return TestHttp.series(scrape, series);
  }

  @Test
  void everyFollowerHasLagInEntriesAndMillisAtEachLevel() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    ReplicaMetrics metrics = new ReplicaMetrics(registry);
    metrics.update(leaderOf(List.of(n2())));
    String scrape = registry.scrape();
    String tags = "follower=\"n2\",group=\"orders\",level=\"%s\",replica=\"n1\"";
    assertEquals(Optional.of(2.0), value(scrape, "replikit_follower_lag_entries{" + tags.formatted("received") + "}"),
        scrape);
    assertEquals(Optional.of(10.0), value(scrape, "replikit_follower_lag_entries{" + tags.formatted("persisted") + "}"));
    assertEquals(Optional.of(20.0), value(scrape, "replikit_follower_lag_entries{" + tags.formatted("applied") + "}"));
    assertEquals(Optional.of(30.0), value(scrape, "replikit_follower_lag_ms{" + tags.formatted("received") + "}"));
    assertEquals(Optional.of(250.0), value(scrape, "replikit_follower_lag_ms{" + tags.formatted("persisted") + "}"));
    assertTrue(value(scrape, "replikit_follower_lag_ms{" + tags.formatted("applied") + "}").orElseThrow().isNaN(),
        "-1 (the entry is no longer in memory) is exported as unknown");
    assertEquals(Optional.of(100.0), value(scrape, "replikit_follower_position{" + tags.formatted("applied") + "}"));

    String replica = "{group=\"orders\",replica=\"n1\"}";
    assertEquals(Optional.of(0.0), value(scrape, "replikit_replica_staleness_ms" + replica));
    assertEquals(Optional.of(120.0), value(scrape, "replikit_replica_applied_position" + replica));
    assertEquals(Optional.of(3.0), value(scrape, "replikit_replica_epoch" + replica));
    assertEquals(Optional.of(1.0), value(scrape, "replikit_replica_divergent_writes" + replica));
    assertEquals(Optional.of(2.0), value(scrape, "replikit_replica_pending_writes" + replica));
    assertEquals(Optional.of(1.0), value(scrape, "replikit_replica_up" + replica));
    assertEquals(Optional.of(1.0),
        value(scrape, "replikit_replica_role{group=\"orders\",replica=\"n1\",role=\"leader\"}"));
    assertEquals(Optional.of(0.0),
        value(scrape, "replikit_replica_role{group=\"orders\",replica=\"n1\",role=\"follower\"}"));
  }

  @Test
  void aReplicaThatStopsLeadingNoLongerReportsFollowersAndOneThatDoesNotAnswerIsDown() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    ReplicaMetrics metrics = new ReplicaMetrics(registry);
    metrics.update(leaderOf(List.of(n2())));
    assertTrue(registry.scrape().contains("replikit_follower_lag_entries{follower=\"n2\""));
    metrics.update(new ReplicaStatus("orders", ReplicaId.of("n1"), "follower", ReplicaId.of("n2"), 4, 120, 120,
        125, 40, 1, 100, "async", "persisted", 0, 1, List.of(), List.of(), "logical", 35, null));
    String scrape = registry.scrape();
    assertFalse(scrape.contains("replikit_follower_lag_entries{"), scrape);
    assertEquals(Optional.of(5.0), value(scrape, "replikit_replica_lag_entries{group=\"orders\",replica=\"n1\"}"));
    assertEquals(Optional.of(35.0), value(scrape, "replikit_replica_staleness_ms{group=\"orders\",replica=\"n1\"}"));
    assertEquals(Optional.of(1.0),
        value(scrape, "replikit_replica_role{group=\"orders\",replica=\"n1\",role=\"follower\"}"));

    metrics.unavailable("orders", "n1");
    assertEquals(Optional.of(0.0), value(registry.scrape(), "replikit_replica_up{group=\"orders\",replica=\"n1\"}"));
  }
}
