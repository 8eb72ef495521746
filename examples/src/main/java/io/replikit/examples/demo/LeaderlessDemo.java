package io.replikit.examples.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.ConfigFactory;
import io.replikit.examples.support.Poll;
import io.replikit.examples.support.RunningRing;
import io.replikit.leaderless.Coordinator;
import io.replikit.leaderless.Keyspace;
import io.replikit.leaderless.antientropy.AntiEntropy;
import io.replikit.leaderless.handoff.HintedHandoff;
import io.replikit.versioning.VersionVector;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The {@code replikit demo leaderless} run: a Dynamo-style keyspace on five nodes (n = 3, w = 2, r = 2) on the
 * embedded H2 journal. A node goes down while writes continue (each is acknowledged by the two homes that are up);
 * it comes back, the reads that touch its keys repair it, and one anti-entropy round (Merkle trees compared with its
 * peers) repairs the keys nobody read; a shopping cart written by two clients at once keeps both versions as
 * siblings, and the client's merge keeps an item one of them removed removed; on a second keyspace with sloppy
 * quorums, a write made while a home is down is kept by a stand-in as a hint and handed off when the home returns.
 * The program checks what it tells.
 */
public final class LeaderlessDemo {

  /** What the run ended with: the final cart, and the checks that failed (none: verified). */
  public record Result(String keyspace, Set<String> cart, int repairedByReads, List<String> failedChecks) {
    public boolean verified() {
      return failedChecks.isEmpty();
    }
  }

  static final String CART = "cart:ada";
  private static final List<String> NODES = List.of("n1", "n2", "n3", "n4", "n5");
  private static final int PRODUCTS = 12;
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private final Narrator say;
  private RunningRing ring;

  private LeaderlessDemo(PrintWriter out) {
    this.say = new Narrator(out);
  }

  public static Result run(Path dataDir, PrintWriter out) {
    return new LeaderlessDemo(out).run(dataDir);
  }

