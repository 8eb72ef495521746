package io.replikit.persistence.cdc;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.AskPattern;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import io.replikit.singleleader.ReadConsistency;
import io.replikit.singleleader.Replica;
import io.replikit.store.Expr;
import io.replikit.store.RowKey;
import io.replikit.store.RowRecord;
import io.replikit.store.Statement;
import io.replikit.store.Where;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A {@link TriggerTarget} that applies trigger outputs to another single-leader group, as one
 * {@link Replica.Transact} per log entry sent to that group's leader: e.g. a subset of rows, or a transformed copy,
 * kept by a second group. Inserts become upserts (delete, then insert the row), updates update the row if it
 * exists, deletes delete.
 *
 * <p>Guarantees exactly once: the transaction also inserts a marker row {@code <relay id>@<offset>} into the
 * target group's offset table ({@code _relay_offsets} unless set), and an insert of an existing primary key refuses
 * the whole transaction. A delivery that already committed (e.g. resent after a lost reply, by a restarted relay, or
 * by a second relay with the same id) is refused and changes nothing; the target then finds the marker and reports
 * "already applied". The same transaction replaces the row {@code <relay id>} of that table, which holds the offset
 * the relay resumes from.
 *
 * <p>Does not survive: a failover of the target group that loses a committed delivery (use a synchronous ack policy
 * there: then an acknowledged delivery stays), and a leader change (writes to a former leader fail with its
 * {@code NotLeader} answer: restart the relay with a target on the new leader). Marker rows are never deleted: one
 * small row per delivered entry stays in the target group.
 */
public final class ReplicaGroupTarget implements TriggerTarget {
  private static final String OFFSET_TABLE_PATH = "replikit.cdc.relay.group-offset-table";
  private static final String TIMEOUT_PATH = "replikit.cdc.relay.group-timeout";
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final ActorSystem<?> system;
  private final ActorRef<Replica.Command> leader;
  private final String offsetTable;
  private final Duration timeout;

  private ReplicaGroupTarget(ActorSystem<?> system, ActorRef<Replica.Command> leader, String offsetTable,
      Duration timeout) {
    this.system = system;
    this.leader = leader;
    RowKey.checkTable(offsetTable).ifPresent(problem -> {
      throw new IllegalArgumentException("offset table: " + problem);
    });
    this.offsetTable = offsetTable;
    this.timeout = timeout;
  }

  /** A target that sends to {@code leader}, the leader of the target group; settings from {@code replikit.cdc.relay}. */
  public static ReplicaGroupTarget create(ActorSystem<?> system, ActorRef<Replica.Command> leader) {
    Config config = system.settings().config();
    return new ReplicaGroupTarget(system, leader,
        config.hasPath(OFFSET_TABLE_PATH) ? config.getString(OFFSET_TABLE_PATH) : "_relay_offsets",
        config.hasPath(TIMEOUT_PATH) ? config.getDuration(TIMEOUT_PATH) : Duration.ofSeconds(10));
  }

  /** This target keeping offsets and markers in table {@code table} of the target group. */
  public ReplicaGroupTarget withOffsetTable(String table) {
    return new ReplicaGroupTarget(system, leader, table, timeout);
  }

  /** This target waiting at most {@code wait} for each answer of the target group. */
  public ReplicaGroupTarget withTimeout(Duration wait) {
    return new ReplicaGroupTarget(system, leader, offsetTable, wait);
  }

  @Override
  public CompletionStage<Long> lastDelivered(String relayId) {
    return read(relayId).thenApply(row -> row == null ? 0L : row.path("sequenceNr").asLong(0));
  }

  @Override
  public CompletionStage<Boolean> deliver(String relayId, Delivery d) {
    List<Statement> statements = new ArrayList<>(3 + 2 * d.changes().size());
    ObjectNode offset = NODES.objectNode()
        .put("relay", relayId).put("sequenceNr", d.sequenceNr()).put("position", d.position()).put("epoch",
            d.epoch());
    // the marker first: a delivery that committed before is refused here, before anything else runs
    statements.add(Statement.insert(offsetTable, Expr.lit(marker(relayId, d.sequenceNr())), literals(offset)));
    statements.add(Statement.delete(offsetTable, Where.key(relayId)));
    statements.add(Statement.insert(offsetTable, Expr.lit(relayId), literals(offset)));
    for (RowRecord.RowChange change : d.changes()) {
      if (change instanceof RowRecord.Inserted ins) {
        statements.add(Statement.delete(ins.table(), Where.key(ins.primaryKey())));
        statements.add(Statement.insert(ins.table(), Expr.lit(ins.primaryKey()), literals(ins.columns())));
      } else if (change instanceof RowRecord.Updated upd) {
        if (upd.values() != null && upd.values().size() > 0) {
          statements.add(Statement.update(upd.table(), Where.key(upd.primaryKey()), literals(upd.values())));
        }
      } else if (change instanceof RowRecord.Deleted del) {
        statements.add(Statement.delete(del.table(), Where.key(del.primaryKey())));
      }
    }
    CompletionStage<Replica.WriteReply> reply = AskPattern.ask(leader,
        (ActorRef<Replica.WriteReply> replyTo) -> Replica.transact(statements, replyTo), timeout,
        system.scheduler());
    return reply.thenCompose(r -> {
      if (r instanceof Replica.Committed) {
        return CompletableFuture.completedFuture(true);
      }
      if (r instanceof Replica.Rejected rejected) {
        // refused: either the marker exists (applied before) or the outputs do not fit the target group
        return read(marker(relayId, d.sequenceNr())).thenApply(row -> {
          if (row != null) {
            return false;
          }
          throw new IllegalStateException("the target group refused position " + d.position() + " (offset "
              + d.sequenceNr() + ") of relay " + relayId + ": " + rejected.reason());
        });
      }
      throw new IllegalStateException("the target group did not commit position " + d.position() + " (offset "
          + d.sequenceNr() + ") of relay " + relayId + ": " + r + "; a restarted relay sends it again, and the "
          + "marker row keeps it from being applied twice");
    });
  }

  private static String marker(String relayId, long sequenceNr) {
    return relayId + "@" + sequenceNr;
  }

  /** The offset table's row {@code key} on the target group's leader, or null when absent. */
  private CompletionStage<JsonNode> read(String key) {
    CompletionStage<Replica.ReadReply> reply = AskPattern.ask(leader,
        (ActorRef<Replica.ReadReply> replyTo) -> new Replica.Read(Replica.rowKey(offsetTable, key),
            ReadConsistency.any(), replyTo),
        timeout, system.scheduler());
    return reply.thenApply(r -> {
      if (r instanceof Replica.Found found) {
        return found.value();
      } else if (r instanceof Replica.NotFound) {
        return null;
      }
      throw new IllegalStateException("the target group could not read row " + key + " of its table "
          + offsetTable + ": " + r);
    });
  }

  private static Map<String, Expr> literals(ObjectNode columns) {
    Map<String, Expr> out = new LinkedHashMap<>();
    if (columns != null) {
      for (Iterator<Map.Entry<String, JsonNode>> it = columns.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> f = it.next();
        out.put(f.getKey(), Expr.lit(f.getValue()));
      }
    }
    return out;
  }
}
