package io.replikit.multileader;

/**
 * Hooks for tests, demos and benchmarks; called on the replica's actor thread, so keep them quick.
 * {@code write} names a change by its origin and counter ({@code origin:counter}).
 */
public interface MultiLeaderObserver {
  MultiLeaderObserver NONE = new MultiLeaderObserver() {};

  /** {@code replica} applied the change {@code origin:counter} to {@code key} (its own write, or another's). */
  default void onApplied(String replica, String origin, long counter, String key) {}

  /**
   * Called as {@code replica} applies a change to its state (from its event handler, in apply order, after the
   * change is in its journal; not during recovery): {@code value} is what was written (null for a delete or a CRDT
   * update), {@code conflict} whether it was concurrent with a current version of its key there.
   */
  default void onAppliedInOrder(String replica, String origin, long counter, String key,
      com.fasterxml.jackson.databind.JsonNode value, boolean conflict) {}

  /** {@code replica} detected a conflict and resolved it as {@code conflict} says. */
  default void onConflict(ConflictRecord conflict) {}
}
