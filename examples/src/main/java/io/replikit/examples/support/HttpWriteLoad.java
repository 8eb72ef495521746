package io.replikit.examples.support;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A steady write load on a {@link LocalCluster}'s group over HTTP, from one client thread, as a well-behaved
 * client would send it: every write is a PUT of a fresh key to whichever node leads, following 307 redirects and
 * looking the leader up again after a 503 or a transport failure.
 *
 * <p>Only a 200 counts as acknowledged (recorded with the version and epoch it was acknowledged in). A write whose
 * outcome is unknown (a 504, a timeout, a connection cut by a crash) is counted as uncertain and never retried
 * under the same key, so that every acknowledged key was written exactly once and must be readable afterwards
 * with exactly the acknowledged version. A 307 or 503 says nothing was logged, so that write is sent again.
 */
public final class HttpWriteLoad implements AutoCloseable {

  /** An acknowledged write: what a reader must find afterwards. */
  public record Ack(String key, long version, long epoch, String node, long atNanos) {}

  private final LocalCluster cluster;
  private final String keyPrefix;
  private final double ratePerSecond;
  private final List<Ack> acks = new ArrayList<>();
  private final AtomicLong attempts = new AtomicLong();
  private final AtomicLong uncertain = new AtomicLong();
  private final AtomicLong redirects = new AtomicLong();
  private final AtomicLong unavailable = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private volatile String lastRefusal;
  private volatile boolean stopping;
  private final Thread thread;

  /**
   * @param keyPrefix every key is this prefix and a sequence number
   * @param ratePerSecond writes per second at most (one thread; fewer when writes are slower than that)
   */
  public HttpWriteLoad(LocalCluster cluster, String keyPrefix, double ratePerSecond) {
    if (ratePerSecond <= 0) {
      throw new IllegalArgumentException("rate must be positive, was " + ratePerSecond);
    }
    this.cluster = cluster;
    this.keyPrefix = keyPrefix;
    this.ratePerSecond = ratePerSecond;
    this.thread = new Thread(this::run, "http-write-load-" + keyPrefix);
    thread.setDaemon(true);
  }

  public HttpWriteLoad start() {
    thread.start();
    return this;
  }

  private void run() {
    long start = System.nanoTime();
    long sent = 0;
    long sequence = 0;
    LocalCluster.Node target = null;
    String key = keyPrefix + sequence;
    while (!stopping) {
      // pace against the schedule, so that a slow failover does not shift every later write
      long due = start + (long) (sent * 1e9 / ratePerSecond);
      for (long wait = due - System.nanoTime(); wait > 0 && !stopping; wait = due - System.nanoTime()) {
        LockSupport.parkNanos(Math.min(wait, 50_000_000L));
      }
      if (stopping) {
        break;
      }
      if (target == null || !target.running()) {
        target = cluster.leaderNow().map(cluster::node).orElse(null);
        if (target == null) {
          LockSupport.parkNanos(20_000_000L); // an election is under way: look again shortly
          continue;
        }
      }
      sent++;
      attempts.incrementAndGet();
      ObjectNode value = JsonNodeFactory.instance.objectNode().put("seq", sequence).put("by", keyPrefix);
      KvClient.Response r;
      try {
        r = cluster.client().put(target.baseUrl(), cluster.group(), key, value);
      } catch (IOException e) {
        // the write may or may not have been logged: never reuse the key, find the leader again
        uncertain.incrementAndGet();
        key = keyPrefix + (++sequence);
        target = null;
        continue;
      }
      switch (r.status()) {
        case 200 -> {
          synchronized (acks) {
            acks.add(new Ack(key, r.body().path("version").asLong(), r.body().path("epoch").asLong(),
                target.name(), System.nanoTime()));
          }
          key = keyPrefix + (++sequence);
        }
        case 307 -> {
          redirects.incrementAndGet();
          target = r.header("Location").flatMap(HttpWriteLoad::port).flatMap(cluster::nodeByHttpPort).orElse(null);
        }
        case 503 -> {
          unavailable.incrementAndGet();
          target = null;
          LockSupport.parkNanos(20_000_000L);
        }
        case 504 -> {
          uncertain.incrementAndGet();
          key = keyPrefix + (++sequence);
          target = null;
        }
        default -> {
          refused.incrementAndGet();
          lastRefusal = r.toString();
          key = keyPrefix + (++sequence);
        }
      }
    }
  }

