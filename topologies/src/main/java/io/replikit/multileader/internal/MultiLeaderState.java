package io.replikit.multileader.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.replikit.crdt.Crdt;
import io.replikit.multileader.ConflictPolicy;
import io.replikit.multileader.ConflictRecord;
import io.replikit.multileader.ConflictStrategy;
import io.replikit.versioning.Dot;
import io.replikit.versioning.HlcTimestamp;
import io.replikit.versioning.VersionVector;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.pcollections.TreePMap;
import org.pcollections.TreePVector;

/**
 * Everything a multi-leader replica keeps, as an immutable value, and its rules: which received change may be
 * applied now (causal delivery), which versions of a key a change supersedes, when two writes conflict (exactly
 * when neither's causal past includes the other), and what a read of a key returns under its strategy.
 */
public final class MultiLeaderState {

  /** One version of a key: the write that made it (a null value is a delete, kept as a tombstone). */
  public record Version(Dot dot, HlcTimestamp hlc, JsonNode value) {}

  /**
   * A key's current versions: one, or several concurrent ones; {@code resolved} caches what an on-write resolver
   * answered for them.
   */
  public record KeyState(TreePVector<Version> versions, JsonNode resolved, boolean hasResolved, Crdt<?> crdt,
      TreePVector<Dot> crdtHeads) {
    KeyState(TreePVector<Version> versions, JsonNode resolved, boolean hasResolved) {
      this(versions, resolved, hasResolved, null, TreePVector.empty());
    }
  }

  /** The result of applying one change. */
  public record Applied(MultiLeaderState state, ConflictRecord conflict) {}

  private static final Comparator<Version> BY_DOT = Comparator.comparing(Version::dot);
  private static final Comparator<Version> BY_HLC = Comparator.comparing(Version::hlc);

  private final String self;
  /** The origin this replica's own changes carry: {@code self}, or an incarnation of it ({@link Incarnation}). */
  private final String origin;
  private final VersionVector applied;
  private final TreePMap<String, KeyState> store;
  private final TreePVector<Change> history;
  /**
   * Per origin, where its changes stand in {@code history}: the i-th entry is the place of its change with counter
   * i + 1 (causal delivery applies an origin's changes in counter order), so what a neighbour lacks is found from
   * its version vector without scanning the history.
   */
  private final TreePMap<String, TreePVector<Integer>> places;
  private final long conflicts;
  private final long discarded;

  private MultiLeaderState(String self, String origin, VersionVector applied, TreePMap<String, KeyState> store,
      TreePVector<Change> history, TreePMap<String, TreePVector<Integer>> places, long conflicts, long discarded) {
    this.self = self;
    this.origin = origin;
    this.applied = applied;
    this.store = store;
    this.history = history;
    this.places = places;
    this.conflicts = conflicts;
    this.discarded = discarded;
  }

  public static MultiLeaderState empty(String self) {
    return new MultiLeaderState(self, self, VersionVector.empty(), TreePMap.empty(), TreePVector.empty(),
        TreePMap.empty(), 0, 0);
  }

  /**
   * This blank replica from now on writes as {@code newOrigin}, an incarnation of {@code self} (the first event of
   * its journal). Refused on a replica that has applied or written anything: its origin is what its journal says.
   */
  public MultiLeaderState incarnated(String newOrigin) {
    if (!isBlank()) {
      throw new IllegalStateException("replica " + self + " already writes as " + origin + " with "
          + history.size() + " changes applied: only a replica with an empty journal takes an incarnation");
    }
    if (newOrigin == null || !Incarnation.memberOf(newOrigin).equals(self) || newOrigin.equals(self)) {
      throw new IllegalArgumentException("'" + newOrigin + "' is not an incarnation of replica " + self);
    }
    return new MultiLeaderState(self, newOrigin, applied, store, history, places, conflicts, discarded);
  }

  /** Nothing applied and no incarnation taken: what an empty journal recovers to. */
  public boolean isBlank() {
    return history.isEmpty() && origin.equals(self);
  }

  /** What this replica does with {@code event} from its journal (recovery) or just persisted. */
  public Applied apply(MultiLeaderEvent event, ConflictPolicy policy) {
    if (event instanceof Incarnated i) {
      return new Applied(incarnated(i.origin()), null);
    }
    return apply((Change) event, policy);
  }

