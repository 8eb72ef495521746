package io.replikit.leaderless.internal;

import io.replikit.serialization.JournalEvent;

/** The journal events of a storage replica. */
public sealed interface StorageEvent extends JournalEvent permits KeyStored, IncarnationStarted, RefillFinished {}
