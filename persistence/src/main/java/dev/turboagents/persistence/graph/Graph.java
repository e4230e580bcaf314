package dev.turboagents.persistence.graph;

import dev.turboagents.persistence.graph.code.CodeIndex;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * The knowledge graph as the rest of the system uses it (routes, health, later the agents' graph
 * tools): asks the {@link GraphService} and the {@link GraphProjection}. Stages fail with
 * {@link GraphUnavailable} while Neo4j cannot be reached.
 */
public final class Graph {
  private final ActorSystem<?> system;
  private final ActorRef<GraphService.Command> service;
  private final ActorRef<GraphProjection.Command> projection;
  private final Duration timeout;
  private final String neo4jUri;
  private final String embeddingModel;
  private final org.neo4j.driver.Driver driver;
  private final CodeIndex code;
  private final GraphStore store;
  private final GraphReembedding reembedding;

  /**
   * @param store the projection's store: the nightly's graph check writes through it
   * @param reembedding embeds the nodes that await a vector: at start in the background, and in the nightly
   */
  public Graph(ActorSystem<?> system, ActorRef<GraphService.Command> service, ActorRef<GraphProjection.Command> projection,
      Duration timeout, GraphConnection connection, CodeIndex code, GraphStore store, GraphReembedding reembedding) {
    this.system = system;
    this.service = service;
    this.projection = projection;
    this.timeout = timeout;
    this.neo4jUri = connection.uri().toString();
    this.embeddingModel = store.embedder().modelName();
    this.driver = connection.driver();
    this.code = code;
    this.store = store;
    this.reembedding = reembedding;
  }

  /** The nodes awaiting a vector and the runs that embed them (blocking: call it off the actors' threads). */
  public GraphReembedding reembedding() {
    return reembedding;
  }

  /** The issue nodes, to compare with the journal and project one again (blocking: call it off the actors' threads). */
  public GraphIssues issues() {
    return new GraphIssues(store);
  }

  /** The workspace's code in the graph, for {@code search_codebase}: kept apart from the tracker's nodes and search. */
  public CodeIndex code() {
    return code;
  }

  public CompletionStage<List<SearchHit>> search(SearchQuery query) {
    return AskPattern.askWithStatus(service, r -> new GraphService.Search(query, r), timeout, system.scheduler());
  }

  public CompletionStage<Optional<List<RelatedEntity>>> related(EntityRef entity, int depth, int limit) {
    return AskPattern.askWithStatus(service, r -> new GraphService.Related(entity, depth, limit, r), timeout, system.scheduler());
  }

  /** What changed since {@code since}: dated facts that began or ended then or later, oldest first. */
  public CompletionStage<List<FactChange>> changes(java.time.Instant since, int limit) {
    return AskPattern.askWithStatus(service, r -> new GraphService.Changes(since, limit, r), timeout, system.scheduler());
  }

  public CompletionStage<GraphContext> context(String task, int tokenBudget) {
    return AskPattern.askWithStatus(service, r -> new GraphService.Context(task, tokenBudget, r), timeout, system.scheduler());
  }

  /** Decisions on issue {@code issueId} and on the issues related to it, its own first: what a new task learns from. */
  public CompletionStage<List<PastDecision>> pastDecisions(String issueId, int limit) {
    return AskPattern.askWithStatus(service, r -> new GraphService.PastDecisions(issueId, limit, r), timeout, system.scheduler());
  }

  /** Empties the graph and projects the journal again; completes once the graph is empty and the replay started. */
  public CompletionStage<Done> rebuild() {
    return AskPattern.askWithStatus(projection, GraphProjection.Rebuild::new, timeout, system.scheduler());
  }

  public CompletionStage<GraphProjection.Status> projectionStatus() {
    return AskPattern.ask(projection, GraphProjection.GetStatus::new, timeout, system.scheduler());
  }

  /** Completes normally when Neo4j answers. */
  public CompletionStage<Void> verifyConnectivity() {
    return driver.verifyConnectivityAsync();
  }

  public String neo4jUri() {
    return neo4jUri;
  }

  public String embeddingModel() {
    return embeddingModel;
  }
}
