package io.replikit.store;

/**
 * What a table trigger chose to replicate for one committed row change: {@code change} (the change itself, a
 * transformed copy, or a row of another table) to the target named {@code target}.
 */
public record TriggerOutput(String target, RowRecord.RowChange change) {}
