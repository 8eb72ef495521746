package io.replikit.multileader.internal;

import io.replikit.serialization.JournalEvent;

/** What a multi-leader replica persists: a {@link Change} it applied, or, first of all, the {@link Incarnated} it writes as. */
public sealed interface MultiLeaderEvent extends JournalEvent permits Change, Incarnated {}
