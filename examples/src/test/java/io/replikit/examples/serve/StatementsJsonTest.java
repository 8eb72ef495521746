package io.replikit.examples.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.replikit.store.Expr;
import io.replikit.store.Statement;
import io.replikit.store.Where;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The body of POST /tx: statements in their Jackson form, with plain values as literals. */
class StatementsJsonTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private static JsonNode json(String text) throws Exception {
    return MAPPER.readTree(text);
  }

  @Test
  void plainValuesAreLiteralsAndExpressionsNestInside() throws Exception {
    List<Statement> statements = StatementsJson.parse(json("""
        [{"statement":"insert","table":"users","primaryKey":{"expr":"next-id"},
          "columns":{"name":"Alice","tags":["a"],"joined":{"expr":"now"},"address":{"city":"Oslo"}}},
         {"statement":"update","table":"stock","where":"pen",
          "set":{"qty":{"expr":"add","left":{"expr":"col","name":"qty"},"right":-1},
                 "label":{"expr":"concat","parts":["pen #",{"expr":"random"}]}}},
         {"statement":"delete","table":"stock","where":{"where":"all"}}]"""));
    assertEquals(3, statements.size());
    Statement.Insert insert = assertInstanceOf(Statement.Insert.class, statements.get(0));
    assertInstanceOf(Expr.NextId.class, insert.primaryKey());
    assertEquals("Alice", ((Expr.Lit) insert.columns().get("name")).value().asText());
    assertTrue(((Expr.Lit) insert.columns().get("tags")).value().isArray());
    assertEquals("Oslo", ((Expr.Lit) insert.columns().get("address")).value().path("city").asText(),
        "an object without an \"expr\" field is a literal");
    assertInstanceOf(Expr.Now.class, insert.columns().get("joined"));

    Statement.Update update = assertInstanceOf(Statement.Update.class, statements.get(1));
    assertEquals(new Where.Key("pen"), update.where());
    Expr.Add add = assertInstanceOf(Expr.Add.class, update.set().get("qty"));
    assertEquals(new Expr.Col("qty"), add.left());
    assertEquals(-1, ((Expr.Lit) add.right()).value().asInt());
    Expr.Concat concat = assertInstanceOf(Expr.Concat.class, update.set().get("label"));
    assertInstanceOf(Expr.Random.class, concat.parts().get(1));

    assertInstanceOf(Where.All.class, ((Statement.Delete) statements.get(2)).where());
  }

  @Test
  void aBodyThatIsNotStatementsIsRefusedSayingWhy() throws Exception {
    assertMessage("{}", "JSON array");
    assertMessage("[]", "no statements");
    assertMessage("[1]", "statement 0");
    assertMessage("[{\"statement\":\"upsert\",\"table\":\"t\"}]", "upsert");
    assertMessage("[{\"statement\":\"insert\",\"table\":\"t\",\"primaryKey\":\"a\",\"columns\":{},\"extra\":1}]",
        "extra");
    assertMessage("[{\"statement\":\"insert\",\"table\":\"t\",\"primaryKey\":{\"expr\":\"sql\"},\"columns\":{}}]",
        "sql");
  }

  private static void assertMessage(String body, String expected) throws Exception {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StatementsJson.parse(json(body)),
        body);
    assertTrue(e.getMessage().contains(expected), body + ": " + e.getMessage());
  }
}
