package io.replikit.singleleader.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.replikit.replication.LogEntry;
import io.replikit.replication.ReplicaId;
import io.replikit.singleleader.AckLevel;
import io.replikit.singleleader.AckPolicy;
import io.replikit.store.Change;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;

/**
 * The leader's and follower's rules, without actors, over a network that loses, duplicates and reorders every
 * message: whatever it does, the follower applies entries strictly in log order and, once the network behaves,
 * ends with exactly the leader's store. The leader keeps a short log, so snapshot catch-up is exercised too.
 */
class ReplicationRulesPropertyTest {
  private static final ReplicaId L = ReplicaId.of("L");
  private static final ReplicaId F = ReplicaId.of("F");
  private static final long MS = 1_000_000;

  /** One message in flight, to the leader or to the follower. */
  private record Msg(boolean toLeader, Object body) {}

  @Property(tries = 300, seed = "20261122")
  void theFollowerConvergesWithoutGapsWhateverTheNetworkDoes(
      @ForAll long seed,
      @ForAll @IntRange(min = 1, max = 80) int writes,
      @ForAll @DoubleRange(min = 0, max = 0.5) double loss,
      @ForAll @DoubleRange(min = 0, max = 0.5) double duplication,
      @ForAll @IntRange(min = 2, max = 30) int retention) {
    Random random = new Random(seed);
    ReplicaState leader = ReplicaState.empty();
    ReplicaState follower = ReplicaState.empty();
    LeaderTracker<String> tracker =
        new LeaderTracker<>(List.of(F), AckPolicy.async(), 100 * MS, 20 * MS, 3, 2, 2, 2, 0);
    List<Msg> network = new ArrayList<>();
    List<Long> applied = new ArrayList<>();
    long now = 0;
    long[] followerHeard = {0};
    long[] transfers = {0};
    network.add(new Msg(true, new Protocol.FollowRequest(F, 0, 0, 0, List.of(), false)));
    int written = 0;

    for (int step = 0; step < 50_000; step++) {
      boolean faulty = written < writes || step < 2_000;
      // writes and deliveries outnumber timer ticks, as on a real network (a tick every 200 ms by default)
      int action = random.nextInt(20);
      if (action < 6 && written < writes) {
        String key = "k" + random.nextInt(6);
        Change change = random.nextInt(5) == 0 ? new Change.Delete(key)
            : new Change.Put(key, JsonNodeFactory.instance.numberNode(written));
        ReplicaState.Appended a =
            leader.decide(List.of(new ReplicaState.Proposed(change, null)), 1, L, 0);
        leader = leader.apply(a.entries().get(0));
        long p = a.entries().get(0).position();
        tracker.onAppended(p, p, List.of(new LeaderTracker.Pending<>(p, key, AckPolicy.async(), AckLevel.APPLIED,
            Long.MAX_VALUE, "w")), now);
        written++;
      } else if (action == 6 || network.isEmpty()) {
        now += 10 * MS;
        tracker.onTick(now, 0);
        if (now - followerHeard[0] > 50 * MS) { // the follower's timeout: ask again from where it is
          followerHeard[0] = now;
          network.add(new Msg(true, followRequest(follower)));
        }
        long trimTo = tracker.trimPoint(leader.lastPosition(), retention, retention * 3, now);
        if (trimTo >= leader.logStart()) {
          leader = leader.apply(new ReplicaEvents.LogTrimmed(trimTo));
        }
        if (tracker.needsSnapshot(F, leader.logStart())) {
          tracker.startSnapshot(F, ++transfers[0], leader.lastPosition(), 1, leader.store().items(), now);
        }
      } else {
        Msg m = network.remove(faulty ? random.nextInt(network.size()) : 0);
        if (faulty && random.nextDouble() < duplication) {
          network.add(m);
        }
        if (faulty && random.nextDouble() < loss) {
          continue;
        }
        if (m.toLeader()) {
          leader = leaderReceives(leader, tracker, m.body(), now, transfers);
        } else {
          followerHeard[0] = now;
          follower = followerReceives(follower, m.body(), network, applied);
        }
      }
      for (LeaderTracker.Send s : tracker.sends(leader.lastPosition(), leader.logStart(), now, 10 * MS)) {
        if (s instanceof LeaderTracker.Send.Entries e) {
          network.add(new Msg(false, new Protocol.AppendEntries(L, 1, e.from() - 1, leader.epochAt(e.from() - 1),
              leader.entries(e.from(), e.toPosition()), leader.lastPosition(), now, false, 0)));
        } else if (s instanceof LeaderTracker.Send.Announce) {
          network.add(new Msg(false, new Protocol.AppendEntries(L, 1, -1, 0, List.of(), leader.lastPosition(), now,
              false, 0)));
        } else if (s instanceof LeaderTracker.Send.Chunk c) {
          network.add(new Msg(false, new Protocol.SnapshotChunk(L, 1, c.transferId(), c.snapshotPosition(),
              c.snapshotEpoch(), c.index(), c.total(), c.items(), leader.epochHistoryUpTo(c.snapshotPosition()),
              c.matchPosition())));
        }
      }
      if (written == writes && !faulty && follower.lastPosition() == leader.lastPosition() && network.isEmpty()) {
        break;
      }
    }
    ReplicaState.Staging st = follower.staging();
    String where = "the follower caught up; leader log starts at " + leader.logStart() + ", follower staging "
        + (st == null ? "none" : st.transferId() + "@" + st.position() + " " + st.nextIndex() + "/" + st.total())
        + ", leader's view " + tracker.view(now) + ", " + network.size() + " messages in flight, first: "
        + network.subList(0, Math.min(4, network.size()));
    assertEquals(leader.lastPosition(), follower.lastPosition(), where);
    assertEquals(leader.store(), follower.store(), "and holds exactly the leader's store");
    for (int i = 1; i < applied.size(); i++) {
      long prev = applied.get(i - 1) < 0 ? -applied.get(i - 1) : applied.get(i - 1);
      if (applied.get(i) > 0) {
        assertEquals(prev + 1, applied.get(i), "applied in log order without a gap: " + applied);
      }
    }
  }

