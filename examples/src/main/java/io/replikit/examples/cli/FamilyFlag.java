package io.replikit.examples.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * A {@code --ring} or {@code --multi-leader} flag of {@code replikit serve}: {@code ID=N1,N2,...[:KEY=VALUE,...]}
 * read into the entry of {@code replikit.serve.rings} or {@code replikit.serve.multi-leader} it stands for. Only the
 * keys given go into the entry, so what is left out falls back exactly as in a config file; the serve settings
 * check the entry, and {@link #rename} makes their message name the flag instead of the config path.
 *
 * @param option {@code --ring} or {@code --multi-leader}
 * @param text the flag's value as given
 * @param entry the config entry: {@code id}, the node list and the keys given
 */
record FamilyFlag(String option, String text, Map<String, Object> entry) {
  static final String RING = "--ring";
  static final String MULTI_LEADER = "--multi-leader";
  private static final Set<String> RING_INTS = Set.of("n", "w", "r", "vnodes");
  private static final List<String> RING_KEYS = List.of("n", "w", "r", "conflicts", "read-repair", "sloppy-quorum",
      "vnodes");
  private static final List<String> MULTI_LEADER_KEYS = List.of("topology", "resolution");

  FamilyFlag {
    entry = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(entry));
  }

  /** {@code carts=n1,n2,n3:n=3,w=2,r=2} as a {@code replikit.serve.rings} entry. */
  static FamilyFlag ring(String text) {
    return parse(RING, text, "nodes", RING_KEYS, "carts=n1,n2,n3:n=3,w=2,r=2");
  }

  /** {@code profiles=n1,n2,n3:topology=circular} as a {@code replikit.serve.multi-leader} entry. */
  static FamilyFlag multiLeader(String text) {
    return parse(MULTI_LEADER, text, "members", MULTI_LEADER_KEYS, "profiles=n1,n2,n3:topology=circular");
  }

  private static FamilyFlag parse(String option, String text, String listKey, List<String> keys, String example) {
    String form = "must look like ID=NODE1,NODE2,...[:KEY=VALUE,...] with KEY one of " + String.join(", ", keys)
        + " (e.g. " + example + ")";
    int eq = text == null ? -1 : text.indexOf('=');
    int firstColon = text == null ? -1 : text.indexOf(':');
    if (eq <= 0 || eq == text.length() - 1 || (firstColon >= 0 && firstColon < eq)) {
      throw new IllegalArgumentException("'" + text + "' " + form);
    }
    int colon = text.indexOf(':', eq);
    String nodes = colon < 0 ? text.substring(eq + 1) : text.substring(eq + 1, colon);
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("id", text.substring(0, eq).trim());
    List<String> list = new ArrayList<>();
    for (String n : nodes.split(",", -1)) {
      list.add(n.trim()); // an empty name is kept: the settings refuse it, naming it
    }
    entry.put(listKey, list);
    if (colon >= 0) {
      String options = text.substring(colon + 1);
      if (options.isBlank()) {
        throw new IllegalArgumentException("'" + text + "' has nothing after ':'; " + form);
      }
      for (String pair : options.split(",", -1)) {
        int e = pair.indexOf('=');
        String key = e < 0 ? pair.trim() : pair.substring(0, e).trim().toLowerCase(Locale.ROOT);
        String value = e < 0 ? "" : pair.substring(e + 1).trim();
        if (e <= 0 || value.isEmpty()) {
          throw new IllegalArgumentException("'" + pair.trim() + "' in '" + text + "' is not KEY=VALUE; " + form);
        }
        if (!keys.contains(key)) {
          throw new IllegalArgumentException("unknown key '" + key + "' in '" + text + "'; expected one of "
              + String.join(", ", keys));
        }
        if (entry.containsKey(key)) {
          throw new IllegalArgumentException("'" + text + "' gives " + key + " twice");
        }
        entry.put(key, value(text, key, value));
      }
    }
    return new FamilyFlag(option, text, entry);
  }

  private static Object value(String text, String key, String value) {
    if (RING_INTS.contains(key)) {
      try {
        return Integer.parseInt(value);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(key + " must be a whole number, was '" + value + "' in '" + text + "'");
      }
    }
    if (key.equals("sloppy-quorum")) {
      switch (value.toLowerCase(Locale.ROOT)) {
        case "on", "true", "yes":
          return true;
        case "off", "false", "no":
          return false;
        default:
          throw new IllegalArgumentException("sloppy-quorum must be on or off, was '" + value + "' in '" + text
              + "'");
      }
    }
    return value; // conflicts, read-repair, topology, resolution: checked by the serve settings, as in a file
  }

  /**
   * {@code message} of the serve settings with {@code section[i]} (e.g. {@code replikit.serve.rings[1]}) replaced
   * by the flag that gave entry {@code i}; unchanged when the entries came from the file ({@code flags} null).
   */
  static String rename(String message, String section, List<FamilyFlag> flags) {
    if (flags == null || message == null) {
      return message;
    }
    for (int i = 0; i < flags.size(); i++) {
      String path = section + "[" + i + "]";
      if (message.startsWith(path)) {
        String rest = message.substring(path.length());
        // "replikit.serve.rings[0].conflicts must be ..." -> "--ring ...: conflicts must be ..."
        String said = rest.startsWith(".") ? ": " + rest.substring(1) : rest;
        return flags.get(i).option() + " " + flags.get(i).text() + said;
      }
    }
    return message;
  }

  static final class RingConverter implements ITypeConverter<FamilyFlag> {
    @Override
    public FamilyFlag convert(String value) {
      try {
        return ring(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  static final class MultiLeaderConverter implements ITypeConverter<FamilyFlag> {
    @Override
    public FamilyFlag convert(String value) {
      try {
        return multiLeader(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }
}
