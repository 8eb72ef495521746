package io.replikit.crdt;

import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.KeyDeserializer;
import io.replikit.versioning.Dot;

/** Reads a dot written as a JSON object key, {@code "r1:3"} (what {@link Dot#toString} writes). */
final class DotKeyDeserializer extends KeyDeserializer {
  @Override
  public Object deserializeKey(String key, DeserializationContext ctxt) {
    return parse(key);
  }

  static Dot parse(String text) {
    int colon = text.lastIndexOf(':'); // a replica id may itself contain ':'
    if (colon <= 0) {
      throw new IllegalArgumentException("not a dot (replica:counter): " + text);
    }
    return new Dot(text.substring(0, colon), Long.parseLong(text.substring(colon + 1)));
  }
}
