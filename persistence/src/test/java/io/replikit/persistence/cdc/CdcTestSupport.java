package io.replikit.persistence.cdc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.replikit.replication.LocalTransport;
import io.replikit.replication.ReplicaId;
import io.replikit.singleleader.ReadConsistency;
import io.replikit.singleleader.Replica;
import io.replikit.singleleader.ReplicaGroupSpec;
import io.replikit.singleleader.ReplicaStatus;
import io.replikit.singleleader.SingleLeaderSettings;
import io.replikit.store.Expr;
import io.replikit.store.Statement;
import io.replikit.store.StoreItem;
import io.replikit.store.Where;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/** Starting small single-leader groups and writing to them, for the CDC tests. */
final class CdcTestSupport {
  static final Duration WAIT = Duration.ofSeconds(10);
  static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final AtomicInteger NAMES = new AtomicInteger();

  private CdcTestSupport() {}

  /** Fast timers, every message through Jackson, Akka logging through SLF4J; a live JDBC feed polls every 50ms. */
  static Config baseConfig() {
    return ConfigFactory.parseString("""
        akka.actor.serialize-messages = on
        replikit.cdc.refresh-interval = 50ms
        replikit.single-leader {
          heartbeat-interval = 50ms
          follower-timeout = 300ms
          sync-standby-timeout = 600ms
          resend-after = 150ms
          failover-timeout = 500ms
          write-timeout = 8s
        }
        """).withFallback(ConfigFactory.load());
  }

  /** A running group of one or more replicas on one transport. */
  static final class Group {
    final ActorTestKit kit;
    final ReplicaGroupSpec spec;
    final SingleLeaderSettings settings;
    final LocalTransport transport = new LocalTransport();
    final Map<String, ActorRef<Replica.Command>> replicas = new LinkedHashMap<>();

    Group(ActorTestKit kit, SingleLeaderSettings settings, String groupId, String leader, String... followers) {
      this.kit = kit;
      this.settings = settings;
      this.spec = ReplicaGroupSpec.of(groupId, leader, followers);
      start(leader);
      for (String f : followers) {
        start(f);
      }
      kit.createTestProbe().awaitAssert(WAIT, () -> {
        assertEquals("leader", status(leader).role(), leader + " leads");
        return null;
      });
    }

    String id() {
      return spec.groupId();
    }

    ActorRef<Replica.Command> start(String name) {
      ActorRef<Replica.Command> ref = kit.spawn(Replica.create(spec, ReplicaId.of(name), settings, transport),
          spec.groupId() + "-" + name + "-" + NAMES.incrementAndGet());
      replicas.put(name, ref);
      return ref;
    }

    void stop(String name) {
      ActorRef<Replica.Command> ref = replicas.remove(name);
      TestProbe<Object> watcher = kit.createTestProbe();
      kit.stop(ref, WAIT);
      watcher.expectTerminated(ref, WAIT);
    }

    ActorRef<Replica.Command> leader() {
      return replicas.get(spec.leader().value());
    }

    ReplicaStatus status(String name) {
      TestProbe<ReplicaStatus> probe = kit.createTestProbe();
      replicas.get(name).tell(new Replica.GetStatus(probe.getRef()));
      return probe.receiveMessage(WAIT);
    }

    /** Puts a text value through the leader; returns the log position it was written at. */
    long put(String key, String value) {
      TestProbe<Replica.WriteReply> probe = kit.createTestProbe();
      leader().tell(Replica.put(key, NODES.textNode(value), probe.getRef()));
      return probe.expectMessageClass(Replica.Written.class, WAIT).version();
    }

    long delete(String key) {
      TestProbe<Replica.WriteReply> probe = kit.createTestProbe();
      leader().tell(Replica.delete(key, probe.getRef()));
      return probe.expectMessageClass(Replica.Written.class, WAIT).version();
    }

    /** Runs a transaction on the leader and returns its answer. */
    Replica.WriteReply transact(List<Statement> statements) {
      TestProbe<Replica.WriteReply> probe = kit.createTestProbe();
      leader().tell(Replica.transact(statements, probe.getRef()));
      return probe.receiveMessage(WAIT);
    }

    /** Runs a transaction that must commit; returns its position. */
    long commit(List<Statement> statements) {
      Replica.WriteReply reply = transact(statements);
      if (!(reply instanceof Replica.Committed committed)) {
        throw new AssertionError("expected the transaction to commit, got " + reply);
      }
      return committed.position();
    }

    List<StoreItem> table(String table) {
      TestProbe<Replica.ReadReply> probe = kit.createTestProbe();
      leader().tell(new Replica.ReadTable(table, ReadConsistency.any(), probe.getRef()));
      return probe.expectMessageClass(Replica.TableRows.class, WAIT).rows();
    }
  }

  static Statement insertOrder(String id, String customer, long amount) {
    return Statement.insert("orders", Expr.lit(id), Map.of("customer", Expr.lit(customer), "amount",
        Expr.lit(amount)));
  }

  static Statement setAmount(String id, long amount) {
    return Statement.update("orders", Where.key(id), Map.of("amount", Expr.lit(amount)));
  }

  static Statement deleteOrder(String id) {
    return Statement.delete("orders", Where.key(id));
  }

  static ObjectNode object() {
    return NODES.objectNode();
  }

  static JsonNode text(String s) {
    return NODES.textNode(s);
  }
}
