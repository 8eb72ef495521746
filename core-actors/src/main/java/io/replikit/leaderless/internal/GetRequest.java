package io.replikit.leaderless.internal;

import akka.actor.NoSerializationVerificationNeeded;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import io.replikit.leaderless.Coordinator;
import io.replikit.leaderless.Keyspace;
import io.replikit.leaderless.StorageReplica;
import io.replikit.leaderless.handoff.HintedHandoff;
import io.replikit.leaderless.ring.RingNode;
import io.replikit.leaderless.staleness.RequestTiming;
import io.replikit.replication.ReplicaId;
import io.replikit.replication.ReplicaTransport;
import io.replikit.versioning.DottedVersionVectorSet;
import io.replikit.versioning.VersionVector;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One read: asks every replica of the preference list, answers with the merge of the first r answers, and repairs
 * (sends the merge to) every replica whose answer it does not descend: before answering when read repair is
 * blocking, after otherwise. It stays until every replica answered or the timeout passed, and repairs the late ones
 * too, so that a key read once is whole on every replica that answered.
 */
final class GetRequest {
  private GetRequest() {}

  interface Msg extends NoSerializationVerificationNeeded {}

  private record Answer(StorageReplica.Fetched fetched) implements Msg {}

  private record Repaired(StorageReplica.StoreReply reply) implements Msg {}

  private enum Timeout implements Msg { INSTANCE }

  static Behavior<Msg> create(Keyspace keyspace, Coordinator.Get get, QuorumRule rule, List<RingNode> replicas,
      String self,
      ReplicaTransport transport, CoordinatorBehavior.Counters counters) {
    return create(keyspace, get, rule, replicas, self, transport, counters, Map.of());
  }

