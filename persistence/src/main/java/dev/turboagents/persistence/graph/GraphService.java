package dev.turboagents.persistence.graph;

import dev.turboagents.persistence.AsyncFailure;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.pattern.StatusReply;
import org.neo4j.driver.exceptions.ClientException;
import org.neo4j.driver.exceptions.ServiceUnavailableException;
import org.neo4j.driver.exceptions.SessionExpiredException;
import org.neo4j.driver.exceptions.TransientException;

/**
 * Answers graph reads (search, related, context) for routes and agents. Each query runs on the
 * blocking dispatcher, because the driver and the embedder block; a Neo4j that cannot be reached
 * is answered with {@link GraphUnavailable}.
 */
public final class GraphService {

  /** Graph reads; every reply is a {@link StatusReply} that fails with {@link GraphUnavailable} when Neo4j is away. */
  public sealed interface Command permits Search, Related, Context, PastDecisions, Changes {}

  public record Search(SearchQuery query, ActorRef<StatusReply<List<SearchHit>>> replyTo) implements Command {}

  /** Empty when {@code entity} is not in the graph. */
  public record Related(EntityRef entity, int depth, int limit, ActorRef<StatusReply<Optional<List<RelatedEntity>>>> replyTo)
      implements Command {}

  public record Context(String task, int tokenBudget, ActorRef<StatusReply<GraphContext>> replyTo) implements Command {}

  /** Decisions on an issue and the issues related to it ({@link GraphSearch#pastDecisions}). */
  public record PastDecisions(String issueId, int limit, ActorRef<StatusReply<List<PastDecision>>> replyTo)
      implements Command {}

  /** Fact changes at or after {@code since}, oldest first. */
  public record Changes(java.time.Instant since, int limit, ActorRef<StatusReply<List<FactChange>>> replyTo) implements Command {}

  public static Behavior<Command> create(GraphSearch search, String neo4jUri) {
    return Behaviors.setup(ctx -> {
      Executor blocking = ctx.getSystem().dispatchers().lookup(DispatcherSelector.blocking());
      return Behaviors.receive(Command.class)
          .onMessage(Search.class, m -> answer(blocking, neo4jUri, () -> search.search(m.query()), m.replyTo()))
          .onMessage(Related.class, m -> answer(blocking, neo4jUri, () -> search.related(m.entity(), m.depth(), m.limit()), m.replyTo()))
          .onMessage(Changes.class, m -> answer(blocking, neo4jUri, () -> search.changes(m.since(), m.limit()), m.replyTo()))
          .onMessage(Context.class, m -> answer(blocking, neo4jUri, () -> search.context(m.task(), m.tokenBudget()), m.replyTo()))
          .onMessage(PastDecisions.class, m -> answer(blocking, neo4jUri, () -> search.pastDecisions(m.issueId(), m.limit()),
              m.replyTo()))
          .build();
    });
  }

  private static <T> Behavior<Command> answer(Executor blocking, String uri, Supplier<T> work, ActorRef<StatusReply<T>> replyTo) {
    CompletableFuture.supplyAsync(work, blocking).whenComplete((value, failure) -> {
      if (failure == null) {
        replyTo.tell(StatusReply.success(value));
      } else {
        replyTo.tell(StatusReply.error(translate(failure, uri)));
      }
    });
    return Behaviors.same();
  }

  static Throwable translate(Throwable failure, String uri) {
    Throwable t = AsyncFailure.cause(failure);
    // TransientException covers "database unavailable" while a server starts or stops
    if (t instanceof ServiceUnavailableException || t instanceof SessionExpiredException || t instanceof TransientException) {
      return new GraphUnavailable("Neo4j at " + uri + " cannot be reached: " + t.getMessage(), t);
    }
    // the graph's indexes are created before it serves; an external Neo4j emptied meanwhile has none until the next start
    if (t instanceof ClientException c && c.getMessage() != null && c.getMessage().contains("no such") && c.getMessage().contains("index")) {
      return new GraphUnavailable("the knowledge graph's indexes are missing in Neo4j at " + uri
          + " (was the database emptied?); restart the daemon or POST /api/v1/graph/rebuild: " + c.getMessage(), t);
    }
    return t;
  }
}
