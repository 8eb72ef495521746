package io.replikit.persistence.cdc;

import static io.replikit.persistence.cdc.CdcTestSupport.WAIT;
import static io.replikit.persistence.cdc.CdcTestSupport.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.Done;
import akka.actor.NoSerializationVerificationNeeded;
import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.persistence.query.Offset;
import akka.persistence.testkit.PersistenceTestKitPlugin;
import akka.persistence.testkit.PersistenceTestKitSnapshotPlugin;
import akka.persistence.typed.PersistenceId;
import akka.persistence.typed.javadsl.CommandHandler;
import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.EventSourcedBehavior;
import akka.stream.javadsl.Sink;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.replikit.replication.LogEntry;
import io.replikit.replication.ReplicaId;
import io.replikit.singleleader.SingleLeaderSettings;
import io.replikit.singleleader.internal.ReplicaEvents;
import io.replikit.store.Change;
import io.replikit.store.RowRecord;
import io.replikit.store.StoreItem;
import io.replikit.store.TriggerOutput;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The change feed on Akka's persistence test kit (what core-style tests run on), and what it makes of every kind of
 * journal event: journals written event by event here, so that retractions, snapshot installs and foreign rows
 * occur exactly where the test puts them; and the trigger relay halting where it must not go on by itself.
 */
class ChangeFeedOnTestKitTest {
  private static final ReplicaId R = ReplicaId.of("r");
  private static final ReplicaId OTHER = ReplicaId.of("other");
  private static final AtomicInteger WRITERS = new AtomicInteger();

  private static ActorTestKit testKit;

