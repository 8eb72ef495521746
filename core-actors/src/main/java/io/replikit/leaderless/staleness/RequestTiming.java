package io.replikit.leaderless.staleness;

import io.replikit.versioning.DottedVersionVectorSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What one coordinator request tells its {@link StalenessMonitor}: when it began, when each replica was sent its
 * message and answered. Owned by the request's actor (not thread-safe); the hooks are one line each so the request
 * code stays about requests.
 */
public final class RequestTiming {
  private final StalenessMonitor monitor;
  private final long startNanos = System.nanoTime();
  private final long startMillis;
  private final Map<String, Integer> positions = new HashMap<>();
  private final Map<String, Long> sentNanos = new HashMap<>();
  /** False for a read that is only counted unchecked: its latencies and verdict would mislead (see unjudged). */
  private final boolean judged;
  private DottedVersionVectorSet answered;

  private RequestTiming(StalenessMonitor monitor, long startMillis, List<String> replicas, boolean judged) {
    this.monitor = monitor;
    this.startMillis = startMillis;
    this.judged = judged;
    for (int i = 0; i < replicas.size(); i++) {
      positions.putIfAbsent(replicas.get(i), i);
      sentNanos.put(replicas.get(i), startNanos);
    }
  }

  /** A request to {@code replicas} (in the order that gives their positions) begins now. */
  public static RequestTiming start(StalenessMonitor monitor, long startMillis, List<String> replicas) {
    return new RequestTiming(monitor, startMillis, replicas, true);
  }

  /**
   * A read that is not judged: it is counted unchecked, and its latencies are not sampled. For a LOCAL_QUORUM read,
   * which asks one datacenter's replicas only: "held by w of the replicas that answered" is no evidence of an
   * acknowledged write when only some replicas of the key answered (a write acknowledged by the other datacenter
   * would look fresh, and one acknowledged by a local majority at LOCAL_QUORUM stale or not depending on w), and its
   * positions are indices in the local list, which name other replicas than the write's positions.
   */
  public static RequestTiming unjudged(StalenessMonitor monitor, long startMillis, List<String> replicas) {
    return new RequestTiming(monitor, startMillis, replicas, false);
  }

  /** {@code replica} was sent a (further) message now: its round trip counts from here. */
  public void sent(String replica) {
    sentNanos.put(replica, System.nanoTime());
  }

  /** A write's acknowledgement from {@code replica}. */
  public void acknowledged(String replica) {
    Integer position = positions.get(replica);
    if (monitor == null || position == null) {
      return;
    }
    monitor.writeAcknowledged(position, (System.nanoTime() - sentNanos.get(replica)) / 1e6);
  }

  /** A read's answer from {@code replica}. */
  public void answeredBy(String replica) {
    Integer position = positions.get(replica);
    if (monitor != null && position != null && judged) {
      monitor.readAnswered(position, (System.nanoTime() - sentNanos.get(replica)) / 1e6);
    }
  }

  /** The read answered the client with {@code set}. */
  public void replied(DottedVersionVectorSet set) {
    answered = set;
    if (monitor != null) {
      monitor.readQuorumReached(System.nanoTime() - startNanos);
    }
  }

  /** The write was answered: w replicas acknowledged it. */
  public void writeReplied() {
    if (monitor != null) {
      monitor.writeQuorumReached(System.nanoTime() - startNanos);
    }
  }

  /** The read stopped having seen {@code seen}; {@code complete} when every asked replica answered. */
  public void readDone(int w, java.util.Collection<DottedVersionVectorSet> seen, boolean complete) {
    if (monitor != null) {
      monitor.readDone(w, startMillis, answered, seen, complete && judged);
    }
  }
}
