package io.replikit.examples.demo;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * The narration of a domain demo and the checks it makes at the end: each check prints one line saying what held or
 * what did not, and the failed ones are kept, so that the command can exit non-zero rather than print a happy
 * story over a wrong result.
 */
final class Narrator {
  private final PrintWriter out;
  private final List<String> failed = new ArrayList<>();

  Narrator(PrintWriter out) {
    this.out = out;
  }

  PrintWriter out() {
    return out;
  }

  void say(String line) {
    out.println(line);
    out.flush(); // the demo is watched as it runs
  }

  /** Prints {@code what} as held or FAILED; returns {@code ok}. */
  boolean check(boolean ok, String what) {
    say((ok ? "   ok      " : "   FAILED  ") + what);
    if (!ok) {
      failed.add(what);
    }
    return ok;
  }

  /** Prints the verdict line: every check held, or how many did not. */
  List<String> verdict(String subject) {
    say(failed.isEmpty() ? "VERIFIED: " + subject
        : "NOT VERIFIED: " + failed.size() + " check(s) failed: " + String.join("; ", failed));
    return List.copyOf(failed);
  }
}
