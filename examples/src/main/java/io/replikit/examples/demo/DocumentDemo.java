package io.replikit.examples.demo;

import io.replikit.crdt.Crdt;
import io.replikit.crdt.Rga;
import io.replikit.examples.support.RunningLeaders;
import io.replikit.multileader.ConflictPolicy;
import io.replikit.multileader.ConflictRecord;
import io.replikit.multileader.MultiLeaderReplica;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The {@code replikit demo document} run: two users, alice and bob, edit one shared text on two leaders of a
 * multi-leader group on the embedded H2 journal. The text is one CRDT-valued key, a replicated growable array of
 * characters; the link between the two leaders is down while both type, one character per update, so every
 * keystroke is concurrent with the other user's. After the link heals both see the same text, and each user's words
 * stay together: a character is placed after the one its user typed it after, so two users typing at one spot never
 * interleave letter by letter. The program checks both.
 */
public final class DocumentDemo {

  /**
   * What the run ended with: each user's text, what each typed while cut off, every conflict the replicas detected,
   * and the checks that failed (none: verified).
   */
  public record Result(String groupId, Map<String, String> texts, Map<String, String> typed,
      List<ConflictRecord> conflicts, List<String> failedChecks) {
    public boolean verified() {
      return failedChecks.isEmpty();
    }
  }

  static final String DOCUMENT = "doc:minutes";
  private static final List<String> USERS = List.of("alice", "bob");

  private final Narrator say;
  private final Map<String, StringBuilder> typed = new LinkedHashMap<>();
  private RunningLeaders group;

  private DocumentDemo(PrintWriter out) {
    this.say = new Narrator(out);
  }

  public static Result run(Path dataDir, PrintWriter out) {
    return new DocumentDemo(out).run(dataDir);
  }

  private Result run(Path dataDir) {
    try (RunningLeaders leaders = new RunningLeaders("replikit-document-demo", "document-demo", dataDir,
        ConflictPolicy.lastWriteWins(), 7L, say.out(), USERS)) {
      group = leaders;
      say.say("== 1. One shared document, " + DOCUMENT + " (an rga text CRDT), on two leaders: alice's and bob's; "
          + "journal in " + dataDir);
      type("alice", "Agenda:");
      group.awaitConverged();
      show();

      say.say("== 2. The link between them goes down; both keep typing at the end of the text, one key at a time");
      group.partition(Set.of("alice"), Set.of("bob"));
      USERS.forEach(u -> typed.put(u, new StringBuilder()));
      type("alice", " budget");
      type("bob", " hiring");
      show();
      type("alice", " review");
      type("bob", " plan");
      show();
      say.say("   bob also renames the title: deletes 'Agenda', types 'Minutes' at the start");
      update("bob", text -> text.delete(0, "Agenda".length()));
      update("bob", text -> text.insert("bob", 0, "Minutes"));
      show();

      say.say("== 3. The link is back; the leaders exchange every keystroke and merge");
      group.heal();
      group.awaitConverged();
      long detected = 0;
      Set<String> outcomes = new TreeSet<>();
      for (String user : USERS) {
        MultiLeaderReplica.Status status = group.status(user);
        detected += status.conflicts();
        status.recentConflicts().forEach(c -> outcomes.add("'" + c.outcome() + "' (" + c.strategy() + ")"));
      }
      say.say("   " + detected + " updates (keystrokes, the rename) arrived concurrent with the other user's "
          + "(Status.conflicts), each resolved as " + String.join("; ", outcomes));
      say.say("   (each character sits after the one its user typed it after, so both runs typed after 'Agenda:' "
          + "stay whole; their ids decide which run comes first, the same on both sides)");
      Map<String, String> texts = show();

      say.say("== 4. Checks");
      String merged = texts.get("alice");
      say.check(merged.equals(texts.get("bob")), "alice and bob see the same text: '" + merged + "'");
      for (String user : USERS) {
        String words = typed.get(user).toString();
        say.check(merged.contains(words), user + "'s words stay together, not interleaved: '" + words.strip() + "'");
      }
      say.check(merged.startsWith("Minutes:") && !merged.contains("Agenda"),
          "bob's rename of the title applies on both sides");
      long discarded = USERS.stream().mapToLong(u -> group.status(u).discarded()).sum();
      say.check(discarded == 0, "no keystroke discarded (Status.discarded = " + discarded + ")");
      List<String> failed = say.verdict("both users ended with the same text, each user's words whole");
      Map<String, String> typedTexts = new LinkedHashMap<>();
      typed.forEach((u, t) -> typedTexts.put(u, t.toString()));
      return new Result(group.groupId(), texts, typedTexts, group.conflicts(), failed);
    }
  }

  /** {@code user} types {@code text} at the end of the text as they see it, one character per update. */
  private void type(String user, String text) {
    for (int cp : text.codePoints().toArray()) {
      String key = new String(Character.toChars(cp));
      update(user, current -> current.insert(user, current.value().length(), key));
    }
    StringBuilder log = typed.get(user);
    if (log != null) {
      log.append(text);
    }
    say.say("   " + user + " types '" + text + "'");
  }

  private void update(String user, java.util.function.UnaryOperator<Rga> delta) {
    group.update(user, DOCUMENT, (current, replica, clock) -> delta.apply(textOf(current)));
  }

  private static Rga textOf(Crdt<?> current) {
    return current == null ? Rga.empty() : (Rga) current;
  }

  private Map<String, String> show() {
    Map<String, String> texts = new LinkedHashMap<>();
    for (String user : USERS) {
      MultiLeaderReplica.Value v = group.get(user, DOCUMENT);
      String text = v.value() == null ? "" : v.value().asText();
      texts.put(user, text);
      say.say(String.format("     %-5s sees '%s'", user, text));
    }
    return texts;
  }
}
