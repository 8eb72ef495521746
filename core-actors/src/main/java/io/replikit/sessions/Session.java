package io.replikit.sessions;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.AskPattern;
import com.fasterxml.jackson.databind.JsonNode;
import io.replikit.replication.ReplicaId;
import io.replikit.singleleader.ReadConsistency;
import io.replikit.singleleader.Replica;
import io.replikit.store.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * One user's session against single-leader replica groups, keeping the session guarantees it was built with while
 * reading from followers that lag.
 *
 * <ul>
 *   <li>Reads go to the replica picked by a hash of the user id (so a user's reads stay on one replica) and fall
 *       over to the next one in the group's order when it is down or too far behind.
 *   <li>{@link Guarantee#READ_YOUR_WRITES}: every acknowledged write raises the user's token in the
 *       {@link TokenStore}; reads ask for at least that position.
 *   <li>{@link Guarantee#MONOTONIC_READS}: reads ask for at least the highest position this session has seen in the
 *       group, so moving to another replica never goes back in time.
 *   <li>{@link Guarantee#CONSISTENT_PREFIX}: {@link #writeAfterSeen} stores the value with the positions this
 *       session had seen in the other groups; a read of it raises what this session asks of those groups, and
 *       {@link #readConsistent} re-reads until no value is shown without what it depends on.
 * </ul>
 *
 * <p>A replica asked for a position it has not reached waits up to {@code waitPerReplica}, then answers
 * {@link Replica.TooStale}; when no replica reaches it in time, the read fails with {@link StaleReadException}
 * rather than return older data. Survives: replicas that lag, die or are cut off (reads fall over). Does not
 * survive: the loss of acknowledged async writes in a failover (a token then names a position the new leader
 * filled with other entries, and reads wait for that position, not for the lost write).
 */
public final class Session {
  private final ActorSystem<?> system;
  private final String user;
  private final TokenStore tokens;
  private final Set<Guarantee> guarantees;
  private final Duration timeout;
  private final Duration waitPerReplica;
  private final Map<String, Map<ReplicaId, ActorRef<Replica.Command>>> groups;
  private final Map<String, Long> seen = new ConcurrentHashMap<>();
  private final Map<String, Long> required = new ConcurrentHashMap<>();
  private final Map<String, ReplicaId> leaders = new ConcurrentHashMap<>();

  /** No replica of the group could serve the read at the position it needed, within the read's time. */
  public static final class StaleReadException extends RuntimeException {
    public StaleReadException(String message) {
      super(message);
    }
  }

  private Session(Builder b) {
    this.system = b.system;
    this.user = b.user;
    this.tokens = b.tokens;
    this.guarantees = EnumSet.copyOf(b.guarantees);
    this.timeout = b.timeout;
    this.waitPerReplica = b.waitPerReplica;
    this.groups = Map.copyOf(b.groups);
  }

  public static Builder builder(ActorSystem<?> system, String user) {
    return new Builder(system, user);
  }

  /** Builds a {@link Session}. */
  public static final class Builder {
    private final ActorSystem<?> system;
    private final String user;
    private TokenStore tokens = new InMemoryTokenStore();
    private Set<Guarantee> guarantees = EnumSet.allOf(Guarantee.class);
    private Duration timeout = Duration.ofSeconds(5);
    private Duration waitPerReplica = Duration.ofMillis(500);
    private final Map<String, Map<ReplicaId, ActorRef<Replica.Command>>> groups = new LinkedHashMap<>();

    private Builder(ActorSystem<?> system, String user) {
      if (user == null || user.isEmpty()) {
        throw new IllegalArgumentException("a session needs a user id");
      }
      this.system = system;
      this.user = user;
    }

    /** Where tokens are kept; share one store between a user's devices for read-your-writes across them. */
    public Builder tokens(TokenStore store) {
      this.tokens = store;
      return this;
    }

    /** The guarantees to keep (all three by default; none gives plain reads from the pinned replica). */
    public Builder guarantees(Set<Guarantee> keep) {
      this.guarantees = keep.isEmpty() ? EnumSet.noneOf(Guarantee.class) : EnumSet.copyOf(keep);
      return this;
    }

    /** The longest one read or write may take, over all the replicas it tries. */
    public Builder timeout(Duration t) {
      this.timeout = t;
      return this;
    }

    /** How long one replica may wait to reach the position a read needs before the next one is tried. */
    public Builder waitPerReplica(Duration w) {
      this.waitPerReplica = w;
      return this;
    }

    /** The replicas of {@code groupId}, in the order reads fall over (the first is the initial write target). */
    public Builder group(String groupId, Map<ReplicaId, ActorRef<Replica.Command>> replicas) {
      if (replicas.isEmpty()) {
        throw new IllegalArgumentException("group " + groupId + " has no replicas");
      }
      groups.put(groupId, new LinkedHashMap<>(replicas));
      return this;
    }

    public Session build() {
      if (groups.isEmpty()) {
        throw new IllegalArgumentException("a session needs at least one group");
      }
      return new Session(this);
    }
  }

  public String user() {
    return user;
  }

  /** The position the next read of {@code groupId} will ask for under this session's guarantees. */
  public long floor(String groupId) {
    long f = 0;
    if (guarantees.contains(Guarantee.READ_YOUR_WRITES)) {
      f = Math.max(f, tokens.position(user, groupId));
    }
    if (guarantees.contains(Guarantee.MONOTONIC_READS)) {
      f = Math.max(f, seen.getOrDefault(groupId, 0L));
    }
    if (guarantees.contains(Guarantee.CONSISTENT_PREFIX)) {
      f = Math.max(f, required.getOrDefault(groupId, 0L));
    }
    return f;
  }

  // --- writes ---

  public CompletionStage<Replica.WriteReply> put(String groupId, String key, JsonNode value) {
    return write(groupId, replyTo -> Replica.put(key, value, replyTo));
  }

  public CompletionStage<Replica.WriteReply> transact(String groupId, List<Statement> statements) {
    return write(groupId, replyTo -> Replica.transact(statements, replyTo));
  }

  /**
   * Writes {@code value} as depending on everything this session has seen or written in the other groups, so that
   * no reader keeping {@link Guarantee#CONSISTENT_PREFIX} sees it without those (an answer never before its
   * question).
   */
  public CompletionStage<Replica.WriteReply> writeAfterSeen(String groupId, String key, JsonNode value) {
    Map<String, Long> deps = new LinkedHashMap<>();
    for (String g : groups.keySet()) {
      long p = Math.max(Math.max(seen.getOrDefault(g, 0L), tokens.position(user, g)), required.getOrDefault(g, 0L));
      if (!g.equals(groupId) && p > 0) {
        deps.put(g, p);
      }
    }
    return put(groupId, key, new CausalValue(value, deps).toJson());
  }

  /** Sends a write to the group's leader (following "not leader" answers) and records its token. */
  public CompletionStage<Replica.WriteReply> write(String groupId,
      Function<ActorRef<Replica.WriteReply>, Replica.Command> write) {
    Map<ReplicaId, ActorRef<Replica.Command>> replicas = replicasOf(groupId);
    ReplicaId target = leaders.getOrDefault(groupId, replicas.keySet().iterator().next());
    long deadline = System.nanoTime() + timeout.toNanos();
    return writeTo(groupId, replicas, target, write, deadline, replicas.size() + 2);
  }

  private CompletionStage<Replica.WriteReply> writeTo(String groupId, Map<ReplicaId, ActorRef<Replica.Command>> replicas,
      ReplicaId target, Function<ActorRef<Replica.WriteReply>, Replica.Command> write, long deadline, int hops) {
    Duration left = Duration.ofNanos(Math.max(1, deadline - System.nanoTime()));
    return AskPattern.<Replica.Command, Replica.WriteReply>ask(replicas.get(target), write::apply, left,
        system.scheduler()).thenCompose(reply -> {
          if (reply instanceof Replica.NotLeader nl && nl.leader() != null && replicas.containsKey(nl.leader())
              && hops > 0) {
            leaders.put(groupId, nl.leader());
            return writeTo(groupId, replicas, nl.leader(), write, deadline, hops - 1);
          }
          leaders.put(groupId, target);
          long position = Replica.logPosition(reply);
          if (position > 0) {
            tokens.advance(user, groupId, position);
          }
          return CompletableFuture.completedFuture(reply);
        });
  }

  // --- reads ---

  /** Reads {@code key} of {@code groupId} under this session's guarantees. */
  public CompletionStage<SessionRead> read(String groupId, String key) {
    Map<ReplicaId, ActorRef<Replica.Command>> replicas = replicasOf(groupId);
    List<ReplicaId> order = new ArrayList<>(replicas.keySet());
    int start = Math.floorMod(user.hashCode(), order.size());
    List<ReplicaId> tries = new ArrayList<>(order.size());
    for (int i = 0; i < order.size(); i++) {
      tries.add(order.get((start + i) % order.size()));
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    return readFrom(groupId, key, replicas, tries, 0, floor(groupId), deadline, new ArrayList<>());
  }

  private CompletionStage<SessionRead> readFrom(String groupId, String key,
      Map<ReplicaId, ActorRef<Replica.Command>> replicas, List<ReplicaId> tries, int index, long floor, long deadline,
      List<String> refusals) {
    long leftNanos = deadline - System.nanoTime();
    if (index >= tries.size() || leftNanos <= 0) {
      return CompletableFuture.failedFuture(new StaleReadException("no replica of group " + groupId
          + " could serve key '" + key + "' at position " + floor + " or later for user " + user + ": "
          + String.join("; ", refusals)));
    }
    ReplicaId replica = tries.get(index);
    Duration wait = Duration.ofNanos(Math.min(waitPerReplica.toNanos(), leftNanos));
    ReadConsistency consistency = ReadConsistency.atLeast(floor).withMaxWait(wait);
    Duration askTimeout = wait.plus(Duration.ofMillis(500));
    return AskPattern.<Replica.Command, Replica.ReadReply>ask(replicas.get(replica),
            replyTo -> new Replica.Read(key, consistency, replyTo), askTimeout, system.scheduler())
        .handle((reply, failure) -> {
          if (failure != null) {
            refusals.add(replica + " did not answer (" + rootMessage(failure) + ")");
            return readFrom(groupId, key, replicas, tries, index + 1, floor, deadline, refusals);
          }
          if (reply instanceof Replica.Found f) {
            return CompletableFuture.completedFuture(
                record(groupId, key, f.value(), f.version(), f.servedBy(), f.appliedPosition()));
          } else if (reply instanceof Replica.NotFound nf) {
            return CompletableFuture.completedFuture(
                record(groupId, key, null, 0, nf.servedBy(), nf.appliedPosition()));
          } else if (reply instanceof Replica.TooStale ts) {
            refusals.add(ts.reason());
          } else {
            refusals.add(replica + " answered " + reply);
          }
          return readFrom(groupId, key, replicas, tries, index + 1, floor, deadline, refusals);
        })
        .thenCompose(Function.identity());
  }

  private SessionRead record(String groupId, String key, JsonNode raw, long version, ReplicaId servedBy,
      long applied) {
    seen.merge(groupId, applied, Math::max);
    CausalValue cv = CausalValue.fromJson(raw);
    if (guarantees.contains(Guarantee.CONSISTENT_PREFIX)) {
      cv.dependsOn().forEach((g, p) -> required.merge(g, p, Math::max));
    }
    return new SessionRead(groupId, key, cv.value(), version, servedBy, applied, cv.dependsOn());
  }

  /** A key of a group, for {@link #readConsistent}. */
  public record Location(String groupId, String key) {}

  /**
   * Reads several keys, possibly in different groups, and returns them as a consistent prefix: when a value read
   * depends on a position of another group that the read of that group had not reached, that group is read again
   * at the position needed (at most {@code groups + 1} rounds). Needs {@link Guarantee#CONSISTENT_PREFIX}.
   */
  public CompletionStage<List<SessionRead>> readConsistent(List<Location> locations) {
    if (!guarantees.contains(Guarantee.CONSISTENT_PREFIX)) {
      return readAll(locations);
    }
    return readConsistent(locations, groups.size() + 1);
  }

  private CompletionStage<List<SessionRead>> readConsistent(List<Location> locations, int rounds) {
    return readAll(locations).thenCompose(reads -> {
      boolean behind = false;
      for (SessionRead r : reads) {
        if (r.appliedPosition() < required.getOrDefault(r.groupId(), 0L)) {
          behind = true;
        }
      }
      if (!behind) {
        return CompletableFuture.completedFuture(reads);
      }
      if (rounds <= 1) {
        return CompletableFuture.failedFuture(new StaleReadException("reads of " + locations
            + " did not reach a consistent prefix"));
      }
      return readConsistent(locations, rounds - 1);
    });
  }

  private CompletionStage<List<SessionRead>> readAll(List<Location> locations) {
    CompletionStage<List<SessionRead>> acc = CompletableFuture.completedFuture(new ArrayList<>());
    for (Location l : locations) {
      acc = acc.thenCompose(list -> read(l.groupId(), l.key()).thenApply(r -> {
        list.add(r);
        return list;
      }));
    }
    return acc;
  }

  private Map<ReplicaId, ActorRef<Replica.Command>> replicasOf(String groupId) {
    Map<ReplicaId, ActorRef<Replica.Command>> replicas = groups.get(groupId);
    if (replicas == null) {
      throw new IllegalArgumentException("session of " + user + " knows no group '" + groupId + "' (known: "
          + groups.keySet() + ")");
    }
    return replicas;
  }

  private static String rootMessage(Throwable t) {
    Throwable c = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    return c.getClass().getSimpleName() + ": " + c.getMessage();
  }
}
