package io.replikit.singleleader;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What "acknowledged by a follower" means, as PostgreSQL's {@code synchronous_commit} levels do.
 *
 * <ul>
 *   <li>{@link #RECEIVED}: the follower holds the entries in memory ({@code remote_write}); survives a leader crash,
 *       not a simultaneous follower crash.
 *   <li>{@link #PERSISTED}: the follower's journal holds them ({@code on}); survives a follower crash.
 *   <li>{@link #APPLIED}: reads at the follower see them ({@code remote_apply}).
 * </ul>
 *
 * <p>In this implementation a follower applies an entry as soon as its journal write completes, so
 * {@code PERSISTED} and {@code APPLIED} are reported in the same message; {@code APPLIED} is still the level to ask
 * for when the promise is "a read at the follower sees it".
 */
public enum AckLevel {
  RECEIVED,
  PERSISTED,
  APPLIED;

  public static AckLevel parse(String path, String text) {
    String t = text == null ? "" : text.trim().toUpperCase(Locale.ROOT).replace('-', '_');
    for (AckLevel level : values()) {
      if (level.name().equals(t)) {
        return level;
      }
    }
    throw new IllegalArgumentException(path + ": unknown acknowledgement level '" + text + "'; expected one of "
        + Arrays.stream(values()).map(l -> l.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", ")));
  }
}
