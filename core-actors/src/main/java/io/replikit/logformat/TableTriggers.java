package io.replikit.logformat;

import io.replikit.store.TriggerOutput;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The triggers of a group's tables, by table name. Immutable; built with {@link #on}. */
public final class TableTriggers {
  private static final TableTriggers NONE = new TableTriggers(Map.of());

  private final Map<String, List<TableTrigger>> byTable;

  private TableTriggers(Map<String, List<TableTrigger>> byTable) {
    this.byTable = byTable;
  }

  public static TableTriggers none() {
    return NONE;
  }

  /** These triggers plus {@code trigger} on {@code table} (triggers of one table run in registration order). */
  public TableTriggers on(String table, TableTrigger trigger) {
    Map<String, List<TableTrigger>> copy = new LinkedHashMap<>(byTable);
    List<TableTrigger> list = new ArrayList<>(copy.getOrDefault(table, List.of()));
    list.add(trigger);
    copy.put(table, List.copyOf(list));
    return new TableTriggers(Collections.unmodifiableMap(copy));
  }

  public boolean isEmpty() {
    return byTable.isEmpty();
  }

  /** Runs the triggers of each change's table, in order; a trigger's exception propagates (the commit fails). */
  public List<TriggerOutput> fire(List<TriggerEvent> events) {
    List<TriggerOutput> out = new ArrayList<>();
    for (TriggerEvent event : events) {
      for (TableTrigger trigger : byTable.getOrDefault(event.table(), List.of())) {
        List<TriggerOutput> produced = trigger.onCommit(event);
        if (produced != null) {
          out.addAll(produced);
        }
      }
    }
    return out;
  }
}
