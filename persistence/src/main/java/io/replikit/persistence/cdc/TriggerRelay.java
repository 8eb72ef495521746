package io.replikit.persistence.cdc;

import akka.Done;
import akka.NotUsed;
import akka.actor.typed.ActorSystem;
import akka.japi.Pair;
import akka.persistence.query.Offset;
import akka.stream.KillSwitches;
import akka.stream.UniqueKillSwitch;
import akka.stream.javadsl.Keep;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import io.replikit.replication.LogEntry;
import io.replikit.replication.ReplicaId;
import io.replikit.store.Change;
import io.replikit.store.RowRecord;
import io.replikit.store.TriggerOutput;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay of trigger-based replication: reads one replica's {@link ChangeFeed} and delivers each log entry's
 * trigger outputs ({@link Change.Rows#triggered()}) to the {@link TriggerTarget} registered under the output's
 * target name, in log order, one entry at a time.
 *
 * <p>Guarantees: every output of every entry reaches its target exactly once, in log order, across relay stops,
 * crashes and restarts, because each target records the relay's offset atomically with what it applies and the
 * relay resumes from the offsets its targets hold. Nothing is passed over silently: an output naming an unknown
 * target, a retraction of entries whose outputs were delivered, and a store replaced from a snapshot halt the relay
 * with a {@link RelayHaltedException}.
 *
 * <p>Does not survive: following another replica with the same relay id (offsets belong to one replica's journal;
 * give the new one its own id and reconcile), and failovers that retract delivered entries (they halt it; triggers'
 * transformed copies cannot be undone automatically). Run it on the group's leader, or on a synchronous follower
 * that stays connected, which neither install snapshots nor, once writes are acknowledged, retract them.
 */
public final class TriggerRelay {
  private static final Logger LOG = LoggerFactory.getLogger(TriggerRelay.class);
  private static final Pattern RELAY_ID = Pattern.compile("[^\\u0000-\\u001F]{1,200}");

  /** What the relay did with one entry's outputs for one target: {@code applied} false when it already had them. */
  public record Delivered(String target, long sequenceNr, long position, int changes, boolean applied) {}

  /** A running relay. */
  public static final class Running {
    private final UniqueKillSwitch killSwitch;
    private final CompletionStage<Done> completion;

    private Running(UniqueKillSwitch killSwitch, CompletionStage<Done> completion) {
      this.killSwitch = killSwitch;
      this.completion = completion;
    }

    /**
     * Stops the relay; completes when it has stopped. A delivery in flight commits or not as a whole (each is
     * atomic in its target), and the next run resumes from what the targets recorded.
     */
    public CompletionStage<Done> stop() {
      killSwitch.shutdown();
      return completion;
    }

    /** Completes when the relay stops: normally after {@link #stop()}, exceptionally when a delivery failed. */
    public CompletionStage<Done> completion() {
      return completion;
    }
  }

  private final ActorSystem<?> system;
  private final ChangeFeed feed;
  private final String groupId;
  private final ReplicaId replica;
  private final String relayId;
  private final Map<String, TriggerTarget> targets;

  private TriggerRelay(ActorSystem<?> system, ChangeFeed feed, String groupId, ReplicaId replica, String relayId,
      Map<String, TriggerTarget> targets) {
    this.system = system;
    this.feed = feed;
    this.groupId = groupId;
    this.replica = replica;
    this.relayId = relayId;
    this.targets = targets;
  }

  /**
   * A relay of the outputs logged by replica {@code replica} of group {@code groupId} to {@code targets} (by the
   * target names the triggers use). Its id, under which targets keep its offset, is {@code <group>|<replica>};
   * its feed reads the read journal {@code replikit.cdc.read-journal} names.
   */
  public static TriggerRelay create(ActorSystem<?> system, String groupId, ReplicaId replica,
      Map<String, TriggerTarget> targets) {
    if (targets == null || targets.isEmpty()) {
      throw new IllegalArgumentException("a trigger relay needs at least one target");
    }
    for (Map.Entry<String, TriggerTarget> t : targets.entrySet()) {
      if (t.getKey() == null || t.getKey().isEmpty() || t.getValue() == null) {
        throw new IllegalArgumentException("trigger relay target '" + t.getKey() + "' has no name or no target");
      }
    }
    return new TriggerRelay(system, null, groupId, replica, groupId + "|" + replica.value(),
        new LinkedHashMap<>(targets));
  }

  /** This relay under another id (e.g. a second relay of the same replica to the same targets). */
  public TriggerRelay withRelayId(String id) {
    if (id == null || !RELAY_ID.matcher(id).matches()) {
      throw new IllegalArgumentException("relay id must be 1-200 characters without control characters, was '"
          + id + "'");
    }
    return new TriggerRelay(system, feed, groupId, replica, id, targets);
  }

  /** This relay reading through {@code changeFeed} (e.g. on the persistence test kit's read journal). */
  public TriggerRelay withFeed(ChangeFeed changeFeed) {
    return new TriggerRelay(system, changeFeed, groupId, replica, relayId, targets);
  }

  public String relayId() {
    return relayId;
  }

  /** Runs the relay on the live feed until {@link Running#stop()} or a failure. */
  public Running run() {
    return start(deliveries());
  }

  /** Delivers what the replica's journal holds now, then completes. */
  public Running runCurrent() {
    return start(currentDeliveries());
  }

  /**
   * The relay as a stream, live: one element per delivery (for observing or testing it). Materialize it once at a
   * time per relay id.
   */
  public Source<Delivered, NotUsed> deliveries() {
    return deliveries(true);
  }

  /** {@link #deliveries()} over what the journal holds when it is run; then completes. */
  public Source<Delivered, NotUsed> currentDeliveries() {
    return deliveries(false);
  }

  private Running start(Source<Delivered, NotUsed> source) {
    Pair<UniqueKillSwitch, CompletionStage<Done>> running = source
        .viaMat(KillSwitches.single(), Keep.right())
        .toMat(Sink.ignore(), Keep.both())
        .run(system);
    running.second().whenComplete((done, error) -> {
      if (error != null) {
        LOG.error("trigger relay {} stopped: {}", relayId, unwrap(error).getMessage());
      } else {
        LOG.info("trigger relay {} stopped", relayId);
      }
    });
    return new Running(running.first(), running.second());
  }

  private Source<Delivered, NotUsed> deliveries(boolean live) {
    ChangeFeed changes = feed != null ? feed : ChangeFeed.create(system);
    return Source.<Delivered, NotUsed>lazyCompletionStageSource(() -> offsets().thenApply(offsets -> {
      long from = offsets.values().stream().mapToLong(Long::longValue).min().orElse(0);
      LOG.info("trigger relay {} resumes after offset {} of {} (targets at {})", relayId, from,
          ChangeFeed.persistenceId(groupId, replica), offsets);
      Source<FeedEvent, NotUsed> events = live
          ? changes.events(groupId, replica, Offset.sequence(from))
          : changes.currentEvents(groupId, replica, Offset.sequence(from));
      return events.mapAsync(1, event -> handle(event, offsets)).mapConcat(list -> list);
    })).mapMaterializedValue(ignored -> NotUsed.getInstance());
  }

  /** Every target's recorded offset, asked one after the other (a target may be slow to start). */
  private CompletionStage<Map<String, Long>> offsets() {
    CompletionStage<Map<String, Long>> all = CompletableFuture.completedFuture(new LinkedHashMap<>());
    for (Map.Entry<String, TriggerTarget> t : targets.entrySet()) {
      all = all.thenCompose(map -> t.getValue().lastDelivered(relayId).thenApply(offset -> {
        map.put(t.getKey(), offset == null ? 0L : offset);
        return map;
      }));
    }
    return clean(all, "could not read the offsets of relay " + relayId + " from its targets");
  }

  private CompletionStage<List<Delivered>> handle(FeedEvent event, Map<String, Long> offsets) {
    if (event instanceof ChangeEvent change) {
      return deliver(change, offsets);
    } else if (event instanceof ChangesRetracted retracted) {
      TreeSet<Long> delivered = new TreeSet<>();
      for (LogEntry e : retracted.retracted()) {
        if (e.change() instanceof Change.Rows rows && rows.triggered() != null && !rows.triggered().isEmpty()) {
          delivered.add(e.position());
        }
      }
      if (retracted.reset() || !delivered.isEmpty()) {
        return CompletableFuture.failedFuture(new RelayHaltedException(retracted.sequenceNr(), "trigger relay "
            + relayId + " halts at offset " + retracted.sequenceNr() + ": replica " + replica + " retracted "
            + (retracted.reset() ? "every entry after position " + retracted.afterPosition() + " (it reset its store)"
                : "entries at positions " + delivered)
            + " whose trigger outputs were delivered; reconcile the targets, then record offset "
            + retracted.sequenceNr() + " in them"));
      }
      return CompletableFuture.completedFuture(List.of());
    } else if (event instanceof FeedRestarted restarted) {
      return CompletableFuture.failedFuture(new RelayHaltedException(restarted.sequenceNr(), "trigger relay "
          + relayId + " halts at offset " + restarted.sequenceNr() + ": replica " + replica + " replaced its store "
          + "with a snapshot at position " + restarted.position() + ", so the trigger outputs of the entries it "
          + "skipped are not in its journal; relay from the leader or a synchronous follower, reconcile the targets, "
          + "then record offset " + restarted.sequenceNr() + " in them"));
    }
    return CompletableFuture.completedFuture(List.of());
  }

  private CompletionStage<List<Delivered>> deliver(ChangeEvent change, Map<String, Long> offsets) {
    List<TriggerOutput> outputs = change.triggered();
    if (outputs.isEmpty()) {
      return CompletableFuture.completedFuture(List.of());
    }
    Map<String, List<RowRecord.RowChange>> byTarget = new LinkedHashMap<>();
    for (TriggerOutput o : outputs) {
      if (!targets.containsKey(o.target())) {
        return CompletableFuture.failedFuture(new RelayHaltedException(change.sequenceNr(), "trigger relay "
            + relayId + " halts at offset " + change.sequenceNr() + " (position " + change.position()
            + "): an output names target '" + o.target() + "', but the relay has targets " + targets.keySet()));
      }
      byTarget.computeIfAbsent(o.target(), t -> new ArrayList<>()).add(o.change());
    }
    CompletionStage<List<Delivered>> chain = CompletableFuture.completedFuture(new ArrayList<>());
    for (Map.Entry<String, List<RowRecord.RowChange>> t : byTarget.entrySet()) {
      String name = t.getKey();
      TriggerTarget.Delivery delivery = new TriggerTarget.Delivery(change.sequenceNr(), change.position(),
          change.epoch(), change.timestampMillis(), t.getValue());
      chain = chain.thenCompose(done -> {
        if (change.sequenceNr() <= offsets.getOrDefault(name, 0L)) {
          return CompletableFuture.completedFuture(done); // this target had it: the relay resumed for another one
        }
        return targets.get(name).deliver(relayId, delivery).thenApply(applied -> {
          offsets.put(name, change.sequenceNr());
          done.add(new Delivered(name, change.sequenceNr(), change.position(), delivery.changes().size(),
              Boolean.TRUE.equals(applied)));
          return done;
        });
      });
    }
    return clean(chain, "trigger relay " + relayId + " could not deliver the outputs of position "
        + change.position() + " (offset " + change.sequenceNr() + ")");
  }

  /** Fails with the original exception, not the CompletionException around it; adds context to foreign ones. */
  private static <T> CompletionStage<T> clean(CompletionStage<T> stage, String context) {
    CompletableFuture<T> result = new CompletableFuture<>();
    stage.whenComplete((value, error) -> {
      if (error == null) {
        result.complete(value);
        return;
      }
      Throwable cause = unwrap(error);
      result.completeExceptionally(cause instanceof RelayHaltedException
          ? cause : new IllegalStateException(context + ": " + cause.getMessage(), cause));
    });
    return result;
  }

  private static Throwable unwrap(Throwable t) {
    Throwable c = t;
    while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
      c = c.getCause();
    }
    return c;
  }
}
