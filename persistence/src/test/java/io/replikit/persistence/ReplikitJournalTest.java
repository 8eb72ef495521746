package io.replikit.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Selecting the database by configuration alone, and clear errors for configuration that cannot work. */
class ReplikitJournalTest {
  private static final String DB = "akka-persistence-jdbc.shared-databases.slick";

  private static Config journal(String hocon) {
    return ConfigFactory.parseString(hocon).withFallback(ConfigFactory.load());
  }

  private static void assertWiredToSharedDatabase(Config c) {
    assertEquals("jdbc-journal", c.getString("akka.persistence.journal.plugin"));
    assertEquals("jdbc-snapshot-store", c.getString("akka.persistence.snapshot-store.plugin"));
    assertEquals("slick", c.getString("jdbc-journal.use-shared-db"));
    assertEquals("slick", c.getString("jdbc-snapshot-store.use-shared-db"));
    assertEquals("slick", c.getString("jdbc-read-journal.use-shared-db"));
    // the library's defaults stay in place underneath
    assertEquals("event_journal", c.getString("jdbc-journal.tables.event_journal.tableName"));
    assertEquals("HikariCP", c.getString(DB + ".db.connectionPool"));
  }

  @Test
  void defaultsSelectAnH2FileUnderData() {
    Config c = ReplikitJournal.configure(ConfigFactory.load());
    String dir = Paths.get("./data").toAbsolutePath().normalize().toString().replace('\\', '/');
    assertEquals("jdbc:h2:file:" + dir + "/replikit;DATABASE_TO_UPPER=false;AUTO_SERVER=FALSE;DB_CLOSE_ON_EXIT=FALSE",
        c.getString(DB + ".db.url"));
    assertEquals("slick.jdbc.H2Profile$", c.getString(DB + ".profile"));
    assertEquals("org.h2.Driver", c.getString(DB + ".db.driver"));
    assertEquals(4, c.getInt(DB + ".db.numThreads"));
    assertEquals(4, c.getInt(DB + ".db.maxConnections"));
    assertEquals(4, c.getInt(DB + ".db.minConnections"));
    assertEquals(10_000L, c.getLong(DB + ".db.connectionTimeout"));
    assertWiredToSharedDatabase(c);
  }

  @Test
  void h2FileNamesTheDirectoryAndFile(@TempDir Path tmp) {
    Config c = ReplikitJournal.configure(journal(
        "replikit.journal { kind = h2-file, h2-file.directory = \"" + tmp.toString().replace('\\', '/')
            + "\", h2-file.name = orders }"));
    String dir = tmp.toAbsolutePath().normalize().toString().replace('\\', '/');
    assertEquals("jdbc:h2:file:" + dir + "/orders;DATABASE_TO_UPPER=false;AUTO_SERVER=FALSE;DB_CLOSE_ON_EXIT=FALSE",
        c.getString(DB + ".db.url"));
    Config viaHelper = ReplikitJournal.h2File(tmp, ConfigFactory.load());
    assertEquals("jdbc:h2:file:" + dir + "/replikit;DATABASE_TO_UPPER=false;AUTO_SERVER=FALSE;DB_CLOSE_ON_EXIT=FALSE",
        viaHelper.getString(DB + ".db.url"));
  }

  @Test
  void h2MemoryKeepsTheDatabaseForTheJvm() {
    Config c = ReplikitJournal.h2InMemory("unit-a", ConfigFactory.load());
    assertEquals("jdbc:h2:mem:unit-a;DATABASE_TO_UPPER=false;DB_CLOSE_DELAY=-1", c.getString(DB + ".db.url"));
    assertEquals("slick.jdbc.H2Profile$", c.getString(DB + ".profile"));
    assertEquals("org.h2.Driver", c.getString(DB + ".db.driver"));
    assertWiredToSharedDatabase(c);
  }

  @Test
  void postgresqlIsSelectedByConfigurationAlone() {
    Config c = ReplikitJournal.configure(journal("replikit.journal { kind = postgresql, pool-size = 12,"
        + " postgresql { url = \"jdbc:postgresql://db.example:5433/shop\", user = shop, password = secret } }"));
    assertEquals("jdbc:postgresql://db.example:5433/shop", c.getString(DB + ".db.url"));
    assertEquals("shop", c.getString(DB + ".db.user"));
    assertEquals("secret", c.getString(DB + ".db.password"));
    assertEquals("slick.jdbc.PostgresProfile$", c.getString(DB + ".profile"));
    assertEquals("org.postgresql.Driver", c.getString(DB + ".db.driver"));
    assertEquals(12, c.getInt(DB + ".db.numThreads"));
    assertEquals(12, c.getInt(DB + ".db.maxConnections"));
    assertWiredToSharedDatabase(c);
  }

