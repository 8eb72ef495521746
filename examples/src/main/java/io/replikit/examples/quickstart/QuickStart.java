package io.replikit.examples.quickstart;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.Props;
import akka.actor.typed.SpawnProtocol;
import akka.actor.typed.javadsl.AskPattern;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.replikit.persistence.ReplikitJournal;
import io.replikit.replication.LocalTransport;
import io.replikit.replication.ReplicaId;
import io.replikit.singleleader.AckLevel;
import io.replikit.singleleader.AckPolicy;
import io.replikit.singleleader.Replica;
import io.replikit.singleleader.ReplicaGroupSpec;
import io.replikit.singleleader.SingleLeaderSettings;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The README's example, kept here so that it compiles and (in QuickStartTest) runs: a replica group composed
 * inside a user's own actor system, a write to the leader and a read from a follower.
 */
public final class QuickStart {
  private QuickStart() {}

  /** Writes {@code order-1} and returns what follower f1 reads back. */
  public static Replica.ReadReply run() {
    // --- README example starts here ---
    Config config = ReplikitJournal.h2InMemory("shop", ConfigFactory.load());
    ActorSystem<SpawnProtocol.Command> system = ActorSystem.create(SpawnProtocol.create(), "shop", config);
    ReplikitJournal.createSchemaBlocking(system, Duration.ofSeconds(30));  // before any replica recovers
    Duration timeout = Duration.ofSeconds(15);
    ReplicaGroupSpec spec = ReplicaGroupSpec.of("orders", "leader", "f1", "f2");
    SingleLeaderSettings settings = SingleLeaderSettings.fromConfig(system.settings().config())
        .withAckPolicy(AckPolicy.sync()).withAckLevel(AckLevel.APPLIED);  // acknowledged = readable on every follower
    LocalTransport transport = new LocalTransport();
    Map<String, ActorRef<Replica.Command>> replicas = new HashMap<>();
    for (String name : List.of("leader", "f1", "f2")) {
      Behavior<Replica.Command> replica = Replica.create(spec, ReplicaId.of(name), settings, transport);
      replicas.put(name, AskPattern.<SpawnProtocol.Command, ActorRef<Replica.Command>>ask(system,
          r -> new SpawnProtocol.Spawn<>(replica, name, Props.empty(), r), timeout, system.scheduler())
          .toCompletableFuture().join());
    }
    Replica.WriteReply written = AskPattern.<Replica.Command, Replica.WriteReply>ask(replicas.get("leader"),
        r -> Replica.put("order-1", JsonNodeFactory.instance.textNode("2 books"), r), timeout, system.scheduler())
        .toCompletableFuture().join();  // Written[key=order-1, version=2, epoch=1]
    Replica.ReadReply read = AskPattern.<Replica.Command, Replica.ReadReply>ask(replicas.get("f1"),
        r -> new Replica.Get("order-1", r), timeout, system.scheduler()).toCompletableFuture().join();  // Found[...]
    // --- README example ends here ---
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().join();
    if (!(written instanceof Replica.Written)) {
      throw new IllegalStateException("the write was not acknowledged: " + written);
    }
    return read;
  }

  public static void main(String[] args) {
    System.out.println(run());
  }
}
