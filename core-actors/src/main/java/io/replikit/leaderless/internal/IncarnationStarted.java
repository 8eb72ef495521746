package io.replikit.leaderless.internal;

/**
 * Journal event: a replica that found its journal empty mints its dots under {@code <node>~<incarnation>} from now
 * on ({@link Incarnation}). Always the first event of such a journal.
 */
public record IncarnationStarted(String incarnation) implements StorageEvent {}
