package io.replikit.examples.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorRefResolver;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Behaviors;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.replikit.examples.serve.ServeSettings;
import io.replikit.examples.support.Poll;
import io.replikit.serialization.WireMessage;
import java.io.Serializable;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What a node accepts from the wire (Artery, configured as {@code replikit serve} configures it): only classes bound
 * to Replikit's serializer markers. A message of any other class is refused, whether a well-behaved node tries to
 * send it (it cannot serialize it) or a hostile one sends it anyway (bound to Jackson, or in Java serialization, on
 * its side): it is never delivered, the refusal is logged, and the node goes on serving marked messages.
 */
class WireSerializationTest {
  /** A message as Replikit's own: it carries the marker bound to Jackson CBOR. */
  public record Marked(String text) implements WireMessage {}

  /** A class not bound to any marker: no node of Replikit's may read it from the wire. */
  public record Unmarked(String text) {}

  /** A class only Java serialization could carry (a gadget chain's usual way in). */
  public record JavaOnly(String text) implements Serializable {}

  private static final Duration TIMEOUT = Duration.ofSeconds(20);
  private static ActorSystem<Void> receiver;
  private static ActorSystem<Void> honest;
  private static ActorSystem<Void> hostile;

  @BeforeAll
  static void start() {
    receiver = start("receiver", "");
    honest = start("honest", "");
    // whatever a sender's own configuration, the receiver's decides what it reads
    hostile = start("hostile", String.join("\n",
        "akka.actor.allow-java-serialization = on",
        "akka.actor.warn-about-java-serializer-usage = off",
        "akka.actor.serialization-bindings {",
        "  \"" + Unmarked.class.getName() + "\" = jackson-cbor",
        "  \"" + JavaOnly.class.getName() + "\" = java",
        "}"));
  }

  @AfterAll
  static void stop() throws Exception {
    for (ActorSystem<Void> s : new ActorSystem[] {hostile, honest, receiver}) {
      if (s != null) {
        s.terminate();
        s.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
      }
    }
  }

  /** A node's actor system as {@code replikit serve} makes it (plain TCP), with {@code overrides} on top. */
  private static ActorSystem<Void> start(String node, String overrides) {
    Config config = ConfigFactory.parseString(String.join("\n",
        "replikit.serve { node = " + node + ", port = 0, http-port = 0 }",
        "replikit.journal { kind = h2-memory, h2-memory.name = wire-" + node + " }"))
        .withFallback(ConfigFactory.load()).resolve();
    Config akka = ServeSettings.fromConfig(config).akkaConfig(config);
    return ActorSystem.create(Behaviors.empty(), ServeSettings.SYSTEM_NAME,
        ConfigFactory.parseString(overrides).withFallback(akka).resolve());
  }

  /** The receiver's probe as {@code from} reaches it: through Artery. */
  private static ActorRef<Object> remote(TestProbe<Object> probe, ActorSystem<?> from) {
    String path = ActorRefResolver.get(receiver).toSerializationFormat(probe.ref());
    return ActorRefResolver.get(from).resolveActorRef(path);
  }

  @Test
  void javaSerializationIsOffOnEveryNode() {
    assertFalse(receiver.settings().config().getBoolean("akka.actor.allow-java-serialization"));
    ServeSettings s = ServeSettings.fromConfig(ConfigFactory.parseString(
        "replikit.serve.node = n1, akka.actor.allow-java-serialization = on").withFallback(ConfigFactory.load())
        .resolve());
    assertFalse(s.akkaConfig(ConfigFactory.parseString("akka.actor.allow-java-serialization = on")
        .withFallback(ConfigFactory.load())).getBoolean("akka.actor.allow-java-serialization"),
        "a node's own config file cannot turn it back on");
  }

  @Test
  void aHostileNodesUnknownTypesAreRefusedAndLoggedWhileMarkedMessagesAreDelivered() {
    TestProbe<Object> probe = TestProbe.create(Object.class, receiver);
    ActorRef<Object> target = remote(probe, hostile);
    try (CapturedLogs logs = new CapturedLogs()) {
      target.tell(new Unmarked("bound to Jackson by the sender only"));
      target.tell(new JavaOnly("Java-serialized by the sender"));
      target.tell(new Marked("after"));
      // one connection, one recipient: Artery keeps their order, so the two before it were dropped, not late
      assertEquals(new Marked("after"), probe.receiveMessage(TIMEOUT));
      Poll.until(TIMEOUT, "the receiver logged both refusals", () ->
          !logs.matching(t -> t.contains("Failed to deserialize") && t.contains(Unmarked.class.getName())).isEmpty()
          && !logs.matching(t -> t.contains("Failed to deserialize") && t.contains("allow-java-serialization")).isEmpty());
      target.tell(new Marked("still serving"));
      assertEquals(new Marked("still serving"), probe.receiveMessage(TIMEOUT));
    }
    assertFalse(receiver.whenTerminated().isCompleted(), "the receiver is still up");
  }

  @Test
  void aWellBehavedNodeCannotSendAnUnknownType() {
    TestProbe<Object> probe = TestProbe.create(Object.class, receiver);
    ActorRef<Object> target = remote(probe, honest);
    try (CapturedLogs logs = new CapturedLogs()) {
      target.tell(new Unmarked("never leaves the sender"));
      target.tell(new Marked("after"));
      assertEquals(new Marked("after"), probe.receiveMessage(TIMEOUT));
      Poll.until(TIMEOUT, "the sender logged that it could not serialize it", () ->
          !logs.matching(t -> t.contains("Failed to serialize") && t.contains(Unmarked.class.getName())
              && t.contains("No configured serialization-bindings")).isEmpty());
    }
    assertFalse(honest.whenTerminated().isCompleted(), "the sender is still up");
  }
}
