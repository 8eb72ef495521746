package io.replikit.leaderless;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigUtil;
import java.time.Duration;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A leaderless keyspace: every key is stored on the {@code n} replicas of its preference list on the ring; a write is
 * acknowledged once {@code w} of them hold it and a read answers once {@code r} of them did. With {@code w + r > n}
 * a read overlaps every acknowledged write on at least one replica (the chapter's quorum condition), which is not
 * linearizability: see the limits the module README lists (sloppy quorums, concurrent writes, a write that failed
 * on some replicas but stays on others, a replica restored from an older copy).
 *
 * @param name the keyspace, part of every replica's persistence id
 * @param n replicas per key
 * @param w acknowledgements a write waits for (1..n)
 * @param r answers a read waits for (1..n)
 * @param timeout how long a request waits for its w or r answers before it is answered {@link Coordinator.QuorumFailed}
 * @param conflicts what a replica keeps of concurrent writes: every sibling, or only the last write (counted loss)
 * @param readRepair whether a read waits for the repairs of the stale replicas it saw, or repairs in the background
 * @param datacenters replicas per datacenter (NetworkTopologyStrategy-like; n is their sum), or empty: the n replicas
 *     are the key's first n nodes on the ring wherever they are
 * @param sloppyQuorum off by default: when on, a write whose home replicas are unreachable goes to the next healthy
 *     nodes of the ring, which keep it as a hint for the home and count toward w (Dynamo's sloppy quorum; then
 *     w + r > n no longer makes a read overlap an acknowledged write until the hints are handed off)
 * @param hintWindow how long a stand-in keeps a hint it could not hand back (Cassandra's max_hint_window, 3 h);
 *     older hints are dropped and counted, anti-entropy repairs what they held
 * @param handoffInterval how often a stand-in offers its hints to the homes that are reachable again
 * @param fallOverAfter how long a write waits for the home asked to apply (mint) it before it asks the next home too
 *     (a home down but not yet detected, or blocked); null: three quarters of {@code timeout}. Must be positive and
 *     shorter than {@code timeout}. Shorter fails over sooner, and more often leaves a slow home's minting beside
 *     the next one's as two siblings of the same value; longer leaves the next home less of the timeout.
 */
public record Keyspace(String name, int n, int w, int r, Duration timeout, Conflicts conflicts, ReadRepair readRepair,
    Map<String, Integer> datacenters, boolean sloppyQuorum, Duration hintWindow, Duration handoffInterval,
    Duration fallOverAfter) {

  /** Cassandra's default max_hint_window. */
  public static final Duration DEFAULT_HINT_WINDOW = Duration.ofHours(3);
  public static final Duration DEFAULT_HANDOFF_INTERVAL = Duration.ofSeconds(1);

  /** What a replica keeps when writes are concurrent. */
  public enum Conflicts {
    /** Every concurrent value is kept as a sibling and returned on read; the client's next write merges them. */
    SIBLINGS,
    /** Only the value with the latest wall-clock timestamp survives; the others are thrown away and counted. */
    LAST_WRITE_WINS;

    public static Conflicts parse(String what, String value) {
      return switch (value.trim().toLowerCase(Locale.ROOT)) {
        case "siblings" -> SIBLINGS;
        case "last-write-wins", "lww" -> LAST_WRITE_WINS;
        default -> throw new IllegalArgumentException(what + " must be siblings or last-write-wins, was '" + value
            + "'");
      };
    }
  }

  /** When a read repairs the stale replicas it saw. */
  public enum ReadRepair {
    /** The read answers once its repairs are acknowledged (or its timeout passed): the next read sees them. */
    BLOCKING,
    /** The read answers at once; the repairs are sent afterwards. */
    BACKGROUND,
    /** No read repair (anti-entropy alone brings stale replicas up to date). */
    OFF;

    public static ReadRepair parse(String what, String value) {
      return switch (value.trim().toLowerCase(Locale.ROOT)) {
        case "blocking" -> BLOCKING;
        case "background" -> BACKGROUND;
        case "off" -> OFF;
        default -> throw new IllegalArgumentException(what + " must be blocking, background or off, was '" + value
            + "'");
      };
    }
  }

  public Keyspace {
    if (name == null || name.isBlank() || name.contains("|")) {
      throw new IllegalArgumentException("keyspace name must be non-empty and without '|', was '" + name + "'");
    }
    if (n < 1) {
      throw new IllegalArgumentException("keyspace " + name + ": n must be at least 1, was " + n);
    }
    checkQuorum(name, "w", w, n);
    checkQuorum(name, "r", r, n);
    if (timeout == null || timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("keyspace " + name + ": timeout must be positive, was " + timeout);
    }
    if (conflicts == null || readRepair == null) {
      throw new IllegalArgumentException("keyspace " + name + ": conflicts and read-repair must be given");
    }
    hintWindow = hintWindow == null ? DEFAULT_HINT_WINDOW : hintWindow;
    handoffInterval = handoffInterval == null ? DEFAULT_HANDOFF_INTERVAL : handoffInterval;
    if (hintWindow.isNegative() || hintWindow.isZero()) {
      throw new IllegalArgumentException("keyspace " + name + ": hint-window must be positive, was " + hintWindow);
    }
    if (handoffInterval.isNegative() || handoffInterval.isZero()) {
      throw new IllegalArgumentException("keyspace " + name + ": handoff-interval must be positive, was "
          + handoffInterval);
    }
    if (fallOverAfter != null && (fallOverAfter.isNegative() || fallOverAfter.isZero()
        || fallOverAfter.compareTo(timeout) >= 0)) {
      throw new IllegalArgumentException("keyspace " + name + ": fall-over-after must be positive and shorter than the "
          + "request timeout (" + timeout.toMillis() + " ms), was " + fallOverAfter.toMillis() + " ms");
    }
    datacenters = datacenters == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(datacenters));
    if (!datacenters.isEmpty()) {
      int sum = 0;
      for (Map.Entry<String, Integer> e : datacenters.entrySet()) {
        if (e.getKey() == null || e.getKey().isBlank() || e.getValue() == null || e.getValue() < 0) {
          throw new IllegalArgumentException("keyspace " + name + ": replicas per datacenter must be a datacenter name"
              + " and a count >= 0, was " + e.getKey() + " = " + e.getValue());
        }
        sum += e.getValue();
      }
      if (sum != n) {
        throw new IllegalArgumentException("keyspace " + name + ": n = " + n + " but the datacenters hold " + sum
            + " replicas " + datacenters + " (n must be their sum)");
      }
    }
  }

  /** Minting falls over after three quarters of the timeout. */
  public Keyspace(String name, int n, int w, int r, Duration timeout, Conflicts conflicts, ReadRepair readRepair,
      Map<String, Integer> datacenters, boolean sloppyQuorum, Duration hintWindow, Duration handoffInterval) {
    this(name, n, w, r, timeout, conflicts, readRepair, datacenters, sloppyQuorum, hintWindow, handoffInterval, null);
  }

  /** Strict quorums (no sloppy quorum), the default hint window and handoff interval. */
  public Keyspace(String name, int n, int w, int r, Duration timeout, Conflicts conflicts, ReadRepair readRepair,
      Map<String, Integer> datacenters) {
    this(name, n, w, r, timeout, conflicts, readRepair, datacenters, false, DEFAULT_HINT_WINDOW,
        DEFAULT_HANDOFF_INTERVAL);
  }

  public Keyspace(String name, int n, int w, int r, Duration timeout, Conflicts conflicts, ReadRepair readRepair) {
    this(name, n, w, r, timeout, conflicts, readRepair, Map.of());
  }

  static void checkQuorum(String name, String which, int value, int n) {
    if (value < 1 || value > n) {
      throw new IllegalArgumentException("keyspace " + name + ": " + which + " must be between 1 and n = " + n
          + ", was " + value);
    }
  }

  /** A keyspace with the defaults of {@code replikit.leaderless} and the given n, w, r. */
  public static Keyspace of(String name, int n, int w, int r) {
    return new Keyspace(name, n, w, r, Duration.ofSeconds(2), Conflicts.SIBLINGS, ReadRepair.BLOCKING);
  }

  /** {@code name} with every setting read from {@code replikit.leaderless} in {@code root}. */
  public static Keyspace fromConfig(String name, Config root) {
    try {
      Config c = root.getConfig("replikit.leaderless");
      Map<String, Integer> perDc = new TreeMap<>();
      Config dcs = c.getConfig("datacenters");
      for (String dc : dcs.root().keySet()) {
        perDc.put(dc, dcs.getInt(ConfigUtil.quoteString(dc)));
      }
      int n = perDc.isEmpty() ? c.getInt("n") : perDc.values().stream().mapToInt(Integer::intValue).sum();
      return new Keyspace(name, n, c.getInt("w"), c.getInt("r"), c.getDuration("request-timeout"),
          Conflicts.parse("replikit.leaderless.conflicts", c.getString("conflicts")),
          ReadRepair.parse("replikit.leaderless.read-repair", c.getString("read-repair")), perDc,
          c.getBoolean("sloppy-quorum"), c.getDuration("hint-window"), c.getDuration("handoff-interval"),
          fallOverAfter(c));
    } catch (ConfigException e) {
      throw new IllegalArgumentException("invalid replikit configuration: " + e.getMessage(), e);
    }
  }

  /** {@code fall-over-after}: "auto" (null: three quarters of the timeout) or a duration. */
  private static Duration fallOverAfter(Config c) {
    if (c.getValue("fall-over-after").valueType() == com.typesafe.config.ConfigValueType.STRING
        && c.getString("fall-over-after").trim().equalsIgnoreCase("auto")) {
      return null;
    }
    return c.getDuration("fall-over-after");
  }

  /**
   * How long a write waits for its minting home before it asks the next home too: {@link #fallOverAfter()}, or three
   * quarters of the timeout when that is null (a minter this slow would nearly have failed the write anyway, so a
   * home that is merely slow rarely causes a second minting, and the next home keeps a quarter of the timeout).
   */
  public Duration mintDeadline() {
    return fallOverAfter != null ? fallOverAfter : timeout.multipliedBy(3).dividedBy(4);
  }

  /**
   * The keyspace whose writes ask the next home to mint after {@code after} without an answer (positive, shorter
   * than the timeout); null: three quarters of the timeout.
   */
  public Keyspace withFallOverAfter(Duration after) {
    return new Keyspace(name, n, w, r, timeout, conflicts, readRepair, datacenters, sloppyQuorum, hintWindow,
        handoffInterval, after);
  }

  /** Whether a read after an acknowledged write overlaps it on some replica (w + r > n). */
  public boolean strictQuorum() {
    return w + r > n;
  }

  public Keyspace withQuorum(int w, int r) {
    return new Keyspace(name, n, w, r, timeout, conflicts, readRepair, datacenters, sloppyQuorum, hintWindow,
        handoffInterval, fallOverAfter);
  }

  public Keyspace withConflicts(Conflicts c) {
    return new Keyspace(name, n, w, r, timeout, c, readRepair, datacenters, sloppyQuorum, hintWindow,
        handoffInterval, fallOverAfter);
  }

  public Keyspace withReadRepair(ReadRepair rr) {
    return new Keyspace(name, n, w, r, timeout, conflicts, rr, datacenters, sloppyQuorum, hintWindow,
        handoffInterval, fallOverAfter);
  }

  public Keyspace withTimeout(Duration t) {
    return new Keyspace(name, n, w, r, t, conflicts, readRepair, datacenters, sloppyQuorum, hintWindow,
        handoffInterval, fallOverAfter);
  }

  /**
   * The keyspace with {@code perDatacenter} replicas in each datacenter (n becomes their sum); w and r stay and must
   * not exceed it. Writes go to every datacenter; {@link Coordinator.Level} says which answers a request waits for.
   */
  public Keyspace withDatacenters(Map<String, Integer> perDatacenter) {
    int sum = perDatacenter.values().stream().mapToInt(Integer::intValue).sum();
    return new Keyspace(name, sum, w, r, timeout, conflicts, readRepair, perDatacenter, sloppyQuorum, hintWindow,
        handoffInterval, fallOverAfter);
  }

  /** Whether replicas are placed per datacenter. */
  public boolean perDatacenter() {
    return !datacenters.isEmpty();
  }

  /**
   * The key's home replicas on {@code ring} as this keyspace places them: its first n nodes, or each datacenter's
   * share ({@link #datacenters()}). The one placement that coordinators and anti-entropy both use.
   */
  public java.util.List<io.replikit.leaderless.ring.RingNode> homes(io.replikit.leaderless.ring.Ring ring,
      String key) {
    return perDatacenter() ? ring.preferenceList(key, datacenters) : ring.preferenceList(key, n);
  }

  /** The home replicas of every key whose token is {@code token} (the same placement as {@link #homes}). */
  public java.util.List<io.replikit.leaderless.ring.RingNode> homesAt(io.replikit.leaderless.ring.Ring ring,
      long token) {
    return perDatacenter() ? ring.preferenceListAt(token, datacenters) : ring.preferenceListAt(token, n);
  }

  /**
   * The token ranges whose keys {@code node} is a home replica of (the same placement as {@link #homes}); none for a
   * node that is not on the ring.
   */
  public java.util.List<io.replikit.leaderless.ring.TokenRange> rangesOf(io.replikit.leaderless.ring.Ring ring,
      String node) {
    if (!ring.contains(node)) {
      return java.util.List.of();
    }
    return perDatacenter() ? ring.rangesOf(node, datacenters) : ring.rangesOf(node, n);
  }

  /**
   * The keyspace with sloppy quorums on or off: when on, writes (and reads) whose home replicas are unreachable use
   * the next healthy nodes of the ring, which hold the write as a hint and hand it back ({@code
   * io.replikit.leaderless.handoff}).
   */
  public Keyspace withSloppyQuorum(boolean sloppy) {
    return new Keyspace(name, n, w, r, timeout, conflicts, readRepair, datacenters, sloppy, hintWindow,
        handoffInterval, fallOverAfter);
  }

  /** The keyspace whose stand-ins drop hints older than {@code window} (positive). */
  public Keyspace withHintWindow(Duration window) {
    return new Keyspace(name, n, w, r, timeout, conflicts, readRepair, datacenters, sloppyQuorum, window,
        handoffInterval, fallOverAfter);
  }

  /** The keyspace whose stand-ins offer their hints to reachable homes every {@code interval} (positive). */
  public Keyspace withHandoffInterval(Duration interval) {
    return new Keyspace(name, n, w, r, timeout, conflicts, readRepair, datacenters, sloppyQuorum, hintWindow,
        interval, fallOverAfter);
  }
}
