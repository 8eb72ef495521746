package io.replikit.leaderless.antientropy;

import com.fasterxml.jackson.databind.JsonNode;
import io.replikit.versioning.DottedVersionVectorSet;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The hashes a hash tree is built from: a 64-bit hash of a key (which segment it falls in) and a 64-bit digest of a
 * key's {@link DottedVersionVectorSet} taken over a canonical byte encoding (context entries by replica, siblings by
 * dot, JSON object fields by name), so that equal sets have equal digests however they were built.
 *
 * <p>Not survived: a 64-bit collision (two different sets with one digest, about 2^-64 per pair) hides a difference
 * from anti-entropy; read repair still mends such a key when it is read.
 */
public final class SetDigest {
  private SetDigest() {}

  /** The digest of {@code set}: the first 8 bytes of the MD5 of its canonical encoding. */
  public static long of(DottedVersionVectorSet set) {
    MessageDigest md = md5();
    StringBuilder b = new StringBuilder(64);
    for (Map.Entry<String, Long> e : new TreeMap<>(set.context().toMap()).entrySet()) {
      b.append('c').append(e.getKey()).append('\u0000').append(e.getValue()).append('\u0000');
    }
    for (DottedVersionVectorSet.Sibling s : set.siblings()) { // dot order already
      b.append('s').append(s.dot().replica()).append('\u0000').append(s.dot().counter()).append('\u0000')
          .append(s.wallMillis()).append('\u0000');
      if (s.tombstone()) {
        b.append('t');
      } else {
        b.append('v');
        canonical(s.value(), b);
      }
      b.append('\u0000');
    }
    byte[] d = md.digest(b.toString().getBytes(StandardCharsets.UTF_8));
    long h = 0;
    for (int i = 0; i < 8; i++) {
      h = (h << 8) | (d[i] & 0xff);
    }
    return h;
  }

  /** A well-mixed 64-bit hash of the key (FNV-1a over its UTF-8 bytes, then MurmurHash3's finalizer). */
  public static long keyHash(String key) {
    long h = 0xcbf29ce484222325L;
    for (byte x : key.getBytes(StandardCharsets.UTF_8)) {
      h ^= x & 0xff;
      h *= 0x100000001b3L;
    }
    return mix(h);
  }

  /** The contribution of one (key, digest) entry to its segment's hash. */
  public static long entryHash(long keyHash, long digest) {
    return mix(keyHash * 0x9E3779B97F4A7C15L + digest);
  }

  static long mix(long z) {
    z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
    z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
    return z ^ (z >>> 33);
  }

  /** JSON text with object fields sorted by name, so that {"a":1,"b":2} and {"b":2,"a":1} encode alike. */
  static void canonical(JsonNode n, StringBuilder b) {
    if (n.isObject()) {
      List<String> names = new ArrayList<>();
      for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
        names.add(it.next());
      }
      names.sort(null);
      b.append('{');
      for (int i = 0; i < names.size(); i++) {
        if (i > 0) {
          b.append(',');
        }
        b.append(com.fasterxml.jackson.databind.node.TextNode.valueOf(names.get(i)).toString()).append(':');
        canonical(n.get(names.get(i)), b);
      }
      b.append('}');
    } else if (n.isArray()) {
      b.append('[');
      for (int i = 0; i < n.size(); i++) {
        if (i > 0) {
          b.append(',');
        }
        canonical(n.get(i), b);
      }
      b.append(']');
    } else {
      b.append(n.toString());
    }
  }

  private static MessageDigest md5() {
    try {
      return MessageDigest.getInstance("MD5");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("MD5 is required of every JVM", e);
    }
  }
}
