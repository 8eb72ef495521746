package io.replikit.testkit.history;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A recorded history: every client operation with its invocation and completion, in invocation order, written and
 * read as JSON Lines (one {@link Op} per line; the format is docs/history-format.md). Checkers take it as it is and
 * never look at the replication code that produced it.
 */
public final class History {
  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private final List<Op> ops;

  public History(Collection<Op> ops) {
    List<Op> sorted = new ArrayList<>(ops);
    sorted.sort((a, b) -> Long.compare(a.startNs(), b.startNs()));
    this.ops = List.copyOf(sorted);
  }

  public List<Op> ops() {
    return ops;
  }

  /** The operations per key, each list in invocation order. */
  public Map<String, List<Op>> byKey() {
    Map<String, List<Op>> m = new LinkedHashMap<>();
    for (Op op : ops) {
      m.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op);
    }
    return m;
  }

  /** The operations per client, each list in invocation order. */
  public Map<Integer, List<Op>> byClient() {
    Map<Integer, List<Op>> m = new LinkedHashMap<>();
    for (Op op : ops) {
      m.computeIfAbsent(op.client(), k -> new ArrayList<>()).add(op);
    }
    return m;
  }

  public static String toLine(Op op) {
    try {
      return JSON.writeValueAsString(op);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write " + op, e);
    }
  }

  /** Parses one line; a malformed line is an error naming what was wrong. */
  public static Op fromLine(String line) {
    try {
      return JSON.readValue(line, Op.class);
    } catch (JsonProcessingException e) {
      Throwable cause = e.getCause() instanceof IllegalArgumentException iae ? iae : e;
      throw new IllegalArgumentException("not a history operation: " + cause.getMessage().lines().findFirst()
          .orElse("") + " in: " + line, e);
    }
  }

  public void write(Path file) {
    try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      for (Op op : ops) {
        w.write(toLine(op));
        w.newLine();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the history " + file, e);
    }
  }

  /** Reads a JSON Lines history; blank lines are skipped, a malformed line is an error naming its number. */
  public static History read(Path file) {
    List<Op> ops = new ArrayList<>();
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      int number = 0;
      while ((line = r.readLine()) != null) {
        number++;
        if (line.isBlank()) {
          continue;
        }
        try {
          ops.add(fromLine(line));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(file + " line " + number + ": " + e.getMessage(), e);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the history " + file, e);
    }
    return new History(ops);
  }
}
