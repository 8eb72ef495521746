package io.replikit.leaderless.antientropy;

import akka.actor.typed.ActorRef;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.serialization.Serialization;
import akka.serialization.SerializationExtension;
import io.replikit.leaderless.Keyspace;
import io.replikit.leaderless.StorageReplica;
import io.replikit.leaderless.ring.Ring;
import io.replikit.leaderless.ring.RingNode;
import io.replikit.leaderless.ring.TokenRange;
import io.replikit.replication.ReplicaId;
import io.replikit.replication.ReplicaTransport;
import io.replikit.versioning.DottedVersionVectorSet;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * The anti-entropy part of one storage replica's actor: it keeps the replica's trees, answers peers' tree and
 * segment questions, and runs this replica's exchanges one at a time (a timer tick starts the next (range, peer)
 * pair in round-robin order; {@link AntiEntropy.RunRound} queues every pair). Repairs go through the replica's
 * ordinary protocol ({@link StorageReplica.Replicate}, {@link StorageReplica.Fetch}), so anti-entropy adds no write
 * path of its own: a pulled set is merged by a {@code Replicate} the replica sends itself.
 *
 * <p>Not survived: an exchange in flight across a restart (it is simply not finished; the next one finds the same
 * difference). A peer that does not answer within the exchange timeout is abandoned and skipped by the timer until
 * the round robin wraps; one the transport reports unreachable is skipped.
 */
public final class AntiEntropyDriver {
  private static final String TICK = "anti-entropy-tick";
  private static final String TIMEOUT = "anti-entropy-timeout";

  record Tick() implements AntiEntropy.Command, io.replikit.serialization.WireMessage {}

  record ExchangeTimeout(long exchange) implements AntiEntropy.Command, io.replikit.serialization.WireMessage {}

  /** A peer's answer to a repair, through a message adapter (local only). */
  record RepairStored(StorageReplica.StoreReply reply)
      implements AntiEntropy.Command, akka.actor.NoSerializationVerificationNeeded {}

  record RepairFetched(StorageReplica.Fetched fetched)
      implements AntiEntropy.Command, akka.actor.NoSerializationVerificationNeeded {}

  private record Pair(TokenRange range, String peer, Round round) {}

  private static final class Round {
    final ActorRef<AntiEntropy.RoundDone> replyTo;
    int remaining;
    int exchanges;
    int abandoned;
    long repaired;
    long deferred;

    Round(ActorRef<AntiEntropy.RoundDone> replyTo, int remaining) {
      this.replyTo = replyTo;
      this.remaining = remaining;
    }
  }

  private final class Running {
    final long id;
    final Pair pair;
    final Exchange exchange;
    final Set<String> pending = new HashSet<>();
    Exchange.Ask lastAsk;
    int repaired;

    Running(long id, Pair pair, Exchange exchange) {
      this.id = id;
      this.pair = pair;
      this.exchange = exchange;
    }
  }

  private final ActorContext<StorageReplica.Command> ctx;
  private final String keyspace;
  private final Keyspace placement;
  private final String self;
  private final ReplicaTransport transport;
  private final AntiEntropySettings settings;
  private final TokenBucket bucket;
  private final LongSupplier nanoClock;
  private final Serialization serialization;
  private final ActorRef<StorageReplica.StoreReply> storedAdapter;
  private final ActorRef<StorageReplica.Fetched> fetchedAdapter;
  private AntiEntropyTrees trees;
  private final Deque<Pair> queue = new ArrayDeque<>();
  private final Set<String> suspects = new HashSet<>();
  private Running running;
  private long nextId;
  private int cursor;
  private long exchanges;
  private long abandoned;
  private long keysRepaired;
  private long deferredKeys;
  private long bytesSent;

  public AntiEntropyDriver(ActorContext<StorageReplica.Command> ctx, TimerScheduler<StorageReplica.Command> timers,
      Keyspace keyspace, String self, ReplicaTransport transport, Ring ring, AntiEntropySettings settings,
      LongSupplier nanoClock) {
    this.ctx = ctx;
    this.keyspace = keyspace.name();
    this.placement = keyspace;
    this.self = self;
    this.transport = transport;
    this.settings = settings;
    this.nanoClock = nanoClock;
    this.bucket = new TokenBucket(settings.repairRate(), settings.repairBurst(), nanoClock.getAsLong());
    this.serialization = SerializationExtension.get(ctx.getSystem());
    this.storedAdapter = ctx.messageAdapter(StorageReplica.StoreReply.class, RepairStored::new);
    this.fetchedAdapter = ctx.messageAdapter(StorageReplica.Fetched.class, RepairFetched::new);
    this.inert = ring == null;
    this.trees = treesFor(ring);
    if (ring != null && settings.enabled()) {
      timers.startTimerWithFixedDelay(TICK, new Tick(), settings.interval());
    }
    this.timers = timers;
  }

