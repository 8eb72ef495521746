package io.replikit.leaderless.internal;

import akka.actor.NoSerializationVerificationNeeded;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import io.replikit.leaderless.Coordinator;
import io.replikit.leaderless.Keyspace;
import io.replikit.leaderless.StorageReplica;
import io.replikit.leaderless.handoff.HintedHandoff;
import io.replikit.leaderless.ring.Placement;
import io.replikit.leaderless.staleness.RequestTiming;
import io.replikit.replication.ReplicaId;
import io.replikit.replication.ReplicaTransport;
import io.replikit.versioning.DottedVersionVectorSet;
import io.replikit.versioning.VersionVector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One write: a home replica applies it (minting its dot), the other targets merge the set it answered (a stand-in
 * of a sloppy quorum keeps it as a hint for its home); answered once the rule (w) is met, or {@code QuorumFailed} at
 * the timeout. The actor stays until every target answered or the timeout passed, so late acknowledgements are not
 * lost on the floor.
 *
 * <p>Minting falls over: the first reachable home is asked to mint; if it has not answered within the minting deadline
 * ({@link Keyspace#mintDeadline()}, by default three quarters of the timeout: down but not yet detected, or blocked),
 * the next reachable home is asked too, and so
 * on. A minting that was only slow may then also arrive: its set is merged and replicated like the first, so nothing is
 * lost, and the reply's context covers every minting seen before the reply. A minting that arrives after the reply
 * leaves two siblings with the same value (two dots for one put), which the client's next write, carrying the context
 * of its read, merges. Only homes mint: a stand-in's counter for a key it holds as a hint would start again at 1 after
 * its hint was handed off and deleted, and a reused dot would be taken for a write already seen.
 */
final class PutRequest {
  private PutRequest() {}

  interface Msg extends NoSerializationVerificationNeeded {}

  private record Reply(StorageReplica.StoreReply reply) implements Msg {}

  /** The answer to the CoordinatePut sent to {@code minter}. */
  private record Minted(String minter, StorageReplica.StoreReply reply) implements Msg {}

  private enum Timeout implements Msg { INSTANCE }

  private enum MintDeadline implements Msg { INSTANCE }

  static Behavior<Msg> create(Keyspace keyspace, Coordinator.Put put, QuorumRule rule, List<Placement> targets,
      String self, ReplicaTransport transport, long wallMillis, CoordinatorBehavior.Counters counters) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      timers.startSingleTimer(Timeout.INSTANCE, keyspace.timeout());
      // fall-over-after, by default three quarters of the timeout: a put whose minter is this slow would nearly have
      // failed anyway, so a replica that is merely slow (a cold JVM, a journal hiccup) rarely causes a second
      // minting, and the next home still has a quarter of the timeout to mint and replicate (milliseconds when up)
      Duration mintDeadline = keyspace.mintDeadline();
      ActorRef<StorageReplica.StoreReply> replies = ctx.messageAdapter(StorageReplica.StoreReply.class, Reply::new);
      // the homes that may mint, reachable ones first (in a sloppy quorum every home placed is reachable)
      List<String> minters = new ArrayList<>();
      targets.stream().filter(p -> !p.isHint() && transport.reachable(ReplicaId.of(p.node().id())))
          .forEach(p -> minters.add(p.node().id()));
      targets.stream().filter(p -> !p.isHint() && !minters.contains(p.node().id()))
          .forEach(p -> minters.add(p.node().id()));
      if (minters.isEmpty()) {
        counters.failed.incrementAndGet();
        put.replyTo().tell(new Coordinator.QuorumFailed("write", put.key(), rule.needed(), 0, targets.size(),
            targets.isEmpty() ? "no replica is reachable"
                : "no home replica of the key is reachable to apply the write (stand-ins only keep hints): "
                    + targets));
        return Behaviors.stopped();
      }
      VersionVector clientContext = put.context() == null ? VersionVector.empty() : put.context();
      RequestTiming timing = RequestTiming.start(counters.staleness, wallMillis,
          targets.stream().map(p -> p.node().id()).toList());
      ActorRef<Msg> me = ctx.getSelf(); // the minting children must not touch this actor's context
      int[] nextMinter = {0};
      Runnable mintNext = () -> {
        String minter = minters.get(nextMinter[0]++);
        // a reply reference of its own per minting, so that a minting is told apart from a merge's answer
        ActorRef<StorageReplica.StoreReply> mintReply = ctx.spawnAnonymous(
            Behaviors.receive(StorageReplica.StoreReply.class).onAnyMessage(r -> {
              me.tell(new Minted(minter, r));
              return Behaviors.stopped();
            }).build());
        timing.sent(minter);
        transport.send(ReplicaId.of(self), ReplicaId.of(minter),
            new StorageReplica.CoordinatePut(put.key(), clientContext, put.value(), wallMillis, mintReply));
        if (nextMinter[0] < minters.size()) {
          timers.startSingleTimer(MintDeadline.INSTANCE, mintDeadline);
        }
      };
      mintNext.run();
      Set<String> acked = new LinkedHashSet<>();
      Set<String> standIns = new java.util.HashSet<>();
      targets.stream().filter(Placement::isHint).forEach(p -> standIns.add(p.node().id()));
      List<String> refusals = new ArrayList<>();
      boolean[] replied = {false};
      // every minting answered so far, merged: the reply's context covers all of it
      DottedVersionVectorSet[] minted = {null};
      java.util.function.Function<String, Behavior<Msg>> acknowledged = replica -> {
        if (acked.add(replica)) {
          timing.acknowledged(replica);
        }
        if (!replied[0] && minted[0] != null && rule.met(acked)) {
          replied[0] = true;
          if (acked.stream().anyMatch(standIns::contains)) {
            counters.sloppyWrites.incrementAndGet();
          }
          put.replyTo().tell(new Coordinator.PutOk(put.key(), minted[0].context(), acked.size(),
              List.copyOf(acked)));
          timing.writeReplied();
        }
        return acked.size() == targets.size() ? Behaviors.stopped() : Behaviors.same();
      };
      return Behaviors.receive(Msg.class)
          .onMessage(Minted.class, m -> {
            if (m.reply() instanceof StorageReplica.Refused refused) {
              refusals.add(refused.replica() + ": " + refused.reason());
              if (!replied[0]) { // a refusal is about the request itself: another home would refuse it too
                replied[0] = true;
                counters.failed.incrementAndGet();
                put.replyTo().tell(new Coordinator.QuorumFailed("write", put.key(), rule.needed(), 0, targets.size(),
                    "refused by " + refused.replica() + ": " + refused.reason()));
                return Behaviors.stopped();
              }
              return Behaviors.same();
            }
            StorageReplica.Stored stored = (StorageReplica.Stored) m.reply();
            timers.cancel(MintDeadline.INSTANCE);
            minted[0] = minted[0] == null ? stored.set() : minted[0].sync(stored.set());
            for (Placement p : targets) {
              if (!p.node().id().equals(m.minter())) {
                timing.sent(p.node().id());
                transport.send(ReplicaId.of(self), ReplicaId.of(p.node().id()), p.isHint()
                    ? new HintedHandoff.StoreHint(p.homeFor(), put.key(), stored.set(), replies)
                    : new StorageReplica.Replicate(put.key(), stored.set(), replies));
              }
            }
            return acknowledged.apply(stored.replica());
          })
          .onMessage(Reply.class, m -> {
            if (m.reply() instanceof StorageReplica.Refused refused) {
              refusals.add(refused.replica() + ": " + refused.reason());
              return Behaviors.same();
            }
            // every merge sent carries a minting: the replica that stored it holds the write
            return acknowledged.apply(((StorageReplica.Stored) m.reply()).replica());
          })
          .onMessageEquals(MintDeadline.INSTANCE, () -> {
            if (minted[0] == null && nextMinter[0] < minters.size()) {
              ctx.getLog().info("write of {}: {} did not mint within {} ms, asking {} too", put.key(),
                  minters.get(nextMinter[0] - 1), mintDeadline.toMillis(), minters.get(nextMinter[0]));
              mintNext.run();
            }
            return Behaviors.same();
          })
          .onMessageEquals(Timeout.INSTANCE, () -> {
            if (!replied[0]) {
              counters.failed.incrementAndGet();
              String detail = minted[0] == null
                  ? "no home replica applied the write within " + keyspace.timeout().toMillis() + " ms (asked "
                      + minters.subList(0, nextMinter[0]) + ")"
                  : rule.progress(acked) + " acknowledged within " + keyspace.timeout().toMillis() + " ms: "
                      + acked;
              if (!refusals.isEmpty()) {
                detail += "; refused by " + refusals;
              }
              put.replyTo().tell(new Coordinator.QuorumFailed("write", put.key(), rule.needed(), rule.counted(acked),
                  targets.size(), detail));
            }
            return Behaviors.stopped();
          })
          .build();
    }));
  }
}