  private static ReplicaState leaderReceives(ReplicaState leader, LeaderTracker<String> tracker, Object body,
      long now, long[] transfers) {
    if (body instanceof Protocol.FollowRequest r) {
      long match = r.lastPosition() == 0 ? 0 : Math.min(r.lastPosition(), leader.matchPoint(r.epochs(),
          r.lastPosition()));
      if (tracker.onFollowRequest(F, match, leader.lastPosition(), leader.logStart(), now)
          == LeaderTracker.FollowAction.NEEDS_SNAPSHOT) {
        tracker.startSnapshot(F, ++transfers[0], leader.lastPosition(), 1, leader.store().items(), now);
      }
    } else if (body instanceof Protocol.Progress p) {
      tracker.onProgress(F, p.received(), p.persisted(), p.applied(), p.gap(), p.echoNanos(), leader.lastPosition(),
          now);
    } else if (body instanceof Protocol.SnapshotProgress sp) {
      tracker.onSnapshotProgress(F, sp.transferId(), sp.nextIndex(), now);
    }
    return leader;
  }

  private static Protocol.FollowRequest followRequest(ReplicaState follower) {
    return new Protocol.FollowRequest(F, 1, follower.lastPosition(), follower.lastEpoch(), follower.epochHistory(), false);
  }

  /** What the replica shell does on a follower, with a journal that persists instantly. */
  private static ReplicaState followerReceives(ReplicaState follower, Object body, List<Msg> network,
      List<Long> applied) {
    if (body instanceof Protocol.AppendEntries a) {
      if (a.prevPosition() < 0) {
        network.add(new Msg(true, followRequest(follower)));
        return follower;
      }
      ReplicaState.Receipt r = follower.receive(a.prevPosition(), a.prevEpoch(), a.entries());
      if (r instanceof ReplicaState.Receipt.Mismatch) {
        network.add(new Msg(true, followRequest(follower)));
        return follower;
      }
      long last = follower.lastPosition();
      if (r instanceof ReplicaState.Receipt.Accept accept) {
        for (LogEntry e : accept.fresh()) {
          follower = follower.apply(e);
          applied.add(e.position());
        }
        last = follower.lastPosition();
      }
      network.add(new Msg(true, new Protocol.Progress(F, 1, last, last, last,
          r instanceof ReplicaState.Receipt.Gap, a.sentNanos(), false)));
    } else if (body instanceof Protocol.SnapshotChunk c) {
      ReplicaState.ChunkReceipt receipt =
          follower.receiveChunk(c.transferId(), c.snapshotPosition(), c.epoch(), c.index(), c.total());
      if (receipt instanceof ReplicaState.ChunkReceipt.AlreadyAhead) {
        network.add(new Msg(true, followRequest(follower)));
        return follower;
      } else if (receipt instanceof ReplicaState.ChunkReceipt.Expect e) {
        network.add(new Msg(true, new Protocol.SnapshotProgress(F, 1, c.transferId(), e.expectedIndex())));
        return follower;
      }
      follower = follower.apply(new ReplicaEvents.SnapshotChunkStored(c.transferId(), c.snapshotPosition(),
          c.snapshotEpoch(), c.index(), c.total(), c.items(), c.epochs(), c.matchPosition()));
      if (follower.staging() == null) {
        applied.add(-follower.lastPosition());
        long last = follower.lastPosition();
        network.add(new Msg(true, new Protocol.Progress(F, 1, last, last, last, false, 0, false)));
      } else {
        network.add(new Msg(true, new Protocol.SnapshotProgress(F, 1, c.transferId(), c.index() + 1)));
      }
    }
    return follower;
  }
}
