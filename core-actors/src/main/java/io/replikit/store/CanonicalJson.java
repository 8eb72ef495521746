package io.replikit.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.util.Iterator;
import java.util.Map;

/**
 * The one in-memory form of a JSON value that every replica stores: numbers as a JSON parser reads them back (an
 * integer as an int when it fits, else a long, else a big integer; any other number as a double). A value that
 * crossed the wire (CBOR) or the journal (JSON) and the same value built in memory on the leader then compare
 * equal, so replicas holding the same bytes also hold equal stores.
 */
public final class CanonicalJson {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final BigInteger LONG_MIN = BigInteger.valueOf(Long.MIN_VALUE);
  private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);

  private CanonicalJson() {}

  /** {@code value} in canonical form: itself when it already is, else a copy. */
  public static JsonNode of(JsonNode value) {
    return value == null || isCanonical(value) ? value : convert(value);
  }

  private static boolean isCanonical(JsonNode v) {
    if (v.isNumber()) {
      return v.isInt() || (v.isLong() && !fitsInt(v.longValue())) || v.isDouble()
          || (v.isBigInteger() && !fitsLong(v.bigIntegerValue()));
    }
    if (v.isContainerNode()) {
      for (JsonNode child : v) {
        if (!isCanonical(child)) {
          return false;
        }
      }
    }
    return true;
  }

  private static JsonNode convert(JsonNode v) {
    if (v.isNumber()) {
      if (v.isIntegralNumber()) {
        BigInteger big = v.bigIntegerValue();
        if (!fitsLong(big)) {
          return NODES.numberNode(big);
        }
        long l = big.longValue();
        return fitsInt(l) ? NODES.numberNode((int) l) : NODES.numberNode(l);
      }
      // a float or decimal reads back from its text as the double of that text
      return NODES.numberNode(Double.parseDouble(v.asText()));
    }
    if (v.isObject()) {
      ObjectNode o = NODES.objectNode();
      for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> f = it.next();
        o.set(f.getKey(), convert(f.getValue()));
      }
      return o;
    }
    if (v.isArray()) {
      ArrayNode a = NODES.arrayNode();
      for (JsonNode child : v) {
        a.add(convert(child));
      }
      return a;
    }
    return v;
  }

  private static boolean fitsInt(long l) {
    return l >= Integer.MIN_VALUE && l <= Integer.MAX_VALUE;
  }

  private static boolean fitsLong(BigInteger b) {
    return b.compareTo(LONG_MIN) >= 0 && b.compareTo(LONG_MAX) <= 0;
  }
}
