package io.replikit.testkit;

import akka.actor.Address;
import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.typed.ActorSystem;
import akka.cluster.typed.Cluster;
import akka.cluster.typed.Down;
import akka.cluster.typed.Join;
import com.typesafe.config.Config;
import java.time.Duration;
import java.util.ArrayList;
import io.replikit.sharding.Placement;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The nodes of a sharded-keyspace scenario in one JVM ({@code io.replikit.sharding}): Actor TestKits on loopback
 * joined in one cluster ({@link LoopbackCluster}), each with its host of the keyspace ({@code H}: a
 * {@code ShardedReplicaGroups}, {@code ShardedRings}, {@code ShardedMultiLeader} ...), and what a scenario does to
 * them: start, join one more, crash one (shut down, then downed from the first node, which is never crashed), wait
 * for a check with a bound. {@link #close} stops every node left. Not thread-safe: one test drives it.
 *
 * @param <H> the keyspace host each node runs
 */
public final class ShardedNodes<H> implements AutoCloseable {
  /** A check that throws (an assertion or an exception) until it passes. */
  public interface Check<T> {
    T run() throws Exception;
  }

  private final Supplier<Config> config;
  private final Duration wait;
  private final List<ActorTestKit> kits = new ArrayList<>();
  private final List<H> hosts = new ArrayList<>();

  /**
   * Nodes made with a config from {@code config}, asked once per node (each needs its own port, as
   * {@link LoopbackCluster#shardedNodeConfig} gives); {@code wait} bounds joins and awaits.
   */
  public ShardedNodes(Supplier<Config> config, Duration wait) {
    this.config = config;
    this.wait = wait;
  }

  /** Starts {@code count} nodes and waits until all are Up in one cluster; host them with {@link #hostEach}. */
  public ShardedNodes<H> start(int count) {
    for (int i = 0; i < count; i++) {
      kits.add(ActorTestKit.create("replikit", config.get()));
    }
    LoopbackCluster.joinAndAwaitUp(systems(), wait);
    return this;
  }

  /** Starts one more node, joined through the first, and waits until every node sees all Up. */
  public ActorTestKit join() {
    ActorTestKit kit = ActorTestKit.create("replikit", config.get());
    kits.add(kit);
    Cluster.get(kit.system()).manager().tell(new Join(address(0)));
    LoopbackCluster.joinAndAwaitUp(systems(), wait);
    return kit;
  }

  /** Makes the host of every node that has none yet, in node order. */
  public ShardedNodes<H> hostEach(Function<ActorTestKit, H> host) {
    for (int i = hosts.size(); i < kits.size(); i++) {
      hosts.add(host.apply(kits.get(i)));
    }
    return this;
  }

  /** Node {@code index} crashes: it is shut down and the first node downs it. Returns its address. */
  public Address crash(int index) {
    if (index == 0) {
      throw new IllegalArgumentException("node 0 downs the crashed node and runs the probes: crash another");
    }
    Address address = address(index);
    kits.remove(index).shutdownTestKit();
    if (index < hosts.size()) {
      hosts.remove(index);
    }
    Cluster.get(kits.get(0).system()).manager().tell(new Down(address));
    return address;
  }

  public ActorTestKit node(int index) {
    return kits.get(index);
  }

  public H host(int index) {
    return hosts.get(index);
  }

  public int size() {
    return kits.size();
  }

  /** The cluster address of node {@code index}. */
  public Address address(int index) {
    return Cluster.get(kits.get(index).system()).selfMember().address();
  }

  /** Node 0's config (as a keyspace reads it). */
  public Config config() {
    return kits.get(0).system().settings().config();
  }

  /** Retries {@code check} until it passes, for at most the wait given (bounded, no fixed sleeps). */
  public <T> T await(Check<T> check) throws Exception {
    long deadline = System.nanoTime() + wait.toNanos();
    while (true) {
      try {
        return check.run();
      } catch (AssertionError | Exception e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        // the probe's own bounded wait: a check already spends up to a request timeout on silent replicas
        kits.get(0).createTestProbe().expectNoMessage(Duration.ofMillis(100));
      }
    }
  }

  /**
   * Waits until {@code placement} (a host's placement query) shows every replica placed, on {@code nodeCount} nodes
   * with exactly {@code perNode} each, and no node hosting two replicas of one group; returns that placement.
   */
  public Placement awaitBalanced(Supplier<CompletionStage<Placement>> placement, int nodeCount, int perNode)
      throws Exception {
    return await(() -> {
      Placement p = placement.get().toCompletableFuture().get(wait.toMillis(), TimeUnit.MILLISECONDS);
      String seen = " (placed per node: " + p.perNode() + ", unplaced: " + p.unplaced() + ")";
      if (!p.unplaced().isEmpty() || p.perNode().size() != nodeCount) {
        throw new AssertionError("every replica placed on " + nodeCount + " nodes" + seen);
      }
      if (p.maxPerNode() != perNode || p.minPerNode() != perNode) {
        throw new AssertionError(perNode + " replicas on each node" + seen);
      }
      if (p.coLocated()) {
        throw new AssertionError("no node hosts two replicas of one group: " + p.placed());
      }
      return p;
    });
  }

  private List<ActorSystem<Void>> systems() {
    return kits.stream().map(ActorTestKit::system).toList();
  }

  @Override
  public void close() {
    for (ActorTestKit kit : kits) {
      kit.shutdownTestKit();
    }
    kits.clear();
    hosts.clear();
  }
}
