package io.replikit.examples.serve;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The session token of the HTTP API: per replica group, the highest log position a client wrote at or has seen
 * (header {@value #HEADER}, e.g. {@code Replikit-Token: orders=17,carts=4}). A write answers with the token raised
 * to the write's position; a read answers with it raised to the position the serving replica had applied. A
 * client that sends it back is served only by replicas that have applied those positions: it reads its own writes
 * (read-your-writes) and never sees older data after newer (monotonic reads), whichever node it reaches.
 *
 * <p>Positions are log positions of a single-leader group, so a token is only meaningful for the group it names;
 * groups a node does not host are carried through unchanged, so one token can travel across nodes that host
 * different groups. Does not survive: a failover that loses acknowledged asynchronous writes (the token then names
 * a position the new leader filled with other entries; the read waits for that position, not the lost write).
 *
 * @param positions position by group id, every one at least 1
 */
public record SessionToken(Map<String, Long> positions) {
  /** The request and response header carrying the token. */
  public static final String HEADER = "Replikit-Token";

  private static final SessionToken EMPTY = new SessionToken(Map.of());
  // the group ids of ServeSettings: '=' and ',' never occur in them
  private static final Pattern GROUP_ID = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
  private static final int MAX_GROUPS = 256;

  public SessionToken {
    positions = Collections.unmodifiableMap(new TreeMap<>(positions));
  }

  public static SessionToken empty() {
    return EMPTY;
  }

  /**
   * Parses {@code group=position[,group=position...]}; blanks around the parts are ignored and an empty text is the
   * empty token. A group named twice keeps its higher position.
   *
   * @throws IllegalArgumentException saying what is wrong with {@code text}
   */
  public static SessionToken parse(String text) {
    if (text == null || text.isBlank()) {
      return EMPTY;
    }
    Map<String, Long> positions = new TreeMap<>();
    String[] parts = text.split(",", -1);
    if (parts.length > MAX_GROUPS) {
      throw new IllegalArgumentException(HEADER + " names more than " + MAX_GROUPS + " groups");
    }
    for (String raw : parts) {
      String part = raw.trim();
      int eq = part.indexOf('=');
      if (eq <= 0 || eq == part.length() - 1) {
        throw new IllegalArgumentException(HEADER + " must look like GROUP=POSITION[,GROUP=POSITION...] (e.g. "
            + "orders=17,carts=4), but has '" + part + "'");
      }
      String group = part.substring(0, eq).trim();
      String number = part.substring(eq + 1).trim();
      if (!GROUP_ID.matcher(group).matches()) {
        throw new IllegalArgumentException(HEADER + ": '" + group + "' is not a group id (1 to 64 letters, "
            + "digits, '_', '-' or '.')");
      }
      long position;
      try {
        position = Long.parseLong(number);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(HEADER + ": the position of group '" + group + "' must be a whole "
            + "number, was '" + number + "'");
      }
      if (position < 0) {
        throw new IllegalArgumentException(HEADER + ": the position of group '" + group + "' must not be "
            + "negative, was " + position);
      }
      if (position > 0) {
        positions.merge(group, position, Math::max);
      }
    }
    return new SessionToken(positions);
  }

  /** The position this token asks for in {@code groupId}, or 0. */
  public long position(String groupId) {
    return positions.getOrDefault(groupId, 0L);
  }

  /** This token with {@code groupId} raised to {@code position} (never lowered). */
  public SessionToken advance(String groupId, long position) {
    if (position <= position(groupId)) {
      return this;
    }
    Map<String, Long> next = new TreeMap<>(positions);
    next.put(groupId, position);
    return new SessionToken(next);
  }

  /** The higher position of the two tokens for every group either names. */
  public SessionToken merge(SessionToken other) {
    SessionToken merged = this;
    for (Map.Entry<String, Long> e : other.positions.entrySet()) {
      merged = merged.advance(e.getKey(), e.getValue());
    }
    return merged;
  }

  public boolean isEmpty() {
    return positions.isEmpty();
  }

  /** The header form: {@code group=position} pairs in group order, comma-separated. */
  @Override
  public String toString() {
    StringBuilder b = new StringBuilder();
    positions.forEach((g, p) -> b.append(b.length() == 0 ? "" : ",").append(g).append('=').append(p));
    return b.toString();
  }
}
