package io.replikit.multileader;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Which {@link ConflictStrategy} handles which keys: rules by key pattern ({@code *} matches any run of characters,
 * e.g. {@code cart:*}), the first matching rule wins, else the default. Immutable.
 */
public final class ConflictPolicy {
  private record Rule(String pattern, Pattern regex, ConflictStrategy strategy) {}

  private final ConflictStrategy fallback;
  private final List<Rule> rules;

  private ConflictPolicy(ConflictStrategy fallback, List<Rule> rules) {
    this.fallback = fallback;
    this.rules = List.copyOf(rules);
  }

  /** Every key by {@code strategy}. */
  public static ConflictPolicy of(ConflictStrategy strategy) {
    return new ConflictPolicy(strategy, List.of());
  }

  /** Last-write-wins everywhere: the common default of multi-leader databases, and the one that loses data. */
  public static ConflictPolicy lastWriteWins() {
    return of(new ConflictStrategy.LastWriteWins());
  }

  /** This policy with {@code strategy} for keys matching {@code pattern}, checked before the rules added later. */
  public ConflictPolicy forKeys(String pattern, ConflictStrategy strategy) {
    List<String> parts = new ArrayList<>();
    for (String part : pattern.split("\\*", -1)) {
      parts.add(Pattern.quote(part));
    }
    List<Rule> more = new ArrayList<>(rules);
    more.add(new Rule(pattern, Pattern.compile(String.join(".*", parts)), strategy));
    return new ConflictPolicy(fallback, more);
  }

  public ConflictStrategy strategyFor(String key) {
    for (Rule rule : rules) {
      if (rule.regex().matcher(key).matches()) {
        return rule.strategy();
      }
    }
    return fallback;
  }
}
