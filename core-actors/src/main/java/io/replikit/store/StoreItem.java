package io.replikit.store;

import com.fasterxml.jackson.databind.JsonNode;

/** One key of a store snapshot, as shipped to a new follower and kept in snapshots. */
public record StoreItem(String key, JsonNode value, long version) {}
