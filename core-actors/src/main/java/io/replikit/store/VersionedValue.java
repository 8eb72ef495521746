package io.replikit.store;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A stored value with its version: the log position of the write that set it. Positions are unique and grow, so
 * the version is what a conditional put compares against.
 */
public record VersionedValue(JsonNode value, long version) {}
