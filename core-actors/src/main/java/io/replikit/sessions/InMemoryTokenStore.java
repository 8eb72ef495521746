package io.replikit.sessions;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** A {@link TokenStore} in this JVM's memory, safe for concurrent use; tokens are lost when the JVM stops. */
public final class InMemoryTokenStore implements TokenStore {
  private final Map<String, Long> tokens = new ConcurrentHashMap<>();

  @Override
  public long position(String user, String groupId) {
    return tokens.getOrDefault(user + '\u0000' + groupId, 0L);
  }

  @Override
  public void advance(String user, String groupId, long position) {
    tokens.merge(user + '\u0000' + groupId, position, Math::max);
  }
}
