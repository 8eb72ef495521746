package io.replikit.versioning;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The versions of one key across replicas: a dotted version vector set (Preguiça, Baquero et al., "Dotted Version
 * Vectors: Logical Clocks for Optimistic Replication", 2010; Riak's {@code dvvset}). It holds the key's causal
 * context (a version vector of every write this set has seen, kept or superseded) and the siblings: the values
 * written concurrently, each named by the dot of the write that produced it. Immutable.
 *
 * <p>This is the chapter's algorithm ("Capturing the happens-before relationship") with one version number per
 * replica: a read hands the client {@link #values()} and {@link #context()}; the client's next write carries that
 * context back ({@link #update}); the coordinator replaces exactly the siblings that context covers and keeps every
 * other one, because the client did not know about them. Replicas join their sets with {@link #sync} (read repair,
 * anti-entropy, replication, hinted handoff): a sibling survives unless the other side has seen its dot and no
 * longer holds it, that is unless some write that knew it replaced it. Because dots are assigned by the coordinating
 * replica rather than by the client, concurrent writes through one replica come back as siblings too, and the
 * context stays one entry per replica that coordinated a write for the key (no per-client growth).
 *
 * <p><b>Guarantee.</b> {@code sync} is commutative, associative and idempotent, so replicas that exchange their
 * sets in any order, with losses and duplicates, converge; and a written value disappears only when a later write
 * whose context covered its dot replaced it (or {@link #lastWriteWins} was chosen, which counts what it threw away).
 * A delete is a write of a tombstone ({@code value == null}); a stale replica's old value never comes back through
 * {@code sync} into a set that saw the delete, with or without the tombstone, because the context remembers it.
 *
 * <p><b>What it does not survive.</b> (1) A replica that loses its state (a journal wiped, a restart from nothing)
 * and coordinates again reissues dots it already used: two different writes then share a dot and {@code sync} keeps
 * one of them (deterministically, by wall clock then value, so replicas still converge) and silently drops the
 * other. The journal is what prevents this, and for a replica that may start with an empty journal, minting under a
 * new incarnation ({@code io.replikit.leaderless.internal.Incarnation}). (2) A client that sends a context it did not read replaces values it
 * never saw; a client that sends none (a blind write) replaces nothing and adds a sibling, so blind writers pile up
 * siblings until someone writes with a context. (3) Dropping a key's whole entry (context included) lets a stale
 * replica's value come back on the next sync; {@link #withoutTombstonesCoveredBy} keeps the context for that reason.
 * (4) {@link #lastWriteWins} trusts wall clocks, which skew: it may keep the causally older value.
 *
 * <p>Serialized as {@code {"context":{"r1":2},"siblings":[{"dot":{"replica":"r1","counter":2},"value":...,
 * "wallMillis":...}]}}; a tombstone has no {@code "value"}. A JSON {@code null} value is read as a tombstone, so a
 * client cannot store the JSON value {@code null} as a live value.
 */
@JsonAutoDetect(getterVisibility = JsonAutoDetect.Visibility.NONE,
    isGetterVisibility = JsonAutoDetect.Visibility.NONE, fieldVisibility = JsonAutoDetect.Visibility.NONE)
public final class DottedVersionVectorSet {
  private static final DottedVersionVectorSet EMPTY =
      new DottedVersionVectorSet(VersionVector.empty(), Collections.emptyNavigableMap());

  /** One concurrent version: the value (null for a tombstone, a delete) written by the write named {@code dot}. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Sibling(Dot dot, JsonNode value, long wallMillis) {
    public Sibling {
      Objects.requireNonNull(dot, "a sibling needs the dot of its write");
      if (value != null && value.isNull()) {
        value = null; // JSON null is how a tombstone reads back; one representation only
      }
    }

    /** Whether this sibling is a delete. */
    public boolean tombstone() {
      return value == null;
    }
  }

  /** The outcome of {@link #lastWriteWins}: the set with at most one sibling, and how many live values it lost. */
  public record Lww(DottedVersionVectorSet set, int discarded) {}

  private final VersionVector context;
  private final java.util.NavigableMap<Dot, Sibling> siblings;

  private DottedVersionVectorSet(VersionVector context, java.util.NavigableMap<Dot, Sibling> siblings) {
    this.context = context;
    this.siblings = siblings;
  }

  public static DottedVersionVectorSet empty() {
    return EMPTY;
  }

  /**
   * A set from its parts, as read back from JSON. Refuses a sibling whose dot the context does not cover and two
   * siblings with one dot: both would break the join.
   */
  @JsonCreator
  public static DottedVersionVectorSet of(@JsonProperty("context") VersionVector context,
      @JsonProperty("siblings") List<Sibling> siblings) {
    VersionVector ctx = context == null ? VersionVector.empty() : context;
    TreeMap<Dot, Sibling> m = new TreeMap<>();
    for (Sibling s : siblings == null ? List.<Sibling>of() : siblings) {
      if (!ctx.covers(s.dot())) {
        throw new IllegalArgumentException("sibling " + s.dot() + " is not covered by the context " + ctx);
      }
      if (m.put(s.dot(), s) != null) {
        throw new IllegalArgumentException("two siblings with the dot " + s.dot());
      }
    }
    return make(ctx, m);
  }

  private static DottedVersionVectorSet make(VersionVector context, TreeMap<Dot, Sibling> siblings) {
    if (context.isEmpty() && siblings.isEmpty()) {
      return EMPTY;
    }
    return new DottedVersionVectorSet(context, Collections.unmodifiableNavigableMap(siblings));
  }

  /** The causal context a read hands to the client: every dot this set has seen (siblings' and superseded ones). */
  @JsonProperty("context")
  public VersionVector context() {
    return context;
  }

  /** The siblings in dot order, tombstones included. */
  @JsonProperty("siblings")
  public List<Sibling> siblings() {
    return List.copyOf(siblings.values());
  }

  /** The live values (tombstones left out), in dot order: what a read returns to the client to merge. */
  public List<JsonNode> values() {
    List<JsonNode> out = new ArrayList<>();
    for (Sibling s : siblings.values()) {
      if (!s.tombstone()) {
        out.add(s.value());
      }
    }
    return out;
  }

  /** No siblings at all (never written, or only collected tombstones left; see {@link #context()} for which). */
  public boolean isEmpty() {
    return siblings.isEmpty();
  }

  /** Every sibling is a tombstone, and there is at least one. */
  public boolean deleted() {
    return !siblings.isEmpty() && siblings.values().stream().allMatch(Sibling::tombstone);
  }

  /**
   * A coordinator's write at replica {@code replica}: the new value gets the dot
   * {@code (replica, max(context().get(replica), clientContext.get(replica)) + 1)} (the max only matters if the
   * client saw more of this replica than the replica itself holds, which a replica that kept its journal never sees);
   * siblings whose dots {@code clientContext} covers are replaced; the others stay (they are concurrent: siblings).
   * The new context includes {@code clientContext}, so values the client read from other replicas and merged are
   * superseded here too when they arrive. {@code value == null} writes a tombstone (a delete).
   */
  public DottedVersionVectorSet update(VersionVector clientContext, JsonNode value, String replica, long wallMillis) {
    VersionVector client = clientContext == null ? VersionVector.empty() : clientContext;
    Dot dot = new Dot(replica, Math.max(context.get(replica), client.get(replica)) + 1);
    TreeMap<Dot, Sibling> m = new TreeMap<>();
    for (Sibling s : siblings.values()) {
      if (!client.covers(s.dot())) {
        m.put(s.dot(), s);
      }
    }
    m.put(dot, new Sibling(dot, value, wallMillis));
    return make(context.merge(client).with(replica, dot.counter()), m);
  }

  /** {@link #update} with a tombstone: a delete of every value {@code clientContext} covers. */
  public DottedVersionVectorSet delete(VersionVector clientContext, String replica, long wallMillis) {
    return update(clientContext, null, replica, wallMillis);
  }

  /**
   * The join of two replicas' sets for one key (read repair, anti-entropy, replication): a sibling survives unless
   * the other side's context covers its dot without having it (some write that saw it replaced it there).
   * Commutative, associative, idempotent.
   */
  public DottedVersionVectorSet sync(DottedVersionVectorSet other) {
    if (other == this) {
      return this;
    }
    TreeMap<Dot, Sibling> m = new TreeMap<>();
    for (Sibling s : siblings.values()) {
      Sibling theirs = other.siblings.get(s.dot());
      if (theirs != null) {
        m.put(s.dot(), pick(s, theirs));
      } else if (!other.context.covers(s.dot())) {
        m.put(s.dot(), s);
      }
    }
    for (Sibling s : other.siblings.values()) {
      if (!siblings.containsKey(s.dot()) && !context.covers(s.dot())) {
        m.put(s.dot(), s);
      }
    }
    DottedVersionVectorSet joined = make(context.merge(other.context), m);
    return joined.equals(this) ? this : joined.equals(other) ? other : joined;
  }

  /**
   * Two siblings with one dot are one write, hence equal, unless a replica reissued a dot after losing its state;
   * then pick one by a rule both sides apply alike, so that replicas still converge (the other write is lost).
   */
  private static Sibling pick(Sibling a, Sibling b) {
    if (a.equals(b)) {
      return a;
    }
    Comparator<Sibling> order = Comparator.comparingLong(Sibling::wallMillis)
        .thenComparing(s -> s.value() == null ? "" : s.value().toString());
    return order.compare(a, b) >= 0 ? a : b;
  }

  /**
   * Whether this set has seen everything {@code other} has: {@code other.context() <= context()} and no sibling here
   * is one {@code other} has seen and replaced. Exactly when {@code sync(other)} equals this, so a read that finds a
   * replica whose set this one descends can repair it by sending this set.
   */
  public boolean descends(DottedVersionVectorSet other) {
    if (!context.dominates(other.context)) {
      return false;
    }
    // siblings of other are covered by other's context, hence by ours: they survive only if we hold them, as we
    // should; what remains is that none of ours is dropped
    for (Sibling s : siblings.values()) {
      if (other.context.covers(s.dot()) && !other.siblings.containsKey(s.dot())) {
        return false;
      }
      Sibling theirs = other.siblings.get(s.dot());
      if (theirs != null && !pick(s, theirs).equals(s)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Last-write-wins: a single sibling, the one with the highest {@code (wallMillis, dot)}, tombstones included (a
   * delete can win); the context is kept, so the thrown-away values do not come back on a later sync. {@code
   * discarded} counts the live values thrown away: the data loss a metric should report.
   */
  public Lww lastWriteWins() {
    if (siblings.size() <= 1) {
      return new Lww(this, 0);
    }
    Sibling winner = siblings.values().stream()
        .max(Comparator.comparingLong(Sibling::wallMillis).thenComparing(Sibling::dot)).orElseThrow();
    int live = values().size();
    TreeMap<Dot, Sibling> m = new TreeMap<>();
    m.put(winner.dot(), winner);
    return new Lww(make(context, m), winner.tombstone() ? live : live - 1);
  }

  /**
   * Tombstone collection. When this set is {@link #deleted()} (every sibling a tombstone: no live value is
   * concurrent with the delete here), drops each tombstone whose dot {@code everyReplicaHas} covers; otherwise
   * returns this set unchanged, so that a reader still sees that a delete raced with the live siblings (the next
   * write with a context removes such a tombstone anyway). The context is kept whole: it, not the tombstone, is what
   * stops a stale replica's superseded value from coming back on a later {@link #sync}, and a set that kept the
   * tombstone loses it on sync with this one (the dot is covered and missing), so replicas converge.
   *
   * <p>{@code everyReplicaHas} must be at most the context of this key at every replica that holds it (including
   * hinted-handoff holders), for instance {@link #commonContext} of what the replicas reported; then every replica
   * has seen the delete and collecting it changes no replica's answer beyond "deleted" becoming "not found" (both
   * have no values). Never resurrects: only tombstones are dropped and the context does not shrink.
   */
  public DottedVersionVectorSet withoutTombstonesCoveredBy(VersionVector everyReplicaHas) {
    if (!deleted()) {
      return this;
    }
    TreeMap<Dot, Sibling> m = new TreeMap<>();
    for (Sibling s : siblings.values()) {
      if (!everyReplicaHas.covers(s.dot())) {
        m.put(s.dot(), s);
      }
    }
    return m.size() == siblings.size() ? this : make(context, m);
  }

  /**
   * The entry-wise minimum of version vectors: what every one of them includes. With the contexts every replica of a
   * key reported, the argument {@link #withoutTombstonesCoveredBy} needs; with none, the empty vector (nothing is
   * known to be everywhere).
   */
  public static VersionVector commonContext(Collection<VersionVector> contexts) {
    Iterator<VersionVector> it = contexts.iterator();
    if (!it.hasNext()) {
      return VersionVector.empty();
    }
    Map<String, Long> min = new TreeMap<>(it.next().toMap());
    while (it.hasNext()) {
      VersionVector v = it.next();
      min.replaceAll((replica, n) -> Math.min(n, v.get(replica)));
    }
    return VersionVector.of(min);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DottedVersionVectorSet d && context.equals(d.context) && siblings.equals(d.siblings);
  }

  @Override
  public int hashCode() {
    return Objects.hash(context, siblings);
  }

  @Override
  public String toString() {
    return "DVVSet" + context + siblings.values();
  }
}
