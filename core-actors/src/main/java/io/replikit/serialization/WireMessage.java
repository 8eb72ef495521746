package io.replikit.serialization;

/**
 * Marker for every message that may cross a node: bound to Akka's {@code jackson-cbor} serializer in
 * {@code reference.conf}. Java serialization is switched off, so a message without this marker (or
 * {@link JournalEvent}) cannot leave the JVM, and an unknown type arriving from the wire is refused.
 */
public interface WireMessage {}
