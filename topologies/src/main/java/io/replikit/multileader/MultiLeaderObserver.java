package io.replikit.multileader;

/**
 * Hooks for tests, demos and benchmarks; called on the replica's actor thread, so keep them quick.
 * {@code write} names a change by its origin and counter ({@code origin:counter}).
 */
public interface MultiLeaderObserver {
  MultiLeaderObserver NONE = new MultiLeaderObserver() {};

  /** {@code replica} applied the change {@code origin:counter} to {@code key} (its own write, or another's). */
  default void onApplied(String replica, String origin, long counter, String key) {}

  /** {@code replica} detected a conflict and resolved it as {@code conflict} says. */
  default void onConflict(ConflictRecord conflict) {}
}
