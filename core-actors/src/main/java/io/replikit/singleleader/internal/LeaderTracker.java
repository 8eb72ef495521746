package io.replikit.singleleader.internal;

import io.replikit.replication.ReplicaId;
import io.replikit.singleleader.AckLevel;
import io.replikit.singleleader.AckPolicy;
import io.replikit.store.StoreItem;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The leader's rules, without actors, I/O or a clock of its own (time comes in as nanoseconds): what each follower
 * has received, persisted and applied; what to send to whom next (bounded windows, go-back-N resend, snapshot
 * chunks); which followers are synchronous; and which pending writes may now be acknowledged.
 *
 * <p>It is volatile by design: after a leader restart, followers report their positions again and writes that were
 * pending are answered by the client's own timeout.
 *
 * @param <R> how the shell replies to a client (an actor reference, a future): opaque here
 */
public final class LeaderTracker<R> {

  /** A write in the leader's log waiting for the acknowledgements its policy asks for. */
  public record Pending<R>(long position, String key, AckPolicy policy, AckLevel level, long deadlineNanos, R reply) {}

  /** A pending write that timed out, with why it was not confirmed. */
  public record Expired<R>(Pending<R> write, String reason) {}

  /** What the shell should send. */
  public sealed interface Send {
    /** Entries in [from, to] (empty when from > to: a heartbeat), following {@code from - 1}. */
    record Entries(ReplicaId to, long from, long toPosition) implements Send {}

    record Chunk(ReplicaId to, long transferId, long snapshotPosition, long snapshotEpoch, int index, int total,
        List<StoreItem> items, long matchPosition) implements Send {}

    /** Tells a follower that has not asked to follow yet that this replica leads: it answers with its log. */
    record Announce(ReplicaId to) implements Send {}
  }

  /** What a follower request means for the shell. */
  public enum FollowAction { STREAM, NEEDS_SNAPSHOT }

  /** A change in which followers are synchronous, for the log and the group status. */
  public record SyncChange(long atMillis, String description) {}

  /** One follower acknowledged (applied) a position; {@code lagNanos} is the time since the leader appended it. */
  public record LagSample(ReplicaId follower, long position, long lagNanos) {}

  /**
   * A snapshot transfer that ended: the follower installed the store as of {@code position} ({@code items} keys in
   * {@code chunks} chunks), {@code nanos} after the transfer started.
   */
  public record TransferDone(ReplicaId follower, long position, int items, int chunks, long nanos) {}

  /** What a progress report led to. */
  public record ProgressOutcome<R>(List<Pending<R>> completed, List<LagSample> lag, TransferDone transferDone) {}

  /** What a timer tick led to. */
  public record TickOutcome<R>(List<Pending<R>> completed, List<Expired<R>> expired, List<SyncChange> syncChanges) {}

  /**
   * A follower as the leader sees it, for the group status. {@code snapshotChunksSent} of
   * {@code snapshotChunksTotal}: chunks of the snapshot transfer under way that the follower confirmed storing (0 of
   * 0 when none is); {@code rejoining}: it lost its journal and does not vote yet.
   */
  public record FollowerView(ReplicaId id, String state, String syncState, long received, long persisted,
      long applied, long lastHeardNanosAgo, long snapshotPosition, int snapshotChunksSent, int snapshotChunksTotal,
      boolean rejoining) {}

  private static final class Follower {
    final ReplicaId id;
    long received;
    long persisted;
    long applied;
    long next = 1;
    long lastHeard;
    long lastProgress;
    long lastSent = Long.MIN_VALUE;
    long lastEcho = Long.MIN_VALUE;
    long match;
    long lastGapAt = -1;
    long lastGapNanos;
    boolean contacted;
    boolean streaming;
    boolean rejoining;
    Transfer transfer;

    Follower(ReplicaId id, long now) {
      this.id = id;
      this.lastHeard = now;
      this.lastProgress = now;
    }

    long at(AckLevel level) {
      return switch (level) {
        case RECEIVED -> received;
        case PERSISTED -> persisted;
        case APPLIED -> applied;
      };
    }
  }

