package io.replikit.persistence.cdc;

import static io.replikit.persistence.cdc.CdcTestSupport.WAIT;
import static io.replikit.persistence.cdc.CdcTestSupport.deleteOrder;
import static io.replikit.persistence.cdc.CdcTestSupport.insertOrder;
import static io.replikit.persistence.cdc.CdcTestSupport.setAmount;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.Done;
import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.FishingOutcomes;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.japi.Pair;
import akka.persistence.query.Offset;
import akka.stream.KillSwitches;
import akka.stream.UniqueKillSwitch;
import akka.stream.javadsl.Keep;
import akka.stream.javadsl.Sink;
import com.typesafe.config.Config;
import io.replikit.persistence.ReplikitJournal;
import io.replikit.replication.ReplicaId;
import io.replikit.singleleader.SingleLeaderSettings;
import io.replikit.store.Change;
import io.replikit.store.RowRecord;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The change feed on the real JDBC journal (in-memory H2): a consumer killed mid-stream and restarted from the
 * offset it stored sees every change exactly once in order; a journal row that cannot be read fails the stream with
 * a clear error, and keeps failing it at the same place.
 */
class ChangeFeedTest {
  private static final ReplicaId LEADER = ReplicaId.of("leader");

  private static ActorTestKit testKit;
  private static Config config;
  private static SingleLeaderSettings settings;

  @BeforeAll
  static void start() {
    config = ReplikitJournal.h2InMemory("change-feed-test", CdcTestSupport.baseConfig());
    testKit = ActorTestKit.create("ChangeFeedTest", config);
    ReplikitJournal.createSchemaBlocking(testKit.system(), WAIT);
    settings = SingleLeaderSettings.fromConfig(config);
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  /** A consumer that stores the offset of every element it processed, as a real one would with its effect. */
  private static final class Consumer {
    final List<FeedEvent> processed = Collections.synchronizedList(new ArrayList<>());
    final AtomicReference<Offset> stored = new AtomicReference<>(Offset.noOffset());
    final TestProbe<FeedEvent> seen = testKit.createTestProbe();
    final String groupId;
    volatile int crashAfter = Integer.MAX_VALUE;

    Consumer(String groupId) {
      this.groupId = groupId;
    }

    Pair<UniqueKillSwitch, CompletionStage<Done>> run() {
      return ChangeFeed.source(testKit.system(), groupId, LEADER, stored.get())
          .viaMat(KillSwitches.single(), Keep.right())
          .toMat(Sink.foreach(e -> {
            if (processed.size() >= crashAfter) {
              throw new IllegalStateException("consumer crashed"); // before it processed e: e comes again
            }
            processed.add(e);
            stored.set(e.offset());
            seen.getRef().tell(e);
          }), Keep.both())
          .run(testKit.system());
    }

    List<Long> positions() {
      synchronized (processed) {
        return processed.stream().map(e -> ((ChangeEvent) e).position()).toList();
      }
    }
  }

  @Test
  void aConsumerKilledMidStreamAndRestartedFromItsStoredOffsetSeesEveryChangeExactlyOnceInOrder() throws Exception {
    CdcTestSupport.Group g = new CdcTestSupport.Group(testKit, settings, "cdc-kill", "leader");
    Consumer consumer = new Consumer(g.id());
    List<Long> written = new ArrayList<>();

    // live: the consumer follows the writes as they happen
    Pair<UniqueKillSwitch, CompletionStage<Done>> first = consumer.run();
    for (int i = 0; i < 3; i++) {
      written.add(g.put("k" + i, "v" + i));
    }
    written.add(g.commit(List.of(insertOrder("o1", "ann", 120), insertOrder("o2", "bob", 80))));
    for (int i = 0; i < 4; i++) {
      consumer.seen.receiveMessage(WAIT);
    }
    first.first().shutdown();
    first.second().toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    assertEquals(written, consumer.positions());

    // changes while the consumer is down
    written.add(g.commit(List.of(setAmount("o2", 90))));
    written.add(g.delete("k0"));
    written.add(g.put("k3", "v3"));
    written.add(g.commit(List.of(deleteOrder("o1"))));

    Pair<UniqueKillSwitch, CompletionStage<Done>> second = consumer.run();
    written.add(g.put("k4", "v4")); // and one while it runs again
    awaitPosition(consumer, written.get(written.size() - 1));
    second.first().shutdown();
    second.second().toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);

    // every change exactly once, in log order (position 1, the epoch's first entry, changes no data)
    assertEquals(List.of(2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L), written);
    assertEquals(written, consumer.positions());
    assertOffsetsIncrease(consumer);

    // and each element carries what the log holds
    ChangeEvent tx = (ChangeEvent) consumer.processed.get(3);
    assertEquals(5L, tx.position());
    assertInstanceOf(Change.Rows.class, tx.change());
    assertEquals(List.of(
        new RowRecord.Inserted("orders", "o1", CdcTestSupport.object().put("amount", 120).put("customer", "ann")),
        new RowRecord.Inserted("orders", "o2", CdcTestSupport.object().put("amount", 80).put("customer", "bob"))),
        tx.rowChanges());
    assertEquals(LEADER, tx.origin());
    assertEquals(1, tx.epoch());
    assertEquals(new Change.Delete("k0"), ((ChangeEvent) consumer.processed.get(5)).change());
  }

