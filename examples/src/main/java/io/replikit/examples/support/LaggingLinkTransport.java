package io.replikit.examples.support;

import akka.actor.typed.ActorRef;
import io.replikit.replication.ReplicaId;
import io.replikit.replication.ReplicaTransport;
import io.replikit.replication.ReplicationMessage;
import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A transport that holds every message on one link ({@code from} to {@code to}) back by a fixed delay and delivers
 * it in order; every other link goes straight to the delegate. A follower behind such a link lags its leader by about
 * the delay, steadily, as one across a slow WAN link would: the way the reads bench keeps one follower behind.
 *
 * <p>The test kit's {@code FaultyTransport} delays with a probability and a random time on every link, which reorders
 * messages and slows the acknowledgements too; a fixed delay on one link keeps the lag steady and the other replicas
 * untouched. Delayed messages are delivered by one daemon thread (a scheduled executor runs tasks due at the same
 * time in submission order, so the link stays FIFO); {@link #close()} stops it and drops what is still held.
 */
public final class LaggingLinkTransport implements ReplicaTransport, AutoCloseable {
  private final ReplicaTransport delegate;
  private final ReplicaId from;
  private final ReplicaId to;
  private final long delayNanos;
  private final ScheduledExecutorService delayer;

  public LaggingLinkTransport(ReplicaTransport delegate, ReplicaId from, ReplicaId to, Duration delay) {
    if (delay == null || delay.isNegative()) {
      throw new IllegalArgumentException("the delay must be zero or positive, was " + delay);
    }
    this.delegate = delegate;
    this.from = from;
    this.to = to;
    this.delayNanos = delay.toNanos();
    this.delayer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "replikit-lagging-link-" + from.value() + "-" + to.value());
      t.setDaemon(true);
      return t;
    });
  }

  @Override
  public void register(ReplicaId id, ActorRef<? extends ReplicationMessage> ref) {
    delegate.register(id, ref);
  }

  @Override
  public void send(ReplicaId sender, ReplicaId receiver, ReplicationMessage message) {
    if (delayNanos > 0 && sender.equals(from) && receiver.equals(to) && !delayer.isShutdown()) {
      try {
        delayer.schedule(() -> delegate.send(sender, receiver, message), delayNanos, TimeUnit.NANOSECONDS);
      } catch (java.util.concurrent.RejectedExecutionException closed) {
        // closed meanwhile: the message is lost, as on a link that went down
      }
    } else {
      delegate.send(sender, receiver, message);
    }
  }

  @Override
  public boolean reachable(ReplicaId id) {
    return delegate.reachable(id);
  }

  @Override
  public void expect(Collection<ReplicaId> ids) {
    delegate.expect(ids);
  }

  @Override
  public void close() {
    delayer.shutdownNow();
  }
}