  private static final class Transfer {
    final long transferId;
    final long position;
    final long epoch;
    final List<StoreItem> items;
    final long matchPosition;
    final int total;
    final int chunkItems;
    int nextToSend;
    int acked;
    int lastReported;
    long lastProgress;
    final long startedNanos;

    Transfer(long transferId, long position, long epoch, List<StoreItem> items, int chunkItems, long matchPosition,
        long now) {
      this.transferId = transferId;
      this.matchPosition = matchPosition;
      this.position = position;
      this.epoch = epoch;
      this.items = items;
      this.chunkItems = chunkItems;
      this.total = Math.max(1, (items.size() + chunkItems - 1) / chunkItems);
      this.lastProgress = now;
      this.startedNanos = now;
    }

    List<StoreItem> chunk(int index) {
      int from = index * chunkItems;
      return List.copyOf(items.subList(Math.min(from, items.size()), Math.min(from + chunkItems, items.size())));
    }
  }

  private static final int LAG_RING = 1 << 16;

  private final Map<ReplicaId, Follower> followers = new LinkedHashMap<>();
  private final TreeMap<Long, List<Pending<R>>> pending = new TreeMap<>();
  private final AckPolicy groupPolicy;
  private final long syncStandbyTimeoutNanos;
  private final long resendAfterNanos;
  private final int windowEntries;
  private final int maxBatchEntries;
  private final int snapshotChunkItems;
  private final int snapshotChunksInFlight;
  private final long[] appendNanosRing = new long[LAG_RING];
  private final long[] appendPositionRing = new long[LAG_RING];
  private final Deque<SyncChange> syncHistory = new ArrayDeque<>();
  private List<ReplicaId> lastSyncSet = List.of();

  public LeaderTracker(List<ReplicaId> priorityOrder, AckPolicy groupPolicy, long syncStandbyTimeoutNanos,
      long resendAfterNanos, int maxBatchEntries, int maxBatchesInFlight, int snapshotChunkItems,
      int snapshotChunksInFlight, long now) {
    this.groupPolicy = groupPolicy;
    this.syncStandbyTimeoutNanos = syncStandbyTimeoutNanos;
    this.resendAfterNanos = resendAfterNanos;
    this.maxBatchEntries = maxBatchEntries;
    this.windowEntries = maxBatchEntries * maxBatchesInFlight;
    this.snapshotChunkItems = snapshotChunkItems;
    this.snapshotChunksInFlight = snapshotChunksInFlight;
    for (ReplicaId id : priorityOrder) {
      followers.put(id, new Follower(id, now));
    }
  }

  public boolean knows(ReplicaId id) {
    return followers.containsKey(id);
  }

  /** Adds a follower at the end of the priority order (asynchronous unless needed). */
  public void addFollower(ReplicaId id, long now) {
    followers.putIfAbsent(id, new Follower(id, now));
  }

  public List<ReplicaId> followerIds() {
    return List.copyOf(followers.keySet());
  }

  /**
   * A follower (re)connects; its log matches the leader's up to {@code matchPosition} (entries of its own after
   * that are not the leader's and will be replaced). It streams from there unless the entries it needs are no
   * longer kept, or it is empty while the leader's log is longer than one window: then it needs a snapshot.
   */
  public FollowAction onFollowRequest(ReplicaId id, long matchPosition, long leaderLast, long logStart, long now) {
    Follower f = followers.get(id);
    f.received = matchPosition;
    f.persisted = matchPosition;
    f.applied = matchPosition;
    f.match = matchPosition;
    f.next = matchPosition + 1;
    f.lastHeard = now;
    f.lastProgress = now;
    f.lastSent = Long.MIN_VALUE;
    f.lastGapAt = -1;
    f.contacted = true;
    f.transfer = null;
    f.streaming = matchPosition >= leaderLast;
    boolean behindRetained = matchPosition + 1 < logStart;
    // An empty follower is set up from a snapshot (a base backup) unless the whole log fits in one replication
    // window, where streaming it is cheaper than copying the store.
    boolean emptyJoiner = matchPosition == 0 && leaderLast > windowEntries;
    return (behindRetained || emptyJoiner) && matchPosition < leaderLast ? FollowAction.NEEDS_SNAPSHOT
        : FollowAction.STREAM;
  }

