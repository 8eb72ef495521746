package io.replikit.singleleader.internal;

import io.replikit.replication.ReplicaId;
import io.replikit.serialization.JournalEvent;
import io.replikit.store.StoreItem;
import java.util.List;

/** What a replica writes to the snapshot store: its store at {@code lastPosition} and run-time joined followers. */
public record ReplicaSnapshot(long lastPosition, long lastEpoch, List<ReplicaId> joinedFollowers,
    List<StoreItem> items) implements JournalEvent {}
