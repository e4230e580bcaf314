package dev.turboagents.actors.autonomy;

import dev.turboagents.persistence.AsyncFailure;
import dev.turboagents.persistence.graph.Graph;
import dev.turboagents.persistence.graph.GraphReembedding;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;

/**
 * The nightly's re-embedding: the graph's nodes that still await a vector — the embedding model
 * changed and the run started with the daemon did not finish (Ollama away, a crash), or any other
 * node with a text and no vector of the embedder's length — are embedded now ({@link GraphReembedding}; an {@code ollama:}
 * model queues them as background work). A dry run only counts them; a pause stops between batches.
 */
public final class StaleEmbeddings {
  private final CompletionStage<Graph> graph;
  private final Executor blocking;

  /** @param blocking where the graph's driver and the embedder run (they block) */
  public StaleEmbeddings(CompletionStage<Graph> graph, Executor blocking) {
    this.graph = graph;
    this.blocking = blocking;
  }

  /**
   * What the run did. {@code skipped} says why it embedded nothing (no graph, another run going);
   * {@code stoppedBy} why it stopped with nodes left (the embedder failed, a pause); {@code left} the
   * nodes that await a vector after it (in a dry run: those it would embed).
   */
  public record Outcome(Optional<String> skipped, String model, long reembedded, long left, Optional<String> stoppedBy) {
    static Outcome skipped(String why, String model, long left) {
      return new Outcome(Optional.of(why), model, 0, left, Optional.empty());
    }
  }

  public CompletionStage<Outcome> run(boolean dryRun, BooleanSupplier paused) {
    if (!graph.toCompletableFuture().isDone() || graph.toCompletableFuture().isCompletedExceptionally()) {
      return CompletableFuture.completedFuture(Outcome.skipped("the knowledge graph is not serving", "", 0));
    }
    Graph g = graph.toCompletableFuture().join();
    GraphReembedding reembedding = g.reembedding();
    return CompletableFuture.supplyAsync(() -> {
      if (dryRun) {
        return new Outcome(Optional.empty(), g.embeddingModel(), 0, reembedding.awaiting(), Optional.empty());
      }
      return reembedding.run(() -> !paused.getAsBoolean())
          .map(r -> new Outcome(Optional.empty(), g.embeddingModel(), r.reembedded(), r.left(),
              r.stoppedBy().map(why -> paused.getAsBoolean() ? "the autonomy was paused" : why)))
          .orElseGet(() -> Outcome.skipped("the re-embedding started with the daemon is still going", g.embeddingModel(),
              reembedding.awaiting()));
    }, blocking).exceptionally(e -> Outcome.skipped("the knowledge graph did not answer: " + AsyncFailure.cause(e).getMessage(),
        g.embeddingModel(), 0));
  }
}
