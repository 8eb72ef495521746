package io.replikit.versioning;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A seeded history of one key on three replicas: clients read some replicas (merging what they got, as a
 * coordinator does), write with that context, a stale one, or none; delete; replicas sync pairwise; optionally
 * tombstones are collected with the true common context. Records every write, every state, and every client
 * context used, so properties can say exactly which values must survive.
 */
final class DvvHistory {
  static final List<String> REPLICAS = List.of("a", "b", "c");

  /** One write as the coordinator performed it. */
  record Write(Dot dot, JsonNode value, VersionVector clientContext) {}

  final Map<String, DottedVersionVectorSet> replicas = new LinkedHashMap<>();
  final List<Write> writes = new ArrayList<>();
  /** Every state any replica passed through, in order: what replication may deliver, in any order. */
  final List<DottedVersionVectorSet> states = new ArrayList<>();
  /** Per step, each replica's live values: compared between a run with tombstone collection and one without. */
  final List<Map<String, List<JsonNode>>> liveByStep = new ArrayList<>();
  int collected;

  private DvvHistory() {
    for (String r : REPLICAS) {
      replicas.put(r, DottedVersionVectorSet.empty());
    }
  }

  static DvvHistory run(long seed, int steps, boolean collectTombstones) {
    DvvHistory h = new DvvHistory();
    Random rnd = new Random(seed);
    List<VersionVector> oldContexts = new ArrayList<>(List.of(VersionVector.empty()));
    long wall = 1_000;
    for (int step = 0; step < steps; step++) {
      int op = rnd.nextInt(10);
      String at = REPLICAS.get(rnd.nextInt(REPLICAS.size()));
      wall += rnd.nextInt(3) - 1; // clocks that stall and step back a little
      if (op < 6) {
        VersionVector ctx;
        int how = rnd.nextInt(4);
        if (how == 0) {
          ctx = VersionVector.empty(); // a blind write
        } else if (how == 1) {
          ctx = oldContexts.get(rnd.nextInt(oldContexts.size())); // based on an old read
        } else {
          DottedVersionVectorSet read = h.replicas.get(at); // a read of this and maybe other replicas
          for (String r : REPLICAS) {
            if (rnd.nextBoolean()) {
              read = read.sync(h.replicas.get(r));
            }
          }
          ctx = read.context();
        }
        oldContexts.add(ctx);
        JsonNode value = rnd.nextInt(5) == 0 ? null : JsonNodeFactory.instance.textNode("v" + step);
        DottedVersionVectorSet next = h.replicas.get(at).update(ctx, value, at, wall);
        Dot dot = new Dot(at, next.context().get(at));
        h.writes.add(new Write(dot, value, ctx));
        h.put(at, next);
      } else if (op < 9) {
        String from = REPLICAS.get(rnd.nextInt(REPLICAS.size()));
        h.put(at, h.replicas.get(at).sync(h.replicas.get(from)));
      } else {
        // the meet of every replica's context: the delete is everywhere; consumes no randomness, so a run with
        // and one without collection make the same choices
        VersionVector everywhere = DottedVersionVectorSet.commonContext(
            h.replicas.values().stream().map(DottedVersionVectorSet::context).toList());
        if (collectTombstones) {
          DottedVersionVectorSet before = h.replicas.get(at);
          DottedVersionVectorSet after = before.withoutTombstonesCoveredBy(everywhere);
          h.collected += before.siblings().size() - after.siblings().size();
          h.put(at, after);
        }
      }
      Map<String, List<JsonNode>> live = new LinkedHashMap<>();
      h.replicas.forEach((r, s) -> live.put(r, s.values()));
      h.liveByStep.add(live);
    }
    return h;
  }

  private void put(String replica, DottedVersionVectorSet s) {
    replicas.put(replica, s);
    states.add(s);
  }

  /** Everything every replica holds, joined: what they converge to after a full exchange. */
  DottedVersionVectorSet converged() {
    DottedVersionVectorSet all = DottedVersionVectorSet.empty();
    for (DottedVersionVectorSet s : replicas.values()) {
      all = all.sync(s);
    }
    return all;
  }
}
