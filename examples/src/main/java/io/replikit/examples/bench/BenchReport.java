package io.replikit.examples.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;

/** What a benchmark run prints: one JSON object ({@code --json}), or a short table for people. */
public interface BenchReport {
  ObjectNode toJson();

  void printTable(PrintWriter out);
}