  private static Optional<Integer> port(String location) {
    try {
      int p = URI.create(location).getPort();
      return p > 0 ? Optional.of(p) : Optional.empty();
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** Stops sending and waits for the write in flight (bounded by the client's request timeout). */
  @Override
  public void close() {
    stopping = true;
    try {
      thread.join(30_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Every acknowledged write so far, in acknowledgement order. */
  public List<Ack> acks() {
    synchronized (acks) {
      return List.copyOf(acks);
    }
  }

  public int acknowledged() {
    synchronized (acks) {
      return acks.size();
    }
  }

  /** Acknowledged writes in an epoch above {@code epoch}, counted. */
  public int acknowledgedAfterEpoch(long epoch) {
    synchronized (acks) {
      return (int) acks.stream().filter(a -> a.epoch() > epoch).count();
    }
  }

  /** The first write acknowledged in an epoch above {@code epoch}. */
  public Optional<Ack> firstAckAfterEpoch(long epoch) {
    synchronized (acks) {
      return acks.stream().filter(a -> a.epoch() > epoch).findFirst();
    }
  }

  public long attempts() {
    return attempts.get();
  }

  public long uncertain() {
    return uncertain.get();
  }

  public long redirects() {
    return redirects.get();
  }

  public long unavailable() {
    return unavailable.get();
  }

  /** Writes answered with another 4xx/5xx: none is expected; {@link #lastRefusal()} shows one. */
  public long refused() {
    return refused.get();
  }

  public String lastRefusal() {
    return lastRefusal;
  }

  public String summary() {
    return "attempts=" + attempts + " acknowledged=" + acknowledged() + " uncertain=" + uncertain + " redirects="
        + redirects + " unavailable=" + unavailable + " refused=" + refused
        + (lastRefusal == null ? "" : " (last: " + lastRefusal + ")");
  }

  /**
   * The acknowledged writes that {@code node} does not hold with their acknowledged version: each as a line saying
   * what it found instead. Reads go out {@code parallelism} at a time.
   */
  public static List<String> missing(LocalCluster cluster, String node, List<Ack> acks, int parallelism) {
    LocalCluster.Node n = cluster.node(node);
    Semaphore permits = new Semaphore(parallelism);
    List<CompletableFuture<String>> checks = new ArrayList<>(acks.size());
    for (Ack a : acks) {
      permits.acquireUninterruptibly();
      checks.add(cluster.client().getAsync(n.baseUrl(), cluster.group(), a.key()).handle((r, e) -> {
        permits.release();
        if (e != null) {
          return a + ": no answer from " + node + " (" + e + ")";
        }
        if (r.status() != 200) {
          return a + ": " + node + " answered " + r;
        }
        long version = r.body().path("version").asLong();
        return version == a.version() ? null : a + ": " + node + " holds version " + version;
      }));
    }
    List<String> missing = new ArrayList<>();
    for (CompletableFuture<String> c : checks) {
      String problem = c.join();
      if (problem != null) {
        missing.add(problem);
      }
    }
    return missing;
  }

  /** Positions of the group on every answering node, for messages: {@code n1=leader@epoch 3 applied 120/120}. */
  public static String positions(LocalCluster cluster) {
    StringBuilder b = new StringBuilder();
    for (Map.Entry<String, com.fasterxml.jackson.databind.JsonNode> e : cluster.statuses().entrySet()) {
      com.fasterxml.jackson.databind.JsonNode s = e.getValue();
      b.append(e.getKey()).append('=').append(s.path("role").asText()).append("@epoch ")
          .append(s.path("epoch").asLong()).append(" applied ").append(s.path("appliedPosition").asLong())
          .append('/').append(s.path("lastPosition").asLong()).append(' ');
    }
    return b.toString().trim();
  }
}