  @BeforeAll
  static void start() {
    Config config = ConfigFactory.parseString("""
        replikit.cdc.read-journal = "akka.persistence.testkit.query"
        """)
        .withFallback(PersistenceTestKitPlugin.getInstance().config())
        .withFallback(PersistenceTestKitSnapshotPlugin.config())
        .withFallback(CdcTestSupport.baseConfig());
    testKit = ActorTestKit.create("ChangeFeedOnTestKitTest", config);
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  // --- a journal written by hand ---

  /** Local only: exempt from the serialize-messages check (the events it carries are journalled as JSON). */
  record Append(List<Object> events, ActorRef<Done> replyTo) implements NoSerializationVerificationNeeded {}

  /** Persists whatever it is given under a replica's persistence id, as the replica itself would. */
  static final class JournalWriter extends EventSourcedBehavior<Append, Object, Integer> {
    JournalWriter(String persistenceId) {
      super(PersistenceId.ofUniqueId(persistenceId));
    }

    @Override
    public Integer emptyState() {
      return 0;
    }

    @Override
    public CommandHandler<Append, Object, Integer> commandHandler() {
      return newCommandHandlerBuilder().forAnyState().onAnyCommand((state, append) ->
          Effect().persist(append.events()).thenReply(append.replyTo(), s -> Done.getInstance()));
    }

    @Override
    public EventHandler<Integer, Object> eventHandler() {
      return newEventHandlerBuilder().forAnyState().onAnyEvent((state, event) -> state + 1);
    }
  }

  private static void write(String groupId, Object... events) {
    Behavior<Append> writer = new JournalWriter(ChangeFeed.persistenceId(groupId, R));
    ActorRef<Append> ref = testKit.spawn(writer, "writer-" + WRITERS.incrementAndGet());
    TestProbe<Done> done = testKit.createTestProbe();
    ref.tell(new Append(List.of(events), done.getRef()));
    done.expectMessage(WAIT, Done.getInstance());
    testKit.stop(ref, WAIT);
  }

  private static LogEntry entry(long position, long epoch, ReplicaId origin, Change change) {
    return new LogEntry(position, epoch, origin, 1_000 * position, change);
  }

  private static Change.Put put(String key) {
    return new Change.Put(key, text(key));
  }

  private static List<FeedEvent> current(String groupId, Offset from) throws Exception {
    return ChangeFeed.create(testKit.system()).currentEvents(groupId, R, from)
        .runWith(Sink.seq(), testKit.system()).toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Test
  void retractionsAndSnapshotInstallsAreExplicitElementsAndBookkeepingIsSkipped() throws Exception {
    List<StoreItem> first = List.of(new StoreItem("x", text("x"), 5));
    List<StoreItem> second = List.of(new StoreItem("y", text("y"), 8));
    LogEntry divergent = entry(3, 1, R, put("b"));
    write("synthetic",
        entry(1, 1, R, new Change.NewEpoch("r")),                                              // 1
        new ReplicaEvents.EpochVoted(2, OTHER),                                                // 2
        entry(2, 1, R, put("a")),                                                              // 3
        divergent,                                                                             // 4
        new ReplicaEvents.LogTruncated(2, List.of(divergent),                                  // 5
            List.of(new ReplicaEvents.Restore("b", null, 0, false)), false, 2, 42),
        entry(3, 2, OTHER, new Change.NewEpoch("other")),                                      // 6
        entry(4, 2, OTHER, put("c")),                                                          // 7
        new ReplicaEvents.LogTrimmed(3),                                                       // 8
        new ReplicaEvents.SnapshotChunkStored(7, 9, 2, 1, 2, first, List.of(), 4),             // 9: start lost
        new ReplicaEvents.SnapshotChunkStored(8, 9, 2, 0, 2, first, List.of(), 4),             // 10
        new ReplicaEvents.SnapshotChunkStored(8, 9, 2, 1, 2, second,                           // 11: complete
            List.of(new ReplicaEvents.EpochStart(2, 3)), 4),
        new ReplicaEvents.FollowerJoined(ReplicaId.of("late")),                                // 12
        entry(10, 2, OTHER, put("d")));                                                        // 13

    List<FeedEvent> feed = current("synthetic", Offset.noOffset());
    assertEquals(List.of(
        new ChangeEvent(3, 2, 1, 2_000, R, put("a")),
        new ChangeEvent(4, 3, 1, 3_000, R, put("b")),
        new ChangesRetracted(5, 2, List.of(divergent), false, 2, 42),
        new ChangeEvent(7, 4, 2, 4_000, OTHER, put("c")),
        new FeedRestarted(11, 9, 2, 4, List.of(first.get(0), second.get(0))),
        new ChangeEvent(13, 10, 2, 10_000, OTHER, put("d"))), feed);
    assertEquals(List.of(3L), ((ChangesRetracted) feed.get(2)).positions());

    // resumed from any element's offset, the feed continues with the next element
    for (int i = 0; i < feed.size(); i++) {
      assertEquals(feed.subList(i + 1, feed.size()), current("synthetic", feed.get(i).offset()),
          "resumed after " + feed.get(i));
    }
  }

  @Test
  void aRowThatIsNotAReplicaEventFailsTheLiveFeedWithItsSequenceNumber() throws Exception {
    write("foreign", entry(1, 1, R, new Change.NewEpoch("r")), entry(2, 1, R, put("a")), "someone else's event");
    List<FeedEvent> seen = Collections.synchronizedList(new ArrayList<>());
    ExecutionException failed = assertThrows(ExecutionException.class, () ->
        ChangeFeed.create(testKit.system()).events("foreign", R, Offset.noOffset())
            .runWith(Sink.foreach(seen::add), testKit.system())
            .toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS));
    UnreadableJournalException error = assertInstanceOf(UnreadableJournalException.class, failed.getCause());
    assertEquals(3, error.sequenceNr());
    assertEquals(2, error.lastReadSequenceNr());
    assertEquals("journal row 3 of replikit-foreign|r holds a java.lang.String, not a Replikit replica event "
        + "(io.replikit.replication.ReplicaEvent): is another persistent actor writing under this replica's "
        + "persistence id?", error.getMessage());
    assertEquals(List.of(new ChangeEvent(2, 2, 1, 2_000, R, put("a"))), seen);
  }

  @Test
  void aLiveFeedOfARealGroupOnTheTestKitJournal() throws Exception {
    CdcTestSupport.Group g = new CdcTestSupport.Group(testKit,
        SingleLeaderSettings.fromConfig(testKit.system().settings().config()), "testkit-group", "leader", "f1");
    TestProbe<FeedEvent> probe = testKit.createTestProbe();
    var killSwitch = ChangeFeed.source(testKit.system(), g.id(), ReplicaId.of("f1"), Offset.noOffset())
        .viaMat(akka.stream.KillSwitches.single(), akka.stream.javadsl.Keep.right())
        .to(Sink.foreach(probe.getRef()::tell))
        .run(testKit.system());
    long a = g.put("a", "1");
    long b = g.commit(List.of(CdcTestSupport.insertOrder("o1", "ann", 7)));
    // the follower's own journal: the same positions as the leader's
    assertEquals(a, ((ChangeEvent) probe.receiveMessage(WAIT)).position());
    ChangeEvent tx = (ChangeEvent) probe.receiveMessage(WAIT);
    assertEquals(b, tx.position());
    assertEquals("o1", tx.rowChanges().get(0).primaryKey());
    killSwitch.shutdown();
  }

  @Test
  void aMissingReadJournalOrAnOffsetOfAnotherKindIsRefusedAtOnce() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ChangeFeed.create(testKit.system(), "no-such-read-journal"));
    assertTrue(e.getMessage().startsWith("read journal plugin 'no-such-read-journal' is not available"),
        e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> ChangeFeed.create(testKit.system())
        .events("g", R, Offset.timestamp(java.time.Instant.EPOCH)));
    assertTrue(e.getMessage().startsWith("a change feed resumes from Offset.sequence(n)"), e.getMessage());
    assertEquals(0, ChangeFeed.sequenceNrOf(Offset.noOffset()));
    assertEquals(7, ChangeFeed.sequenceNrOf(Offset.sequence(7)));
  }

  // --- the relay halts where it must not go on alone ---

  private static Change.Rows withOutput(String order, String target) {
    RowRecord.Inserted row = new RowRecord.Inserted("orders", order, CdcTestSupport.object().put("amount", 500));
    return new Change.Rows(List.of(row, new RowRecord.Commit(1)), List.of(new TriggerOutput(target,
        new RowRecord.Inserted("big_orders", order, CdcTestSupport.object().put("amount_cents", 50_000)))));
  }

  @Test
  void theRelayHaltsAtARetractionOfDeliveredOutputsAndDoesNotRepeatWhatItDelivered() throws Exception {
    LogEntry delivered = entry(3, 1, R, withOutput("o2", "reporting"));
    write("halt-retraction",
        entry(1, 1, R, new Change.NewEpoch("r")),
        entry(2, 1, R, withOutput("o1", "reporting")),
        delivered,
        new ReplicaEvents.LogTruncated(2, List.of(delivered), List.of(), false, 2, 42), // 4
        entry(3, 2, OTHER, withOutput("o3", "reporting")));
    InMemoryTarget target = new InMemoryTarget();
    TriggerRelay relay = TriggerRelay.create(testKit.system(), "halt-retraction", R, Map.of("reporting", target));

    for (int run = 0; run < 2; run++) {
      ExecutionException failed = assertThrows(ExecutionException.class, () -> relay.runCurrent().completion()
          .toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS));
      RelayHaltedException halted = assertInstanceOf(RelayHaltedException.class, failed.getCause());
      assertEquals(4, halted.sequenceNr());
      assertTrue(halted.getMessage().contains("retracted entries at positions [3] whose trigger outputs were "
          + "delivered"), halted.getMessage());
      assertEquals(List.of(2L, 3L), target.applied().stream().map(TriggerTarget.Delivery::sequenceNr).toList(),
          "run " + run + ": delivered once, up to the retraction and not past it");
    }

    // an operator reconciled the target and records the retraction's offset: the relay goes on
    target.deliver(relay.relayId(), new TriggerTarget.Delivery(4, 2, 2, 0, List.of()))
        .toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    relay.runCurrent().completion().toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    List<TriggerTarget.Delivery> applied = target.applied();
    assertEquals(List.of(2L, 3L, 4L, 5L), applied.stream().map(TriggerTarget.Delivery::sequenceNr).toList());
    assertEquals("o3", applied.get(3).changes().get(0).primaryKey());
  }

  @Test
  void theRelayHaltsAtASnapshotInstallAndAtAnUnknownTarget() throws Exception {
    write("halt-snapshot",
        entry(1, 1, R, new Change.NewEpoch("r")),
        new ReplicaEvents.SnapshotChunkStored(1, 9, 1, 0, 1, List.of(), List.of(), 0));
    InMemoryTarget target = new InMemoryTarget();
    ExecutionException failed = assertThrows(ExecutionException.class, () ->
        TriggerRelay.create(testKit.system(), "halt-snapshot", R, Map.of("reporting", target)).runCurrent()
            .completion().toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS));
    RelayHaltedException halted = assertInstanceOf(RelayHaltedException.class, failed.getCause());
    assertEquals(2, halted.sequenceNr());
    assertTrue(halted.getMessage().contains("replaced its store with a snapshot at position 9"), halted.getMessage());

    write("halt-unknown", entry(1, 1, R, new Change.NewEpoch("r")), entry(2, 1, R, withOutput("o1", "elsewhere")));
    failed = assertThrows(ExecutionException.class, () ->
        TriggerRelay.create(testKit.system(), "halt-unknown", R, Map.of("reporting", target)).runCurrent()
            .completion().toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS));
    halted = assertInstanceOf(RelayHaltedException.class, failed.getCause());
    assertTrue(halted.getMessage().contains("an output names target 'elsewhere', but the relay has targets "
        + "[reporting]"), halted.getMessage());
    assertEquals(List.of(), target.applied());
  }
}
