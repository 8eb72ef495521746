package io.replikit.crdt;

import io.replikit.versioning.Dot;
import java.util.Set;

/**
 * A CRDT made of dots (uniquely named writes) plus the {@link CausalContext} of every dot it has seen: a dot that
 * the context holds but the store does not was removed, which is how a remove is told apart from an add not yet
 * received, and why a remove takes away only what its replica had observed (an add it had not seen survives).
 *
 * <p>These types nest in an {@link OrMap}: there a value's store is kept without a context of its own and joined
 * under the map's context, as in Almeida, Shoker and Baquero, "Delta State Replicated Data Types" (2018). The map's
 * context is shared all the way down, so dots stay unique even after a key is removed and written again.
 */
public sealed interface CausalCrdt<T extends CausalCrdt<T>> extends Crdt<T>
    permits AwORSet, MvRegister, OrMap, Resettable {
  /** The dots this state has seen, visible or removed. */
  CausalContext context();

  /** This state's store under another context (how a map joins its nested values under its own context). */
  T withContext(CausalContext context);

  /** The dots still visible in the store (a subset of the context for a state that stands alone). */
  Set<Dot> dots();

  /** The empty state of this type (no dots, empty context): what a map joins a key with when one side lacks it. */
  T bottom();
}
