package io.replikit.examples.docs;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * docs/configuration.md is checked against the {@code reference.conf} of every module: each {@code replikit.*} key
 * has a row with its default, and the doc names no key that is gone. A failure names the keys and prints the rows
 * to paste (default and the reference.conf comment), so the reference is kept up to date by copying, not guessing.
 */
class ConfigurationReferenceTest {

  /** A row of a reference table: {@code | `replikit.a.b` | `default` | what it does |}. */
  private static final Pattern ROW = Pattern.compile("^\\|\\s*`(replikit(?:\\.[A-Za-z0-9_-]+)+)`\\s*\\|\\s*`([^`]*)`\\s*\\|");
  /** Any mention of a replikit path in code spans, in rows or prose. */
  private static final Pattern MENTION = Pattern.compile("`(replikit(?:\\.[A-Za-z0-9_-]+)+)");
  /** One section per module; if one is missing its reference.conf was not on the classpath. */
  private static final Map<String, String> SECTION_OF_MODULE = Map.of(
      "core-actors", "replikit.single-leader", "persistence", "replikit.journal",
      "topologies", "replikit.multi-leader", "examples", "replikit.serve");

  /** Leaf key -> its value in the reference.conf that defines it (empty objects and lists are leaves). */
  private static final Map<String, ConfigValue> keys = new LinkedHashMap<>();
  private static final Map<String, URL> sourceOf = new LinkedHashMap<>();
  /** Every path that exists, objects included (prose may name a section). */
  private static final Set<String> paths = new LinkedHashSet<>();
  private static List<String> doc;

  @BeforeAll
  static void load() throws IOException {
    for (URL url : Collections.list(ConfigurationReferenceTest.class.getClassLoader().getResources("reference.conf"))) {
      Config file = ConfigFactory.parseURL(url);
      if (!file.root().containsKey("replikit")) {
        continue;                                  // Akka's and other libraries' files
      }
      // noSystem: ${?REPLIKIT_HTTP_TOKEN} and the like must not put this machine's environment into the defaults
      Config resolved = file.resolve(ConfigResolveOptions.noSystem());
      collect("replikit", resolved.getObject("replikit"), url);
    }
    doc = Files.readAllLines(docPath());
  }

  private static void collect(String path, ConfigObject object, URL url) {
    paths.add(path);
    for (Map.Entry<String, ConfigValue> e : object.entrySet()) {
      String child = path + "." + e.getKey();
      if (e.getValue() instanceof ConfigObject o && !o.isEmpty()) {
        collect(child, o, url);
      } else {
        paths.add(child);
        keys.put(child, e.getValue());
        sourceOf.put(child, url);
      }
    }
  }

  private static Path docPath() {
    Path dir = Path.of("").toAbsolutePath();          // surefire runs in the module's directory
    for (Path d = dir; d != null; d = d.getParent()) {
      Path candidate = d.resolve("docs").resolve("configuration.md");
      if (Files.isRegularFile(candidate)) {
        return candidate;
      }
    }
    throw new AssertionError("docs/configuration.md not found above " + dir);
  }

  @Test
  void everyModulesReferenceConfIsLoaded() {
    SECTION_OF_MODULE.forEach((module, section) -> assertTrue(paths.contains(section),
        "no " + section + " on the classpath: the reference.conf of " + module + " was not loaded; keys found: "
            + keys.keySet()));
  }

  @Test
  void everyKeyHasARowWithItsDefault() {
    Map<String, String> documented = documentedDefaults();
    List<String> problems = new ArrayList<>();
    List<String> rowsToAdd = new ArrayList<>();
    keys.forEach((key, value) -> {
      String expected = render(value);
      if (!documented.containsKey(key)) {
        problems.add(key + " (in " + sourceOf.get(key) + ") has no row in docs/configuration.md");
        rowsToAdd.add(suggestedRow(key, value));
      } else if (!documented.get(key).equals(expected)) {
        problems.add(key + ": docs/configuration.md gives the default `" + documented.get(key) + "`, "
            + sourceOf.get(key) + " has `" + expected + "`");
      }
    });
    if (!problems.isEmpty()) {
      fail(String.join("\n", problems) + (rowsToAdd.isEmpty() ? "" : "\nrows to add:\n" + String.join("\n", rowsToAdd)));
    }
  }

  @Test
  void theDocNamesNoKeyThatIsGone() {
    Set<String> gone = new TreeSet<>();
    for (String key : documentedDefaults().keySet()) {
      if (!keys.containsKey(key)) {
        gone.add(key + " has a row but is no leaf key of any module's reference.conf");
      }
    }
    for (int i = 0; i < doc.size(); i++) {
      Matcher m = MENTION.matcher(doc.get(i));
      while (m.find()) {
        if (!paths.contains(m.group(1))) {
          gone.add(m.group(1) + " (line " + (i + 1) + ") is in no module's reference.conf");
        }
      }
    }
    assertTrue(gone.isEmpty(), String.join("\n", gone));
  }

  private static Map<String, String> documentedDefaults() {
    Map<String, String> documented = new LinkedHashMap<>();
    for (String line : doc) {
      Matcher m = ROW.matcher(line);
      if (m.find() && documented.put(m.group(1), m.group(2)) != null) {
        fail(m.group(1) + " has two rows in docs/configuration.md");
      }
    }
    return documented;
  }

  /** The default as a row shows it: strings unquoted (but "" for empty), anything else in HOCON's concise form. */
  static String render(ConfigValue value) {
    if (value.valueType() == ConfigValueType.STRING) {
      String s = (String) value.unwrapped();
      return s.isEmpty() ? "\"\"" : s;
    }
    return value.render(ConfigRenderOptions.concise());
  }

  private static String suggestedRow(String key, ConfigValue value) {
    String what = String.join(" ", value.origin().comments().stream().map(String::strip).toList()).replace("|", "\\|");
    return "| `" + key + "` | `" + render(value) + "` | " + (what.isEmpty() ? "(see the comment above it)" : what) + " |";
  }
}
