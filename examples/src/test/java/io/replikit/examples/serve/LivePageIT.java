package io.replikit.examples.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.replikit.examples.support.KvClient;
import io.replikit.examples.support.LocalCluster;
import io.replikit.examples.support.Poll;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The live page end to end, as an operator sees it in a browser: three {@code replikit serve} JVMs
 * ({@link LocalCluster}, group {@code orders}), headless Chromium showing {@code /ui} of a node that does not lead.
 * A write through the HTTP API appears on the page (its position, a "writes applied" row); then the leader is
 * killed (SIGKILL: a real failover, no handover) and the page shows the new leader, the higher epoch and a
 * "leader-changed" row naming the old and the new leader, without a reload.
 *
 * <p>Everything is read from the page's DOM (what the user sees), every wait is bounded and on failure says what the
 * page showed, the browser's console and each node's status and log tail. Runs under Maven Failsafe after
 * {@code package} (the nodes run {@code target/replikit.jar}, so the page's files are the ones bundled in the jar)
 * and after {@code scripts/ensure-chromium} has installed Chromium; without it the test fails naming the script.
 */
@Timeout(180)
class LivePageIT {
  private static final String GROUP = "orders";
  // the page's state as it renders it: connection, the group card's facts and the timeline rows
  private static final String PAGE_STATE = """
      const card = document.querySelector('section[data-group="orders"]');
      const text = sel => { const e = card && card.querySelector(sel); return e ? e.textContent : null; };
      return {
        connection: document.body.dataset.state,
        node: document.getElementById('node').textContent,
        leader: text('dd.leader'), epoch: text('dd.epoch'), applied: text('dd.applied'), role: text('dd.role'),
        rows: [...document.querySelectorAll('#timeline li')].map(li => ({
          kind: li.dataset.kind, id: li.dataset.id, text: li.querySelector('.text').textContent }))
      };
      """;

  @Test
  void thePageShowsAWriteAndAFailoverOfTheLeaderAsTheyHappen() throws Exception {
    Path jar = Path.of(System.getProperty("replikit.jar", "target/replikit.jar")).toAbsolutePath();
    Path work = Path.of("target", "it", "live-page-" + System.currentTimeMillis()).toAbsolutePath();
    Files.createDirectories(work);
    try (LocalCluster cluster = LocalCluster.start(new LocalCluster.Options(jar, work, 3, GROUP, "semi-sync", "1s",
            LocalCluster.Options.smallJvm(), List.of()));
        HeadlessChromium browser = HeadlessChromium.start(work.resolve("browser"))) {
      String leader = cluster.awaitLeader(Duration.ofSeconds(60));
      long epoch = cluster.statuses().get(leader).path("epoch").asLong();
      String watcher = cluster.nodes().stream().map(LocalCluster.Node::name).filter(n -> !n.equals(leader))
          .reduce((a, b) -> b).orElseThrow();
      LocalCluster.Node page = cluster.node(watcher);

      browser.open(page.baseUrl() + "/ui");
      assertEquals(page.baseUrl() + "/ui/", browser.currentUrl(), "/ui redirects to /ui/");
      Page shown = new Page(browser, cluster);
      shown.await("the page on " + watcher + " is live and shows " + GROUP + " led by " + leader + " in epoch "
          + epoch, Duration.ofSeconds(30), s -> "live".equals(s.path("connection").asText())
          && watcher.equals(s.path("node").asText()) && leader.equals(s.path("leader").asText())
          && Long.toString(epoch).equals(s.path("epoch").asText()));

      KvClient.Response put = cluster.client().send("PUT",
          URI.create(cluster.node(leader).baseUrl() + KvClient.kvPath(GROUP, "seen-on-the-page")), "{\"live\":true}");
      assertEquals(200, put.status(), put.toString());
      long position = put.body().path("position").asLong();
      shown.await("the write at position " + position + " appears on the page (applied position and a timeline row)",
          Duration.ofSeconds(20), s -> s.path("applied").asLong(-1) >= position
              && rows(s, LiveFeed.WRITES_APPLIED).stream().anyMatch(r -> GROUP.equals(r.path("id").asText())));

      cluster.kill(leader);
      JsonNode after = shown.await("the page shows a new leader in a higher epoch and the failover on its timeline",
          Duration.ofSeconds(45), s -> {
            String now = s.path("leader").asText();
            return !now.isEmpty() && !now.equals(leader) && !now.startsWith("none")
                && s.path("epoch").asLong(-1) > epoch
                && rows(s, LiveFeed.LEADER_CHANGED).stream().anyMatch(r -> r.path("text").asText()
                    .contains("new leader " + now + " (was " + leader + ")"));
          });
      browser.screenshot(work.resolve("live-page.png"));
      String newLeader = after.path("leader").asText();
      JsonNode status = cluster.statuses().get(watcher);
      assertTrue(status != null && newLeader.equals(status.path("leader").asText()),
          "the page shows the leader " + watcher + " follows: page " + after + ", status " + status);
    }
  }

  private static List<JsonNode> rows(JsonNode state, String kind) {
    List<JsonNode> rows = new java.util.ArrayList<>();
    for (JsonNode r : state.path("rows")) {
      if (kind.equals(r.path("kind").asText())) {
        rows.add(r);
      }
    }
    return rows;
  }

  /** The page in the browser, read through {@link #PAGE_STATE}. */
  private record Page(HeadlessChromium browser, LocalCluster cluster) {
    JsonNode state() {
      try {
        return browser.execute(PAGE_STATE);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** Waits until the page's state satisfies {@code condition}; fails with what it showed. */
    JsonNode await(String what, Duration timeout, Predicate<JsonNode> condition) {
      AtomicReference<JsonNode> last = new AtomicReference<>();
      boolean met = Poll.within(timeout, Duration.ofMillis(100), () -> {
        last.set(state());
        return condition.test(last.get());
      });
      if (!met) {
        browser.screenshot(Path.of("target", "it", "live-page-failure.png").toAbsolutePath());
        throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting until " + what
            + "\npage: " + last.get() + "\nbrowser console: " + browser.console() + "\n" + cluster.describe());
      }
      return last.get();
    }
  }
}