  /**
   * Whether a received change bearing this replica's tag {@code tags} came around a loop (drop it): only if this
   * replica has applied it. One it has not applied passed through this member before its journal was lost: its own
   * past, coming back from a peer, which it must apply to catch up.
   */
  public boolean loopedBack(Change c, java.util.List<String> tags) {
    return tags.contains(self) && hasApplied(c);
  }

  /** A write of this replica: its next dot, and as causal past everything this replica has applied. */
  public Change localWrite(String key, JsonNode value, HlcTimestamp hlc) {
    return new Change(new Dot(origin, applied.get(origin) + 1), applied, hlc, key, value);
  }

  /** A CRDT update of this replica: {@code delta} merged into the key's CRDT on every replica. */
  public Change localCrdt(String key, Crdt<?> delta, HlcTimestamp hlc) {
    return new Change(new Dot(origin, applied.get(origin) + 1), applied, hlc, key, null, delta);
  }

  /** The CRDT {@code key} holds here, or null. */
  public Crdt<?> crdtOf(String key) {
    KeyState ks = store.get(key);
    return ks == null ? null : ks.crdt();
  }

  /** Whether {@code c} was applied here already (a duplicate, or one that came around a second path). */
  public boolean hasApplied(Change c) {
    return applied.covers(c.dot());
  }

  /**
   * Causal delivery: {@code c} may be applied once every change it depends on has been, i.e. this replica has
   * applied its origin's changes up to the one before it and, of every other replica, at least what {@code c}'s
   * origin had when it wrote.
   */
  public static boolean deliverable(VersionVector applied, Change c) {
    if (applied.get(c.origin()) != c.counter() - 1) {
      return false;
    }
    for (var e : c.deps().toMap().entrySet()) {
      if (!e.getKey().equals(c.origin()) && applied.get(e.getKey()) < e.getValue()) {
        return false;
      }
    }
    return true;
  }

  /**
   * Applies a deliverable change: the versions of its key that its causal past covers are superseded; those it
   * does not cover are concurrent with it, which is a conflict, handled by the key's strategy in {@code policy}.
   */
  public Applied apply(Change c, ConflictPolicy policy) {
    if (!deliverable(applied, c)) {
      throw new IllegalStateException("change " + c.dot() + " of key " + c.key() + " is applied at " + applied
          + " before the changes it depends on (" + c.deps() + "): the journal is out of causal order");
    }
    KeyState current = store.get(c.key());
    if (c.delta() != null) {
      return applyCrdt(c, current);
    }
    List<Version> kept = new ArrayList<>();
    if (current != null) {
      for (Version v : current.versions()) {
        if (!c.deps().covers(v.dot())) {
          kept.add(v);
        }
      }
    }
    Version mine = new Version(c.dot(), c.hlc(), c.value() == null || c.value().isNull() ? null : c.value());
    ConflictStrategy strategy = policy.strategyFor(c.key());
    ConflictRecord record = null;
    long lost = 0;
    List<Version> versions = new ArrayList<>(kept);
    versions.add(mine);
    versions.sort(BY_DOT);
    JsonNode resolved = null;
    boolean hasResolved = false;
    if (!kept.isEmpty()) {
      List<String> others = kept.stream().map(v -> v.dot().toString()).toList();
      String outcome;
      String winnerReplica = null;
      if (strategy instanceof ConflictStrategy.LastWriteWins) {
        // safe to drop the losers: a timestamp order consistent with causality makes "the highest of the
        // current versions" the same whatever order they arrived in
        Version winner = versions.stream().max(BY_HLC).orElseThrow();
        lost = versions.size() - 1;
        versions = List.of(winner);
        outcome = "last write wins: " + winner.dot() + " kept, " + lost + " discarded";
        winnerReplica = Incarnation.memberOf(winner.dot().replica());
      } else if (strategy instanceof ConflictStrategy.ReplicaPriority p) {
        Version shown = priorityWinner(versions, p);
        outcome = "replica priority: " + shown.dot() + " shown, all kept until superseded";
        winnerReplica = Incarnation.memberOf(shown.dot().replica());
      } else if (strategy instanceof ConflictStrategy.Merge) {
        outcome = "merged " + versions.size() + " versions";
      } else if (strategy instanceof ConflictStrategy.OnWrite w) {
        resolved = w.resolver().resolve(c.key(), versions.stream().map(MultiLeaderState::external).toList());
        hasResolved = true;
        outcome = "resolver answered " + resolved;
      } else {
        outcome = versions.size() + " siblings kept for the application to resolve";
      }
      record = new ConflictRecord(self, c.key(), c.dot().toString(), others, strategyName(strategy), outcome,
          (int) lost, winnerReplica, c.hlc().millis());
    }
    KeyState next = new KeyState(TreePVector.from(versions), resolved, hasResolved,
        current == null ? null : current.crdt(), current == null ? TreePVector.empty() : current.crdtHeads());
    return new Applied(appended(c, next, record == null ? 0 : 1, lost), record);
  }

