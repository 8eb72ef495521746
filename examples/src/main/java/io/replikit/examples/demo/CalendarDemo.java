package io.replikit.examples.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.replikit.crdt.Crdt;
import io.replikit.crdt.MvRegister;
import io.replikit.crdt.OrMap;
import io.replikit.examples.support.RunningLeaders;
import io.replikit.multileader.ConflictPolicy;
import io.replikit.multileader.ConflictRecord;
import io.replikit.multileader.MultiLeaderReplica;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code replikit demo calendar} run: one person's calendar on three devices (phone, laptop, tablet), each a
 * leader of a multi-leader group on the embedded H2 journal. The calendar is one CRDT-valued key, an observed-remove
 * map from event name to a multi-value register of the event's time: every device goes offline, adds, moves and
 * deletes events there, and comes back. The devices sync without losing an event: a move made offline survives a
 * concurrent delete (the map's add wins), two concurrent moves of one event are both kept until the user picks
 * one, and a delete nobody else touched stays a delete. The program checks that all three devices end identical.
 */
public final class CalendarDemo {

  /**
   * What the run ended with: each device's calendar (event -> its times; several: concurrent moves), how each
   * event edited offline was resolved, every conflict the replicas detected, and the checks that failed (none:
   * verified).
   */
  public record Result(String groupId, Map<String, Map<String, List<String>>> calendars,
      Map<String, String> resolutions, List<ConflictRecord> conflicts, List<String> failedChecks) {
    public boolean verified() {
      return failedChecks.isEmpty();
    }
  }

  /** One user edit, remembered by the change it became ({@code device:counter}) to name it in the conflicts. */
  private record Edit(String device, String event, String what) {
    @Override
    public String toString() {
      return device + " " + what;
    }
  }

  static final String CALENDAR = "calendar:ada";
  private static final List<String> DEVICES = List.of("phone", "laptop", "tablet");
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private final Narrator say;
  private final Map<String, Edit> edits = new LinkedHashMap<>();
  private RunningLeaders group;

  private CalendarDemo(PrintWriter out) {
    this.say = new Narrator(out);
  }

  public static Result run(Path dataDir, PrintWriter out) {
    return new CalendarDemo(out).run(dataDir);
  }

  private Result run(Path dataDir) {
    // last write wins is only the fallback for plain keys; the calendar key is a CRDT and merges instead
    try (RunningLeaders devices = new RunningLeaders("replikit-calendar-demo", "calendar-demo", dataDir,
        ConflictPolicy.lastWriteWins(), 5L, say.out(), DEVICES)) {
      group = devices;
      say.say("== 1. Ada's calendar on three devices (phone, laptop, tablet), one leader each, journal in " + dataDir);
      say.say("   the calendar is one key, " + CALENDAR + ": a map (or-map CRDT) of event -> its time (multi-value "
          + "register)");
      add("phone", "standup", "Mon 09:00");
      add("phone", "review", "Tue 11:00");
      add("phone", "lunch", "Wed 12:30");
      group.awaitConverged();
      show("online, every device shows");

      say.say("== 2. Every device goes offline and Ada keeps using each of them");
      for (String device : DEVICES) {
        group.isolate(device);
        say.say("   " + device + " is offline");
      }
      edits.clear(); // only what was done offline can meet a concurrent edit
      add("phone", "dentist", "Thu 14:00");
      move("phone", "review", "Tue 11:30");
      move("laptop", "standup", "Mon 09:30");
      move("laptop", "review", "Tue 15:00");
      delete("tablet", "standup");
      delete("tablet", "lunch");
      add("tablet", "gym", "Fri 18:00");
      show("offline, each device shows only its own edits");
      Map<String, Edit> offline = new LinkedHashMap<>(edits);

      say.say("== 3. The devices come back online and sync");
      group.heal();
      group.awaitConverged();
      // the replicas see concurrency per key: a change arriving while changes it had not seen are current
      say.say("   what each device detected (Status.conflicts, and the first of its Status.recentConflicts):");
      for (String device : DEVICES) {
        MultiLeaderReplica.Status status = group.status(device);
        ConflictRecord c = status.recentConflicts().get(0);
        say.say(String.format("     %-7s %d concurrent updates of %s, e.g. '%s' arrived while %s was current -> %s",
            device, status.conflicts(), c.key(), describe(c.detectedBy()),
            c.concurrentWith().stream().map(d -> "'" + describe(d) + "'").toList(), c.outcome()));
      }
      Map<String, String> resolutions = resolve(offline, calendar("phone"));
      show("synced, every device shows");

      say.say("== 4. Ada picks one time for the review on her phone; the pick replaces both versions everywhere");
      setTime("phone", "review", "Tue 11:30", "picks review at Tue 11:30");
      group.awaitConverged();
      Map<String, Map<String, List<String>>> calendars = show("final, every device shows");

      say.say("== 5. Checks");
      Map<String, List<String>> first = calendars.get(DEVICES.get(0));
      say.check(calendars.values().stream().allMatch(first::equals), "all three devices show the same calendar");
      say.check(group.readAll("laptop").applied().equals(group.readAll("tablet").applied())
          && group.readAll("phone").applied().equals(group.readAll("tablet").applied()),
          "all three devices have applied the same changes (equal version vectors)");
      say.check(List.of("Thu 14:00").equals(first.get("dentist")) && List.of("Fri 18:00").equals(first.get("gym")),
          "nothing lost: the events added offline on phone and tablet are on every device");
      say.check(List.of("Mon 09:30").equals(first.get("standup")),
          "the move of standup on laptop won over its concurrent delete on tablet");
      say.check(resolutions.get("review").startsWith("both times kept"),
          "the concurrent moves of review were both kept, not one silently dropped");
      say.check(List.of("Tue 11:30").equals(first.get("review")), "Ada's pick resolved review on every device");
      say.check(!first.containsKey("lunch"), "lunch, deleted on tablet and touched nowhere else, stays deleted");
      long discarded = DEVICES.stream().mapToLong(d -> group.status(d).discarded()).sum();
      say.check(discarded == 0, "no replica discarded a write (Status.discarded = " + discarded + ")");
      List<String> failed = say.verdict("the three devices ended identical and no edit was lost");
      return new Result(group.groupId(), calendars, resolutions, group.conflicts(), failed);
    }
  }

  private void add(String device, String event, String time) {
    setTime(device, event, time, "adds " + event + " at " + time);
  }

  private void move(String device, String event, String time) {
    setTime(device, event, time, "moves " + event + " to " + time);
  }

  /** Adding, moving and picking are one operation: the event's register takes the time, replacing what it saw. */
  private void setTime(String device, String event, String time, String what) {
    edit(device, event, what, map -> map.update(event, MvRegister::empty,
        r -> r.assign(device, JSON.textNode(time))));
  }

  private void delete(String device, String event) {
    edit(device, event, "deletes " + event, map -> map.remove(event));
  }

  private void edit(String device, String event, String what,
      java.util.function.UnaryOperator<OrMap<MvRegister>> delta) {
    MultiLeaderReplica.Written w = group.update(device, CALENDAR, (current, replica, clock) ->
        delta.apply(calendarOf(current)));
    edits.put(w.origin() + ":" + w.counter(), new Edit(device, event, what));
    say.say("   " + device + " " + what);
  }

  @SuppressWarnings("unchecked")
  private static OrMap<MvRegister> calendarOf(Crdt<?> current) {
    return current == null ? OrMap.empty() : (OrMap<MvRegister>) current;
  }

  /** A change named {@code device:counter}, as the edit it was (or the name itself for one made before). */
  private String describe(String change) {
    Edit e = edits.get(change);
    return e == null ? change : e.toString();
  }

  /** Each device's calendar as it shows it: event -> its times, events in name order. */
  private Map<String, List<String>> calendar(String device) {
    JsonNode value = group.get(device, CALENDAR).value();
    Map<String, List<String>> events = new TreeMap<>();
    if (value != null) {
      value.fields().forEachRemaining(e -> {
        List<String> times = new ArrayList<>();
        e.getValue().forEach(t -> times.add(t.asText()));
        times.sort(null); // concurrent times have no order of their own: show them by time
        events.put(e.getKey(), List.copyOf(times));
      });
    }
    return events;
  }

  private Map<String, Map<String, List<String>>> show(String heading) {
    say.say("   " + heading + ":");
    Map<String, Map<String, List<String>>> calendars = new LinkedHashMap<>();
    for (String device : DEVICES) {
      Map<String, List<String>> events = calendar(device);
      calendars.put(device, events);
      List<String> shown = new ArrayList<>();
      events.forEach((event, times) -> shown.add(event + " " + String.join(" | ", times)
          + (times.size() > 1 ? " (" + times.size() + " versions)" : "")));
      say.say(String.format("     %-7s %s", device, shown.isEmpty() ? "(empty)" : String.join(", ", shown)));
    }
    return calendars;
  }

  /**
   * How each event edited offline came out, read from the synced calendar: the rules are the CRDT's, this only
   * puts them in the user's words.
   */
  private Map<String, String> resolve(Map<String, Edit> offline, Map<String, List<String>> synced) {
    Map<String, List<Edit>> byEvent = new TreeMap<>();
    offline.values().forEach(e -> byEvent.computeIfAbsent(e.event(), k -> new ArrayList<>()).add(e));
    say.say("   the edits made offline that met, event by event, and how each was resolved:");
    Map<String, String> resolutions = new LinkedHashMap<>();
    for (Map.Entry<String, List<Edit>> e : byEvent.entrySet()) {
      List<Edit> all = e.getValue();
      List<String> times = synced.get(e.getKey());
      boolean deleted = all.stream().anyMatch(x -> x.what().startsWith("deletes"));
      String outcome;
      if (times == null) {
        outcome = deleted ? "deleted everywhere (no concurrent edit kept it)" : "gone (unexpected)";
      } else if (times.size() > 1) {
        outcome = "both times kept, " + String.join(" and ", times) + ", for Ada to pick one";
      } else if (deleted) {
        outcome = "kept at " + times.get(0) + ": the move wins over the concurrent delete (add wins)";
      } else {
        outcome = "at " + times.get(0) + " on every device";
      }
      resolutions.put(e.getKey(), outcome);
      // every device was offline at once, so edits of one event from two devices never saw each other
      String edits = all.size() == 1 ? "'" + all.get(0) + "' (no other device touched it)"
          : all.stream().map(x -> "'" + x + "'").collect(java.util.stream.Collectors.joining(" met "));
      say.say(String.format("     %-8s %s -> %s", e.getKey(), edits, outcome));
    }
    return resolutions;
  }
}
