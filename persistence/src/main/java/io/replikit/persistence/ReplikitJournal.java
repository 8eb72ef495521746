package io.replikit.persistence;

import akka.Done;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.DispatcherSelector;
import akka.persistence.jdbc.db.SlickExtension;
import akka.persistence.jdbc.db.SlickExtensionImpl;
import akka.persistence.jdbc.testkit.javadsl.SchemaUtils;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires Akka Persistence to a real database through akka-persistence-jdbc, chosen by the {@code replikit.journal}
 * section alone: an H2 file (the default, under {@code ./data}), an in-memory H2 database (tests) or PostgreSQL.
 *
 * <p>Usage: build the actor system's config with {@link #configure(Config)} (or {@link #h2InMemory} /
 * {@link #h2File}), then call {@link #createSchemaBlocking(ActorSystem, Duration)} before spawning any replica:
 * a persistent actor that recovers before the tables exist fails its recovery.
 *
 * <p>Guarantees what the database guarantees: an H2 file survives a JVM crash once a write is acknowledged by the
 * journal; an in-memory database survives only actor-system restarts inside one JVM.
 */
public final class ReplikitJournal {

  /** {@code replikit.journal.kind} for an embedded H2 database file. */
  public static final String H2_FILE = "h2-file";
  /** {@code replikit.journal.kind} for an embedded in-memory H2 database. */
  public static final String H2_MEMORY = "h2-memory";
  /** {@code replikit.journal.kind} for a PostgreSQL server. */
  public static final String POSTGRESQL = "postgresql";

  /** The name under {@code akka-persistence-jdbc.shared-databases} that the three plugins share. */
  public static final String SHARED_DATABASE = "slick";

  static final String SECTION = "replikit.journal";
  private static final String KINDS = H2_FILE + ", " + H2_MEMORY + ", " + POSTGRESQL;
  // A name ends up inside a JDBC URL, where ';' starts a setting and '/' a path: allow neither.
  private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9_.-]+");
  private static final String DB = "akka-persistence-jdbc.shared-databases." + SHARED_DATABASE;
  private static final Logger LOG = LoggerFactory.getLogger(ReplikitJournal.class);

  private ReplikitJournal() {}

  /**
   * Returns {@code base} with Akka Persistence wired to the database that {@code replikit.journal} in
   * {@code base} selects (this module's {@code reference.conf} supplies whatever {@code base} leaves out).
   *
   * @throws IllegalArgumentException naming the path and the allowed values when the section is invalid
   */
  public static Config configure(Config base) {
    Config journal = journalSection(base);
    String kind = string(journal, "kind");
    int poolSize = intAtLeast(journal, "pool-size", 1);
    long connectionTimeoutMs = durationAtLeast(journal, "connection-timeout", Duration.ofSeconds(1)).toMillis();
    bool(journal, "create-schema");
    long refreshMs = cdcRefreshInterval(base).toMillis();

    String profile;
    String driver;
    String url;
    String user;
    String password;
    switch (kind) {
      case H2_FILE: {
        Path dir = directory(journal, "h2-file.directory");
        String name = safeName(journal, "h2-file.name");
        // H2 wants forward slashes on every platform; the file itself becomes <dir>/<name>.mv.db
        String file = dir.resolve(name).toString().replace('\\', '/');
        profile = "slick.jdbc.H2Profile$";
        driver = "org.h2.Driver";
        // DB_CLOSE_ON_EXIT=FALSE: H2's own JVM shutdown hook must not close the journal while the actor system
        // is still stopping (a leader handing over on SIGTERM still writes); the pool closes it at the end
        url = "jdbc:h2:file:" + file + ";DATABASE_TO_UPPER=false;AUTO_SERVER=FALSE;DB_CLOSE_ON_EXIT=FALSE";
        user = "sa";
        password = "";
        break;
      }
      case H2_MEMORY: {
        String name = safeName(journal, "h2-memory.name");
        profile = "slick.jdbc.H2Profile$";
        driver = "org.h2.Driver";
        url = "jdbc:h2:mem:" + name + ";DATABASE_TO_UPPER=false;DB_CLOSE_DELAY=-1";
        user = "sa";
        password = "";
        break;
      }
      case POSTGRESQL: {
        url = string(journal, "postgresql.url");
        if (!url.startsWith("jdbc:postgresql:")) {
          throw new IllegalArgumentException(
              SECTION + ".postgresql.url must be a PostgreSQL JDBC URL starting with 'jdbc:postgresql:', was '"
                  + url + "'");
        }
        user = string(journal, "postgresql.user");
        if (user.isBlank()) {
          throw new IllegalArgumentException(SECTION + ".postgresql.user must not be empty");
        }
        password = string(journal, "postgresql.password");
        profile = "slick.jdbc.PostgresProfile$";
        driver = "org.postgresql.Driver";
        break;
      }
      default:
        throw new IllegalArgumentException(
            SECTION + ".kind: unknown journal kind '" + kind + "'; expected one of " + KINDS);
    }

    Map<String, Object> overlay = new LinkedHashMap<>();
    overlay.put("akka.persistence.journal.plugin", "jdbc-journal");
    overlay.put("akka.persistence.snapshot-store.plugin", "jdbc-snapshot-store");
    // One pool for all three plugins: otherwise each opens its own, and an in-memory H2 database would be
    // shared only by accident of its name.
    overlay.put("jdbc-journal.use-shared-db", SHARED_DATABASE);
    overlay.put("jdbc-snapshot-store.use-shared-db", SHARED_DATABASE);
    overlay.put("jdbc-read-journal.use-shared-db", SHARED_DATABASE);
    overlay.put("jdbc-durable-state-store.use-shared-db", SHARED_DATABASE);
    // how soon a live change feed (io.replikit.persistence.cdc.ChangeFeed) sees a new entry
    overlay.put("jdbc-read-journal.refresh-interval", refreshMs + "ms");
    overlay.put(DB + ".profile", profile);
    overlay.put(DB + ".db.url", url);
    overlay.put(DB + ".db.user", user);
    overlay.put(DB + ".db.password", password);
    overlay.put(DB + ".db.driver", driver);
    // Slick warns unless threads and connections match: a thread without a connection only waits.
    overlay.put(DB + ".db.numThreads", poolSize);
    overlay.put(DB + ".db.maxConnections", poolSize);
    overlay.put(DB + ".db.minConnections", poolSize);
    overlay.put(DB + ".db.connectionTimeout", connectionTimeoutMs);
    // Hikari requires the validation timeout below the connection timeout.
    overlay.put(DB + ".db.validationTimeout", Math.min(5_000L, connectionTimeoutMs / 2));

    Config result = ConfigFactory.empty();
    for (Map.Entry<String, Object> e : overlay.entrySet()) {
      result = result.withValue(e.getKey(), ConfigValueFactory.fromAnyRef(e.getValue()));
    }
    return result.withFallback(base);
  }

  /**
   * {@link #configure(Config)} with an in-memory H2 database named {@code name}: systems in one JVM that use the
   * same name share its data, so a replica restarted in the same JVM recovers.
   */
  public static Config h2InMemory(String name, Config base) {
    return configure(ConfigFactory.empty()
        .withValue(SECTION + ".kind", ConfigValueFactory.fromAnyRef(H2_MEMORY))
        .withValue(SECTION + ".h2-memory.name", ConfigValueFactory.fromAnyRef(name))
        .withFallback(base));
  }

  /** {@link #configure(Config)} with an H2 database file in {@code dir} (created if missing). */
  public static Config h2File(Path dir, Config base) {
    return configure(ConfigFactory.empty()
        .withValue(SECTION + ".kind", ConfigValueFactory.fromAnyRef(H2_FILE))
        .withValue(SECTION + ".h2-file.directory", ConfigValueFactory.fromAnyRef(dir.toString()))
        .withFallback(base));
  }

  /**
   * Creates the journal, tag and snapshot tables if they do not exist ({@code create-schema = on}), then checks
   * that the journal and snapshot tables answer. Must complete before any persistent actor starts recovering.
   * Fails with an {@link IllegalStateException} saying which database could not be reached or which table is
   * missing.
   */
  public static CompletionStage<Done> createSchema(ActorSystem<?> system) {
    Config config = system.settings().config();
    String plugin = config.getString("akka.persistence.journal.plugin");
    if (!"jdbc-journal".equals(plugin)) {
      CompletableFuture<Done> failed = new CompletableFuture<>();
      failed.completeExceptionally(new IllegalStateException("the journal of actor system '" + system.name()
          + "' is '" + plugin + "', not the JDBC journal: build its config with ReplikitJournal.configure"));
      return failed;
    }
    String url = describe(config);
    boolean create = !config.hasPath(SECTION + ".create-schema") || config.getBoolean(SECTION + ".create-schema");
    Executor blocking = system.dispatchers().lookup(DispatcherSelector.blocking());
    // Run the DDL only when a table is missing: the bundled script is not idempotent on every database (H2 would
    // log its failing CREATE INDEX into a .trace.db file next to the journal on every start).
    CompletionStage<Done> created = !create
        ? CompletableFuture.completedFuture(Done.getInstance())
        : CompletableFuture.supplyAsync(() -> tablesPresent(system), blocking).thenCompose(present -> present
            ? CompletableFuture.completedFuture(Done.getInstance())
            : SchemaUtils.createIfNotExists(system));
    CompletableFuture<Done> result = new CompletableFuture<>();
    created.whenComplete((done, error) -> {
      if (error != null) {
        Throwable cause = unwrap(error);
        result.completeExceptionally(new IllegalStateException(
            "could not create the journal schema in " + url + ": " + cause, cause));
        return;
      }
      // SchemaUtils logs and ignores failing DDL statements, so only a query tells whether the tables exist.
      CompletableFuture.runAsync(() -> verifyTables(system, url, create), blocking).whenComplete((v, e) -> {
        if (e == null) {
          LOG.info("journal schema ready in {}", url);
          result.complete(Done.getInstance());
        } else {
          result.completeExceptionally(unwrap(e));
        }
      });
    });
    return result;
  }

  /**
   * {@link #createSchema(ActorSystem)}, waiting at most {@code timeout}.
   *
   * @throws IllegalStateException when the database cannot be reached, a table is missing or time runs out
   */
  public static void createSchemaBlocking(ActorSystem<?> system, Duration timeout) {
    String url = describe(system.settings().config());
    try {
      createSchema(system).toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new IllegalStateException("the journal schema in " + url + " was not ready within " + timeout
          + ": is the database reachable?", e);
    } catch (ExecutionException e) {
      Throwable cause = unwrap(e);
      if (cause instanceof IllegalStateException) {
        // same message, plus this thread's stack: the original was raised on a dispatcher thread
        throw new IllegalStateException(cause.getMessage(), cause);
      }
      throw new IllegalStateException("could not create the journal schema in " + url + ": " + cause, cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating the journal schema in " + url, e);
    }
  }

  // --- internals ---

  /**
   * Whether the journal and snapshot tables exist, asked of the database's catalogue (a failing query would leave a
   * trace file behind on H2); false on any error, which {@link #verifyTables} then reports after creation.
   */
  private static boolean tablesPresent(ActorSystem<?> system) {
    Config config = system.settings().config();
    SlickExtensionImpl slick = (SlickExtensionImpl) SlickExtension.get(system.classicSystem());
    try (Connection connection =
        slick.database(config.getConfig("jdbc-journal")).database().source().createConnection()) {
      for (String table : new String[] {config.getString("jdbc-journal.tables.event_journal.tableName"),
          config.getString("jdbc-snapshot-store.tables.snapshot.tableName")}) {
        try (java.sql.ResultSet found = connection.getMetaData().getTables(null, null, table, null)) {
          if (!found.next()) {
            return false;
          }
        }
      }
      return true;
    } catch (SQLException e) {
      return false;
    }
  }

  private static void verifyTables(ActorSystem<?> system, String url, boolean created) {
    Config config = system.settings().config();
    String[] tables = {
      config.getString("jdbc-journal.tables.event_journal.tableName"),
      config.getString("jdbc-snapshot-store.tables.snapshot.tableName")
    };
    SlickExtensionImpl slick = (SlickExtensionImpl) SlickExtension.get(system.classicSystem());
    try (Connection connection =
        slick.database(config.getConfig("jdbc-journal")).database().source().createConnection()) {
      for (String table : tables) {
        try (Statement statement = connection.createStatement()) {
          // quoted: the bundled schema creates quoted lower-case names (hence DATABASE_TO_UPPER=false on H2)
          statement.executeQuery("SELECT 1 FROM \"" + table + "\" WHERE 1 = 0").close();
        } catch (SQLException e) {
          throw new IllegalStateException("the journal table \"" + table + "\" is missing in " + url
              + (created ? " although creating it was attempted (may the user run DDL?)"
                  : " and " + SECTION + ".create-schema is off: create the tables or turn it on")
              + ": " + e.getMessage(), e);
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot connect to the journal database " + url + ": " + e.getMessage(), e);
    }
  }

  /** The URL without credentials, for messages. */
  private static String describe(Config config) {
    String path = DB + ".db.url";
    return config.hasPath(path) ? "'" + config.getString(path) + "'" : "(no JDBC URL configured)";
  }

  private static Throwable unwrap(Throwable t) {
    Throwable c = t;
    while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
      c = c.getCause();
    }
    return c;
  }

  private static Config journalSection(Config base) {
    // base may be a bare parsed string: fall back to this module's defaults for whatever it leaves out
    Config withDefaults = base.withFallback(
        ConfigFactory.defaultReference(ReplikitJournal.class.getClassLoader()));
    try {
      return withDefaults.resolve().getConfig(SECTION);
    } catch (ConfigException.Missing e) {
      throw new IllegalArgumentException("configuration has no " + SECTION + " section (is replikit-persistence's"
          + " reference.conf on the class path?)", e);
    } catch (ConfigException e) {
      throw new IllegalArgumentException(SECTION + " is invalid: " + e.getMessage(), e);
    }
  }

  /** {@code replikit.cdc.refresh-interval}: how often the JDBC read journal polls for live queries. */
  private static Duration cdcRefreshInterval(Config base) {
    String path = "replikit.cdc.refresh-interval";
    Config withDefaults = base.withFallback(
        ConfigFactory.defaultReference(ReplikitJournal.class.getClassLoader())).resolve();
    Duration value;
    try {
      value = withDefaults.getDuration(path);
    } catch (ConfigException e) {
      throw new IllegalArgumentException(path + " must be a duration such as 1s: " + e.getMessage(), e);
    }
    if (value.toMillis() < 10) {
      throw new IllegalArgumentException(path + " must be at least 10ms, was " + withDefaults.getString(path));
    }
    return value;
  }

  private static String string(Config journal, String key) {
    try {
      return journal.getString(key).trim();
    } catch (ConfigException.Missing e) {
      throw new IllegalArgumentException(SECTION + "." + key + " is missing", e);
    } catch (ConfigException e) {
      throw new IllegalArgumentException(SECTION + "." + key + " must be a string: " + e.getMessage(), e);
    }
  }

  private static boolean bool(Config journal, String key) {
    try {
      return journal.getBoolean(key);
    } catch (ConfigException.Missing e) {
      throw new IllegalArgumentException(SECTION + "." + key + " is missing", e);
    } catch (ConfigException e) {
      throw new IllegalArgumentException(SECTION + "." + key + " must be on or off: " + e.getMessage(), e);
    }
  }

  private static int intAtLeast(Config journal, String key, int min) {
    int value;
    try {
      value = journal.getInt(key);
    } catch (ConfigException e) {
      throw new IllegalArgumentException(SECTION + "." + key + " must be a whole number: " + e.getMessage(), e);
    }
    if (value < min) {
      throw new IllegalArgumentException(SECTION + "." + key + " must be at least " + min + ", was " + value);
    }
    return value;
  }

  private static Duration durationAtLeast(Config journal, String key, Duration min) {
    Duration value;
    try {
      value = journal.getDuration(key);
    } catch (ConfigException e) {
      throw new IllegalArgumentException(SECTION + "." + key + " must be a duration such as 10s: "
          + e.getMessage(), e);
    }
    if (value.compareTo(min) < 0) {
      throw new IllegalArgumentException(SECTION + "." + key + " must be at least " + min + ", was " + value);
    }
    return value;
  }

  private static String safeName(Config journal, String key) {
    String name = string(journal, key);
    if (!SAFE_NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(SECTION + "." + key + " must be letters, digits, '_', '-' or '.', was '"
          + name + "'");
    }
    return name;
  }

  private static Path directory(Config journal, String key) {
    String text = string(journal, key);
    if (text.isEmpty()) {
      throw new IllegalArgumentException(SECTION + "." + key + " must not be empty");
    }
    Path dir;
    try {
      dir = Paths.get(text).toAbsolutePath().normalize();
    } catch (InvalidPathException e) {
      throw new IllegalArgumentException(SECTION + "." + key + " is not a valid path: '" + text + "'", e);
    }
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new IllegalArgumentException(SECTION + "." + key + " must be a directory, but '" + dir
          + "' is a file");
    }
    return dir;
  }
}
