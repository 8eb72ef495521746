package io.replikit.examples.serve;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Props;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.pubsub.Topic;
import io.replikit.serialization.WireMessage;
import io.replikit.sessions.InMemoryTokenStore;
import io.replikit.sessions.TokenStore;

/**
 * The per-user session tokens of a {@code serve} node ({@code ?user=} / {@code Replikit-User}): kept in this
 * node's memory and announced to every node of the cluster through Akka's pub-sub {@link Topic}, so that a user's
 * second device reads the first one's writes at whichever node it reaches.
 *
 * <p>Sharing is asynchronous: another node learns a token about one message delay after the write was acknowledged,
 * and the write's answer does not wait for it; a second device that reads at another node within those
 * milliseconds may still miss the write (send the {@value SessionToken#HEADER} header, or read at the node that took
 * the write, for a guarantee without that window). Tokens live in memory only: a node that restarts knows only
 * what is announced after it joined, and the tokens of a cluster that stops are lost. A token never goes down.
 */
public final class SharedTokenStore implements TokenStore {
  /** One raised token, as announced to the other nodes. */
  public record TokenAdvanced(String user, String groupId, long position) implements WireMessage {}

  private static final String TOPIC = "replikit-session-tokens";

  private final InMemoryTokenStore local = new InMemoryTokenStore();
  private final ActorRef<Topic.Command<TokenAdvanced>> topic;

  private SharedTokenStore(ActorRef<Topic.Command<TokenAdvanced>> topic) {
    this.topic = topic;
  }

  /**
   * Starts the store's topic and its subscriber on {@code system}; {@code name} keeps the actor names of several
   * stores in one actor system apart.
   */
  public static SharedTokenStore start(ActorSystem<?> system, String name) {
    @SuppressWarnings("unchecked")
    ActorRef<Topic.Command<TokenAdvanced>> topic = system.systemActorOf(
        Topic.create(TokenAdvanced.class, TOPIC), "replikit-tokens-topic-" + name, Props.empty());
    SharedTokenStore store = new SharedTokenStore(topic);
    ActorRef<TokenAdvanced> subscriber = system.systemActorOf(Behaviors.receiveMessage(t -> {
      store.local.advance(t.user(), t.groupId(), t.position());
      return Behaviors.same();
    }), "replikit-tokens-" + name, Props.empty());
    topic.tell(Topic.subscribe(subscriber));
    return store;
  }

  @Override
  public long position(String user, String groupId) {
    return local.position(user, groupId);
  }

  @Override
  public void advance(String user, String groupId, long position) {
    if (position > local.position(user, groupId)) {
      local.advance(user, groupId, position);
      topic.tell(Topic.publish(new TokenAdvanced(user, groupId, position)));
    }
  }
}
