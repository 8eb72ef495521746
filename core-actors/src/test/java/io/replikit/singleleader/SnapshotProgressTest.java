package io.replikit.singleleader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import io.replikit.replication.ReplicaId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An empty follower joins a leader holding 400 keys; the snapshot goes in chunks of 10 over a slow link, and the
 * leader's status shows how many of the transfer's chunks the follower stored, moving up until the end, then 0 of 0.
 */
class SnapshotProgressTest {
  private static ActorTestKit kit;

  @BeforeAll
  static void start() {
    kit = ActorTestKit.create("SnapshotProgressTest", TestGroup.testConfig());
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  private static Optional<ReplicaStatus.FollowerStatus> follower(TestGroup g, String name) {
    return g.status("L").followers().stream().filter(f -> f.id().equals(ReplicaId.of(name))).findFirst();
  }

  @Test
  void theLeadersStatusShowsTheChunksOfASnapshotTransferAsTheyAreStored() {
    SingleLeaderSettings s = SingleLeaderSettings.fromConfig(com.typesafe.config.ConfigFactory.parseString(
        "replikit.single-leader { max-batch-entries = 16, max-batches-in-flight = 4, snapshot-chunk-items = 10, "
            + "snapshot-chunks-in-flight = 1 }").withFallback(kit.system().settings().config()));
    try (TestGroup g = new TestGroup(kit, s, 3, "L", "f1").startAll()) {
      List<TestProbe<Replica.WriteReply>> writes = new ArrayList<>();
      for (int i = 0; i < 400; i++) {
        writes.add(g.put("L", "k" + i, "v" + i, WriteOptions.defaults()));
      }
      for (TestProbe<Replica.WriteReply> w : writes) {
        w.expectMessageClass(Replica.Written.class, TestGroup.WAIT);
      }
      ReplicaStatus.FollowerStatus before = follower(g, "f1").orElseThrow();
      assertEquals(0, before.snapshotChunksSent(), "no transfer to a streaming follower");
      assertEquals(0, before.snapshotChunksTotal());

      // every chunk takes 30 ms to reach f2: 40 chunks, one in flight, over a second in all
      g.transport.slow(ReplicaId.of("L"), ReplicaId.of("f2"), Duration.ofMillis(30));
      g.start("f2");
      List<Integer> seen = new ArrayList<>();
      kit.createTestProbe().awaitAssert(TestGroup.WAIT, Duration.ofMillis(20), () -> {
        ReplicaStatus.FollowerStatus f = follower(g, "f2").orElseThrow(() -> new AssertionError("f2 not listed"));
        if ("snapshot".equals(f.state())) {
          assertEquals(40, f.snapshotChunksTotal(), "400 keys in chunks of 10");
          if (seen.isEmpty() || seen.get(seen.size() - 1) != f.snapshotChunksSent()) {
            seen.add(f.snapshotChunksSent());
          }
        }
        assertTrue(seen.stream().filter(n -> n > 0 && n < 40).count() >= 2,
            "the chunk count moved through the transfer: " + seen);
        return null;
      });
      for (int i = 1; i < seen.size(); i++) {
        assertTrue(seen.get(i) > seen.get(i - 1), "chunks stored only go up: " + seen);
      }
      g.awaitEqualToLeader("f2");
      ReplicaStatus.FollowerStatus after = follower(g, "f2").orElseThrow();
      assertEquals(0, after.snapshotChunksSent(), "0 of 0 once installed: " + after);
      assertEquals(0, after.snapshotChunksTotal());
    }
  }
}
