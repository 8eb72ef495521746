package io.replikit.singleleader;

import java.util.Locale;

/**
 * When the leader acknowledges a write to the client.
 *
 * <ul>
 *   <li>{@link Mode#ASYNC}: once the leader's own journal holds it. A leader crash may lose acknowledged writes
 *       that no follower received.
 *   <li>{@link Mode#SYNC}: once every follower of the group reached the level asked for. One stopped follower
 *       blocks every write until it returns (writes then time out as not confirmed).
 *   <li>{@link Mode#SEMI_SYNC}: once {@code syncCount} followers reached it, chosen as PostgreSQL's
 *       {@code synchronous_standby_names} does: {@link SyncMethod#FIRST} (the first k healthy, caught-up followers
 *       in priority order; when one stops answering the next asynchronous follower takes its place) or
 *       {@link SyncMethod#ANY} (any k followers, a quorum). An acknowledged write exists on at least k+1 replicas.
 * </ul>
 */
public record AckPolicy(Mode mode, int syncCount, SyncMethod method) {

  public enum Mode { ASYNC, SYNC, SEMI_SYNC }

  public enum SyncMethod { FIRST, ANY }

  public AckPolicy {
    if (mode == null || method == null) {
      throw new IllegalArgumentException("ack policy needs a mode and a sync method");
    }
    if (mode == Mode.SEMI_SYNC && syncCount < 1) {
      throw new IllegalArgumentException("semi-sync needs at least 1 synchronous follower, was " + syncCount);
    }
  }

  public static AckPolicy async() {
    return new AckPolicy(Mode.ASYNC, 0, SyncMethod.FIRST);
  }

  public static AckPolicy sync() {
    return new AckPolicy(Mode.SYNC, 0, SyncMethod.FIRST);
  }

  public static AckPolicy semiSync(SyncMethod method, int k) {
    return new AckPolicy(Mode.SEMI_SYNC, k, method);
  }

  /** Reads a mode name as written in configuration or on a command line: async, sync, semi-sync. */
  public static Mode parseMode(String path, String text) {
    String t = text == null ? "" : text.trim().toUpperCase(Locale.ROOT).replace('-', '_');
    for (Mode m : Mode.values()) {
      if (m.name().equals(t)) {
        return m;
      }
    }
    throw new IllegalArgumentException(
        path + ": unknown acknowledgement policy '" + text + "'; expected one of async, sync, semi-sync");
  }

  public static SyncMethod parseMethod(String path, String text) {
    String t = text == null ? "" : text.trim().toUpperCase(Locale.ROOT);
    for (SyncMethod m : SyncMethod.values()) {
      if (m.name().equals(t)) {
        return m;
      }
    }
    throw new IllegalArgumentException(path + ": unknown synchronous standby method '" + text
        + "'; expected first (priority list) or any (quorum)");
  }

  @Override
  public String toString() {
    return switch (mode) {
      case ASYNC -> "async";
      case SYNC -> "sync";
      case SEMI_SYNC -> "semi-sync " + method.name() + " " + syncCount;
    };
  }
}
