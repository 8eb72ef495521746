package io.replikit.logformat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.replikit.store.RowRecord;

/**
 * One committed row change as a {@link TableTrigger} sees it: the logged change, and the whole row before it
 * ({@code before}, null for an insert) and after it ({@code after}, null for a delete), so that a trigger can filter
 * on any column and copy whole rows, even for an update that set only some columns.
 */
public record TriggerEvent(RowRecord.RowChange change, ObjectNode before, ObjectNode after) {
  public String table() {
    return change.table();
  }

  public String primaryKey() {
    return change.primaryKey();
  }
}