  private final TimerScheduler<StorageReplica.Command> timers;
  /** Created without a ring: no trees, no timer, ring updates ignored. */
  private final boolean inert;

  /** The trees for {@code ring}; none (logged) when the keyspace cannot be placed on it, which must not stop us. */
  private AntiEntropyTrees treesFor(Ring ring) {
    try {
      return new AntiEntropyTrees(ring, placement, self, settings.segments(), settings.fanOut());
    } catch (IllegalArgumentException e) {
      ctx.getLog().warn("anti-entropy of {} at {}: cannot place the keyspace on ring {}: {}; no trees kept", keyspace,
          self, ring, e.getMessage());
      return new AntiEntropyTrees(null, placement, self, settings.segments(), settings.fanOut());
    }
  }

  /** The replica's event handler calls this for every set it journals (and replays). */
  public void stored(String key, DottedVersionVectorSet set) {
    trees.put(key, set);
  }

  /** Handles an anti-entropy message; {@code keys} is the replica's current state. */
  public void handle(AntiEntropy.Command command, Map<String, DottedVersionVectorSet> keys) {
    if (command instanceof AntiEntropy.TreeLevel q) {
      answerLevel(q);
    } else if (command instanceof AntiEntropy.SegmentEntries q) {
      answerSegments(q);
    } else if (command instanceof AntiEntropy.TreeHashes a) {
      onHashes(a);
    } else if (command instanceof AntiEntropy.Entries a) {
      onEntries(a, keys);
    } else if (command instanceof RepairStored s) {
      onStored(s.reply());
    } else if (command instanceof RepairFetched f) {
      onFetched(f.fetched());
    } else if (command instanceof ExchangeTimeout t) {
      if (running != null && running.id == t.exchange()) {
        ctx.getLog().info("anti-entropy of {} at {}: peer {} did not answer for range {} in {}, abandoned", keyspace,
            self, running.pair.peer(), running.pair.range(), settings.exchangeTimeout());
        suspects.add(running.pair.peer());
        finish(false);
      }
    } else if (command instanceof Tick) {
      if (running == null && queue.isEmpty()) {
        Pair next = nextPair();
        if (next != null) {
          queue.add(next);
          startNext();
        }
      }
    } else if (command instanceof AntiEntropy.RunRound r) {
      List<Pair> pairs = allPairs();
      Round round = new Round(r.replyTo(), pairs.size());
      for (Pair p : pairs) {
        queue.add(new Pair(p.range(), p.peer(), round));
      }
      if (pairs.isEmpty()) {
        r.replyTo().tell(new AntiEntropy.RoundDone(self, 0, 0, 0, 0));
      } else if (running == null) {
        startNext();
      }
    } else if (command instanceof AntiEntropy.GetStatus g) {
      g.replyTo().tell(new AntiEntropy.Status(keyspace, self, settings.enabled() && trees.ring() != null,
          trees.ranges().size(), exchanges, abandoned, keysRepaired, deferredKeys, bytesSent));
    } else if (command instanceof AntiEntropy.UpdateRing u) {
      if (inert || u.ring() == null) {
        return; // a replica created without anti-entropy keeps none, whoever announces rings
      }
      trees = treesFor(u.ring());
      keys.forEach(trees::put);
      ctx.getLog().info("anti-entropy of {} at {}: ring changed, {} trees rebuilt from {} keys", keyspace, self,
          trees.ranges().size(), keys.size());
      cursor = 0;
      // a round waiting on pairs of the old ring is answered with them abandoned (its caller runs it again)
      List<Pair> dropped = new ArrayList<>(queue);
      queue.clear();
      if (running != null) {
        finish(false); // its range may no longer exist
      }
      for (Pair p : dropped) {
        roundStep(p.round(), false, 0);
      }
    }
  }

  private List<Pair> allPairs() {
    List<Pair> out = new ArrayList<>();
    for (TokenRange r : trees.ranges()) {
      for (RingNode peer : trees.replicasOf(r)) {
        if (!peer.id().equals(self)) {
          out.add(new Pair(r, peer.id(), null));
        }
      }
    }
    return out;
  }