  /** Starts shipping {@code items}, the store as of {@code position}; the log after it stays kept meanwhile. */
  public void startSnapshot(ReplicaId id, long transferId, long position, long epoch, List<StoreItem> items,
      long now) {
    Follower f = followers.get(id);
    f.transfer = new Transfer(transferId, position, epoch, items, snapshotChunkItems, f.match, now);
    f.streaming = false;
  }

  /**
   * Entries [from, to] are now in the leader's journal, and {@code writes} wait for acknowledgements. Returns the
   * writes that may be acknowledged at once.
   */
  public List<Pending<R>> onAppended(long from, long to, List<Pending<R>> writes, long now) {
    for (long p = from; p <= to; p++) {
      int slot = (int) (p & (LAG_RING - 1));
      appendNanosRing[slot] = now;
      appendPositionRing[slot] = p;
    }
    List<Pending<R>> done = new ArrayList<>();
    for (Pending<R> w : writes) {
      if (satisfied(w, now)) {
        done.add(w);
      } else {
        pending.computeIfAbsent(w.position(), k -> new ArrayList<>(1)).add(w);
      }
    }
    return done;
  }

  /** A follower reports what it received, persisted and applied; {@code gap} means it is missing earlier entries. */
  public ProgressOutcome<R> onProgress(ReplicaId id, long received, long persisted, long applied, boolean gap,
      long echoNanos, long leaderLast, long now) {
    Follower f = followers.get(id);
    f.lastHeard = now;
    if (echoNanos <= now) { // a value from another clock (an earlier leader's) cannot renew this lease
      f.lastEcho = Math.max(f.lastEcho, echoNanos);
    }
    f.contacted = true;
    List<LagSample> lag = new ArrayList<>();
    if (gap && received >= f.received && (received != f.lastGapAt || now - f.lastGapNanos >= resendAfterNanos)) {
      // it lacks what follows `received`: go back to there, once per report (a duplicated or older report is
      // ignored, so reordering cannot multiply resends)
      f.next = Math.min(f.next, received + 1);
      f.received = received;
      f.lastProgress = now;
      f.lastGapAt = received;
      f.lastGapNanos = now;
    } else if (received > f.received) {
      f.received = received;
      f.lastProgress = now;
    }
    if (persisted > f.persisted) {
      f.persisted = persisted;
    }
    if (applied > f.applied) {
      for (long p = Math.max(f.applied + 1, applied - LAG_RING + 1); p <= applied; p++) {
        int slot = (int) (p & (LAG_RING - 1));
        if (appendPositionRing[slot] == p) {
          lag.add(new LagSample(id, p, now - appendNanosRing[slot]));
        }
      }
      f.applied = applied;
    }
    TransferDone done = null;
    if (f.transfer != null && persisted >= f.transfer.position) {
      Transfer t = f.transfer;
      done = new TransferDone(id, t.position, t.items.size(), t.total, now - t.startedNanos);
      f.transfer = null; // the snapshot is installed; stream from after it
      f.next = Math.max(f.next, persisted + 1);
    }
    if (f.next <= f.received) {
      f.next = f.received + 1;
    }
    if (!f.streaming && f.transfer == null && f.persisted >= leaderLast) {
      f.streaming = true;
    }
    return new ProgressOutcome<>(completeSatisfied(now), lag, done);
  }

  /**
   * A follower acknowledges snapshot chunks before {@code nextIndex}. Reports never trigger a resend themselves
   * (a stale or duplicated report would multiply traffic); the tick resends from what the follower last said.
   */
  public void onSnapshotProgress(ReplicaId id, long transferId, int nextIndex, long now) {
    Follower f = followers.get(id);
    f.lastHeard = now;
    Transfer t = f.transfer;
    if (t == null || t.transferId != transferId) {
      return;
    }
    t.lastReported = nextIndex;
    if (nextIndex > t.acked) {
      t.acked = nextIndex;
      t.lastProgress = now;
      if (t.nextToSend < t.acked) {
        t.nextToSend = t.acked;
      }
    }
  }