  private Result run(Path dataDir) {
    try (RunningRing nodes = new RunningRing("replikit-leaderless-demo", "shop", dataDir,
        name -> new Keyspace(name, 3, 2, 2, Duration.ofSeconds(2), Keyspace.Conflicts.SIBLINGS,
            Keyspace.ReadRepair.BLOCKING), ConfigFactory.empty(), 7L, say.out(), NODES)) {
      ring = nodes;
      say.say("== 1. Five nodes " + NODES + " on a consistent-hash ring (16 virtual nodes each), keyspace "
          + ring.keyspace().name() + ": n = 3, w = 2, r = 2, journal in " + dataDir);
      for (int i = 0; i < PRODUCTS; i++) {
        ring.putOk(NODES.get(i % NODES.size()), product(i), JSON.numberNode(10), VersionVector.empty());
      }
      say.say("   stock of " + PRODUCTS + " products written; each key lives on its 3 home replicas, e.g. "
          + product(0) + " on " + ring.homes(product(0)));

      String down = "n3";
      List<String> missed = new ArrayList<>();
      say.say("== 2. " + down + " goes down; writes continue on the other four nodes");
      ring.takeDown(down);
      boolean allAcknowledged = true;
      for (int i = 0; i < PRODUCTS; i++) {
        Coordinator.PutReply reply = ring.put(NODES.get((i + 1) % NODES.size()).equals(down) ? "n1"
            : NODES.get((i + 1) % NODES.size()), product(i), JSON.numberNode(9), current(product(i)));
        if (reply instanceof Coordinator.PutOk ok) {
          if (ring.homes(product(i)).contains(down)) {
            missed.add(product(i));
            say.say("   " + product(i) + " = 9 acknowledged by " + ok.replicas() + " (" + down + " is one of its homes"
                + " and missed it)");
          }
        } else {
          allAcknowledged = false;
          say.say("   " + product(i) + " NOT acknowledged: " + reply);
        }
      }

      say.say("== 3. " + down + " comes back; a quorum read that hears it repairs it");
      ring.heal();
      int stale = staleOn(down, missed);
      say.say("   " + down + " holds an old stock for " + stale + " of its " + missed.size() + " keys");
      List<String> read = missed.subList(0, missed.size() / 2);
      int repairs = 0;
      for (String key : read) {
        Coordinator.GetOk got = ring.getOk("n1", key, 3); // r = 3 waits for n3 too, so the read sees it stale
        repairs += got.repaired();
        say.say("   read " + key + " -> " + got.values() + ", replicas repaired by this read: " + got.repaired());
      }
      int staleAfterReads = staleOn(down, missed);
      say.say("   " + down + " is still stale on " + staleAfterReads + " keys nobody read (anti-entropy's work)");

      say.say("== 4. Anti-entropy: " + down + " compares Merkle trees of its key ranges with its peers");
      AntiEntropy.RoundDone round = ring.antiEntropyRound(down);
      int staleAfterRound = staleOn(down, missed);
      say.say("   one round: " + round.exchanges() + " exchanges, " + round.keysRepaired() + " keys repaired; "
          + down + " is now stale on " + staleAfterRound + " keys");

      say.say("== 5. A shopping cart written by two clients at once");
      ring.putOk("n1", CART, cart(Set.of("milk", "bread"), Set.of()), VersionVector.empty());
      Coordinator.GetOk seen = ring.getOk("n2", CART, 2);
      say.say("   both clients read " + seen.values() + " (version " + seen.context() + ")");
      ring.putOk("n2", CART, cart(Set.of("bread"), Set.of("milk")), seen.context());
      say.say("   client A removes milk, writing on top of what it read");
      ring.putOk("n4", CART, cart(Set.of("milk", "bread", "eggs"), Set.of()), seen.context());
      say.say("   client B adds eggs, writing on top of the same read: the writes are concurrent");
      Coordinator.GetOk siblings = ring.getOk("n5", CART, 2);
      say.say("   a read returns " + siblings.values().size() + " siblings: " + siblings.values());
      JsonNode merged = merge(siblings.values());
      ring.putOk("n5", CART, merged, siblings.context());
      say.say("   the client merges them (items of either, minus items either removed) and writes " + merged);
      Coordinator.GetOk after = ring.getOk("n1", CART, 3);
      Set<String> finalCart = items(after.values().isEmpty() ? JSON.objectNode() : after.values().get(0));
      say.say("   the cart now reads " + after.values());

      Sloppy sloppy = sloppyQuorumHandoff(dataDir);

      say.say("== 7. Checks");
      say.check(allAcknowledged, "every write while " + down + " was down was acknowledged by a quorum");
      say.check(!missed.isEmpty() && stale == missed.size(), down + " missed the " + missed.size()
          + " writes of its keys while it was down");
      say.check(repairs == read.size() && staleAfterReads == missed.size() - read.size(),
          "each read that heard the stale " + down + " repaired it (" + repairs + " repairs), and only those keys");
      say.check(staleAfterRound == 0 && round.keysRepaired() >= staleAfterReads,
          "one anti-entropy round repaired the " + staleAfterReads + " keys no read had touched");
      say.check(siblings.values().size() == 2, "the concurrent cart writes came back as two siblings, none lost");
      say.check(after.values().size() == 1, "the merged write replaced both siblings");
      say.check(finalCart.equals(Set.of("bread", "eggs")), "the cart is bread and eggs: eggs added, milk stays removed");
      say.check(sloppy.acknowledged(), "with a home down, the sloppy write was acknowledged by w = 3 nodes, one a "
          + "stand-in");
      say.check(sloppy.hintWaited() && sloppy.handedOff() && sloppy.homeHasIt(),
          "the stand-in kept a hint for the home, handed it off when the home came back, and the home holds the write");
      List<String> failed = say.verdict("the keyspace kept every acknowledged write, repaired the stale replica, and "
          + "handed the hint back");
      return new Result(ring.keyspace().name(), finalCart, repairs, failed);
    }
  }

  /** What the sloppy-quorum step saw. */
  private record Sloppy(boolean acknowledged, boolean hintWaited, boolean handedOff, boolean homeHasIt) {}

