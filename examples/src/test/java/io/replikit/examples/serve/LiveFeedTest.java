package io.replikit.examples.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The live page's timeline, from successive {@code GET /status} bodies: a failover through an election, followers
 * changing state, writes applied, divergent writes and replication errors of a single-leader group, and the same
 * for this node's replicas of a sharded keyspace's partitions; new conflicts
 * and changes from other origins of a multi-leader group and hints and repairs of a leaderless ring (fixtures in
 * {@code src/test/resources/live/} in the shape {@code serve} gives them); members going unreachable; a missed poll;
 * and the bounded history a late page is sent.
 */
class LiveFeedTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** A status body with one single-leader group as this node's replica {@code replica} sees it. */
  private static ObjectNode status(String role, String leader, long epoch, long applied, String... followerStates) {
    ObjectNode s = MAPPER.createObjectNode();
    s.put("node", "n2");
    ObjectNode g = s.putArray("groups").addObject();
    g.put("groupId", "orders");
    g.put("replica", "n2");
    g.put("role", role);
    g.put("leader", leader);
    g.put("epoch", epoch);
    g.put("appliedPosition", applied);
    g.put("lastPosition", applied);
    g.put("divergentWrites", 0);
    g.putNull("replicationError");
    ArrayNode followers = g.putArray("followers");
    for (int i = 0; i < followerStates.length; i++) {
      ObjectNode f = followers.addObject();
      f.put("id", "n" + (i == 0 ? 1 : i + 2));
      f.put("state", followerStates[i]);
    }
    ObjectNode cluster = s.putObject("cluster");
    ArrayNode members = cluster.putArray("members");
    for (String n : List.of("n1", "n2", "n3")) {
      members.addObject().put("node", n).put("status", "Up").put("reachable", true);
    }
    return s;
  }

  private static ObjectNode group(ObjectNode status) {
    return (ObjectNode) status.path("groups").get(0);
  }

  private static JsonNode fixture(String name) {
    try (InputStream in = LiveFeedTest.class.getResourceAsStream("/live/" + name)) {
      return MAPPER.readTree(in);
    } catch (IOException e) {
      throw new AssertionError("fixture " + name, e);
    }
  }

  private static List<LiveFeed.Event> ofKind(List<LiveFeed.Event> events, String kind) {
    return events.stream().filter(e -> e.kind().equals(kind)).toList();
  }

  @Test
  void theFirstSnapshotIsOnlyTheBaseline() {
    LiveFeed feed = new LiveFeed();
    assertEquals(List.of(), feed.observe(status("follower", "n1", 1, 10), 1000));
    assertEquals(List.of(), feed.recent());
  }

  @Test
  void aFailoverThroughAnElectionIsOneLeaderChangeFromTheOldLeaderToTheNew() {
    LiveFeed feed = new LiveFeed();
    feed.observe(status("follower", "n1", 1, 10), 1000);
    // the election: no leader known, a candidate raised the epoch
    assertEquals(List.of(), ofKind(feed.observe(status("candidate", null, 2, 10), 1500), LiveFeed.LEADER_CHANGED));
    List<LiveFeed.Event> events = ofKind(feed.observe(status("leader", "n2", 2, 11, "silent", "streaming"), 2000),
        LiveFeed.LEADER_CHANGED);
    assertEquals(1, events.size(), events.toString());
    LiveFeed.Event e = events.get(0);
    assertEquals("orders", e.id());
    assertEquals("n1", e.details().path("oldLeader").asText());
    assertEquals("n2", e.details().path("newLeader").asText());
    assertEquals(1, e.details().path("oldEpoch").asLong());
    assertEquals(2, e.details().path("newEpoch").asLong());
    assertTrue(e.text().contains("new leader n2 (was n1)"), e.text());
    assertEquals(2000, e.atMillis());
    // nothing changes: nothing reported
    assertEquals(List.of(), feed.observe(status("leader", "n2", 2, 11, "silent", "streaming"), 2500));
  }

  @Test
  void theSameLeaderInAHigherEpochIsReportedToo() {
    LiveFeed feed = new LiveFeed();
    feed.observe(status("follower", "n1", 1, 10), 1000);
    List<LiveFeed.Event> events = ofKind(feed.observe(status("follower", "n1", 3, 10), 1500), LiveFeed.LEADER_CHANGED);
    assertEquals(1, events.size(), events.toString());
    assertTrue(events.get(0).text().contains("epoch 1 -> 3"), events.get(0).text());
  }

  @Test
  void followerStatesWritesDivergentWritesAndReplicationErrorsAreEachOneEvent() {
    LiveFeed feed = new LiveFeed();
    feed.observe(status("leader", "n2", 2, 10, "streaming", "catchup"), 1000);
    ObjectNode next = status("leader", "n2", 2, 14, "silent", "catchup");
    group(next).put("divergentWrites", 2);
    group(next).put("replicationError", "WAL of storage version 3, this replica reads 2");
    List<LiveFeed.Event> events = feed.observe(next, 1500);

    List<LiveFeed.Event> states = ofKind(events, LiveFeed.FOLLOWER_STATE);
    assertEquals(1, states.size(), events.toString());
    assertEquals("n1", states.get(0).details().path("follower").asText());
    assertEquals("streaming", states.get(0).details().path("from").asText());
    assertEquals("silent", states.get(0).details().path("to").asText());

    List<LiveFeed.Event> writes = ofKind(events, LiveFeed.WRITES_APPLIED);
    assertEquals(1, writes.size(), events.toString());
    assertEquals(4, writes.get(0).details().path("count").asLong());
    assertTrue(writes.get(0).text().contains("position 10 -> 14"), writes.get(0).text());

    assertEquals(2, ofKind(events, LiveFeed.DIVERGENT).get(0).details().path("count").asLong());
    assertTrue(ofKind(events, LiveFeed.REPLICATION_ERROR).get(0).text().contains("storage version 3"));
    assertEquals(4, events.size(), events.toString());
    // the same error on the next poll is not news
    assertEquals(List.of(), ofKind(feed.observe(next, 2000), LiveFeed.REPLICATION_ERROR));
  }

  @Test
  void aReplicaThatMissedAPollIsComparedWithItsLastGoodSnapshot() {
    LiveFeed feed = new LiveFeed();
    feed.observe(status("follower", "n1", 1, 10), 1000);
    ObjectNode missed = status("follower", "n1", 1, 10);
    ((ArrayNode) missed.path("groups")).set(0, MAPPER.createObjectNode().put("groupId", "orders")
        .put("error", "replica n2 did not answer within 5000 ms"));
    assertEquals(List.of(), feed.observe(missed, 1500), "a missed poll is no change");
    List<LiveFeed.Event> events = feed.observe(status("follower", "n3", 2, 12), 2000);
    assertEquals(1, ofKind(events, LiveFeed.LEADER_CHANGED).size(), events.toString());
    assertEquals("n1", ofKind(events, LiveFeed.LEADER_CHANGED).get(0).details().path("oldLeader").asText());
    assertEquals(2, ofKind(events, LiveFeed.WRITES_APPLIED).get(0).details().path("count").asLong());
  }

  @Test
  void aMemberGoingUnreachableAndLeavingIsOnTheTimeline() {
    LiveFeed feed = new LiveFeed();
    feed.observe(status("follower", "n1", 1, 10), 1000);
    ObjectNode unreachable = status("follower", "n1", 1, 10);
    ((ObjectNode) unreachable.path("cluster").path("members").get(0)).put("reachable", false);
    List<LiveFeed.Event> events = feed.observe(unreachable, 1500);
    assertEquals(1, events.size(), events.toString());
    assertEquals(LiveFeed.MEMBER, events.get(0).kind());
    assertEquals("member n1 is unreachable", events.get(0).text());
    ObjectNode gone = status("follower", "n1", 1, 10);
    ((ArrayNode) gone.path("cluster").path("members")).remove(0);
    assertEquals("member n1 left the cluster", feed.observe(gone, 2000).get(0).text());
  }

  @Test
  void newMultiLeaderConflictsAreOneEventEachAndChangesFromOtherOriginsAreCounted() {
    LiveFeed feed = new LiveFeed();
    feed.observe(fixture("multi-leader-before.json"), 1000);
    List<LiveFeed.Event> events = feed.observe(fixture("multi-leader-after.json"), 1500);

    List<LiveFeed.Event> conflicts = ofKind(events, LiveFeed.CONFLICT);
    // cart-7 and the second conflict on k are new; j was there before; the counter says one more went by unseen
    assertEquals(3, conflicts.size(), events.toString());
    assertEquals("cart-7", conflicts.get(0).details().path("key").asText());
    assertTrue(conflicts.get(0).text().contains("resolved by merge"), conflicts.get(0).text());
    assertEquals("n3", conflicts.get(1).details().path("winner").asText());
    assertEquals(1, conflicts.get(2).details().path("count").asLong());
    conflicts.forEach(c -> assertEquals("multi-leader", c.family()));

    List<LiveFeed.Event> applied = ofKind(events, LiveFeed.WRITES_APPLIED);
    assertEquals(1, applied.size(), events.toString());
    assertEquals(2, applied.get(0).details().path("from").path("n2").asLong());
    assertEquals(1, applied.get(0).details().path("from").path("n3").asLong());
    assertTrue(applied.get(0).details().path("from").path("n1").isMissingNode(), "n1's count did not grow");
    assertEquals(4, events.size(), events.toString());
  }

  @Test
  void hintsWaitingAndRepairsOfALeaderlessRingAreReported() {
    LiveFeed feed = new LiveFeed();
    feed.observe(fixture("rings-before.json"), 1000);
    List<LiveFeed.Event> events = feed.observe(fixture("rings-after.json"), 1500);
    List<LiveFeed.Event> hints = ofKind(events, LiveFeed.HINTS);
    assertEquals(1, hints.size(), events.toString());
    assertEquals("sessions: hints waiting on n1 0 -> 3 (n2: 3)", hints.get(0).text());
    List<LiveFeed.Event> repairs = ofKind(events, LiveFeed.REPAIRS);
    assertEquals(1, repairs.size(), events.toString());
    assertEquals(2, repairs.get(0).details().path("antiEntropy").asLong());
    assertEquals(2, repairs.get(0).details().path("readRepairs").asLong());
    assertEquals(2, events.size(), events.toString());
    // the hints delivered: the count falls back, which is news too
    assertEquals(1, ofKind(feed.observe(fixture("rings-before.json"), 2000), LiveFeed.HINTS).size());
  }

  @Test
  void aShardedPartitionsReplicaGetsTheGroupsEventsNamedByItsPartition() {
    LiveFeed feed = new LiveFeed();
    feed.observe(fixture("sharded-before.json"), 1000);
    List<LiveFeed.Event> events = feed.observe(fixture("sharded-after.json"), 1500);
    events.forEach(e -> assertEquals("sharded", e.family(), e.toString()));

    List<LiveFeed.Event> leaders = ofKind(events, LiveFeed.LEADER_CHANGED);
    assertEquals(1, leaders.size(), events.toString());
    assertEquals("users-p0", leaders.get(0).id());
    assertEquals("users partition 0: new leader r2 (was r0), epoch 1 -> 2", leaders.get(0).text());
    assertEquals("r0", leaders.get(0).details().path("oldLeader").asText());
    assertEquals(2, leaders.get(0).details().path("newEpoch").asLong());

    List<LiveFeed.Event> states = ofKind(events, LiveFeed.FOLLOWER_STATE);
    assertEquals(1, states.size(), events.toString());
    assertEquals("users-p1", states.get(0).id());
    assertEquals("users partition 1: follower r2 streaming -> silent", states.get(0).text());

    List<LiveFeed.Event> writes = ofKind(events, LiveFeed.WRITES_APPLIED);
    assertEquals(1, writes.size(), events.toString());
    assertEquals("users-p1", writes.get(0).id());
    assertEquals(2, writes.get(0).details().path("count").asLong());
    assertTrue(writes.get(0).text().contains("2 applied on r0 (position 7 -> 9)"), writes.get(0).text());
    // partition 2 did not answer (no change) and partition 3 was placed here anew (its baseline): nothing else
    assertEquals(3, events.size(), events.toString());

    ObjectNode next = (ObjectNode) fixture("sharded-after.json");
    ArrayNode rows = (ArrayNode) next.path("sharded");
    rows.set(2, ((ObjectNode) fixture("sharded-before.json").path("sharded").get(2)).put("appliedPosition", 4));
    ((ObjectNode) rows.get(3)).put("appliedPosition", 12).put("rejoining", false);
    List<LiveFeed.Event> later = feed.observe(next, 2000);
    assertEquals(List.of("users-p2", "users-p3"), later.stream().map(LiveFeed.Event::id).toList(), later.toString());
    assertEquals(List.of(LiveFeed.WRITES_APPLIED, LiveFeed.WRITES_APPLIED),
        later.stream().map(LiveFeed.Event::kind).toList());
    assertEquals(2, later.get(0).details().path("from").asLong(), "compared with the last good row: " + later);
  }

  @Test
  void theHistoryIsBoundedAndDropsWritesBeforeFailovers() {
    LiveFeed feed = new LiveFeed(3);
    feed.observe(status("follower", "n1", 1, 10), 1000);
    feed.observe(status("follower", "n3", 2, 10), 1100); // leader-changed, seq 1
    for (int i = 1; i <= 5; i++) {
      feed.observe(status("follower", "n3", 2, 10 + i), 1100 + i); // writes-applied, seq 2..6
    }
    List<LiveFeed.Event> kept = feed.recent();
    assertEquals(3, kept.size(), kept.toString());
    assertEquals(LiveFeed.LEADER_CHANGED, kept.get(0).kind(), "the failover outlives newer writes: " + kept);
    assertEquals(List.of(1L, 5L, 6L), kept.stream().map(LiveFeed.Event::seq).toList());
    assertEquals(List.of(6L), feed.recentAfter(5).stream().map(LiveFeed.Event::seq).toList());
    assertEquals(3, feed.recentAfter(99).size(), "a Last-Event-ID from before a restart gets everything");
    assertThrows(IllegalArgumentException.class, () -> new LiveFeed(0));
  }
}
