package io.replikit.examples.serve;

import akka.NotUsed;
import akka.actor.Cancellable;
import akka.actor.typed.ActorSystem;
import akka.http.javadsl.marshalling.sse.EventStreamMarshalling;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.model.Uri;
import akka.http.javadsl.model.headers.CacheControl;
import akka.http.javadsl.model.headers.CacheDirectives;
import akka.http.javadsl.model.sse.ServerSentEvent;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.Route;
import akka.japi.Pair;
import akka.stream.OverflowStrategy;
import akka.stream.javadsl.BroadcastHub;
import akka.stream.javadsl.Keep;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import akka.stream.javadsl.SourceQueueWithComplete;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live page of a {@code replikit serve} node: static files under {@code /ui/} (bundled in the jar under
 * {@value #RESOURCES}, no outside network) and {@code GET /events}, a server-sent event stream. The node's status
 * (the body of {@code GET /status}) is polled every {@code replikit.serve.live.interval} whether or not a page is
 * open, and each poll is sent to every open page as a {@code status} event; what changed between two polls
 * ({@link LiveFeed}) is sent as {@code timeline} events, and the last ones are kept and sent to a page when it
 * connects (only those after its {@code Last-Event-ID} when it reconnects), so a page opened late shows the recent
 * past. Every connection starts with a {@code hello} event naming the node and this feed's start time (a page that
 * sees a new one knows the node restarted). Comments are sent every {@code keep-alive} so proxies keep the stream.
 *
 * <p>Guarantees: one poll per interval however many pages are open (the polls never overlap); a slow page loses its
 * own oldest updates (each status event is a whole snapshot) and never holds back the others or the node. Does not
 * survive: a restart of the node (the timeline is in memory), and a poll that takes longer than the interval
 * (that tick is skipped). The routes are reads for {@link HttpAuth}: with {@code reads = closed} a browser needs
 * something in front of the node that adds the bearer token, since {@code EventSource} cannot send headers.
 */
public final class LivePage extends AllDirectives {
  /** Where the page's files live on the class path. */
  public static final String RESOURCES = "replikit-ui";

  private static final Logger LOG = LoggerFactory.getLogger(LivePage.class);
  private static final ObjectMapper MAPPER = new ObjectMapper();
  // each open page buffers this many updates before its oldest are dropped
  private static final int PAGE_BUFFER = 16;

  /**
   * {@code replikit.serve.live}.
   *
   * @param interval how often the node's status is polled and sent
   * @param keepAlive how long a stream may be silent before a comment is sent
   * @param history how many timeline events are kept for pages that connect later
   */
  public record Settings(Duration interval, Duration keepAlive, int history) {
    static final String SECTION = "replikit.serve.live";

    public Settings {
      if (interval.isNegative() || interval.isZero()) {
        throw new IllegalArgumentException(SECTION + ".interval must be positive, was " + interval);
      }
      if (keepAlive.isNegative() || keepAlive.isZero()) {
        throw new IllegalArgumentException(SECTION + ".keep-alive must be positive, was " + keepAlive);
      }
      if (history < 1 || history > 100_000) {
        throw new IllegalArgumentException(SECTION + ".history must be from 1 to 100000 events, was " + history);
      }
    }

    /**
     * Reads {@code replikit.serve.live}.
     *
     * @throws IllegalArgumentException naming the path and what was wrong
     */
    public static Settings fromConfig(Config config) {
      try {
        Config c = config.getConfig(SECTION);
        return new Settings(c.getDuration("interval"), c.getDuration("keep-alive"), c.getInt("history"));
      } catch (ConfigException e) {
        throw new IllegalArgumentException(SECTION + " needs interval and keep-alive (durations such as 500ms) and "
            + "history (a number of events): " + e.getMessage(), e);
      }
    }
  }

  /** One poll: the status as it was sent, and what changed since the previous one. */
  private record Update(JsonNode status, List<LiveFeed.Event> events) {}

  private final String node;
  private final Supplier<CompletionStage<JsonNode>> status;
  private final Settings settings;
  private final LongSupplier clock;
  private final LiveFeed feed;
  private final long startedAt;
  private final AtomicBoolean polling = new AtomicBoolean();
  private final SourceQueueWithComplete<Update> queue;
  private final Source<Update, NotUsed> updates;
  private volatile JsonNode latest;
  private volatile Cancellable ticks;

  private LivePage(ActorSystem<?> system, String node, Supplier<CompletionStage<JsonNode>> status,
      Settings settings, LongSupplier clock) {
    this.node = node;
    this.status = status;
    this.settings = settings;
    this.clock = clock;
    this.feed = new LiveFeed(settings.history());
    this.startedAt = clock.getAsLong();
    Pair<SourceQueueWithComplete<Update>, Source<Update, NotUsed>> hub =
        Source.<Update>queue(PAGE_BUFFER, OverflowStrategy.dropHead())
            .toMat(BroadcastHub.of(Update.class, PAGE_BUFFER), Keep.both()).run(system);
    this.queue = hub.first();
    this.updates = hub.second();
    // a hub without consumers holds its producer back: this one keeps it flowing while no page is open
    updates.runWith(Sink.ignore(), system);
  }

  /**
   * Starts polling {@code status} every {@code settings.interval()}.
   *
   * @param node this node's name, for the page's title
   * @param status the body of {@code GET /status} ({@link HttpApi#currentStatus()})
   */
  public static LivePage start(ActorSystem<?> system, String node, Supplier<CompletionStage<JsonNode>> status,
      Settings settings) {
    LivePage page = new LivePage(system, node, status, settings, System::currentTimeMillis);
    page.ticks = system.scheduler().scheduleWithFixedDelay(Duration.ZERO, settings.interval(), page::poll,
        system.executionContext());
    return page;
  }

  /** Stops polling and ends every open stream. */
  public void stop() {
    Cancellable t = ticks;
    if (t != null) {
      t.cancel();
    }
    queue.complete();
  }

  /** The timeline kept so far, oldest first. */
  public List<LiveFeed.Event> timeline() {
    return feed.recent();
  }

  private void poll() {
    if (!polling.compareAndSet(false, true)) {
      return; // the previous poll is still waiting for a replica: skip this tick rather than pile up asks
    }
    CompletionStage<JsonNode> next;
    try {
      next = status.get();
    } catch (RuntimeException e) {
      polling.set(false);
      LOG.warn("node {}: live page poll failed: {}", node, e.toString());
      return;
    }
    next.whenComplete((json, failure) -> {
      try {
        if (failure != null) {
          LOG.debug("node {}: live page poll failed: {}", node, failure.toString());
          return;
        }
        List<LiveFeed.Event> events = feed.observe(json, clock.getAsLong());
        latest = json;
        queue.offer(new Update(json, events));
      } catch (RuntimeException e) {
        // a status body the feed cannot read costs one tick, never the poller
        LOG.warn("node {}: live page could not use a status snapshot: {}", node, e.toString());
      } finally {
        polling.set(false);
      }
    });
  }

  /** {@code /ui} (301 to {@code /ui/}), {@code /ui/...} and {@code GET /events}. */
  public Route route() {
    return concat(
        pathPrefix("ui", () -> get(() -> concat(
            pathEnd(() -> redirect(Uri.create("/ui/"), StatusCodes.MOVED_PERMANENTLY)),
            pathSingleSlash(() -> noCache(getFromResource(RESOURCES + "/index.html"))),
            noCache(getFromResourceDirectory(RESOURCES))))),
        path("events", () -> get(() -> optionalHeaderValueByName("Last-Event-ID", last ->
            respondWithHeader(CacheControl.create(CacheDirectives.NO_CACHE), () ->
                completeOK(events(lastEventId(last)), EventStreamMarshalling.toEventStream()))))));
  }

  // an upgraded node must not be shown with the old script from the browser's cache
  private Route noCache(Route inner) {
    return respondWithHeader(CacheControl.create(CacheDirectives.NO_CACHE), () -> inner);
  }

  private static long lastEventId(Optional<String> header) {
    if (header.isEmpty()) {
      return 0;
    }
    try {
      return Math.max(0, Long.parseLong(header.get().trim()));
    } catch (NumberFormatException e) {
      return 0; // not one of ours: send the whole history
    }
  }

  /** One page's stream: hello, the kept timeline, the last status, then every update. */
  Source<ServerSentEvent, NotUsed> events(long afterSeq) {
    Source<ServerSentEvent, NotUsed> live = updates
        .buffer(PAGE_BUFFER, OverflowStrategy.dropHead())
        .mapConcat(this::toEvents);
    Source<ServerSentEvent, NotUsed> first = Source.lazySource(() -> Source.from(greeting(afterSeq)))
        .mapMaterializedValue(f -> NotUsed.getInstance());
    return first.concat(live).keepAlive(settings.keepAlive(), ServerSentEvent::heartbeat);
  }

  private List<ServerSentEvent> greeting(long afterSeq) {
    List<ServerSentEvent> events = new ArrayList<>();
    ObjectNode hello = MAPPER.createObjectNode();
    hello.put("node", node);
    hello.put("feedStartedAt", startedAt);
    hello.put("intervalMillis", settings.interval().toMillis());
    hello.put("history", settings.history());
    events.add(ServerSentEvent.create(write(hello), "hello"));
    for (LiveFeed.Event e : feed.recentAfter(afterSeq)) {
      events.add(timeline(e));
    }
    JsonNode s = latest;
    if (s != null) {
      events.add(ServerSentEvent.create(write(s), "status"));
    }
    return events;
  }

  private List<ServerSentEvent> toEvents(Update u) {
    List<ServerSentEvent> events = new ArrayList<>();
    for (LiveFeed.Event e : u.events()) {
      events.add(timeline(e));
    }
    events.add(ServerSentEvent.create(write(u.status()), "status"));
    return events;
  }

  private static ServerSentEvent timeline(LiveFeed.Event e) {
    return ServerSentEvent.create(write(e.toJson()), "timeline", Long.toString(e.seq()));
  }

  private static String write(JsonNode json) {
    try {
      return MAPPER.writeValueAsString(json);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("could not render a live page event", e);
    }
  }
}
