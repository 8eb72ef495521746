package io.replikit.leaderless.internal;

/**
 * Journal event: a replica that started an incarnation (its journal was empty, {@link IncarnationStarted}) has run
 * an anti-entropy round that compared every range it keeps with every peer, none abandoned and no differing key left
 * for later: it holds what its peers held when the round began. {@code keys}: keys it held then. Until this event a
 * replica is refilling, across restarts too.
 */
public record RefillFinished(int keys) implements StorageEvent {}
