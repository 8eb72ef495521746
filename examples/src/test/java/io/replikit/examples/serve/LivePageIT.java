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
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * The live page end to end, as an operator sees it in a browser: three {@code replikit serve} JVMs
 * ({@link LocalCluster}) hosting the single-leader group {@code orders}, the multi-leader group {@code profiles}
 * (all three, all-to-all) and the leaderless ring {@code carts} (all three, n = 2, w = r = 2, sloppy quorum), and
 * headless Chromium showing {@code /ui} of a node that does not lead {@code orders}. In order, on one page:
 * <ol>
 *   <li>the multi-leader group is drawn as its graph (three members, this node marked, the three edges of
 *       all-to-all), and a write through another member shows up as that origin's applied count, a change flowing
 *       along an edge and a "writes applied" row;
 *   <li>this node's replica of the sharded keyspace {@code users} (one partition, a replica on each node) is a row
 *       of the sharded table, and a write to the keyspace shows as its applied position and a "writes applied" row
 *       of family {@code sharded};
 *   <li>a write to {@code orders} appears (its position, a "writes applied" row); then the leader is killed
 *       (SIGKILL: a real failover, no handover) and the page shows the new leader, the higher epoch and a
 *       "leader-changed" row naming the old and the new leader, without a reload;
 *   <li>the ring draws the killed node as down, and writes through the third node make this node keep hints for the
 *       killed one, shown under it on the ring drawing and as a "hints" row. (n = 2 of three nodes: with n = 3 every
 *       node is a home of every key, so a sloppy quorum has no stand-in and nothing is ever kept as a hint.)
 * </ol>
 * The page's script must not have reported an error on any card, nor in the browser's console.
 *
 * <p>Everything is read from the page's DOM (what the user sees), every wait is bounded and on failure says what the
 * page showed, the browser's console and each node's status and log tail. Runs under Maven Failsafe after
 * {@code package} (the nodes run {@code target/replikit.jar}, so the page's files are the ones bundled in the jar)
 * and after {@code scripts/ensure-chromium} has installed Chromium; without it the test fails naming the script.
 */
@Timeout(180)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LivePageIT {
  private static final String GROUP = "orders";
  private static final String MULTI = "profiles";
  private static final String RING = "carts";
  private static final String KEYSPACE = "users"; // one partition, a replica on each node
  private static final String PARTITION = KEYSPACE + "-p0";
  private static final List<String> NODES = List.of("n1", "n2", "n3");
  // the page's state as it renders it: connection, the group card's facts, the graphs and the timeline rows
  private static final String PAGE_STATE = """
      const card = document.querySelector('section[data-group="orders"]');
      const text = sel => { const e = card && card.querySelector(sel); return e ? e.textContent : null; };
      const graph = key => {
        const g = document.querySelector(`svg.graph[data-graph="${key}"]`);
        if (!g) return null;
        const badges = {};
        g.querySelectorAll('text.badge').forEach(b => { badges[b.getAttribute('data-member')] = b.textContent; });
        return {
          members: [...g.querySelectorAll('circle.member')].map(c => ({ id: c.getAttribute('data-member'),
            self: c.classList.contains('self'), down: c.classList.contains('down') })),
          edges: [...g.querySelectorAll('line.edge')].map(l => l.getAttribute('data-edge')),
          badges, flows: Number(g.getAttribute('data-flows'))
        };
      };
      const ring = document.querySelector('section[data-ring="carts"] dd.hints');
      return {
        connection: document.body.dataset.state,
        node: document.getElementById('node').textContent,
        leader: text('dd.leader'), epoch: text('dd.epoch'), applied: text('dd.applied'), role: text('dd.role'),
        multi: graph('multi/profiles'), ring: graph('ring/carts'), ringHints: ring ? ring.textContent : null,
        sharded: [...document.querySelectorAll('#sharded-replicas tr[data-group]')].map(tr => ({
          group: tr.getAttribute('data-group'), cells: [...tr.cells].map(td => td.textContent) })),
        errors: [...document.querySelectorAll('.card p.error')].map(p => p.textContent),
        rows: [...document.querySelectorAll('#timeline li')].map(li => ({
          kind: li.dataset.kind, family: li.dataset.family, id: li.dataset.id,
          text: li.querySelector('.text').textContent }))
      };
      """;

  private static Path work;
  private static LocalCluster cluster;
  private static HeadlessChromium browser;
  private static String leader;
  private static long epoch;
  private static String watcher;
  private static Page shown;

  @BeforeAll
  static void openThePageOfAFollower() throws Exception {
    Path jar = Path.of(System.getProperty("replikit.jar", "target/replikit.jar")).toAbsolutePath();
    work = Path.of("target", "it", "live-page-" + System.currentTimeMillis()).toAbsolutePath();
    Files.createDirectories(work);
    Path families = work.resolve("families.conf");
    Files.writeString(families, String.join("\n",
        "replikit.serve {",
        "  multi-leader = [{ id = " + MULTI + ", members = [" + String.join(", ", NODES) + "], topology = all-to-all }]",
        "  rings = [{ id = " + RING + ", nodes = [" + String.join(", ", NODES) + "], n = 2, w = 2, r = 2,"
            + " sloppy-quorum = on }]",
        "  sharding.keyspaces = [{ name = " + KEYSPACE + ", partitions = 1, replicas = " + NODES.size() + " },",
        "    { name = prefs, family = multi-leader, partitions = 1, replicas = " + NODES.size() + " },",
        "    { name = tokens, family = leaderless, partitions = 1, replicas = " + NODES.size() + " }]",
        "}", ""));
    cluster = LocalCluster.start(new LocalCluster.Options(jar, work, NODES.size(), GROUP, "semi-sync", "1s",
        LocalCluster.Options.smallJvm(), List.of("--config", families.toString())));
    browser = HeadlessChromium.start(work.resolve("browser"));
    leader = cluster.awaitLeader(Duration.ofSeconds(60));
    epoch = cluster.statuses().get(leader).path("epoch").asLong();
    watcher = cluster.nodes().stream().map(LocalCluster.Node::name).filter(n -> !n.equals(leader))
        .reduce((a, b) -> b).orElseThrow();
    LocalCluster.Node page = cluster.node(watcher);

    browser.open(page.baseUrl() + "/ui");
    assertEquals(page.baseUrl() + "/ui/", browser.currentUrl(), "/ui redirects to /ui/");
    shown = new Page(browser, cluster);
    shown.await("the page on " + watcher + " is live and shows " + GROUP + " led by " + leader + " in epoch "
        + epoch, Duration.ofSeconds(30), s -> "live".equals(s.path("connection").asText())
        && watcher.equals(s.path("node").asText()) && leader.equals(s.path("leader").asText())
        && Long.toString(epoch).equals(s.path("epoch").asText()));
  }

  @AfterAll
  static void closeEverything() {
    if (browser != null) {
      browser.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @Order(1)
  void theMultiLeaderGroupIsDrawnAsItsTopologyAndAWriteOnAnotherMemberFlowsToThisOne() {
    JsonNode drawn = shown.await("the page draws " + MULTI + " with its three members and all-to-all's three edges",
        Duration.ofSeconds(20), s -> members(s.path("multi")).equals(new TreeSet<>(NODES))
            && edges(s.path("multi")).equals(Set.of("n1-n2", "n1-n3", "n2-n3")));
    for (JsonNode m : drawn.path("multi").path("members")) {
      assertEquals(m.path("id").asText().equals(watcher), m.path("self").asBoolean(),
          "only this node (" + watcher + ") is drawn as self: " + drawn.path("multi"));
      assertTrue(!m.path("down").asBoolean(), "every member is up: " + drawn.path("multi"));
    }

    String origin = leader; // any member but the page's own
    KvClient.Response put = TestHttp.send("PUT", cluster.node(origin).baseUrl() + KvClient.kvPath(MULTI,
        "seen-on-the-graph"), "{\"theme\":\"dark\"}");
    assertEquals(200, put.status(), put.toString());
    long counter = put.body().path("counter").asLong();
    assertEquals(origin, put.body().path("origin").asText(), put.toString());
    shown.await("the write of " + origin + " (" + origin + ":" + counter + ") reaches " + watcher + ": its applied "
        + "count under " + origin + ", a change flowing along an edge, a writes-applied row", Duration.ofSeconds(20),
        s -> ("↓" + counter).equals(s.path("multi").path("badges").path(origin).asText())
            && s.path("multi").path("flows").asInt() >= 1
            && rows(s, LiveFeed.WRITES_APPLIED).stream().anyMatch(r -> MULTI.equals(r.path("id").asText())
                && "multi-leader".equals(r.path("family").asText())
                && r.path("text").asText().contains("from " + origin)));
  }

  @Test
  @Order(2)
  void aShardedKeyspacesReplicaHereIsARowOfItsTableAndItsWritesAreOnTheTimeline() {
    String[] last = {null};
    // the partition's group starts once all three replicas run (Cluster Sharding places them on first use)
    boolean written = Poll.within(Duration.ofSeconds(40), Duration.ofMillis(200), () -> {
      KvClient.Response put = TestHttp.send("PUT", cluster.node(leader).baseUrl() + KvClient.kvPath(KEYSPACE,
          "seen-in-the-table"), "{\"plan\":\"pro\"}");
      last[0] = put.toString();
      return put.status() == 200;
    });
    assertTrue(written, "a write to " + KEYSPACE + " is acknowledged: " + last[0] + "\n" + cluster.describe());
    shown.await("the page lists " + watcher + "'s replica of " + PARTITION + " with the write applied, and the write "
        + "as a sharded writes-applied row", Duration.ofSeconds(20), s -> {
          JsonNode row = null;
          for (JsonNode r : s.path("sharded")) {
            if (PARTITION.equals(r.path("group").asText())) {
              row = r;
            }
          }
          // cells: keyspace, partition, replica, role, epoch, leader, applied, last, family; the other families'
          // replicas are rows too, named by the incarnation they write as
          boolean families = false;
          boolean mintsAs = false;
          for (JsonNode r : s.path("sharded")) {
            families |= "prefs-p0".equals(r.path("group").asText())
                && r.path("cells").path(3).asText().startsWith("leader as ")
                && "multi-leader".equals(r.path("cells").path(8).asText());
            mintsAs |= "tokens-p0".equals(r.path("group").asText())
                && r.path("cells").path(3).asText().startsWith("replica as ")
                && "leaderless".equals(r.path("cells").path(8).asText());
          }
          return families && mintsAs && row != null && KEYSPACE.equals(row.path("cells").path(0).asText())
              && row.path("cells").path(6).asLong(0) >= 1
              && rows(s, LiveFeed.WRITES_APPLIED).stream().anyMatch(r -> PARTITION.equals(r.path("id").asText())
                  && "sharded".equals(r.path("family").asText())
                  && r.path("text").asText().startsWith(KEYSPACE + " partition 0: "));
        });
  }

  @Test
  @Order(3)
  void thePageShowsAWriteAndAFailoverOfTheLeaderAsTheyHappen() throws Exception {
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

  @Test
  @Order(4)
  void theRingDrawsAKilledNodeDownAndTheHintsThisNodeKeepsForIt() {
    // the leader killed above, or (run alone) one killed here
    String dead = cluster.nodes().stream().filter(n -> !n.running()).map(LocalCluster.Node::name).findFirst()
        .orElseGet(() -> {
          cluster.kill(leader);
          return leader;
        });
    String third = NODES.stream().filter(n -> !n.equals(dead) && !n.equals(watcher)).findFirst().orElseThrow();
    // a key whose homes are dead and third has watcher as its stand-in (n = 2 of three), which keeps it as a hint
    // for dead: about one key in three, so write new keys until the page shows one
    int[] written = {0};
    List<Integer> refused = new ArrayList<>();
    JsonNode seen = shown.await("writes through " + third + " leave hints for " + dead + " on " + watcher + ", drawn "
        + "under " + dead + " (drawn down) on the ring and as a hints row", Duration.ofSeconds(40), s -> {
          if (written[0] < 60) {
            KvClient.Response put = TestHttp.send("PUT", cluster.node(third).baseUrl()
                + KvClient.kvPath(RING, "cart-" + written[0]++), "{\"items\":1}");
            if (put.status() != 200) {
              refused.add(put.status()); // a write sent before the cluster saw dead go: not a stand-in's yet
            }
          }
          return downMembers(s.path("ring")).equals(Set.of(dead))
              && s.path("ring").path("badges").path(dead).asText().matches("[1-9][0-9]* hints?")
              && s.path("ringHints").asLong() >= 1
              && rows(s, LiveFeed.HINTS).stream().anyMatch(r -> RING.equals(r.path("id").asText())
                  && r.path("text").asText().contains(dead + ": "));
        });
    scrollTo("section[data-ring=\"" + RING + "\"]");
    browser.screenshot(work.resolve("live-page-ring.png"));
    assertTrue(downMembers(seen.path("multi")).equals(Set.of(dead)), "the multi-leader graph marks " + dead
        + " down too: " + seen.path("multi") + " (writes refused on the way: " + refused + ")");
  }

  @Test
  @Order(5)
  void thePageReportedNoErrors() {
    JsonNode s = shown.state();
    assertEquals(0, s.path("errors").size(), "cards showing an error: " + s.path("errors"));
    String console = browser.console();
    assertTrue(!console.contains("SEVERE"), "the browser's console has errors: " + console);
  }

  private static void scrollTo(String selector) {
    try {
      browser.execute("const e = document.querySelector('" + selector + "'); if (e) e.scrollIntoView(); return null;");
    } catch (IOException e) {
      // only for the picture
    }
  }

  private static Set<String> members(JsonNode graph) {
    Set<String> ids = new TreeSet<>();
    graph.path("members").forEach(m -> ids.add(m.path("id").asText()));
    return ids;
  }

  private static Set<String> downMembers(JsonNode graph) {
    Set<String> ids = new TreeSet<>();
    graph.path("members").forEach(m -> {
      if (m.path("down").asBoolean()) {
        ids.add(m.path("id").asText());
      }
    });
    return ids;
  }

  private static Set<String> edges(JsonNode graph) {
    Set<String> edges = new TreeSet<>();
    graph.path("edges").forEach(e -> edges.add(e.asText()));
    return edges;
  }

  private static List<JsonNode> rows(JsonNode state, String kind) {
    List<JsonNode> rows = new ArrayList<>();
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
