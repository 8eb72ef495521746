package io.replikit.leaderless.internal;

import akka.actor.NoSerializationVerificationNeeded;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import io.replikit.leaderless.Coordinator;
import io.replikit.leaderless.Keyspace;
import io.replikit.leaderless.StorageReplica;
import io.replikit.leaderless.ring.RingNode;
import io.replikit.leaderless.staleness.RequestTiming;
import io.replikit.replication.ReplicaId;
import io.replikit.replication.ReplicaTransport;
import io.replikit.versioning.DottedVersionVectorSet;
import io.replikit.versioning.VersionVector;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One write: the first reachable replica of the preference list applies it (minting its dot), the others merge
 * the set that replica answered; answered once w replicas hold it, or {@code QuorumFailed} at the timeout. The actor
 * stays until every replica answered or the timeout passed, so late acknowledgements are not lost on the floor.
 */
final class PutRequest {
  private PutRequest() {}

  interface Msg extends NoSerializationVerificationNeeded {}

  private record Reply(StorageReplica.StoreReply reply) implements Msg {}

  private enum Timeout implements Msg { INSTANCE }

  static Behavior<Msg> create(Keyspace keyspace, Coordinator.Put put, QuorumRule rule, List<RingNode> replicas,
      String self,
      ReplicaTransport transport, long wallMillis, CoordinatorBehavior.Counters counters) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      timers.startSingleTimer(Timeout.INSTANCE, keyspace.timeout());
      ActorRef<StorageReplica.StoreReply> replies = ctx.messageAdapter(StorageReplica.StoreReply.class, Reply::new);
      String coordinating = null;
      for (RingNode node : replicas) {
        if (transport.reachable(ReplicaId.of(node.id()))) {
          coordinating = node.id();
          break;
        }
      }
      if (coordinating == null && !replicas.isEmpty()) {
        coordinating = replicas.get(0).id(); // none looks reachable: try the first, the timeout tells
      }
      RequestTiming timing = RequestTiming.start(counters.staleness, wallMillis,
          replicas.stream().map(RingNode::id).toList());
      if (coordinating != null) {
        timing.sent(coordinating);
        transport.send(ReplicaId.of(self), ReplicaId.of(coordinating), new StorageReplica.CoordinatePut(put.key(),
            put.context() == null ? VersionVector.empty() : put.context(), put.value(), wallMillis, replies));
      }
      String first = coordinating;
      Set<String> acked = new LinkedHashSet<>();
      List<String> refusals = new ArrayList<>();
      boolean[] replied = {false};
      VersionVector[] context = {null};
      return Behaviors.receive(Msg.class)
          .onMessage(Reply.class, m -> {
            if (m.reply() instanceof StorageReplica.Refused refused) {
              refusals.add(refused.replica() + ": " + refused.reason());
              if (refused.replica().equals(first) && !replied[0]) {
                replied[0] = true;
                counters.failed.incrementAndGet();
                put.replyTo().tell(new Coordinator.QuorumFailed("write", put.key(), rule.needed(), 0, replicas.size(),
                    "refused by " + refused.replica() + ": " + refused.reason()));
                return Behaviors.stopped();
              }
              return Behaviors.same();
            }
            StorageReplica.Stored stored = (StorageReplica.Stored) m.reply();
            if (stored.replica().equals(first) && context[0] == null) {
              context[0] = stored.set().context();
              DottedVersionVectorSet set = stored.set();
              for (RingNode node : replicas) {
                if (!node.id().equals(first)) {
                  timing.sent(node.id());
                  transport.send(ReplicaId.of(self), ReplicaId.of(node.id()),
                      new StorageReplica.Replicate(put.key(), set, replies));
                }
              }
            }
            if (acked.add(stored.replica())) {
              timing.acknowledged(stored.replica());
            }
            if (!replied[0] && rule.met(acked) && context[0] != null) {
              replied[0] = true;
              put.replyTo().tell(new Coordinator.PutOk(put.key(), context[0], acked.size(), List.copyOf(acked)));
            }
            return acked.size() == replicas.size() ? Behaviors.stopped() : Behaviors.same();
          })
          .onMessageEquals(Timeout.INSTANCE, () -> {
            if (!replied[0]) {
              counters.failed.incrementAndGet();
              String detail = context[0] == null
                  ? "the coordinating replica " + first + " did not answer within " + keyspace.timeout().toMillis()
                      + " ms"
                  : rule.progress(acked) + " acknowledged within " + keyspace.timeout().toMillis() + " ms: "
                      + acked;
              if (!refusals.isEmpty()) {
                detail += "; refused by " + refusals;
              }
              put.replyTo().tell(new Coordinator.QuorumFailed("write", put.key(), rule.needed(), rule.counted(acked),
                  replicas.size(), detail));
            }
            return Behaviors.stopped();
          })
          .build();
    }));
  }
}
