package io.replikit.replication;

import io.replikit.serialization.JournalEvent;

/** An event a replica persists in its journal. Log entries are the main kind; the rest is replica bookkeeping. */
public interface ReplicaEvent extends JournalEvent {}
