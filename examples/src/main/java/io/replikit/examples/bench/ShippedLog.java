package io.replikit.examples.bench;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.serialization.Serialization;
import akka.serialization.SerializationExtension;
import io.replikit.replication.LogEntry;
import io.replikit.replication.ReplicaId;
import io.replikit.replication.ReplicaTransport;
import io.replikit.replication.ReplicationMessage;
import io.replikit.singleleader.internal.Protocol;
import io.replikit.store.Change;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A transport that notes every {@code AppendEntries} a leader ships while recording is on, and afterwards measures
 * what it shipped with Akka's own serialization, as a remote link would carry it: the messages are bound to
 * {@code jackson-cbor}, the log entries in the journal to {@code jackson-json} (core-actors' reference.conf).
 *
 * <p>Recording only keeps references (the entries are immutable and the leader holds them anyway), so measuring
 * costs the measured run nothing; the serializing happens in {@link #measure}, after the run.
 */
final class ShippedLog implements ReplicaTransport {

  /**
   * What was shipped, in bytes.
   *
   * @param entries distinct log entries shipped (each position counted once, whatever the followers)
   * @param entryBytes the CBOR bytes those entries add to a message on the wire: for each, the size of the message
   *     that carried it with only that entry, less the size of the same message with none
   * @param wireMessages AppendEntries messages that carried entries, to all followers, resends included
   * @param wireBytes their whole serialized size (headers, batching and resends included)
   * @param journalBytes the entries as the journal stores them ({@code jackson-json} payload of each event)
   * @param triggered trigger outputs logged with the entries (trigger format)
   */
  record Sizes(long entries, long entryBytes, long wireMessages, long wireBytes, long journalBytes, long triggered) {}

  private final ReplicaTransport delegate;
  private volatile Queue<Protocol.AppendEntries> recording;

  ShippedLog(ReplicaTransport delegate) {
    this.delegate = delegate;
  }

  void startRecording() {
    recording = new ConcurrentLinkedQueue<>();
  }

  /** Stops recording and returns what was shipped since {@link #startRecording()}. */
  List<Protocol.AppendEntries> stopRecording() {
    Queue<Protocol.AppendEntries> q = recording;
    recording = null;
    return q == null ? List.of() : new ArrayList<>(q);
  }

  @Override
  public void register(ReplicaId id, ActorRef<? extends ReplicationMessage> ref) {
    delegate.register(id, ref);
  }

  @Override
  public void send(ReplicaId from, ReplicaId to, ReplicationMessage message) {
    Queue<Protocol.AppendEntries> q = recording;
    if (q != null && message instanceof Protocol.AppendEntries ae && !ae.entries().isEmpty()) {
      q.add(ae);
    }
    delegate.send(from, to, message);
  }

  @Override
  public boolean reachable(ReplicaId id) {
    return delegate.reachable(id);
  }

  @Override
  public void expect(Collection<ReplicaId> ids) {
    delegate.expect(ids);
  }

  /** Measures the messages shipped, counting only entries after {@code afterPosition}. */
  static Sizes measure(ActorSystem<?> system, List<Protocol.AppendEntries> shipped, long afterPosition) {
    Serialization serialization = SerializationExtension.get(system.classicSystem());
    Set<Long> counted = new HashSet<>();
    long entries = 0;
    long entryBytes = 0;
    long wireMessages = 0;
    long wireBytes = 0;
    long journalBytes = 0;
    long triggered = 0;
    for (Protocol.AppendEntries ae : shipped) {
      wireMessages++;
      wireBytes += bytes(serialization, ae);
      int empty = -1;
      for (LogEntry e : ae.entries()) {
        if (e.position() <= afterPosition || !counted.add(e.position())) {
          continue;
        }
        if (empty < 0) {
          empty = bytes(serialization, with(ae, List.of()));
        }
        entries++;
        entryBytes += bytes(serialization, with(ae, List.of(e))) - empty;
        journalBytes += bytes(serialization, e);
        if (e.change() instanceof Change.Rows rows && rows.triggered() != null) {
          triggered += rows.triggered().size();
        }
      }
    }
    return new Sizes(entries, entryBytes, wireMessages, wireBytes, journalBytes, triggered);
  }

  private static Protocol.AppendEntries with(Protocol.AppendEntries ae, List<LogEntry> entries) {
    return new Protocol.AppendEntries(ae.leader(), ae.epoch(), ae.prevPosition(), ae.prevEpoch(), entries,
        ae.leaderLastPosition(), ae.sentNanos(), ae.synchronous(), ae.roundTripNanos());
  }

  private static int bytes(Serialization serialization, Object o) {
    return serialization.serialize(o).get().length;
  }
}
