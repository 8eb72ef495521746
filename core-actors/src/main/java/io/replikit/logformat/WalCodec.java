package io.replikit.logformat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/**
 * The storage engine's record format that WAL shipping copies byte for byte: after a transaction, one image per
 * row it touched (the row's bytes, or a tombstone). The bytes are the storage engine's, not a replication
 * protocol: a reader understands exactly one storage version, as with PostgreSQL's WAL across major versions.
 *
 * <p>Layout: magic {@code RKW}, version byte, record count; per record an op byte (1 image, 2 tombstone), the key,
 * and for images the value's JSON text. Version 2 adds a CRC-32 of each record, which version 1 readers do not
 * know about.
 */
public final class WalCodec {
  /** The storage version this build writes and reads by default. */
  public static final int CURRENT_VERSION = 2;
  /** The oldest storage version this build can still write (to play an older node in tests and upgrades). */
  public static final int OLDEST_VERSION = 1;

  private static final byte[] MAGIC = {'R', 'K', 'W'};
  private static final ObjectMapper JSON = new ObjectMapper();

  private WalCodec() {}

  /** A row image: the row's value after the transaction, or null when the row was deleted. */
  public record Image(String key, JsonNode value) {}

  /** Thrown when bytes are not storage records this reader can use; the message says what is wrong. */
  public static final class UnreadableWal extends RuntimeException {
    public UnreadableWal(String message) {
      super(message);
    }
  }

  public static byte[] encode(int version, List<Image> images) {
    checkVersion(version);
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(bytes);
      out.write(MAGIC);
      out.writeByte(version);
      out.writeInt(images.size());
      for (Image image : images) {
        byte[] body = recordBytes(image.value() == null ? 2 : 1, image.key(), image.value());
        out.write(body);
        if (version >= 2) {
          CRC32 crc = new CRC32();
          crc.update(body);
          out.writeInt((int) crc.getValue());
        }
      }
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The storage version that {@code bytes} were written in; throws {@link UnreadableWal} if they are not WAL. */
  public static int versionOf(byte[] bytes) {
    if (bytes == null || bytes.length < 4 || bytes[0] != MAGIC[0] || bytes[1] != MAGIC[1] || bytes[2] != MAGIC[2]) {
      throw new UnreadableWal("not a Replikit WAL record (bad magic bytes)");
    }
    return bytes[3];
  }

  /**
   * Reads {@code bytes} as a reader of storage version {@code readerVersion}: refuses any other version (the
   * layout differs) and any record whose checksum does not match.
   */
  public static List<Image> decode(byte[] bytes, int readerVersion) {
    int version = versionOf(bytes);
    if (version != readerVersion) {
      throw new UnreadableWal("WAL records are in storage format version " + version + ", this replica reads "
          + "version " + readerVersion + " only: WAL shipping needs the same storage version on every replica");
    }
    try {
      DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(bytes, 4, bytes.length - 4));
      int count = in.readInt();
      if (count < 0) {
        throw new UnreadableWal("WAL record count " + count + " is negative");
      }
      List<Image> out = new ArrayList<>(Math.min(count, 1024));
      for (int i = 0; i < count; i++) {
        in.mark(Integer.MAX_VALUE);
        int op = in.readByte();
        String key = readString(in);
        JsonNode value = null;
        if (op == 1) {
          value = JSON.readTree(readString(in));
        } else if (op != 2) {
          throw new UnreadableWal("WAL record " + i + " has unknown operation " + op);
        }
        if (version >= 2) {
          byte[] body = recordBytes(op, key, value);
          CRC32 crc = new CRC32();
          crc.update(body);
          if (in.readInt() != (int) crc.getValue()) {
            throw new UnreadableWal("WAL record " + i + " (key " + key + ") fails its checksum: the bytes are corrupt");
          }
        }
        out.add(new Image(key, value));
      }
      if (in.available() > 0) {
        throw new UnreadableWal("WAL has " + in.available() + " bytes after its last record");
      }
      return out;
    } catch (EOFException e) {
      throw new UnreadableWal("WAL records end early: the bytes are truncated");
    } catch (IOException e) {
      throw new UnreadableWal("WAL records cannot be read: " + e.getMessage());
    }
  }

  private static byte[] recordBytes(int op, String key, JsonNode value) throws IOException {
    ByteArrayOutputStream rec = new ByteArrayOutputStream();
    DataOutputStream r = new DataOutputStream(rec);
    r.writeByte(op);
    writeString(r, key);
    if (value != null) {
      writeString(r, JSON.writeValueAsString(value));
    }
    r.flush();
    return rec.toByteArray();
  }

  private static void checkVersion(int version) {
    if (version < OLDEST_VERSION || version > CURRENT_VERSION) {
      throw new IllegalArgumentException("WAL storage version " + version + " is not one this build writes ("
          + OLDEST_VERSION + " to " + CURRENT_VERSION + ")");
    }
  }

  /** Whether this build can read and write storage {@code version}. */
  public static boolean supports(int version) {
    return version >= OLDEST_VERSION && version <= CURRENT_VERSION;
  }

  private static void writeString(DataOutputStream out, String s) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(b.length);
    out.write(b);
  }

  private static String readString(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > in.available()) {
      throw new UnreadableWal("WAL string length " + n + " does not fit the record");
    }
    byte[] b = new byte[n];
    in.readFully(b);
    return new String(b, StandardCharsets.UTF_8);
  }
}
