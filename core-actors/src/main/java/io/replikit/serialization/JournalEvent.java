package io.replikit.serialization;

/**
 * Marker for everything written to the journal or snapshot store: bound to Akka's {@code jackson-json} serializer
 * so that journal rows stay readable. Such a type may also travel on the wire (a log entry inside a replication
 * message is serialized as part of its CBOR envelope).
 */
public interface JournalEvent {}
