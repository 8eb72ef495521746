package io.replikit.testkit.scenario;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.typed.ActorRef;
import io.replikit.testkit.FaultyTransport;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What every family's {@link ScenarioGroup} shares: its replicas' names, the seeded {@link FaultyTransport} they
 * talk through, the {@link ClientGate} that pauses them and carries client requests, and the running actors of
 * each replica, so that a crash stops them, a restart starts a new incarnation that recovers from the journal,
 * and closing stops whatever runs. A family says how a replica starts ({@link #start}) and which actors it is
 * ({@link #actors}); a subclass calls {@link #startAll} at the end of its constructor, once its own fields are set.
 *
 * @param <R> what one running replica is (an actor ref, or a record of the actors a node runs)
 */
public abstract class AbstractScenarioGroup<R> implements ScenarioGroup {
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

  protected final ActorTestKit kit;
  protected final FaultyTransport transport;
  protected final ClientGate gate;
  private final List<String> names;
  private final Map<String, R> running = new ConcurrentHashMap<>();
  private int incarnation;

  protected AbstractScenarioGroup(ActorTestKit kit, long seed, List<String> names) {
    this.kit = kit;
    this.names = List.copyOf(names);
    this.transport = new FaultyTransport(seed, FaultyTransport.Faults.NONE);
    this.gate = new ClientGate(kit.system(), transport);
  }

  /** Spawns replica {@code name}; {@code incarnation} is unique in this group, for unique actor names. */
  protected abstract R start(String name, int incarnation);

  /** The actors {@code replica} runs, stopped together when it crashes. */
  protected abstract List<ActorRef<?>> actors(R replica);

  /** Starts every replica; called once, by the subclass's constructor. */
  protected final void startAll() {
    names.forEach(this::spawn);
  }

  /** The running replica {@code name}, or null while it is crashed. */
  protected final R running(String name) {
    return running.get(name);
  }

  protected final boolean isRunning(String name) {
    return running.containsKey(name);
  }

  private synchronized void spawn(String name) {
    running.put(name, start(name, ++incarnation));
  }

  @Override
  public final List<String> replicas() {
    return names;
  }

  @Override
  public final FaultyTransport transport() {
    return transport;
  }

  @Override
  public final void crash(String replica) {
    R r = running.remove(replica);
    if (r != null) {
      actors(r).forEach(a -> kit.stop(a, STOP_TIMEOUT));
    }
  }

  @Override
  public final void restart(String replica) {
    if (!running.containsKey(replica)) {
      spawn(replica);
    }
  }

  @Override
  public final void pause(String replica) {
    gate.pause(replica);
  }

  @Override
  public final void resume(String replica) {
    gate.resume(replica);
  }

  @Override
  public void close() {
    running.values().forEach(r -> actors(r).forEach(a -> kit.stop(a, STOP_TIMEOUT)));
    running.clear();
    transport.close();
  }

  /** Waits between two polls of a settling group's state (polling, not waiting for an outcome). */
  protected static void poll(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
