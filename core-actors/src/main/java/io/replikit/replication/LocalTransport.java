package io.replikit.replication;

import akka.actor.typed.ActorRef;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The default transport within one actor system: a directory of replica references, messages sent straight. */
public final class LocalTransport implements ReplicaTransport {
  private final Map<ReplicaId, ActorRef<ReplicationMessage>> directory = new ConcurrentHashMap<>();

  @Override
  @SuppressWarnings("unchecked")
  public void register(ReplicaId id, ActorRef<? extends ReplicationMessage> ref) {
    // A reference only receives its own family's messages; a stray message from another family is logged as
    // unhandled by the receiving replica rather than failing it.
    directory.put(id, (ActorRef<ReplicationMessage>) ref);
  }

  @Override
  public void send(ReplicaId from, ReplicaId to, ReplicationMessage message) {
    ActorRef<ReplicationMessage> ref = directory.get(to);
    if (ref != null) {
      ref.tell(message);
    }
  }
}
