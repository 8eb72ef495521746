package io.replikit.singleleader.internal;

import io.replikit.replication.ReplicaId;
import io.replikit.serialization.JournalEvent;
import io.replikit.singleleader.DivergentWrite;
import io.replikit.store.StoreItem;
import java.util.List;

/**
 * What a replica writes to the snapshot store: its store at {@code lastPosition}, its epoch and vote, the epoch
 * history of its log, run-time joined followers, the writes it set aside, and whether it is rejoining (it lost
 * its journal and does not vote yet; absent in older snapshots: false).
 */
public record ReplicaSnapshot(long lastPosition, long lastEpoch, long currentEpoch, ReplicaId votedFor,
    List<ReplicaEvents.EpochStart> epochs, List<ReplicaId> joinedFollowers,
    List<DivergentWrite> divergent, List<StoreItem> items, boolean rejoining) implements JournalEvent {}