  /**
   * A CRDT update merges into the key's CRDT: concurrent updates are not lost, only recorded as the conflict the
   * CRDT resolved. Two leaders that first wrote a key as different CRDT kinds concurrently: the kind whose name sorts
   * first is kept on every replica (whatever arrived first), and the other kind's updates are dropped and reported.
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private Applied applyCrdt(Change c, KeyState current) {
    Crdt crdt = current == null ? null : current.crdt();
    TreePVector<Dot> heads = current == null ? TreePVector.empty() : current.crdtHeads();
    List<Dot> kept = new ArrayList<>();
    for (Dot d : heads) {
      if (!c.deps().covers(d)) {
        kept.add(d);
      }
    }
    String kind = kindOf(c.delta());
    String outcome;
    Crdt merged;
    if (crdt == null) {
      merged = c.delta();
      outcome = "merged by the " + kind + " CRDT: nothing lost";
    } else if (crdt.getClass() == c.delta().getClass()) {
      merged = (Crdt) crdt.merge((Crdt) c.delta());
      outcome = "merged by the " + kind + " CRDT: nothing lost";
    } else if (kind.compareTo(kindOf(crdt)) < 0) {
      merged = c.delta();
      outcome = "the key was also written as a " + kindOf(crdt) + "; the " + kind + " is kept on every replica";
      kept.add(c.dot()); // always reported: the other kind's updates are gone
    } else {
      merged = crdt;
      outcome = "a " + kind + " update of a " + kindOf(crdt) + " key: dropped on every replica";
      kept.add(c.dot());
    }
    List<Dot> newHeads = new ArrayList<>(kept);
    if (!newHeads.contains(c.dot())) {
      newHeads.add(c.dot());
    }
    newHeads.sort(null);
    ConflictRecord record = kept.isEmpty() ? null : new ConflictRecord(self, c.key(), c.dot().toString(),
        kept.stream().filter(d -> !d.equals(c.dot())).map(Dot::toString).toList(), "crdt:" + kind, outcome, 0,
        null, c.hlc().millis());
    KeyState next = new KeyState(current == null ? TreePVector.empty() : current.versions(),
        current == null ? null : current.resolved(), current != null && current.hasResolved(), merged,
        TreePVector.from(newHeads));
    return new Applied(appended(c, next, record == null ? 0 : 1, 0), record);
  }

  /** This state with {@code c} applied: the key's new state, {@code c} appended to the history and indexed. */
  private MultiLeaderState appended(Change c, KeyState next, int newConflicts, long lost) {
    TreePVector<Integer> ofOrigin = places.getOrDefault(c.origin(), TreePVector.empty());
    return new MultiLeaderState(self, origin, applied.with(c.origin(), c.counter()), store.plus(c.key(), next),
        history.plus(c), places.plus(c.origin(), ofOrigin.plus(history.size())), conflicts + newConflicts,
        discarded + lost);
  }

  /** The JSON type name of a CRDT ({@code pn-counter}, {@code aw-set}, ...). */
  public static String kindOf(Crdt<?> crdt) {
    com.fasterxml.jackson.annotation.JsonSubTypes types =
        Crdt.class.getAnnotation(com.fasterxml.jackson.annotation.JsonSubTypes.class);
    for (com.fasterxml.jackson.annotation.JsonSubTypes.Type t : types.value()) {
      if (t.value() == crdt.getClass()) {
        return t.name();
      }
    }
    return crdt.getClass().getSimpleName();
  }