  /**
   * What to send now: new entries within each follower's window, snapshot chunks within the chunk window, and an
   * empty heartbeat to followers that were sent nothing for {@code heartbeatNanos}.
   */
  public List<Send> sends(long leaderLast, long logStart, long now, long heartbeatNanos) {
    List<Send> out = new ArrayList<>();
    for (Follower f : followers.values()) {
      if (!f.contacted) {
        if (f.lastSent == Long.MIN_VALUE || now - f.lastSent >= heartbeatNanos) {
          out.add(new Send.Announce(f.id));
          f.lastSent = now;
        }
        continue;
      }
      Transfer t = f.transfer;
      if (t != null) {
        while (t.nextToSend < t.total && t.nextToSend - t.acked < snapshotChunksInFlight) {
          out.add(new Send.Chunk(f.id, t.transferId, t.position, t.epoch, t.nextToSend, t.total,
              t.chunk(t.nextToSend), t.matchPosition));
          t.nextToSend++;
          f.lastSent = now;
        }
        continue;
      }
      if (f.next < logStart) {
        continue; // the shell starts a snapshot for it at the next request
      }
      boolean sent = false;
      while (f.next <= leaderLast && f.next - 1 - f.received < windowEntries) {
        long to = Math.min(leaderLast, f.next + maxBatchEntries - 1);
        out.add(new Send.Entries(f.id, f.next, to));
        f.next = to + 1;
        sent = true;
      }
      if (sent) {
        f.lastSent = now;
      } else if (f.lastSent == Long.MIN_VALUE || now - f.lastSent >= heartbeatNanos) {
        out.add(new Send.Entries(f.id, f.next, f.next - 1));
        f.lastSent = now;
      }
    }
    return out;
  }

  /** Whether {@code id} needs entries the leader no longer keeps (it must be sent a snapshot). */
  public boolean needsSnapshot(ReplicaId id, long logStart) {
    Follower f = followers.get(id);
    return f != null && f.contacted && f.transfer == null && f.next < logStart;
  }

