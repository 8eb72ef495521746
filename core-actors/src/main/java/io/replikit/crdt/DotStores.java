package io.replikit.crdt;

import io.replikit.versioning.Dot;
import java.util.Map;
import java.util.function.BinaryOperator;
import org.pcollections.TreePMap;

/** The join of two dot-keyed stores under their contexts, shared by the causal types. */
final class DotStores {
  private DotStores() {}

  /**
   * A dot present on both sides stays (its values joined by {@code same}, which sees equal values unless a replica
   * reused a dot); a dot present on one side only stays unless the other side has seen it, which means removed it.
   */
  static <V> TreePMap<Dot, V> join(Map<Dot, V> left, CausalContext leftContext, Map<Dot, V> right,
      CausalContext rightContext, BinaryOperator<V> same) {
    TreePMap<Dot, V> out = TreePMap.empty();
    for (Map.Entry<Dot, V> e : left.entrySet()) {
      V other = right.get(e.getKey());
      if (other != null) {
        out = out.plus(e.getKey(), same.apply(e.getValue(), other));
      } else if (!rightContext.contains(e.getKey())) {
        out = out.plus(e.getKey(), e.getValue());
      }
    }
    for (Map.Entry<Dot, V> e : right.entrySet()) {
      if (!left.containsKey(e.getKey()) && !leftContext.contains(e.getKey())) {
        out = out.plus(e.getKey(), e.getValue());
      }
    }
    return out;
  }
}