  @Test
  void aConsumerThatCrashesWithABacklogResumesAfterTheLastChangeItProcessed() throws Exception {
    CdcTestSupport.Group g = new CdcTestSupport.Group(testKit, settings, "cdc-crash", "leader");
    List<Long> written = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      written.add(i % 4 == 3 ? g.commit(List.of(insertOrder("o" + i, "c" + i, i))) : g.put("k" + i, "v" + i));
    }

    // the whole backlog is in the stream's buffers when the consumer dies after its fifth change
    Consumer consumer = new Consumer(g.id());
    consumer.crashAfter = 5;
    Pair<UniqueKillSwitch, CompletionStage<Done>> first = consumer.run();
    ExecutionException crash = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
        () -> first.second().toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS));
    assertEquals("consumer crashed", crash.getCause().getMessage());
    assertEquals(written.subList(0, 5), consumer.positions());

    consumer.crashAfter = Integer.MAX_VALUE;
    Pair<UniqueKillSwitch, CompletionStage<Done>> second = consumer.run();
    awaitPosition(consumer, written.get(written.size() - 1));
    second.first().shutdown();
    second.second().toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    assertEquals(written, consumer.positions());
    assertOffsetsIncrease(consumer);
  }

  private static void awaitPosition(Consumer consumer, long position) {
    consumer.seen.fishForMessage(WAIT, e -> ((ChangeEvent) e).position() == position
        ? FishingOutcomes.complete() : FishingOutcomes.continueAndIgnore());
  }

  private static void assertOffsetsIncrease(Consumer consumer) {
    List<Long> offsets;
    synchronized (consumer.processed) {
      offsets = consumer.processed.stream().map(FeedEvent::sequenceNr).toList();
    }
    for (int i = 1; i < offsets.size(); i++) {
      assertTrue(offsets.get(i) > offsets.get(i - 1), "offsets increase: " + offsets);
    }
  }

  @Test
  void theCurrentFeedEmitsWhatTheJournalHoldsAndCompletes() throws Exception {
    CdcTestSupport.Group g = new CdcTestSupport.Group(testKit, settings, "cdc-current", "leader");
    long a = g.put("a", "1");
    long b = g.put("b", "2");
    long c = g.put("c", "3");

    List<FeedEvent> all = ChangeFeed.currentSource(testKit.system(), g.id(), LEADER, Offset.noOffset())
        .runWith(Sink.seq(), testKit.system()).toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    assertEquals(List.of(a, b, c), all.stream().map(e -> ((ChangeEvent) e).position()).toList());

    List<FeedEvent> rest = ChangeFeed.currentSource(testKit.system(), g.id(), LEADER, all.get(0).offset())
        .runWith(Sink.seq(), testKit.system()).toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    assertEquals(List.of(b, c), rest.stream().map(e -> ((ChangeEvent) e).position()).toList());
    assertEquals(new Change.Put("c", CdcTestSupport.text("3")), ((ChangeEvent) rest.get(1)).change());
  }

  @Test
  void aRowThatIsNotAReplicaEventFailsTheStreamNamingTheRowAndFailsItAgainOnRestart() throws Exception {
    CdcTestSupport.Group g = new CdcTestSupport.Group(testKit, settings, "cdc-foreign", "leader");
    long a = g.put("a", "1");
    long b = g.put("b", "2");
    g.stop("leader"); // nothing else writes under its persistence id from here on
    String pid = ChangeFeed.persistenceId(g.id(), LEADER);
    long bad = appendRow(pid, 20, "", "not a replica event".getBytes(StandardCharsets.UTF_8));

    Consumer consumer = new Consumer(g.id());
    UnreadableJournalException error = failure(consumer);
    assertEquals(List.of(a, b), consumer.positions(), "the changes before the bad row were delivered");
    assertEquals(pid, error.persistenceId());
    assertEquals(bad, error.sequenceNr());
    assertTrue(error.getMessage().contains("journal row " + bad + " of " + pid + " holds a java.lang.String, not a "
        + "Replikit replica event"), error.getMessage());

    // the stream never skips it: a consumer restarted from its stored offset stops at the same row
    UnreadableJournalException again = failure(consumer);
    assertEquals(List.of(a, b), consumer.positions(), "nothing repeated, nothing skipped");
    assertEquals(bad, again.sequenceNr());
  }

  @Test
  void aRowThatDoesNotDeserializeFailsTheStreamNamingWhereItIs() throws Exception {
    CdcTestSupport.Group g = new CdcTestSupport.Group(testKit, settings, "cdc-corrupt", "leader");
    long a = g.put("a", "1");
    g.stop("leader"); // nothing else writes under its persistence id from here on
    String pid = ChangeFeed.persistenceId(g.id(), LEADER);
    long bad = appendRow(pid, 31, io.replikit.replication.LogEntry.class.getName(),
        "{\"position\": 3, \"change\": {\"type\": \"pu".getBytes(StandardCharsets.UTF_8));

    Consumer consumer = new Consumer(g.id());
    UnreadableJournalException error = failure(consumer);
    // the JDBC read journal reads rows in batches and may fail a batch as a whole: what came before the bad row is
    // delivered or not, never what comes after it
    List<Long> delivered = consumer.positions();
    assertTrue(delivered.equals(List.of()) || delivered.equals(List.of(a)), "delivered " + delivered);
    assertEquals(pid, error.persistenceId());
    assertEquals(-1, error.sequenceNr(), "the serializer does not say which row");
    assertTrue(error.lastReadSequenceNr() < bad, "the bad row comes after the last row read");
    assertTrue(error.getMessage().contains("a journal row after sequence number " + error.lastReadSequenceNr()
        + " of " + pid + " cannot be read as a Replikit replica event"), error.getMessage());
    assertTrue(error.getCause() != null, "the serializer's own exception is kept as the cause");

    UnreadableJournalException again = failure(consumer);
    assertEquals(delivered, consumer.positions(), "a restarted feed stops at the same row");
    assertEquals(error.lastReadSequenceNr(), again.lastReadSequenceNr());
  }

  /** Runs the consumer's live feed until it fails; returns the failure. */
  private static UnreadableJournalException failure(Consumer consumer) throws Exception {
    Pair<UniqueKillSwitch, CompletionStage<Done>> run = consumer.run();
    try {
      run.second().toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      throw new AssertionError("the feed completed instead of failing");
    } catch (ExecutionException e) {
      return assertInstanceOf(UnreadableJournalException.class, e.getCause());
    }
  }

  /** Appends a raw row after the last one of {@code pid}; returns its sequence number. */
  private static long appendRow(String pid, int serializerId, String manifest, byte[] payload) throws Exception {
    String url = config.getString("akka-persistence-jdbc.shared-databases.slick.db.url");
    try (Connection c = DriverManager.getConnection(url, "sa", "")) {
      long last;
      try (PreparedStatement q = c.prepareStatement(
          "SELECT MAX(\"sequence_number\") FROM \"event_journal\" WHERE \"persistence_id\" = ?")) {
        q.setString(1, pid);
        try (ResultSet rs = q.executeQuery()) {
          rs.next();
          last = rs.getLong(1);
        }
      }
      try (PreparedStatement i = c.prepareStatement("INSERT INTO \"event_journal\" (\"persistence_id\", "
          + "\"sequence_number\", \"writer\", \"write_timestamp\", \"adapter_manifest\", \"event_payload\", "
          + "\"event_ser_id\", \"event_ser_manifest\") VALUES (?, ?, 'test', 0, '', ?, ?, ?)")) {
        i.setString(1, pid);
        i.setLong(2, last + 1);
        i.setBytes(3, payload);
        i.setInt(4, serializerId);
        i.setString(5, manifest);
        i.executeUpdate();
      }
      return last + 1;
    }
  }
}
