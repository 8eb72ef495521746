package io.replikit.singleleader;

/**
 * Per-write overrides of the group's acknowledgement policy and level; {@code null} means "the group's default".
 */
public record WriteOptions(AckPolicy policy, AckLevel level) {
  private static final WriteOptions DEFAULTS = new WriteOptions(null, null);

  public static WriteOptions defaults() {
    return DEFAULTS;
  }

  public static WriteOptions of(AckPolicy policy, AckLevel level) {
    return new WriteOptions(policy, level);
  }

  public WriteOptions withPolicy(AckPolicy p) {
    return new WriteOptions(p, level);
  }

  public WriteOptions withLevel(AckLevel l) {
    return new WriteOptions(policy, l);
  }
}
