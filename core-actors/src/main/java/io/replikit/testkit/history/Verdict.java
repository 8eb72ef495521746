package io.replikit.testkit.history;

import java.util.List;

/**
 * What a checker concluded: the guarantee held, was violated (with the anomalies found, each naming the operations
 * involved), or could not be decided within the checker's bound ({@link Status#UNKNOWN}, never a guess).
 */
public record Verdict(String checker, Status status, List<String> anomalies, String detail) {

  public enum Status { VALID, INVALID, UNKNOWN }

  public Verdict {
    anomalies = List.copyOf(anomalies);
  }

  public static Verdict of(String checker, List<String> anomalies, String detail) {
    return new Verdict(checker, anomalies.isEmpty() ? Status.VALID : Status.INVALID, anomalies, detail);
  }

  public boolean valid() {
    return status == Status.VALID;
  }

  public boolean invalid() {
    return status == Status.INVALID;
  }
}
