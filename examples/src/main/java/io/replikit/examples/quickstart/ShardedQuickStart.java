package io.replikit.examples.quickstart;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Behaviors;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.replikit.persistence.ReplikitJournal;
import io.replikit.sharding.KeyRouter;
import io.replikit.sharding.Placement;
import io.replikit.sharding.ShardedKeyspace;
import io.replikit.sharding.ShardedReplicaGroups;
import io.replikit.singleleader.AckPolicy;
import io.replikit.singleleader.Replica;
import io.replikit.singleleader.SingleLeaderSettings;
import io.replikit.testkit.LoopbackCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The README's sharding example, kept here so that it compiles and (in ShardedQuickStartTest) runs: three cluster
 * nodes in this JVM host a keyspace of 8 partitions, each a group of 3 replicas on 3 different nodes, and a client
 * on one node writes and reads by key without knowing where replicas live.
 */
public final class ShardedQuickStart {
  private ShardedQuickStart() {}

  /** What the example saw: the placement once every replica runs, a write's reply and a read's reply. */
  public record Outcome(Placement placement, Replica.WriteReply written, Replica.ReadReply read) {}

  public static Outcome run() throws Exception {
    List<ActorSystem<Void>> nodes = new ArrayList<>();
    try {
      // --- README example starts here ---
      for (int i = 0; i < 3; i++) {  // three nodes; one in-memory H2 database stands for a journal they share
        Config config = ReplikitJournal.h2InMemory("shop-sharded", LoopbackCluster.nodeConfig("")
            .withFallback(ConfigFactory.load()));
        ActorSystem<Void> node = ActorSystem.create(Behaviors.empty(), "shop", config);
        ReplikitJournal.createSchemaBlocking(node, Duration.ofSeconds(30));
        nodes.add(node);
      }
      LoopbackCluster.joinAndAwaitUp(nodes, Duration.ofSeconds(30));  // Akka Cluster: Join to the first node
      ShardedKeyspace orders = ShardedKeyspace.fromConfig("orders", nodes.get(0).settings().config())
          .withPartitions(8).withReplicas(3);                    // replikit.sharding: 16 and 3 by default
      List<ShardedReplicaGroups> hosts = new ArrayList<>();
      for (ActorSystem<Void> node : nodes) {                     // every hosting node, same keyspace and settings
        SingleLeaderSettings settings = SingleLeaderSettings.fromConfig(node.settings().config())
            .withAckPolicy(AckPolicy.semiSync(AckPolicy.SyncMethod.FIRST, 1));  // acknowledged = on 2 of 3
        hosts.add(ShardedReplicaGroups.init(node, orders, settings));
      }
      // polls hosts.get(0).placement() until no replica is unplaced: then 8 replicas per node, none doubled up
      Placement placement = awaitPlaced(hosts.get(0), Duration.ofSeconds(60));
      KeyRouter router = hosts.get(0).router();                 // routes by key to the partition's leader
      Replica.WriteReply written = router.put("order:42", JsonNodeFactory.instance.textNode("2 books"))
          .toCompletableFuture().get(30, TimeUnit.SECONDS);     // Written[key=order:42, version=.., epoch=1]
      Replica.ReadReply read = router.get("order:42").toCompletableFuture().get(30, TimeUnit.SECONDS);  // Found
      // --- README example ends here ---
      return new Outcome(placement, written, read);
    } finally {
      for (ActorSystem<Void> node : nodes) {
        node.terminate();
      }
      for (ActorSystem<Void> node : nodes) {
        node.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
      }
    }
  }

  /** Polls the placement until every replica of every partition is placed (at most {@code within}). */
  static Placement awaitPlaced(ShardedReplicaGroups host, Duration within) throws Exception {
    long deadline = System.nanoTime() + within.toNanos();
    Placement p = host.placement().toCompletableFuture().get(10, TimeUnit.SECONDS);
    while (!p.unplaced().isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(200); // polling the cluster's placement, not waiting for an outcome
      p = host.placement().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    if (!p.unplaced().isEmpty()) {
      throw new IllegalStateException("not every replica was placed within " + within + ": " + p.unplaced());
    }
    return p;
  }

  public static void main(String[] args) throws Exception {
    Outcome o = run();
    System.out.println(o.placement().perNode() + "\n" + o.written() + "\n" + o.read());
  }
}