  /**
   * {@code hintsFor}: the stand-ins among {@code replicas} (sloppy quorum) and the home each holds hints for; a
   * stand-in is asked for its hint and never repaired (the hint goes home by handoff, not by read repair).
   */
  static Behavior<Msg> create(Keyspace keyspace, Coordinator.Get get, QuorumRule rule, List<RingNode> replicas,
      String self, ReplicaTransport transport, CoordinatorBehavior.Counters counters, Map<String, String> hintsFor) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      timers.startSingleTimer(Timeout.INSTANCE, keyspace.timeout());
      ActorRef<StorageReplica.Fetched> answers = ctx.messageAdapter(StorageReplica.Fetched.class, Answer::new);
      ActorRef<StorageReplica.StoreReply> repairs = ctx.messageAdapter(StorageReplica.StoreReply.class,
          Repaired::new);
      Run run = new Run(keyspace, get, rule, replicas.size(), self, transport, counters, repairs);
      boolean local = get.quorum() != null && get.quorum().level() == Coordinator.Level.LOCAL_QUORUM;
      List<String> ids = replicas.stream().map(RingNode::id).toList();
      run.timing = local ? RequestTiming.unjudged(counters.staleness, counters.wallMillis.getAsLong(), ids)
          : RequestTiming.start(counters.staleness, counters.wallMillis.getAsLong(), ids);
      for (RingNode node : replicas) {
        String home = hintsFor.get(node.id());
        transport.send(ReplicaId.of(self), ReplicaId.of(node.id()), home == null
            ? new StorageReplica.Fetch(get.key(), answers) : new HintedHandoff.FetchHint(home, get.key(), answers));
      }
      run.standIns.addAll(hintsFor.keySet());
      return run.behavior();
    }));
  }

  /** The read's progress; only its actor touches it. */
  private static final class Run {
    final Keyspace keyspace;
    final Coordinator.Get get;
    final QuorumRule rule;
    final int asked;
    final String self;
    final ReplicaTransport transport;
    final CoordinatorBehavior.Counters counters;
    final ActorRef<StorageReplica.StoreReply> repairs;
    final Map<String, DottedVersionVectorSet> answered = new LinkedHashMap<>();
    /** Repairs sent and the set each replica was sent (so a later, bigger merge is sent again). */
    final Map<String, DottedVersionVectorSet> sent = new LinkedHashMap<>();
    final Set<String> awaitingRepair = new HashSet<>();
    /** Stand-ins of a sloppy quorum: their hints are read, never repaired. */
    final Set<String> standIns = new HashSet<>();
    DottedVersionVectorSet merged = DottedVersionVectorSet.empty();
    boolean replied;
    /** The rule was met once: the answer is due as soon as the blocking repairs are done. */
    boolean quorumMet;
    int answeredAtReply;
    RequestTiming timing;

    Run(Keyspace keyspace, Coordinator.Get get, QuorumRule rule, int asked, String self, ReplicaTransport transport,
        CoordinatorBehavior.Counters counters, ActorRef<StorageReplica.StoreReply> repairs) {
      this.keyspace = keyspace;
      this.get = get;
      this.rule = rule;
      this.asked = asked;
      this.self = self;
      this.transport = transport;
      this.counters = counters;
      this.repairs = repairs;
    }

    Behavior<Msg> behavior() {
      return Behaviors.receive(Msg.class)
          .onMessage(Answer.class, a -> onAnswer(a.fetched()))
          .onMessage(Repaired.class, m -> {
            if (m.reply() instanceof StorageReplica.Stored s) {
              awaitingRepair.remove(s.replica());
            } else if (m.reply() instanceof StorageReplica.Refused f) {
              awaitingRepair.remove(f.replica());
            }
            return progress();
          })
          .onMessageEquals(Timeout.INSTANCE, () -> {
            if (!replied && rule.met(answered.keySet())) {
              reply(); // blocking repairs that did not finish in time: the answer stands, the repairs were sent
            } else if (!replied) {
              replied = true;
              counters.failed.incrementAndGet();
              get.replyTo().tell(new Coordinator.QuorumFailed("read", get.key(), rule.needed(),
                  rule.counted(answered.keySet()), asked, rule.progress(answered.keySet()) + " answered within "
                      + keyspace.timeout().toMillis() + " ms: " + answered.keySet()));
            }
            repair(); // whatever answered is made whole
            timing.readDone(keyspace.w(), answered.values(), answered.size() == asked);
            return Behaviors.stopped();
          })
          .build();
    }

    private Behavior<Msg> onAnswer(StorageReplica.Fetched f) {
      if (f == null || f.replica() == null || f.set() == null || answered.containsKey(f.replica())) {
        return Behaviors.same();
      }
      answered.put(f.replica(), f.set());
      timing.answeredBy(f.replica());
      merged = merged.sync(f.set());
      if (keyspace.conflicts() == Keyspace.Conflicts.LAST_WRITE_WINS) {
        merged = merged.lastWriteWins().set();
      }
      if (!replied && !quorumMet && rule.met(answered.keySet())) {
        quorumMet = true;
        if (keyspace.readRepair() == Keyspace.ReadRepair.BLOCKING) {
          awaitingRepair.addAll(repair());
        } else if (keyspace.readRepair() == Keyspace.ReadRepair.BACKGROUND) {
          reply();
          repair();
        } else {
          reply();
        }
      } else if (replied && keyspace.readRepair() != Keyspace.ReadRepair.OFF) {
        repair(); // a late answer: repair it, and the others if it brought something new
      }
      return progress();
    }

    private Behavior<Msg> progress() {
      if (!replied && quorumMet && awaitingRepair.isEmpty()) {
        reply();
      }
      if (replied && answered.size() == asked && awaitingRepair.isEmpty()) {
        collectTombstones();
        timing.readDone(keyspace.w(), answered.values(), true);
        return Behaviors.stopped();
      }
      return Behaviors.same();
    }

    /**
     * When every home replica of the key answered (not a local-datacenter read of some, nor a stand-in for one) and
     * all hold the same deleted set, every replica has the delete: the tombstones go (the context stays, so nothing
     * comes back).
     */
    private void collectTombstones() {
      if (asked != keyspace.n() || !standIns.isEmpty() || !merged.deleted() || !sent.isEmpty()) {
        return; // not every home was heard (a stand-in answered for one), or one was repaired just now
      }
      for (DottedVersionVectorSet set : answered.values()) {
        if (!set.descends(merged)) {
          return;
        }
      }
      VersionVector everyReplicaHas = DottedVersionVectorSet.commonContext(
          answered.values().stream().map(DottedVersionVectorSet::context).toList());
      for (String replica : answered.keySet()) {
        transport.send(ReplicaId.of(self), ReplicaId.of(replica),
            new StorageReplica.CollectTombstones(get.key(), everyReplicaHas));
      }
    }

    private void reply() {
      replied = true;
      answeredAtReply = answered.size();
      timing.replied(merged);
      get.replyTo().tell(new Coordinator.GetOk(get.key(), merged.values(), merged.context(), merged.deleted(),
          answeredAtReply, sent.size(), !merged.deleted() && merged.siblings().stream().anyMatch(s -> s.tombstone())));
    }

    /** Sends the merge to every replica that answered something it does not descend; returns those replicas. */
    private Set<String> repair() {
      Set<String> now = new HashSet<>();
      if (keyspace.readRepair() == Keyspace.ReadRepair.OFF) {
        return now;
      }
      for (Map.Entry<String, DottedVersionVectorSet> e : answered.entrySet()) {
        if (standIns.contains(e.getKey())) {
          continue;
        }
        DottedVersionVectorSet known = sent.getOrDefault(e.getKey(), e.getValue());
        if (!known.descends(merged)) {
          sent.put(e.getKey(), merged);
          now.add(e.getKey());
          counters.readRepairs.incrementAndGet();
          transport.send(ReplicaId.of(self), ReplicaId.of(e.getKey()),
              new StorageReplica.Replicate(get.key(), merged, repairs));
        }
      }
      return now;
    }
  }
}
