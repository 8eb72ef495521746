package io.replikit.examples.cli;

import io.replikit.examples.demo.DocumentDemo;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine.Command;

/** {@code replikit demo document}: two users type into one text at once; exit 1 if unverified. */
@Command(name = "document", mixinStandardHelpOptions = true,
    description = {"A shared document two users (alice, bob) edit at the same time on two multi-leader replicas, "
        + "the text a CRDT (rga), on the embedded H2 journal: the link between them is down while both type, one "
        + "key at a time; after it heals the program prints the merged text on both and checks that it is the same "
        + "and that each user's words stayed together, never interleaved (exit code 1 if not)."})
final class DocumentDemoCommand extends DemoRun {

  @Override
  int run(Path dataDir, PrintWriter out) {
    return DocumentDemo.run(dataDir, out).verified() ? 0 : 1;
  }
}