  private static ConflictStrategy.VersionedValue external(Version v) {
    return new ConflictStrategy.VersionedValue(v.value(), v.dot().replica(), v.dot().counter(), v.hlc().millis());
  }

  private static Version priorityWinner(List<Version> versions, ConflictStrategy.ReplicaPriority p) {
    Comparator<Version> byPriority = Comparator.comparingInt((Version v) -> {
      int i = p.highestFirst().indexOf(Incarnation.memberOf(v.dot().replica()));
      return i < 0 ? Integer.MAX_VALUE : i;
    }).reversed().thenComparing(BY_HLC);
    return versions.stream().max(byPriority).orElseThrow();
  }

  static String strategyName(ConflictStrategy s) {
    if (s instanceof ConflictStrategy.LastWriteWins) {
      return "last-write-wins";
    } else if (s instanceof ConflictStrategy.ReplicaPriority) {
      return "replica-priority";
    } else if (s instanceof ConflictStrategy.Merge) {
      return "merge";
    } else if (s instanceof ConflictStrategy.OnWrite) {
      return "on-write-resolver";
    }
    return "keep-siblings";
  }

  /** What a read of {@code key} returns: one value (null: absent or deleted) and, if several are kept, all. */
  public record View(JsonNode value, List<JsonNode> siblings, List<String> versions) {}

  public View view(String key, ConflictPolicy policy) {
    KeyState ks = store.get(key);
    if (ks == null) {
      return new View(null, List.of(), List.of());
    }
    if (ks.crdt() != null) {
      return new View(CrdtValues.valueOf(ks.crdt()), List.of(),
          ks.crdtHeads().stream().map(Dot::toString).toList());
    }
    List<Version> versions = ks.versions();
    List<String> dots = versions.stream().map(v -> v.dot().toString()).toList();
    if (versions.size() == 1) {
      return new View(versions.get(0).value(), List.of(), dots);
    }
    List<JsonNode> siblings = new ArrayList<>();
    for (Version v : versions) {
      if (v.value() != null) {
        siblings.add(v.value());
      }
    }
    ConflictStrategy strategy = policy.strategyFor(key);
    JsonNode value;
    if (ks.hasResolved()) {
      value = ks.resolved();
    } else if (strategy instanceof ConflictStrategy.ReplicaPriority p) {
      value = priorityWinner(versions, p).value();
    } else if (strategy instanceof ConflictStrategy.Merge m) {
      value = null;
      for (Version v : versions) {
        if (v.value() != null) {
          value = value == null ? v.value() : m.merge().apply(value, v.value());
        }
      }
    } else if (strategy instanceof ConflictStrategy.LastWriteWins) {
      value = versions.stream().max(BY_HLC).orElseThrow().value();
    } else {
      value = null; // siblings: no single value; the application resolves with its next write
    }
    return new View(value, siblings, dots);
  }

  /**
   * Up to {@code limit} changes this replica applied that {@code theirs} lacks, in this replica's apply order (a
   * causal order, so the receiver can apply them as they come). Costs what is missing, not the history's length.
   */
  public List<Change> missingFrom(VersionVector theirs, int limit) {
    List<Change> out = new ArrayList<>();
    if (limit < 1 || theirs.dominates(applied)) {
      return out;
    }
    // the first `limit` missing places of each origin hold the first `limit` missing places overall
    List<Integer> missing = new ArrayList<>();
    for (var e : places.entrySet()) {
      TreePVector<Integer> ofOrigin = e.getValue();
      long from = Math.max(0, theirs.get(e.getKey()));
      for (long i = from; i < ofOrigin.size() && i < from + limit; i++) {
        missing.add(ofOrigin.get((int) i));
      }
    }
    missing.sort(null);
    for (int i = 0; i < missing.size() && i < limit; i++) {
      out.add(history.get(missing.get(i)));
    }
    return out;
  }

  public String self() {
    return self;
  }

  /** The origin of this replica's own changes (its dots): {@code self}, or its incarnation. */
  public String origin() {
    return origin;
  }

  public VersionVector applied() {
    return applied;
  }

  public TreePMap<String, KeyState> store() {
    return store;
  }

  public long conflicts() {
    return conflicts;
  }

  /** Writes last-write-wins threw away: data lost silently, but counted. */
  public long discarded() {
    return discarded;
  }

  public int historySize() {
    return history.size();
  }
}
