package io.replikit.examples.cli;

import java.util.function.BiFunction;
import picocli.CommandLine.TypeConversionException;

/**
 * Checks option values with the library's own parsers (the ones configuration goes through), so the command line
 * accepts exactly what {@code reference.conf} accepts and reports the same message for what it refuses.
 */
final class LibraryValues {
  private LibraryValues() {}

  static <T> T parse(String option, String value, BiFunction<String, String, T> parser) {
    try {
      return parser.apply(option, value);
    } catch (IllegalArgumentException e) {
      throw new TypeConversionException(e.getMessage());
    }
  }
}
