package io.replikit.leaderless.internal;

import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import io.replikit.leaderless.Coordinator;
import io.replikit.leaderless.Keyspace;
import io.replikit.leaderless.ring.Ring;
import io.replikit.leaderless.ring.RingNode;
import io.replikit.replication.ReplicaTransport;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/** Takes client requests and runs each as its own short-lived request actor ({@link PutRequest}, {@link GetRequest}). */
public final class CoordinatorBehavior {
  private CoordinatorBehavior() {}

  /** Counters the request actors add to. */
  static final class Counters {
    final AtomicLong writes = new AtomicLong();
    final AtomicLong reads = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final AtomicLong readRepairs = new AtomicLong();
  }

  public static Behavior<Coordinator.Command> create(Keyspace keyspace, Ring ring, String self,
      ReplicaTransport transport, LongSupplier wallMillis) {
    return Behaviors.setup(ctx -> running(ctx, keyspace, ring, self, transport, wallMillis, new Counters()));
  }

  private static Behavior<Coordinator.Command> running(ActorContext<Coordinator.Command> ctx, Keyspace keyspace,
      Ring ring, String self, ReplicaTransport transport, LongSupplier wallMillis, Counters counters) {
    return Behaviors.receive(Coordinator.Command.class)
        .onMessage(Coordinator.Put.class, put -> {
          if (put.replyTo() == null) {
            return Behaviors.same();
          }
          int w = quorum(put.quorum() == null ? 0 : put.quorum().w(), keyspace.w());
          String problem = problem(put.key(), w, keyspace.n(), "w");
          if (problem != null) {
            counters.failed.incrementAndGet();
            put.replyTo().tell(new Coordinator.QuorumFailed("write", put.key(), w, 0, 0, problem));
            return Behaviors.same();
          }
          counters.writes.incrementAndGet();
          List<RingNode> replicas = ring.preferenceList(put.key(), keyspace.n());
          ctx.spawnAnonymous(PutRequest.create(keyspace, put, w, replicas, self, transport,
              wallMillis.getAsLong(), counters));
          return Behaviors.same();
        })
        .onMessage(Coordinator.Get.class, get -> {
          if (get.replyTo() == null) {
            return Behaviors.same();
          }
          int r = quorum(get.quorum() == null ? 0 : get.quorum().r(), keyspace.r());
          String problem = problem(get.key(), r, keyspace.n(), "r");
          if (problem != null) {
            counters.failed.incrementAndGet();
            get.replyTo().tell(new Coordinator.QuorumFailed("read", get.key(), r, 0, 0, problem));
            return Behaviors.same();
          }
          counters.reads.incrementAndGet();
          List<RingNode> replicas = ring.preferenceList(get.key(), keyspace.n());
          ctx.spawnAnonymous(GetRequest.create(keyspace, get, r, replicas, self, transport, counters));
          return Behaviors.same();
        })
        .onMessage(Coordinator.UpdateRing.class, u -> u.ring() == null ? Behaviors.same()
            : running(ctx, keyspace, u.ring(), self, transport, wallMillis, counters))
        .onMessage(Coordinator.GetStatus.class, s -> {
          s.replyTo().tell(new Coordinator.Status(keyspace.name(), self, counters.writes.get(), counters.reads.get(),
              counters.failed.get(), counters.readRepairs.get()));
          return Behaviors.same();
        })
        .build();
  }

  private static int quorum(int asked, int keyspaceDefault) {
    return asked == 0 ? keyspaceDefault : asked;
  }

  private static String problem(String key, int quorum, int n, String which) {
    if (key == null || key.isEmpty()) {
      return "the key is missing or empty";
    }
    if (quorum < 1 || quorum > n) {
      return which + " must be between 1 and n = " + n + ", was " + quorum;
    }
    return null;
  }
}
