package io.replikit.metrics;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.AskPattern;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Series whose values come from polled status replies (a replica's counters and levels), registered in a
 * {@link MeterRegistry} once and then only updated: gauges for levels, and function counters for counts since the
 * actor started (Prometheus {@code _total}). Each {@link #publish} names its source (a group and replica); a series
 * that the source's previous publish had and this one lacks is removed, so a scrape never shows a stale view (a hint
 * target that no longer has hints, an origin that left).
 *
 * <p>A counter read from a status restarts at 0 when its actor restarts, which Prometheus' {@code rate()} takes as a
 * counter reset; nothing here survives the JVM. Thread-safe.
 */
public final class StatusGauges {
  /** What one publish sets: series by name and tags. */
  public static final class Values {
    private final Map<Key, Double> gauges = new LinkedHashMap<>();
    private final Map<Key, Double> counters = new LinkedHashMap<>();

    /** A level (Prometheus gauge). */
    public Values gauge(String name, Tags tags, double value) {
      gauges.put(new Key(name, tags), value);
      return this;
    }

    /** A count since the actor started (Prometheus counter, {@code _total}). */
    public Values counter(String name, Tags tags, double value) {
      counters.put(new Key(name, tags), value);
      return this;
    }
  }

  private record Key(String name, Tags tags) {}

  private static final class Series {
    volatile double value;
    Meter meter;
  }

  private final MeterRegistry registry;
  private final Map<String, String> descriptions;
  private final Map<Key, Series> series = new HashMap<>();
  private final Map<List<String>, Set<Key>> bySource = new HashMap<>();

  /** @param descriptions a description per series name (shown as Prometheus' HELP) */
  public StatusGauges(MeterRegistry registry, Map<String, String> descriptions) {
    this.registry = registry;
    this.descriptions = Map.copyOf(descriptions);
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** Sets every series of {@code values} and removes those {@code source}'s last publish had and these lack. */
  public synchronized void publish(List<String> source, Values values) {
    Set<Key> now = new HashSet<>();
    values.gauges.forEach((k, v) -> {
      set(k, v, false);
      now.add(k);
    });
    values.counters.forEach((k, v) -> {
      set(k, v, true);
      now.add(k);
    });
    Set<Key> previous = bySource.put(List.copyOf(source), now);
    if (previous != null) {
      previous.removeAll(now);
      previous.forEach(this::remove);
    }
  }

  /** Sets one gauge of {@code source} without touching its other series (an "up" flag when it did not answer). */
  public synchronized void set(List<String> source, String name, Tags tags, double value) {
    Key k = new Key(name, tags);
    set(k, value, false);
    bySource.computeIfAbsent(List.copyOf(source), s -> new HashSet<>()).add(k);
  }

  /**
   * Asks every actor of {@code actors} (by group id) {@code question}; each answer goes to {@code answered}, and the
   * group id of each actor that did not answer within {@code timeout} to {@code silent}. Completes when all are
   * recorded, never exceptionally.
   */
  public static <C, S> CompletionStage<Void> askEach(ActorSystem<?> system, Map<String, ActorRef<C>> actors,
      Function<ActorRef<S>, C> question, Duration timeout, Consumer<S> answered, Consumer<String> silent) {
    List<CompletableFuture<Void>> each = new ArrayList<>();
    actors.forEach((group, actor) -> each.add(AskPattern.<C, S>ask(actor, question::apply, timeout,
        system.scheduler()).handle((status, failure) -> {
          if (failure == null) {
            answered.accept(status);
          } else {
            silent.accept(group);
          }
          return (Void) null;
        }).toCompletableFuture()));
    return CompletableFuture.allOf(each.toArray(new CompletableFuture<?>[0]));
  }

  private void set(Key key, double value, boolean counter) {
    Series s = series.get(key);
    if (s == null) {
      s = new Series();
      s.value = value;
      String description = descriptions.getOrDefault(key.name(), key.name());
      s.meter = counter
          ? FunctionCounter.builder(key.name(), s, x -> x.value).tags(key.tags()).description(description)
              .register(registry)
          : Gauge.builder(key.name(), s, x -> x.value).tags(key.tags()).description(description)
              .strongReference(true).register(registry);
      series.put(key, s);
    }
    s.value = value;
  }

  private void remove(Key key) {
    Series s = series.remove(key);
    if (s != null) {
      registry.remove(s.meter);
    }
  }
}