  @Test
  void theChangeFeedRefreshIntervalDrivesTheReadJournalsPolling() {
    assertEquals(Duration.ofSeconds(1),
        ReplikitJournal.configure(ConfigFactory.load()).getDuration("jdbc-read-journal.refresh-interval"));
    assertEquals(Duration.ofMillis(50), ReplikitJournal.configure(journal("replikit.cdc.refresh-interval = 50ms"))
        .getDuration("jdbc-read-journal.refresh-interval"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ReplikitJournal.configure(journal("replikit.cdc.refresh-interval = 1ms")));
    assertEquals("replikit.cdc.refresh-interval must be at least 10ms, was 1ms", e.getMessage());
  }

  @Test
  void theBaseConfigurationIsKeptUnderneath() {
    Config c = ReplikitJournal.h2InMemory("unit-b",
        ConfigFactory.parseString("akka.actor.serialize-messages = on, my.app.setting = 7")
            .withFallback(ConfigFactory.load()));
    assertTrue(c.getBoolean("akka.actor.serialize-messages"));
    assertEquals(7, c.getInt("my.app.setting"));
    assertEquals("jackson-json",
        c.getString("akka.actor.serialization-bindings.\"io.replikit.serialization.JournalEvent\""));
  }

  @Test
  void aBareBaseFallsBackToTheModuleDefaults() {
    Config c = ReplikitJournal.configure(ConfigFactory.parseString("replikit.journal.kind = h2-memory"));
    assertEquals("jdbc:h2:mem:replikit;DATABASE_TO_UPPER=false;DB_CLOSE_DELAY=-1", c.getString(DB + ".db.url"));
  }

  @Test
  void anUnknownKindNamesThePathAndTheAllowedValues() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ReplikitJournal.configure(journal("replikit.journal.kind = mysql")));
    assertTrue(e.getMessage().contains("replikit.journal.kind"), e.getMessage());
    assertTrue(e.getMessage().contains("mysql"), e.getMessage());
    assertTrue(e.getMessage().contains("h2-file, h2-memory, postgresql"), e.getMessage());
  }

  @Test
  void badValuesNameTheirPath() {
    assertMessageNames("replikit.journal.pool-size", "replikit.journal.pool-size = 0");
    assertMessageNames("replikit.journal.pool-size", "replikit.journal.pool-size = lots");
    assertMessageNames("replikit.journal.connection-timeout", "replikit.journal.connection-timeout = 10ms");
    assertMessageNames("replikit.journal.create-schema", "replikit.journal.create-schema = maybe");
    assertMessageNames("replikit.journal.h2-memory.name",
        "replikit.journal { kind = h2-memory, h2-memory.name = \"x;INIT=RUNSCRIPT\" }");
    assertMessageNames("replikit.journal.postgresql.url",
        "replikit.journal { kind = postgresql, postgresql.url = \"jdbc:mysql://localhost/x\" }");
    assertMessageNames("replikit.journal.kind", "replikit.journal.kind = { nested = 1 }");
  }

  @Test
  void aFileWhereTheDirectoryShouldBeIsRefused(@TempDir Path tmp) throws Exception {
    Path file = Files.writeString(tmp.resolve("not-a-dir"), "x");
    assertMessageNames("replikit.journal.h2-file.directory",
        "replikit.journal.h2-file.directory = \"" + file.toString().replace('\\', '/') + "\"");
  }

  @Test
  void theH2FileAndItsMissingDirectoriesAreCreatedWithTheSchema(@TempDir Path tmp) {
    Path dir = tmp.resolve("nested").resolve("data");
    ActorTestKit kit = ActorTestKit.create("H2FileSchema", ReplikitJournal.h2File(dir, ConfigFactory.load()));
    try {
      ReplikitJournal.createSchemaBlocking(kit.system(), Duration.ofSeconds(20));
      assertTrue(Files.isRegularFile(dir.resolve("replikit.mv.db")), "no database file in " + dir);
    } finally {
      kit.shutdownTestKit();
    }
  }

  @Test
  void aMissingSchemaWithCreationOffIsReportedClearly() {
    Config config = ReplikitJournal.h2InMemory("journal-test-no-schema",
        ConfigFactory.parseString("replikit.journal.create-schema = off").withFallback(ConfigFactory.load()));
    ActorTestKit kit = ActorTestKit.create("NoSchema", config);
    try {
      IllegalStateException e = assertThrows(IllegalStateException.class,
          () -> ReplikitJournal.createSchemaBlocking(kit.system(), Duration.ofSeconds(20)));
      assertTrue(e.getMessage().contains("event_journal"), e.getMessage());
      assertTrue(e.getMessage().contains("create-schema is off"), e.getMessage());
    } finally {
      kit.shutdownTestKit();
    }
  }

  @Test
  void anUnreachableDatabaseIsReportedClearly() {
    // port 1 on localhost: refused at once, so the pool gives up after connection-timeout
    Config config = ReplikitJournal.configure(journal("replikit.journal { kind = postgresql,"
        + " connection-timeout = 1s, postgresql.url = \"jdbc:postgresql://127.0.0.1:1/none\" }"));
    ActorTestKit kit = ActorTestKit.create("Unreachable", config);
    try {
      IllegalStateException e = assertThrows(IllegalStateException.class,
          () -> ReplikitJournal.createSchemaBlocking(kit.system(), Duration.ofSeconds(20)));
      assertTrue(e.getMessage().contains("jdbc:postgresql://127.0.0.1:1/none"), e.getMessage());
    } finally {
      kit.shutdownTestKit();
    }
  }

  @Test
  void aSystemWithoutTheJdbcJournalIsRefused() {
    ActorTestKit kit = ActorTestKit.create("OtherJournal", ConfigFactory.parseString(
        "akka.persistence.journal.plugin = akka.persistence.journal.inmem").withFallback(ConfigFactory.load()));
    try {
      IllegalStateException e = assertThrows(IllegalStateException.class,
          () -> ReplikitJournal.createSchemaBlocking(kit.system(), Duration.ofSeconds(5)));
      assertTrue(e.getMessage().contains("ReplikitJournal.configure"), e.getMessage());
    } finally {
      kit.shutdownTestKit();
    }
  }

  private static void assertMessageNames(String path, String hocon) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ReplikitJournal.configure(journal(hocon)), hocon);
    assertTrue(e.getMessage().contains(path), "'" + e.getMessage() + "' does not name " + path);
  }
}
