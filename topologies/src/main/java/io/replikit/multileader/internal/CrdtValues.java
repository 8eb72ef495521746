package io.replikit.multileader.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.replikit.crdt.AwORSet;
import io.replikit.crdt.Crdt;
import io.replikit.crdt.GCounter;
import io.replikit.crdt.LwwRegister;
import io.replikit.crdt.MvRegister;
import io.replikit.crdt.OrMap;
import io.replikit.crdt.PNCounter;
import io.replikit.crdt.Resettable;
import io.replikit.crdt.Rga;

/** What a read shows of a CRDT: its value as plain JSON (a number, an array, a text, an object of values). */
public final class CrdtValues {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private CrdtValues() {}

  public static JsonNode valueOf(Crdt<?> crdt) {
    if (crdt instanceof GCounter g) {
      return NODES.numberNode(g.value());
    } else if (crdt instanceof PNCounter p) {
      return NODES.numberNode(p.value());
    } else if (crdt instanceof AwORSet s) {
      ArrayNode a = NODES.arrayNode();
      s.value().forEach(a::add);
      return a;
    } else if (crdt instanceof LwwRegister r) {
      return r.value();
    } else if (crdt instanceof MvRegister m) {
      ArrayNode a = NODES.arrayNode();
      m.value().forEach(a::add);
      return a;
    } else if (crdt instanceof Rga t) {
      return NODES.textNode(t.value());
    } else if (crdt instanceof Resettable<?> r) {
      return r.value().map(v -> valueOf((Crdt<?>) v)).orElse(null);
    } else if (crdt instanceof OrMap<?> m) {
      ObjectNode o = NODES.objectNode();
      for (String k : m.keys()) {
        m.get(k).ifPresent(v -> o.set(k, valueOf((Crdt<?>) v)));
      }
      return o;
    }
    return MAPPER.valueToTree(crdt);
  }
}
