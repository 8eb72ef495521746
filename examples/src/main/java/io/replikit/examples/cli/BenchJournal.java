package io.replikit.examples.cli;

import io.replikit.persistence.ReplikitJournal;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/** The journal options of the single-leader benches: {@code --journal} and {@code --data-dir} (a picocli mixin). */
final class BenchJournal {
  @Option(names = "--journal", paramLabel = "KIND", defaultValue = "h2-memory", converter = KindConverter.class,
      description = "h2-memory or h2-file (default: ${DEFAULT-VALUE}).")
  String journal;

  @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "data",
      description = "Directory of the bench's H2 file for --journal h2-file (default: ${DEFAULT-VALUE}).")
  Path dataDir;

  static final class KindConverter implements ITypeConverter<String> {
    @Override
    public String convert(String value) {
      String v = value.trim().toLowerCase(Locale.ROOT);
      if (v.equals(ReplikitJournal.H2_MEMORY) || v.equals(ReplikitJournal.H2_FILE)) {
        return v;
      }
      throw new TypeConversionException("unknown journal '" + value + "'; expected h2-memory or h2-file");
    }
  }
}
