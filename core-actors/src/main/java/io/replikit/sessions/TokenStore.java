package io.replikit.sessions;

/**
 * Where a user's session tokens are kept: per user and replica group, the highest log position the user wrote at.
 * A store shared by all of a user's devices (the HTTP node keeps one per node; a service would keep it with the
 * user's account) gives read-your-writes across devices: the second device's reads wait for what the first wrote.
 */
public interface TokenStore {
  /** The highest position {@code user} wrote at in {@code groupId}, or 0. */
  long position(String user, String groupId);

  /** Raises the user's token for the group to {@code position} (never lowers it). */
  void advance(String user, String groupId, long position);
}
