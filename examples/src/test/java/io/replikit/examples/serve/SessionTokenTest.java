package io.replikit.examples.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The session token header: what a client sends back is what it was given, and positions never go down. */
class SessionTokenTest {

  @Test
  void aTokenReadsBackAsItWasWrittenInGroupOrder() {
    SessionToken t = SessionToken.parse(" orders=17 , carts=4");
    assertEquals(Map.of("orders", 17L, "carts", 4L), t.positions());
    assertEquals("carts=4,orders=17", t.toString());
    assertEquals(t, SessionToken.parse(t.toString()));
    assertEquals(0, t.position("unknown"));
    assertTrue(SessionToken.parse("").isEmpty());
    assertTrue(SessionToken.parse(null).isEmpty());
  }

  @Test
  void positionsOnlyGoUp() {
    SessionToken t = SessionToken.parse("orders=17");
    assertEquals(17, t.advance("orders", 3).position("orders"));
    assertEquals(20, t.advance("orders", 20).position("orders"));
    assertEquals("a=1,orders=17", t.merge(SessionToken.parse("orders=2,a=1")).toString());
    assertEquals(9, SessionToken.parse("g=9,g=3").position("g"), "a group named twice keeps its higher position");
  }

  @Test
  void aMalformedTokenIsRefusedSayingWhatIsWrong() {
    for (String bad : new String[] {"orders", "orders=", "=5", "orders=x", "orders=-1", "or ders=1", "a=1,,b=2",
        "a=1;b=2"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SessionToken.parse(bad), bad);
      assertTrue(e.getMessage().contains(SessionToken.HEADER), e.getMessage());
    }
  }
}
