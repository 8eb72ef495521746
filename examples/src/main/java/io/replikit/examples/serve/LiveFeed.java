package io.replikit.examples.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The timeline of the live page: what happened between two successive snapshots of a node's {@code GET /status}
 * body, as events an operator reads (a new leader, a follower that fell silent, writes applied, conflicts, hints).
 * Pure: no actors, no clock of its own (the caller passes the time), no I/O; {@link LivePage} feeds it.
 *
 * <p>Guarantees: every change the diff rules below can see between two snapshots becomes exactly one event, in the
 * order observed, numbered by a sequence that only grows; the last {@code capacity} events are kept, and when the
 * history is full an old "writes applied" event goes before any other kind, so that a steady write load does not
 * push failovers and conflicts out. Does not survive: changes that come and go between two polls (a leader elected
 * and replaced within one interval shows as one change), and a restart of the node (the history is in memory).
 *
 * <p>The rules, per entry of the snapshot:
 * <ul>
 *   <li>{@code groups} (single-leader, by {@code groupId}): {@value #LEADER_CHANGED} when a leader is known and it
 *       differs from the last one known or its epoch is higher; {@value #FOLLOWER_STATE} when a follower the leader
 *       reports in both snapshots changed its {@code state}; {@value #WRITES_APPLIED} when {@code appliedPosition}
 *       grew; {@value #DIVERGENT} when {@code divergentWrites} grew; {@value #REPLICATION_ERROR} when
 *       {@code replicationError} became set or changed.
 *   <li>{@code sharded} (this node's replicas of sharded keyspaces, by keyspace, partition and replica; family
 *       {@code sharded}, events named by the partition's {@code group}): the same rules as {@code groups}. A row that
 *       appears (a replica placed here anew) only sets its baseline.
 *   <li>{@code multiLeader} (by {@code id}): {@value #CONFLICT} for each entry of {@code recentConflicts} not in the
 *       previous snapshot (and one more for conflicts the {@code conflicts} counter shows beyond them);
 *       {@value #WRITES_APPLIED} when an origin's {@code applied} counter grew.
 *   <li>{@code rings} (leaderless, by {@code id}): {@value #HINTS} when {@code hints.waiting} changed;
 *       {@value #REPAIRS} when {@code antiEntropy.keysRepaired} or {@code coordinator.readRepairs} grew.
 *   <li>{@code cluster.members} (by node name): {@value #MEMBER} when a member appeared, went, changed status or
 *       reachability.
 * </ul>
 * An entry that carries {@code error} (its replica did not answer) is skipped: the next good snapshot is compared
 * with the last good one.
 */
public final class LiveFeed {
  /** A leader was elected or replaced, or the epoch rose: a failover or a switchover. */
  public static final String LEADER_CHANGED = "leader-changed";
  /** A follower's replication state changed (connecting, snapshot, catchup, streaming, silent). */
  public static final String FOLLOWER_STATE = "follower-state";
  /** This node's replica applied more of the log (single-leader) or more changes from an origin (multi-leader). */
  public static final String WRITES_APPLIED = "writes-applied";
  /** The replica set writes aside that the new leader never had. */
  public static final String DIVERGENT = "divergent-writes";
  /** The replica refuses its leader's stream. */
  public static final String REPLICATION_ERROR = "replication-error";
  /** A multi-leader conflict was resolved. */
  public static final String CONFLICT = "conflict";
  /** The hints a leaderless coordinator holds for unreachable replicas changed. */
  public static final String HINTS = "hints";
  /** Anti-entropy or read repair fixed keys on a leaderless ring. */
  public static final String REPAIRS = "repairs";
  /** A cluster member joined, left, changed status or reachability. */
  public static final String MEMBER = "member";

  /** Default number of events kept. */
  public static final int DEFAULT_CAPACITY = 200;

  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  /**
   * One timeline row.
   *
   * @param seq position in this feed, from 1, only growing
   * @param atMillis when the snapshot that showed it was taken (epoch millis)
   * @param kind one of the constants of {@link LiveFeed}
   * @param family {@code single-leader}, {@code sharded} (a replica of a sharded keyspace's partition),
   *     {@code multi-leader}, {@code leaderless} or {@code cluster}
   * @param id the group, topology or ring it is about (a sharded partition's group, e.g. {@code users-p3}; the node
   *     name for {@code member})
   * @param text one line for a person
   * @param details the figures behind the text (old and new leader, counts)
   */
  public record Event(long seq, long atMillis, String kind, String family, String id, String text,
      ObjectNode details) {
    /** As the page receives it: every field, details merged in. */
    public ObjectNode toJson() {
      ObjectNode json = JSON.objectNode();
      json.put("seq", seq);
      json.put("at", atMillis);
      json.put("kind", kind);
      json.put("family", family);
      json.put("id", id);
      json.put("text", text);
      json.set("details", details);
      return json;
    }
  }

  /** An event before it has a number and a time. */
  record Change(String kind, String family, String id, String text, ObjectNode details) {}

  private final int capacity;
  private final Deque<Event> history = new ArrayDeque<>();
  private JsonNode last; // the last snapshot, with the last good entry of each group kept
  private long seq;

  public LiveFeed() {
    this(DEFAULT_CAPACITY);
  }

  /** @param capacity how many events {@link #recent()} keeps, at least 1 */
  public LiveFeed(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("the live feed must keep at least 1 event, was " + capacity);
    }
    this.capacity = capacity;
  }

  /**
   * Compares {@code status} (a {@code GET /status} body) with the previous one and records what changed. The first
   * snapshot only sets the baseline (except a leader it knows, which later snapshots compare against).
   *
   * @return the new events, oldest first (empty for the first snapshot)
   */
  public synchronized List<Event> observe(JsonNode status, long nowMillis) {
    Objects.requireNonNull(status, "status");
    JsonNode merged = keepLastGood(last, status);
    List<Change> changes = last == null ? List.of() : diff(last, merged);
    last = merged;
    List<Event> events = new ArrayList<>();
    for (Change c : changes) {
      Event e = new Event(++seq, nowMillis, c.kind(), c.family(), c.id(), c.text(), c.details());
      events.add(e);
      history.addLast(e);
      if (history.size() > capacity) {
        evictOne();
      }
    }
    return events;
  }

  /** The kept events, oldest first. */
  public synchronized List<Event> recent() {
    return List.copyOf(history);
  }

  /** The events kept with a sequence number above {@code afterSeq} (an EventSource's Last-Event-ID). */
  public synchronized List<Event> recentAfter(long afterSeq) {
    // a number from before a restart of this node may be above everything here: then send all
    if (afterSeq > seq) {
      return List.copyOf(history);
    }
    return history.stream().filter(e -> e.seq() > afterSeq).toList();
  }

  private void evictOne() {
    for (Iterator<Event> it = history.iterator(); it.hasNext(); ) {
      if (it.next().kind().equals(WRITES_APPLIED)) {
        it.remove();
        return;
      }
    }
    history.removeFirst();
  }

  /**
   * {@code now}, where a group entry carries {@code error} (its replica did not answer), with the previous good
   * entry of that group in its place: a missed poll is not a change.
   */
  private static JsonNode keepLastGood(JsonNode before, JsonNode now) {
    if (before == null || !now.isObject()) {
      return now;
    }
    ObjectNode copy = ((ObjectNode) now).deepCopy();
    for (Entries kind : Entries.values()) {
      JsonNode entries = copy.path(kind.array);
      if (!entries.isArray()) {
        continue;
      }
      Map<String, JsonNode> previous = kind.byKey(before.path(kind.array));
      for (int i = 0; i < entries.size(); i++) {
        JsonNode entry = entries.get(i);
        String id = kind.key(entry);
        if (entry.has("error") && previous.containsKey(id)) {
          ((com.fasterxml.jackson.databind.node.ArrayNode) entries).set(i, previous.get(id));
        }
      }
    }
    return copy;
  }

  /** What changed from {@code before} to {@code after}, two {@code GET /status} bodies. */
  static List<Change> diff(JsonNode before, JsonNode after) {
    List<Change> changes = new ArrayList<>();
    members(before.path("cluster").path("members"), after.path("cluster").path("members"), changes);
    for (Entries kind : Entries.values()) {
      Map<String, JsonNode> was = kind.byKey(before.path(kind.array));
      for (JsonNode now : after.path(kind.array)) {
        JsonNode b = was.get(kind.key(now));
        if (b != null && !now.has("error") && !b.has("error")) {
          switch (kind) {
            case GROUPS -> singleLeader("single-leader", now.path("groupId").asText(), now.path("groupId").asText(),
                b, now, changes);
            case SHARDED -> {
              // multi-leader and leaderless rows have no leader or log position to diff
              if (now.path("family").asText("single-leader").equals("single-leader")) {
                singleLeader("sharded", now.path("group").asText(), now.path("keyspace").asText()
                    + " partition " + now.path("partition").asText(), b, now, changes);
              }
            }
            case MULTI_LEADER -> multiLeader(b, now, changes);
            case RINGS -> ring(b, now, changes);
          }
        }
      }
    }
    return changes;
  }

  /**
   * The arrays of a {@code GET /status} body that are diffed, and what identifies an entry across snapshots: a
   * sharded keyspace's row is one replica of one partition (another replica of the same group may have been placed
   * here before it).
   */
  private enum Entries {
    GROUPS("groups"), SHARDED("sharded"), MULTI_LEADER("multiLeader"), RINGS("rings");

    final String array;

    Entries(String array) {
      this.array = array;
    }

    String key(JsonNode entry) {
      return switch (this) {
        case GROUPS -> entry.path("groupId").asText();
        case SHARDED -> entry.path("keyspace").asText() + "-p" + entry.path("partition").asText() + "-"
            + entry.path("replica").asText();
        default -> entry.path("id").asText();
      };
    }

    Map<String, JsonNode> byKey(JsonNode entries) {
      Map<String, JsonNode> byKey = new LinkedHashMap<>();
      if (entries.isArray()) {
        for (JsonNode e : entries) {
          byKey.put(key(e), e);
        }
      }
      return byKey;
    }
  }

  /**
   * A single-leader replica, hosted as a group ({@code groups}) or as one replica of a sharded keyspace's partition
   * ({@code sharded}: the same fields, with {@code group} for {@code groupId}).
   *
   * @param id the group the events are about
   * @param group how their texts name it
   */
  private static void singleLeader(String family, String id, String group, JsonNode before, JsonNode after,
      List<Change> changes) {
    String oldLeader = text(before.path("leader"));
    String newLeader = text(after.path("leader"));
    long oldEpoch = before.path("epoch").asLong();
    long newEpoch = after.path("epoch").asLong();
    // the leader last known, carried through snapshots taken while an election ran (leader null)
    String lastKnown = oldLeader != null ? oldLeader : text(before.path("lastKnownLeader"));
    long lastKnownEpoch = oldLeader != null ? oldEpoch : before.path("lastKnownEpoch").asLong(oldEpoch);
    if (after.isObject()) {
      ((ObjectNode) after).put("lastKnownLeader", newLeader != null ? newLeader : lastKnown);
      ((ObjectNode) after).put("lastKnownEpoch", newLeader != null ? newEpoch : lastKnownEpoch);
    }
    if (newLeader != null && (!newLeader.equals(lastKnown) || newEpoch > lastKnownEpoch)) {
      ObjectNode d = JSON.objectNode();
      d.put("oldLeader", lastKnown);
      d.put("newLeader", newLeader);
      d.put("oldEpoch", lastKnownEpoch);
      d.put("newEpoch", newEpoch);
      String text = lastKnown == null
          ? group + ": " + newLeader + " leads in epoch " + newEpoch
          : newLeader.equals(lastKnown)
              ? group + ": " + newLeader + " leads again, epoch " + lastKnownEpoch + " -> " + newEpoch
              : group + ": new leader " + newLeader + " (was " + lastKnown + "), epoch " + lastKnownEpoch + " -> "
                  + newEpoch;
      changes.add(new Change(LEADER_CHANGED, family, id, text, d));
    }
    long oldApplied = before.path("appliedPosition").asLong();
    long newApplied = after.path("appliedPosition").asLong();
    if (newApplied > oldApplied) {
      ObjectNode d = JSON.objectNode();
      d.put("from", oldApplied);
      d.put("to", newApplied);
      d.put("count", newApplied - oldApplied);
      changes.add(new Change(WRITES_APPLIED, family, id, group + ": " + (newApplied - oldApplied) + " applied "
          + "on " + after.path("replica").asText() + " (position " + oldApplied + " -> " + newApplied + ")", d));
    }
    if ("leader".equals(before.path("role").asText()) && "leader".equals(after.path("role").asText())) {
      Map<String, JsonNode> followers = new LinkedHashMap<>();
      before.path("followers").forEach(f -> followers.put(f.path("id").asText(), f));
      for (JsonNode f : after.path("followers")) {
        JsonNode was = followers.get(f.path("id").asText());
        if (was == null) {
          continue;
        }
        String from = was.path("state").asText();
        String to = f.path("state").asText();
        if (!from.equals(to)) {
          ObjectNode d = JSON.objectNode();
          d.put("follower", f.path("id").asText());
          d.put("from", from);
          d.put("to", to);
          changes.add(new Change(FOLLOWER_STATE, family, id, group + ": follower " + f.path("id").asText()
              + " " + from + " -> " + to, d));
        }
      }
    }
    long oldDivergent = before.path("divergentWrites").asLong();
    long newDivergent = after.path("divergentWrites").asLong();
    if (newDivergent > oldDivergent) {
      ObjectNode d = JSON.objectNode();
      d.put("count", newDivergent - oldDivergent);
      d.put("total", newDivergent);
      changes.add(new Change(DIVERGENT, family, id, group + ": " + after.path("replica").asText() + " set aside "
          + (newDivergent - oldDivergent) + " divergent write(s) the new leader never had (see GET /admin/divergent/"
          + id + ")", d));
    }
    String oldError = text(before.path("replicationError"));
    String newError = text(after.path("replicationError"));
    if (newError != null && !newError.equals(oldError)) {
      ObjectNode d = JSON.objectNode();
      d.put("error", newError);
      changes.add(new Change(REPLICATION_ERROR, family, id, group + ": replication error on "
          + after.path("replica").asText() + ": " + newError, d));
    }
  }

  private static void multiLeader(JsonNode before, JsonNode after, List<Change> changes) {
    String id = after.path("id").asText();
    String family = "multi-leader";
    Set<String> seen = new HashSet<>();
    for (JsonNode c : before.path("recentConflicts")) {
      seen.add(c.toString());
    }
    int fresh = 0;
    for (JsonNode c : after.path("recentConflicts")) {
      if (seen.contains(c.toString())) {
        continue;
      }
      fresh++;
      ObjectNode d = ((ObjectNode) c.deepCopy());
      changes.add(new Change(CONFLICT, family, id, id + ": conflict on '" + c.path("key").asText() + "' resolved by "
          + c.path("resolution").asText() + (c.hasNonNull("winner") ? ", " + c.path("winner").asText() + " won" : ""),
          d));
    }
    long more = after.path("conflicts").asLong() - before.path("conflicts").asLong() - fresh;
    if (more > 0) {
      ObjectNode d = JSON.objectNode();
      d.put("count", more);
      changes.add(new Change(CONFLICT, family, id, id + ": " + more + " more conflict(s) resolved", d));
    }
    Map<String, Long> grew = new LinkedHashMap<>();
    JsonNode was = before.path("applied");
    after.path("applied").fields().forEachRemaining(e -> {
      long delta = e.getValue().asLong() - was.path(e.getKey()).asLong(0);
      if (delta > 0) {
        grew.put(e.getKey(), delta);
      }
    });
    if (!grew.isEmpty()) {
      ObjectNode d = JSON.objectNode();
      ObjectNode from = d.putObject("from");
      grew.forEach(from::put);
      StringBuilder text = new StringBuilder(id + ": " + after.path("replica").asText() + " applied");
      grew.forEach((origin, n) -> text.append(" +").append(n).append(" from ").append(origin).append(','));
      text.setLength(text.length() - 1);
      changes.add(new Change(WRITES_APPLIED, family, id, text.toString(), d));
    }
  }

  private static void ring(JsonNode before, JsonNode after, List<Change> changes) {
    String id = after.path("id").asText();
    String family = "leaderless";
    long oldWaiting = before.path("hints").path("waiting").asLong();
    long newWaiting = after.path("hints").path("waiting").asLong();
    if (newWaiting != oldWaiting) {
      ObjectNode d = JSON.objectNode();
      d.put("from", oldWaiting);
      d.put("to", newWaiting);
      d.set("byTarget", after.path("hints").path("byTarget").deepCopy());
      StringBuilder targets = new StringBuilder();
      after.path("hints").path("byTarget").fields().forEachRemaining(e -> {
        if (e.getValue().asLong() > 0) {
          targets.append(targets.length() == 0 ? " (" : ", ").append(e.getKey()).append(": ").append(e.getValue());
        }
      });
      if (targets.length() > 0) {
        targets.append(')');
      }
      changes.add(new Change(HINTS, family, id, id + ": hints waiting on " + after.path("node").asText() + " "
          + oldWaiting + " -> " + newWaiting + targets, d));
    }
    long repaired = after.path("antiEntropy").path("keysRepaired").asLong()
        - before.path("antiEntropy").path("keysRepaired").asLong();
    long readRepairs = after.path("coordinator").path("readRepairs").asLong()
        - before.path("coordinator").path("readRepairs").asLong();
    if (repaired > 0 || readRepairs > 0) {
      ObjectNode d = JSON.objectNode();
      d.put("antiEntropy", Math.max(0, repaired));
      d.put("readRepairs", Math.max(0, readRepairs));
      List<String> parts = new ArrayList<>();
      if (repaired > 0) {
        parts.add("anti-entropy repaired " + repaired + " key(s)");
      }
      if (readRepairs > 0) {
        parts.add(readRepairs + " read repair(s)");
      }
      changes.add(new Change(REPAIRS, family, id, id + " on " + after.path("node").asText() + ": "
          + String.join(", ", parts), d));
    }
  }

  private static void members(JsonNode before, JsonNode after, List<Change> changes) {
    if (!before.isArray() || !after.isArray()) {
      return;
    }
    Map<String, JsonNode> was = byMember(before);
    Map<String, JsonNode> now = byMember(after);
    now.forEach((name, m) -> {
      JsonNode b = was.get(name);
      String status = m.path("status").asText();
      boolean reachable = m.path("reachable").asBoolean(true);
      ObjectNode d = JSON.objectNode();
      d.put("node", name);
      d.put("status", status);
      d.put("reachable", reachable);
      if (b == null) {
        changes.add(new Change(MEMBER, "cluster", name, "member " + name + " joined (" + status + ")", d));
      } else if (!b.path("status").asText().equals(status)) {
        changes.add(new Change(MEMBER, "cluster", name, "member " + name + " " + b.path("status").asText() + " -> "
            + status, d));
      } else if (b.path("reachable").asBoolean(true) != reachable) {
        changes.add(new Change(MEMBER, "cluster", name, "member " + name + " is " + (reachable ? "reachable again"
            : "unreachable"), d));
      }
    });
    was.forEach((name, b) -> {
      if (!now.containsKey(name)) {
        ObjectNode d = JSON.objectNode();
        d.put("node", name);
        d.put("status", "Removed");
        changes.add(new Change(MEMBER, "cluster", name, "member " + name + " left the cluster", d));
      }
    });
  }

  private static Map<String, JsonNode> byMember(JsonNode members) {
    Map<String, JsonNode> byName = new LinkedHashMap<>();
    for (JsonNode m : members) {
      String name = m.hasNonNull("node") ? m.path("node").asText() : m.path("address").asText();
      byName.put(name, m);
    }
    return byName;
  }

  private static String text(JsonNode node) {
    return node == null || node.isNull() || node.isMissingNode() ? null : node.asText();
  }
}
