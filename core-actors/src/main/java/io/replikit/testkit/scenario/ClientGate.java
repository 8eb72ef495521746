package io.replikit.testkit.scenario;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Holds client requests to paused replicas, as a paused process would leave them unread in its socket, and lets
 * them through in order when the replica resumes. Thread-safe.
 */
public final class ClientGate {
  private final Map<String, List<Runnable>> held = new HashMap<>();

  public synchronized void pause(String replica) {
    held.putIfAbsent(replica, new ArrayList<>());
  }

  /** Sends {@code request} to {@code replica} now, or when it resumes. */
  public void send(String replica, Runnable request) {
    synchronized (this) {
      List<Runnable> queue = held.get(replica);
      if (queue != null) {
        queue.add(request);
        return;
      }
    }
    request.run();
  }

  public void resume(String replica) {
    List<Runnable> queue;
    synchronized (this) {
      queue = held.remove(replica);
    }
    if (queue != null) {
      queue.forEach(Runnable::run);
    }
  }

  public synchronized boolean paused(String replica) {
    return held.containsKey(replica);
  }
}
