package io.replikit.store;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.pcollections.TreePMap;

/**
 * The replicated key/value store as an immutable value: applying a change returns a new store and leaves this one
 * untouched, so a snapshot taken at a log position stays consistent while later writes are applied.
 */
public final class KeyValueStore {
  private static final KeyValueStore EMPTY = new KeyValueStore(TreePMap.empty());

  private final TreePMap<String, VersionedValue> entries;

  private KeyValueStore(TreePMap<String, VersionedValue> entries) {
    this.entries = entries;
  }

  public static KeyValueStore empty() {
    return EMPTY;
  }

  public static KeyValueStore of(List<StoreItem> items) {
    TreePMap<String, VersionedValue> map = TreePMap.empty();
    for (StoreItem item : items) {
      map = map.plus(item.key(), new VersionedValue(CanonicalJson.of(item.value()), item.version()));
    }
    return new KeyValueStore(map);
  }

  /** Applies a logged change written at {@code position}; the position becomes the key's version. */
  public KeyValueStore apply(Change change, long position) {
    if (change instanceof Change.Put put) {
      return new KeyValueStore(entries.plus(put.key(), new VersionedValue(CanonicalJson.of(put.value()), position)));
    } else if (change instanceof Change.Delete) {
      return new KeyValueStore(entries.minus(change.key()));
    }
    return this;
  }

  /** Sets {@code key} back to {@code value}, or removes it when {@code value} is null (undoing a change). */
  public KeyValueStore restore(String key, VersionedValue value) {
    return new KeyValueStore(value == null ? entries.minus(key) : entries.plus(key, value));
  }

  /** Sets {@code key} to {@code value} at {@code version}. */
  public KeyValueStore put(String key, JsonNode value, long version) {
    return new KeyValueStore(entries.plus(key, new VersionedValue(CanonicalJson.of(value), version)));
  }

  public KeyValueStore remove(String key) {
    return new KeyValueStore(entries.minus(key));
  }

  /** The rows of {@code table} in primary-key order, as items whose key is the primary key. */
  public List<StoreItem> table(String table) {
    List<StoreItem> out = new ArrayList<>();
    for (Map.Entry<String, VersionedValue> e
        : entries.subMap(RowKey.tableStart(table), RowKey.tableEnd(table)).entrySet()) {
      out.add(new StoreItem(RowKey.primaryKey(e.getKey()), e.getValue().value(), e.getValue().version()));
    }
    return out;
  }

  public Optional<VersionedValue> get(String key) {
    return Optional.ofNullable(entries.get(key));
  }

  /** The version a conditional put compares against: 0 when the key is absent. */
  public long versionOf(String key) {
    VersionedValue v = entries.get(key);
    return v == null ? 0L : v.version();
  }

  public int size() {
    return entries.size();
  }

  /** All items in key order. */
  public List<StoreItem> items() {
    List<StoreItem> out = new ArrayList<>(entries.size());
    for (Map.Entry<String, VersionedValue> e : entries.entrySet()) {
      out.add(new StoreItem(e.getKey(), e.getValue().value(), e.getValue().version()));
    }
    return out;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof KeyValueStore other && entries.equals(other.entries);
  }

  @Override
  public int hashCode() {
    return entries.hashCode();
  }

  @Override
  public String toString() {
    return "KeyValueStore" + entries;
  }
}