  /** Round robin over (range, peer), skipping peers that are down or did not answer in this pass. */
  private Pair nextPair() {
    List<Pair> pairs = allPairs();
    for (int tried = 0; tried < pairs.size(); tried++) {
      if (cursor >= pairs.size()) {
        cursor = 0;
        suspects.clear(); // a new pass gives every peer another chance
      }
      Pair p = pairs.get(cursor++);
      if (!suspects.contains(p.peer()) && transport.reachable(ReplicaId.of(p.peer()))) {
        return p;
      }
    }
    return null;
  }

  private void startNext() {
    while (running == null && !queue.isEmpty()) {
      Pair p = queue.poll();
      HashTree tree = trees.tree(p.range());
      if (tree == null || !transport.reachable(ReplicaId.of(p.peer()))) {
        abandoned++;
        roundStep(p.round(), false, 0);
        continue;
      }
      running = new Running(++nextId, p, new Exchange(p.range(), tree));
      timers.startSingleTimer(TIMEOUT, new ExchangeTimeout(running.id), settings.exchangeTimeout());
      ask(running.exchange.start());
    }
  }

  private void ask(Exchange.Ask ask) {
    Pair p = running.pair;
    running.lastAsk = ask;
    if (ask.segments()) {
      send(p.peer(), new AntiEntropy.SegmentEntries(running.id, self, p.range(), ask.nodes(),
          ctx.getSelf().narrow()));
    } else {
      HashTree t = trees.tree(p.range());
      List<Integer> parents = new ArrayList<>(); // the asked nodes are whole families: name their parents only
      if (ask.level() > 0) {
        for (int node : ask.nodes()) {
          if (parents.isEmpty() || parents.get(parents.size() - 1) != node / t.fanOut()) {
            parents.add(node / t.fanOut());
          }
        }
      }
      send(p.peer(), new AntiEntropy.TreeLevel(running.id, self, p.range(), t.segments(), t.fanOut(), ask.level(),
          parents, ctx.getSelf().narrow()));
    }
  }

  private void answerLevel(AntiEntropy.TreeLevel q) {
    if (q.replyTo() == null) {
      return;
    }
    HashTree t = q.range() == null ? null : trees.tree(q.range());
    String problem = t == null ? self + " holds no tree for range " + q.range()
        : (t.segments() != q.segments() || t.fanOut() != q.fanOut())
            ? "tree shape differs: " + self + " has " + t.segments() + " segments, fan-out " + t.fanOut() : null;
    List<Long> hashes = List.of();
    if (problem == null) {
      try {
        long[] h = t.hashes(q.level(), t.children(q.level(), q.parents() == null ? List.of() : q.parents()));
        List<Long> l = new ArrayList<>(h.length);
        for (long x : h) {
          l.add(x);
        }
        hashes = l;
      } catch (IllegalArgumentException e) {
        problem = e.getMessage();
      }
    }
    AntiEntropy.TreeHashes reply = new AntiEntropy.TreeHashes(q.exchange(), self, q.level(), hashes, problem);
    bytesSent += size(reply);
    q.replyTo().tell(reply);
  }

  private void answerSegments(AntiEntropy.SegmentEntries q) {
    if (q.replyTo() == null) {
      return;
    }
    HashTree t = q.range() == null ? null : trees.tree(q.range());
    String problem = t == null ? self + " holds no tree for range " + q.range() : null;
    List<AntiEntropy.KeyDigest> entries = List.of();
    if (problem == null) {
      try {
        entries = t.entries(q.segments() == null ? List.of() : q.segments());
      } catch (IllegalArgumentException e) {
        problem = e.getMessage();
      }
    }
    AntiEntropy.Entries reply = new AntiEntropy.Entries(q.exchange(), self, entries, problem);
    bytesSent += size(reply);
    q.replyTo().tell(reply);
  }

  private boolean current(long exchange, String replica) {
    return running != null && running.id == exchange && running.pair.peer().equals(replica);
  }

