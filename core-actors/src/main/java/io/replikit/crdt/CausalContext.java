package io.replikit.crdt;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;
import io.replikit.versioning.Dot;
import io.replikit.versioning.VersionVector;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.pcollections.TreePSet;

/**
 * The set of dots (writes) a causal CRDT state has seen, whether or not their effect is still visible: a dot in the
 * context but absent from the store was removed. Held compactly as a version vector (every dot of a replica up to
 * its entry) plus a "cloud" of dots past a gap, which deltas delivered out of order leave behind; the cloud folds
 * into the vector as the gaps fill. The form is canonical, so two contexts holding the same dots are equal.
 * Serialized as {@code {"vv": {"r1": 3}, "cloud": ["r2:5"]}}, each part left out when empty.
 *
 * <p>Does not survive a replica that forgets its own dots (restarts from an older state and issues a dot again):
 * dots must be unique, which is the replica's job.
 */
public final class CausalContext {
  private static final CausalContext EMPTY = new CausalContext(VersionVector.empty(), TreePSet.empty());

  private final VersionVector vv;
  private final TreePSet<Dot> cloud;

  private CausalContext(VersionVector vv, TreePSet<Dot> cloud) {
    this.vv = vv;
    this.cloud = cloud;
  }

  public static CausalContext empty() {
    return EMPTY;
  }

  /** The context holding exactly {@code dots}. */
  public static CausalContext of(Collection<Dot> dots) {
    return dots.isEmpty() ? EMPTY : compact(VersionVector.empty(), TreePSet.from(dots));
  }

  /** The context holding every dot {@code vv} covers. */
  public static CausalContext of(VersionVector vv) {
    return vv.isEmpty() ? EMPTY : new CausalContext(vv, TreePSet.empty());
  }

  // the vector is read as a plain map, whatever creator VersionVector declares (Akka's mapper has parameter names)
  @JsonCreator
  static CausalContext fromJson(@JsonProperty("vv") Map<String, Long> vv, @JsonProperty("cloud") List<String> cloud) {
    List<Dot> dots = new ArrayList<>();
    if (cloud != null) {
      for (String d : cloud) {
        dots.add(DotKeyDeserializer.parse(d));
      }
    }
    return compact(vv == null ? VersionVector.empty() : VersionVector.of(vv), TreePSet.from(dots));
  }

  @JsonValue
  Map<String, Object> toJson() {
    Map<String, Object> json = new LinkedHashMap<>();
    if (!vv.isEmpty()) {
      json.put("vv", vv.toMap());
    }
    if (!cloud.isEmpty()) {
      json.put("cloud", cloud.stream().map(Dot::toString).toList());
    }
    return json;
  }

  // Folds cloud dots that continue the vector into it and drops those it already covers, so that equal sets of dots
  // have one representation.
  private static CausalContext compact(VersionVector vv, TreePSet<Dot> cloud) {
    VersionVector v = vv;
    TreePSet<Dot> rest = TreePSet.empty();
    for (Dot d : cloud) { // ascending by replica, then counter: a run continuing the vector folds in one pass
      if (d.counter() == v.get(d.replica()) + 1) {
        v = v.with(d.replica(), d.counter());
      } else if (d.counter() > v.get(d.replica())) {
        rest = rest.plus(d);
      }
    }
    return v.isEmpty() && rest.isEmpty() ? EMPTY : new CausalContext(v, rest);
  }

  public boolean contains(Dot dot) {
    return vv.covers(dot) || cloud.contains(dot);
  }

  /** The highest counter of {@code replica}'s dots in this context (0 if none). */
  public long max(String replica) {
    long max = vv.get(replica);
    for (Dot d : cloud.subSet(new Dot(replica, 1), true, new Dot(replica, Long.MAX_VALUE), true)) {
      max = Math.max(max, d.counter());
    }
    return max;
  }

  /** The dot {@code replica} issues next: one past every dot of it this context has seen. */
  public Dot next(String replica) {
    return new Dot(replica, max(replica) + 1);
  }

  public CausalContext plus(Dot dot) {
    return contains(dot) ? this : compact(vv, cloud.plus(dot));
  }

  public CausalContext union(CausalContext other) {
    if (other.isEmpty() || other == this) {
      return this;
    }
    if (isEmpty()) {
      return other;
    }
    return compact(vv.merge(other.vv), cloud.plusAll(other.cloud));
  }

  /** The contiguous part: every dot up to each replica's entry. */
  public VersionVector versionVector() {
    return vv;
  }

  public boolean isEmpty() {
    return vv.isEmpty() && cloud.isEmpty();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CausalContext c && vv.equals(c.vv) && cloud.equals(c.cloud);
  }

  @Override
  public int hashCode() {
    return Objects.hash(vv, cloud);
  }

  @Override
  public String toString() {
    return cloud.isEmpty() ? vv.toString() : vv + "+" + cloud;
  }
}