  /**
   * Time passes: resend what was not acknowledged in time (go-back-N), demote silent followers and promote the
   * next ones, and expire writes past their deadline.
   */
  public TickOutcome<R> onTick(long now, long nowMillis) {
    for (Follower f : followers.values()) {
      boolean healthy = now - f.lastHeard <= syncStandbyTimeoutNanos;
      if (!healthy) {
        f.streaming = false;
      }
      if (f.transfer == null && f.next - 1 > f.received && now - f.lastProgress >= resendAfterNanos) {
        f.next = f.received + 1;
        f.lastProgress = now;
      }
      Transfer t = f.transfer;
      if (t != null && now - t.lastProgress >= resendAfterNanos) {
        // no progress: resend from what the follower last asked for (0 if it dropped what it had staged)
        t.acked = Math.min(t.acked, t.lastReported);
        t.nextToSend = t.acked;
        t.lastProgress = now;
      }
    }
    List<SyncChange> changes = syncSetChanges(now, nowMillis);
    List<Pending<R>> completed = completeSatisfied(now);
    List<Expired<R>> expired = new ArrayList<>();
    Iterator<Map.Entry<Long, List<Pending<R>>>> it = pending.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<Long, List<Pending<R>>> e = it.next();
      e.getValue().removeIf(w -> {
        if (w.deadlineNanos() <= now) {
          expired.add(new Expired<>(w, describeMissing(w)));
          return true;
        }
        return false;
      });
      if (e.getValue().isEmpty()) {
        it.remove();
      }
    }
    return new TickOutcome<>(completed, expired, changes);
  }

  /**
   * The highest position the leader may drop from memory: keep at least {@code retention} entries, plus what a
   * healthy follower or a snapshot transfer still needs, but never more than {@code maxRetained}.
   */
  public long trimPoint(long leaderLast, int retention, int maxRetained, long now) {
    long upTo = leaderLast - retention;
    for (Follower f : followers.values()) {
      if (!f.contacted || now - f.lastHeard > syncStandbyTimeoutNanos) {
        continue;
      }
      long needed = f.transfer != null ? f.transfer.position : Math.min(f.received, f.next - 1);
      upTo = Math.min(upTo, needed);
    }
    return Math.max(upTo, leaderLast - maxRetained);
  }

  /**
   * Whether this leader may still act as one: a majority of {@code voters} (itself included) answered a message it
   * sent within the last {@code leaseNanos}. Followers do not start an election until they have heard nothing for
   * longer than that, so while the lease holds no other leader can exist, and a leader that wakes from a long
   * pause finds its lease expired before it acknowledges anything.
   */
  public boolean leaseHolds(long now, long leaseNanos, List<ReplicaId> voters, ReplicaId self) {
    int fresh = voters.contains(self) ? 1 : 0;
    for (ReplicaId v : voters) {
      Follower f = followers.get(v);
      // a rejoining voter forgot the epochs it voted in: its answer proves nothing about other leaders
      if (f != null && !f.rejoining && f.lastEcho != Long.MIN_VALUE && now - f.lastEcho <= leaseNanos) {
        fresh++;
      }
    }
    return fresh >= voters.size() / 2 + 1;
  }

  /** Whether {@code id} is among the followers whose acknowledgement the group's policy waits for. */
  public boolean isSynchronous(ReplicaId id, long now) {
    Follower f = followers.get(id);
    if (f == null) {
      return false;
    }
    return switch (groupPolicy.mode()) {
      case ASYNC -> false;
      case SYNC -> true;
      case SEMI_SYNC -> groupPolicy.method() == AckPolicy.SyncMethod.ANY ? eligible(f, now)
          : firstEligible(groupPolicy.syncCount(), now).contains(id);
    };
  }

  /**
   * Whether {@code id} lost its journal and catches up as a non-voting member, as its last request or report said.
   * A rejoining follower counts for no acknowledgement (sync, semi-sync) and not for the lease, until it says it
   * votes again.
   */
  public void setRejoining(ReplicaId id, boolean rejoining) {
    Follower f = followers.get(id);
    if (f != null) {
      f.rejoining = rejoining;
    }
  }

  public boolean isRejoining(ReplicaId id) {
    Follower f = followers.get(id);
    return f != null && f.rejoining;
  }

  /** Followers that said they are rejoining, to be told where they may vote again. */
  public List<ReplicaId> rejoiningFollowers() {
    List<ReplicaId> out = new ArrayList<>();
    for (Follower f : followers.values()) {
      if (f.rejoining && f.contacted) {
        out.add(f.id);
      }
    }
    return out;
  }

  /** What {@code id} persisted, as last reported (-1 for an unknown follower). */
  public long persistedOf(ReplicaId id) {
    Follower f = followers.get(id);
    return f == null ? -1 : f.persisted;
  }

  /** Every write still waiting, removed: for a leader that steps down. */
  public List<Pending<R>> drainPending() {
    List<Pending<R>> out = new ArrayList<>();
    for (List<Pending<R>> l : pending.values()) {
      out.addAll(l);
    }
    pending.clear();
    return out;
  }

  public List<SyncChange> syncHistory() {
    return List.copyOf(syncHistory);
  }

  public int pendingWrites() {
    int n = 0;
    for (List<Pending<R>> l : pending.values()) {
      n += l.size();
    }
    return n;
  }

  public List<FollowerView> view(long now) {
    List<ReplicaId> syncSet = groupPolicy.mode() == AckPolicy.Mode.SEMI_SYNC
        && groupPolicy.method() == AckPolicy.SyncMethod.FIRST ? firstEligible(groupPolicy.syncCount(), now)
        : List.of();
    List<FollowerView> out = new ArrayList<>();
    for (Follower f : followers.values()) {
      boolean healthy = now - f.lastHeard <= syncStandbyTimeoutNanos;
      String state = !f.contacted ? "connecting"
          : !healthy ? "silent"
          : f.transfer != null ? "snapshot"
          : f.streaming ? "streaming" : "catchup";
      String sync = switch (groupPolicy.mode()) {
        case ASYNC -> "async";
        case SYNC -> "sync";
        case SEMI_SYNC -> groupPolicy.method() == AckPolicy.SyncMethod.ANY
            ? (eligible(f, now) ? "quorum" : "async")
            : syncSet.contains(f.id) ? "sync" : eligible(f, now) ? "potential" : "async";
      };
      out.add(new FollowerView(f.id, state, sync, f.received, f.persisted, f.applied, now - f.lastHeard,
          f.transfer == null ? -1 : f.transfer.position, f.transfer == null ? 0 : f.transfer.acked,
          f.transfer == null ? 0 : f.transfer.total, f.rejoining));
    }
    return out;
  }

  // --- rules ---

  private boolean eligible(Follower f, long now) {
    return f.contacted && f.streaming && !f.rejoining && now - f.lastHeard <= syncStandbyTimeoutNanos;
  }

  private List<ReplicaId> firstEligible(int k, long now) {
    List<ReplicaId> out = new ArrayList<>(k);
    for (Follower f : followers.values()) {
      if (out.size() == k) {
        break;
      }
      if (eligible(f, now)) {
        out.add(f.id);
      }
    }
    return out;
  }

  /** Whether a write's policy is met by the followers' reported positions. */
  boolean satisfied(Pending<R> w, long now) {
    AckPolicy p = w.policy();
    switch (p.mode()) {
      case ASYNC:
        return true;
      case SYNC:
        for (Follower f : followers.values()) {
          if (!f.rejoining && f.at(w.level()) < w.position()) {
            return false;
          }
        }
        return true;
      case SEMI_SYNC:
      default:
        if (p.method() == AckPolicy.SyncMethod.ANY) {
          int count = 0;
          for (Follower f : followers.values()) {
            if (!f.rejoining && f.at(w.level()) >= w.position() && ++count >= p.syncCount()) {
              return true;
            }
          }
          return false;
        }
        List<ReplicaId> set = firstEligible(p.syncCount(), now);
        if (set.size() < p.syncCount()) {
          return false;
        }
        for (ReplicaId id : set) {
          if (followers.get(id).at(w.level()) < w.position()) {
            return false;
          }
        }
        return true;
    }
  }

  private List<Pending<R>> completeSatisfied(long now) {
    List<Pending<R>> done = new ArrayList<>();
    Iterator<Map.Entry<Long, List<Pending<R>>>> it = pending.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<Long, List<Pending<R>>> e = it.next();
      e.getValue().removeIf(w -> {
        if (satisfied(w, now)) {
          done.add(w);
          return true;
        }
        return false;
      });
      if (e.getValue().isEmpty()) {
        it.remove();
      }
    }
    return done;
  }

  private List<SyncChange> syncSetChanges(long now, long nowMillis) {
    if (groupPolicy.mode() != AckPolicy.Mode.SEMI_SYNC || groupPolicy.method() != AckPolicy.SyncMethod.FIRST) {
      return List.of();
    }
    List<ReplicaId> set = firstEligible(groupPolicy.syncCount(), now);
    if (set.equals(lastSyncSet)) {
      return List.of();
    }
    List<SyncChange> changes = new ArrayList<>();
    for (ReplicaId gone : lastSyncSet) {
      if (!set.contains(gone)) {
        Follower f = followers.get(gone);
        String why = now - f.lastHeard > syncStandbyTimeoutNanos
            ? "silent for " + (now - f.lastHeard) / 1_000_000 + " ms" : "no longer caught up";
        changes.add(new SyncChange(nowMillis, gone + " is no longer synchronous (" + why + ")"));
      }
    }
    for (ReplicaId added : set) {
      if (!lastSyncSet.contains(added)) {
        changes.add(new SyncChange(nowMillis, added + " is now synchronous"
            + (lastSyncSet.isEmpty() ? "" : " (promoted from asynchronous)")));
      }
    }
    if (set.size() < groupPolicy.syncCount()) {
      changes.add(new SyncChange(nowMillis, "only " + set.size() + " of " + groupPolicy.syncCount()
          + " synchronous followers available: semi-sync writes wait"));
    }
    lastSyncSet = set;
    for (SyncChange c : changes) {
      syncHistory.addLast(c);
      while (syncHistory.size() > 50) {
        syncHistory.removeFirst();
      }
    }
    return changes;
  }

  private String describeMissing(Pending<R> w) {
    StringBuilder sb = new StringBuilder();
    sb.append(w.policy()).append(" at level ").append(w.level().name().toLowerCase()).append(" not met for position ")
        .append(w.position()).append(": ");
    List<String> have = new ArrayList<>();
    for (Follower f : followers.values()) {
      if (f.at(w.level()) >= w.position()) {
        have.add(f.id.value());
      }
    }
    sb.append(have.size()).append(" of ").append(followers.size()).append(" followers reached it ").append(have);
    return sb.toString();
  }

}
