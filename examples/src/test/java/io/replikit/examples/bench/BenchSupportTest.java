package io.replikit.examples.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Behaviors;
import com.typesafe.config.ConfigFactory;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How a bench stops its nodes once the figures are taken. */
class BenchSupportTest {

  @Test
  void stopAllTerminatesEveryNodeAndSaysNothingWhenEachStopsInTime() {
    List<ActorSystem<Void>> nodes = List.of(node("bench-stop-1"), node("bench-stop-2"), node("bench-stop-3"));
    StringWriter progress = new StringWriter();
    BenchSupport.stopAll(nodes, new PrintWriter(progress, true));
    for (ActorSystem<Void> n : nodes) {
      assertTrue(n.getWhenTerminated().toCompletableFuture().isDone(), n.name() + " stopped when stopAll returned");
    }
    assertEquals("", progress.toString(), "no node reported as slow to stop");
  }

  private static ActorSystem<Void> node(String name) {
    return ActorSystem.create(Behaviors.empty(), name,
        ConfigFactory.parseString("akka.actor.provider = local").withFallback(ConfigFactory.load()));
  }
}
