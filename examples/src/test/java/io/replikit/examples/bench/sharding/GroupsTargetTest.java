package io.replikit.examples.bench.sharding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import akka.actor.typed.ActorSystem;
import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.ConfigFactory;
import io.replikit.examples.bench.sharding.ShardedTarget.Checked;
import io.replikit.examples.bench.sharding.ShardedTarget.ReadBack;
import io.replikit.sharding.ShardedKeyspace;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * What the sharding bench reports for a write the router's read lacks, the same for every family: lost only when no
 * replica of the key's group answers with it, a silent replica counting as one that does not hold it; and the node
 * hosted first is the one that routes.
 */
class GroupsTargetTest {
  private static final ShardedKeyspace KEYSPACE = ShardedKeyspace.fromConfig("bench", ConfigFactory.load())
      .withPartitions(6).withReplicas(3);
  /** A key outside partition 0, so that an ask sent to a wrong partition shows. */
  private static final String KEY = IntStream.range(0, 100).mapToObj(i -> "k-" + i)
      .filter(k -> KEYSPACE.partitionOf(k) != 0).findFirst().orElseThrow();

  /** A family whose replica {@code i} answers {@code answers.get(i)} (null: silent, the ask fails). */
  private static final class Fake extends GroupsTarget<String, String> {
    private int started;

    Fake() {
      super(KEYSPACE, handle -> null);
    }

    @Override
    String start(ActorSystem<?> node) {
      return "node-" + (++started);
    }

    @Override
    public String family() {
      return "fake";
    }

    @Override
    public String mode() {
      return "fake";
    }

    @Override
    public CompletionStage<Optional<String>> write(String key, JsonNode value) {
      return CompletableFuture.completedFuture(Optional.empty());
    }

    @Override
    public Convergence settle(Duration limit) {
      return null;
    }

    @Override
    public Checked check(String key, JsonNode value, String ack) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Integer partitionsWithoutLeader() {
      return null;
    }
  }

  /** Asks replica by replica, recording which partition each ask went to. */
  private static Checked readBack(String key, List<String> answers, List<Integer> partitionsAsked) {
    return new Fake().readBackFromReplicas(key, "the router's read", (p, i) -> {
      partitionsAsked.add(p);
      return answers.get(i) == null
          ? CompletableFuture.failedFuture(new IllegalStateException("replica " + i + " is silent"))
          : CompletableFuture.completedFuture(answers.get(i));
    }, "written"::equals);
  }

  @Test
  void aWriteHeldByNoReplicaIsLostAfterEveryReplicaOfItsGroupWasAsked() {
    List<Integer> asked = new ArrayList<>();
    Checked c = readBack(KEY, Arrays.asList(null, "other", "other"), asked);
    assertEquals(ReadBack.LOST, c.outcome());
    assertEquals("the router's read", c.readBack(), "the router's read is kept for the bench's notes");
    int p = KEYSPACE.partitionOf(KEY);
    assertEquals(List.of(p, p, p), asked, "all 3 replicas of the key's partition asked");
  }

  @Test
  void aWriteHeldByAReplicaAfterASilentOneIsNotReadableByKeyNotLost() {
    Checked c = readBack(KEY, Arrays.asList(null, "written", "other"), new ArrayList<>());
    assertEquals(ReadBack.NOT_READABLE_BY_KEY, c.outcome());
    assertEquals("the router's read", c.readBack());
  }

  @Test
  void theFirstNodeHostedKeepsRoutingWhenMoreNodesAreHosted() {
    Fake target = new Fake();
    target.host(null);
    String first = target.client();
    target.host(null);
    target.host(null);
    assertSame(first, target.client());
    assertEquals("node-1", target.client());
  }
}
