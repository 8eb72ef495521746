package io.replikit.logformat;

import io.replikit.store.TriggerOutput;
import java.util.List;

/**
 * User code that runs on the leader for every committed change to one table (trigger-based replication): it sees
 * the row change with the whole row before and after it, and returns what to replicate where, e.g. nothing (a filtered row), the change itself to a target,
 * a transformed copy, or a row of another table. Runs inside the leader's commit, so it must be quick and must not
 * block; if it throws, the transaction is refused and nothing is logged.
 */
@FunctionalInterface
public interface TableTrigger {
  List<TriggerOutput> onCommit(TriggerEvent event);
}
