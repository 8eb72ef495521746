package io.replikit.singleleader;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.LoggingTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import akka.persistence.testkit.javadsl.PersistenceTestKit;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.typesafe.config.ConfigFactory;
import io.replikit.replication.LocalTransport;
import io.replikit.replication.LogEntry;
import io.replikit.replication.ReplicaId;
import io.replikit.store.Change;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class CorruptJournalTest {
  private static ActorTestKit kit;

  @BeforeAll
  static void start() {
    kit = ActorTestKit.create("CorruptJournalTest", ConfigFactory.parseString(
        "replikit.single-leader { journal-max-restarts = 1, journal-restart-min-backoff = 50ms }")
        .withFallback(TestGroup.testConfig()));
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  @Test
  void aReplicaWhoseJournalHasAGapStopsAfterItsRestartsWithAClearErrorAndTheRestOfTheNodeKeepsRunning() {
    ReplicaId l = ReplicaId.of("L");
    PersistenceTestKit journal = PersistenceTestKit.create(kit.system());
    journal.persistForRecovery("replikit-broken|L", List.of(
        new LogEntry(1, 1, l, 0, new Change.Put("a", JsonNodeFactory.instance.textNode("1"))),
        new LogEntry(3, 1, l, 0, new Change.Put("b", JsonNodeFactory.instance.textNode("2")))));
    SingleLeaderSettings settings = TestGroup.settings(kit);
    LocalTransport transport = new LocalTransport();

    TestProbe<Object> watcher = kit.createTestProbe();
    ActorRef<Replica.Command> broken = LoggingTestKit.error(
        "replica L of group broken could not recover its journal: journal entry at position 3 does not follow")
        .withOccurrences(2) // the first recovery and the one restart journal-max-restarts allows
        .expect(kit.system(), () -> kit.spawn(Replica.create(ReplicaGroupSpec.of("broken", "L"), l, settings,
            transport), "broken-L"));
    watcher.expectTerminated(broken, TestGroup.WAIT);

    ActorRef<Replica.Command> healthy =
        kit.spawn(Replica.create(ReplicaGroupSpec.of("healthy", "L"), l, settings, transport), "healthy-L");
    TestProbe<Replica.WriteReply> reply = kit.createTestProbe();
    healthy.tell(Replica.put("k", JsonNodeFactory.instance.textNode("v"), reply.getRef()));
    assertInstanceOf(Replica.Written.class, reply.receiveMessage(TestGroup.WAIT));
  }
}