  private void onHashes(AntiEntropy.TreeHashes a) {
    if (!current(a.exchange(), a.replica())) {
      return; // an answer to an exchange already abandoned
    }
    if (a.problem() != null) {
      ctx.getLog().warn("anti-entropy of {} at {}: {} refused the exchange: {}", keyspace, self, a.replica(),
          a.problem());
      finish(false);
      return;
    }
    Exchange.Ask next;
    try {
      if (running.lastAsk == null || running.lastAsk.segments() || running.lastAsk.level() != a.level()) {
        throw new IllegalArgumentException("an answer for level " + a.level() + " that was not asked");
      }
      next = running.exchange.onHashes(a.level(), running.lastAsk.nodes(), a.hashes());
    } catch (IllegalArgumentException e) {
      ctx.getLog().warn("anti-entropy of {} at {}: bad answer from {}: {}", keyspace, self, a.replica(),
          e.getMessage());
      finish(false);
      return;
    }
    if (next == null) {
      finish(true); // equal trees: nothing to copy
    } else {
      ask(next);
    }
  }

  private void onEntries(AntiEntropy.Entries a, Map<String, DottedVersionVectorSet> keys) {
    if (!current(a.exchange(), a.replica())) {
      return;
    }
    if (a.problem() != null) {
      ctx.getLog().warn("anti-entropy of {} at {}: {} refused the exchange: {}", keyspace, self, a.replica(),
          a.problem());
      finish(false);
      return;
    }
    Exchange.Diff diff = running.exchange.onEntries(a.entries());
    List<String> differing = diff.keys();
    int granted = bucket.take(differing.size(), nanoClock.getAsLong());
    deferredKeys += differing.size() - granted;
    if (running.pair.round() != null) {
      running.pair.round().deferred += differing.size() - granted;
    }
    Set<String> push = new HashSet<>(diff.push());
    Set<String> pull = new HashSet<>(diff.pull());
    String peer = running.pair.peer();
    for (String key : differing.subList(0, granted)) {
      DottedVersionVectorSet mine = keys.get(key);
      if (push.contains(key) && mine != null) {
        running.pending.add("push:" + key);
        send(peer, new StorageReplica.Replicate(key, mine, storedAdapter));
      }
      if (pull.contains(key)) {
        running.pending.add("pull:" + key);
        send(peer, new StorageReplica.Fetch(key, fetchedAdapter));
      }
    }
    running.repaired = granted;
    if (running.pending.isEmpty()) {
      finish(true);
    }
  }

  private void onStored(StorageReplica.StoreReply reply) {
    if (running == null) {
      return;
    }
    String replica = reply instanceof StorageReplica.Stored s ? s.replica() : ((StorageReplica.Refused) reply).replica();
    String key = reply instanceof StorageReplica.Stored s ? s.key() : ((StorageReplica.Refused) reply).key();
    boolean ours = replica.equals(self) ? running.pending.remove("merge:" + key)
        : replica.equals(running.pair.peer()) && running.pending.remove("push:" + key);
    if (ours && !replica.equals(self)) {
      bytesSent += size(reply);
    }
    if (ours && running.pending.isEmpty()) {
      finish(true);
    }
  }

  private void onFetched(StorageReplica.Fetched f) {
    if (running == null || !f.replica().equals(running.pair.peer()) || !running.pending.remove("pull:" + f.key())) {
      return;
    }
    bytesSent += size(f);
    running.pending.add("merge:" + f.key());
    // merged by the replica's own Replicate path: journaled, last-write-wins applied, tree updated by the event
    ctx.getSelf().tell(new StorageReplica.Replicate(f.key(), f.set(), storedAdapter));
  }

  private void finish(boolean completed) {
    Running r = running;
    running = null;
    timers.cancel(TIMEOUT);
    if (completed) {
      exchanges++;
      keysRepaired += r.repaired;
      suspects.remove(r.pair.peer());
    } else {
      abandoned++;
    }
    roundStep(r.pair.round(), completed, completed ? r.repaired : 0);
    startNext();
  }

  private void roundStep(Round round, boolean completed, long repaired) {
    if (round == null) {
      return;
    }
    if (completed) {
      round.exchanges++;
    } else {
      round.abandoned++;
    }
    round.repaired += repaired;
    if (--round.remaining == 0) {
      round.replyTo.tell(new AntiEntropy.RoundDone(self, round.exchanges, round.abandoned, round.repaired,
          round.deferred));
    }
  }

  private void send(String peer, io.replikit.replication.ReplicationMessage m) {
    bytesSent += size(m);
    transport.send(ReplicaId.of(self), ReplicaId.of(peer), m);
  }

  /** The message's serialized size as Akka would send it (its Jackson CBOR binding). */
  private long size(Object m) {
    try {
      return serialization.serialize(m).get().length;
    } catch (RuntimeException e) {
      return 0;
    }
  }
}