  /** Step 6, on a second keyspace with sloppy quorums on and w = 3: a write while a home is down, handed off. */
  private Sloppy sloppyQuorumHandoff(Path dataDir) {
    say.say("== 6. Sloppy quorum and hinted handoff (a second keyspace: sloppy-quorum on, n = 3, w = 3)");
    try (RunningRing sloppyRing = new RunningRing("replikit-leaderless-demo-sloppy", "sessions", dataDir,
        name -> new Keyspace(name, 3, 3, 2, Duration.ofSeconds(2), Keyspace.Conflicts.SIBLINGS,
            Keyspace.ReadRepair.BLOCKING).withSloppyQuorum(true).withHandoffInterval(Duration.ofMillis(200)),
        ConfigFactory.empty(), 11L, say.out(), NODES)) {
      String key = "session:ada";
      String home = sloppyRing.homes(key).get(2);
      sloppyRing.takeDown(home);
      say.say("   " + home + ", a home of " + key + " (homes " + sloppyRing.homes(key) + "), goes down");
      Coordinator.PutReply reply = sloppyRing.put(sloppyRing.homes(key).get(0), key, JSON.textNode("signed-in"),
          VersionVector.empty());
      boolean acknowledged = reply instanceof Coordinator.PutOk ok && ok.acknowledged() >= 3
          && ok.replicas().stream().anyMatch(r -> !sloppyRing.homes(key).contains(r));
      say.say("   the write (w = 3 with only two homes up) -> " + reply);
      String standIn = null;
      for (String node : sloppyRing.nodes()) {
        HintedHandoff.HintStatus hints = sloppyRing.hintStatus(node);
        if (hints.waiting().getOrDefault(home, 0) > 0) {
          standIn = node;
          say.say("   " + node + " keeps a hint for " + home + ": " + hints.waiting());
        }
      }
      say.say("   " + home + " comes back");
      sloppyRing.heal();
      String holder = standIn;
      boolean handedOff = holder != null && Poll.within(RunningRing.STEP, () -> sloppyRing.hintStatus(holder)
          .handedOff() >= 1 && sloppyRing.hintStatus(holder).total() == 0);
      boolean homeHasIt = sloppyRing.fetch(home, key).values().equals(List.of(JSON.textNode("signed-in")));
      say.say("   the hint was handed off: " + handedOff + "; " + home + " now holds "
          + sloppyRing.fetch(home, key).values());
      return new Sloppy(acknowledged, standIn != null, handedOff, homeHasIt);
    }
  }

  private static String product(int i) {
    return "stock:item-" + i;
  }

  /** The context of the key's current value, so that a write replaces it instead of standing beside it. */
  private VersionVector current(String key) {
    return ring.getOk("n1", key, 2).context();
  }

  private int staleOn(String node, List<String> keys) {
    int stale = 0;
    for (String key : keys) {
      if (!ring.fetch(node, key).values().equals(List.of(JSON.numberNode(9)))) {
        stale++;
      }
    }
    return stale;
  }

  /** A cart that remembers what was removed from it, so that a merge does not bring a removed item back. */
  private static JsonNode cart(Set<String> items, Set<String> removed) {
    ObjectNode cart = JSON.objectNode();
    ArrayNode i = cart.putArray("items");
    new TreeSet<>(items).forEach(i::add);
    ArrayNode r = cart.putArray("removed");
    new TreeSet<>(removed).forEach(r::add);
    return cart;
  }

  private static Set<String> items(JsonNode cart) {
    Set<String> out = new TreeSet<>();
    cart.path("items").forEach(n -> out.add(n.asText()));
    return out;
  }

  /** The chapter's merge of sibling carts: the union of the items less the union of the removals. */
  static JsonNode merge(List<JsonNode> siblings) {
    Set<String> items = new TreeSet<>();
    Set<String> removed = new TreeSet<>();
    for (JsonNode s : siblings) {
      items.addAll(items(s));
      s.path("removed").forEach(n -> removed.add(n.asText()));
    }
    items.removeAll(removed);
    return cart(items, removed);
  }
}
