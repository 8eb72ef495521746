package io.replikit.examples.bench.multileader;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.eventstream.EventStream;
import akka.actor.typed.javadsl.Behaviors;
import akka.persistence.typed.PublishedEvent;
import akka.persistence.typed.ReplicaId;
import akka.persistence.typed.ReplicationId;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Akka's direct replication for Replicated Event Sourcing, without Cluster Sharding. Akka 2.6 ships it as
 * {@code ShardingDirectReplication}, which only sends through sharding regions; this actor does what that one does
 * for replicas that all live in one actor system: it subscribes to the {@link PublishedEvent}s that replicated
 * entities publish after persisting an event of their own, and sends each one, without tags, to the other replicas
 * of the same entity. A replica applies such an event when it is the next one it expects from that origin and
 * otherwise drops it; its journal query still delivers everything (delivery here is at most once), so this should
 * only shorten the path.
 *
 * <p>Off by default in the bench, because with it Akka 2.6.21 was seen to lose writes: on the persistence test kit
 * journal (2 of 5 runs of 300 writes with it, 0 of 5 without; 0 of 5 on H2 either way), a replica applied an event of another
 * replica's journal stream before an earlier one of the same stream and then dropped the earlier one as "already
 * seen" (Akka's debug log: "Saving event [19] from [L1] as first time", then "Filtering event [17] from [L1] as it
 * was already seen"). The stream asks the replica for two events at a time and the replica stashes what arrives
 * while it persists; the extra published events that this actor adds to that traffic appear to be what lets the two
 * get reordered. The bench reports such a run as not converged.
 *
 * <p>It also counts what it sends, for the bench's traffic figures, and keeps the sent events while
 * {@link Counter#recording} is on, so that their bytes can be measured after the run.
 */
final class AkkaDirectReplication {

  /** What was forwarded: messages (one per event per other replica) and the events themselves when recording. */
  static final class Counter {
    final AtomicLong messages = new AtomicLong();
    final Queue<PublishedEvent> recorded = new ConcurrentLinkedQueue<>();
    volatile boolean recording;

    void restart() {
      recording = false;
      recorded.clear();
      messages.set(0);
      recording = true;
    }
  }

  private AkkaDirectReplication() {}

  /**
   * @param replicas by entity id, each entity's replicas by replica id
   */
  static Behavior<PublishedEvent> create(String typeName,
      Map<String, Map<ReplicaId, ActorRef<AkkaLwwMapReplica.Command>>> replicas, Counter counter) {
    return Behaviors.setup(context -> {
      context.getSystem().eventStream().tell(new EventStream.Subscribe<>(PublishedEvent.class, context.getSelf()));
      return Behaviors.receiveMessage(event -> {
        ReplicationId id;
        try {
          id = ReplicationId.fromString(event.persistenceId().id());
        } catch (IllegalArgumentException notReplicated) {
          return Behaviors.same();
        }
        Map<ReplicaId, ActorRef<AkkaLwwMapReplica.Command>> entity = replicas.get(id.entityId());
        if (!id.typeName().equals(typeName) || entity == null) {
          return Behaviors.same();
        }
        PublishedEvent withoutTags = event.withoutTags();
        int sent = 0;
        for (Map.Entry<ReplicaId, ActorRef<AkkaLwwMapReplica.Command>> replica : entity.entrySet()) {
          if (!replica.getKey().equals(id.replicaId())) {
            // the replica's typed ref takes its commands; Akka's replicated behavior also takes PublishedEvents,
            // which ShardingDirectReplication delivers the same untyped way
            replica.getValue().<Object>unsafeUpcast().tell(withoutTags);
            sent++;
          }
        }
        if (counter.recording) {
          counter.messages.addAndGet(sent);
          counter.recorded.add(withoutTags);
        }
        return Behaviors.same();
      });
    });
  }
}
