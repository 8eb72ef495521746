package io.replikit.replication;

import io.replikit.serialization.WireMessage;

/** A message between replicas of one group, carried by a {@link ReplicaTransport}. */
public interface ReplicationMessage extends WireMessage {
  /** The leader term the sender believed current when it sent the message. */
  long epoch();
}
