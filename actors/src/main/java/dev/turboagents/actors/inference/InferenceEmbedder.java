package dev.turboagents.actors.inference;

import dev.turboagents.config.InvalidSettingException;
import dev.turboagents.persistence.graph.Embedder;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * The knowledge graph's embedder when it is an Ollama model ({@code ollama:<model>}): every text
 * goes through the inference actor, the one door to the models, so embedding shares the queue and
 * the memory budget with chat. The projection's texts wait as background work; a search query as
 * interactive work. Callers run on a blocking dispatcher (the Neo4j driver blocks around them), so
 * this class blocks on the reply: the door answers by the request's deadline ({@code timeout}), and
 * the wait gives up {@code turbo-agents.inference.reply-margin} after that.
 */
public final class InferenceEmbedder implements Embedder {

  /** The prefix of an embedding model served through Ollama. */
  public static final String PREFIX = "ollama:";

  private final ActorRef<InferenceActor.Command> inference;
  private final ActorSystem<?> system;
  private final String model;
  private final int dimensions;
  private final Duration timeout;
  private final Duration replyMargin;

  private InferenceEmbedder(ActorRef<InferenceActor.Command> inference, ActorSystem<?> system, String model,
      int dimensions, Duration timeout) {
    this.inference = inference;
    this.system = system;
    this.model = model;
    this.dimensions = dimensions;
    this.timeout = timeout;
    // the daemon's settings were validated at start and are the system's config
    this.replyMargin = system.settings().config().getDuration("turbo-agents.inference.reply-margin");
  }

  /**
   * An embedder for {@code ollama:<model>}. With {@code dimensions} 0 the model is asked once now
   * for its vector length, which waits for Ollama (set {@code embedding-dimensions} to start
   * without it). A model the server does not have is a wrong setting ({@link InvalidSettingException});
   * anything else fails with {@link EmbeddingFailed}, and the caller may try again.
   */
  public static InferenceEmbedder start(String configuredModel, int dimensions, ActorRef<InferenceActor.Command> inference,
      ActorSystem<?> system, Duration timeout) {
    String model = configuredModel.substring(PREFIX.length()).strip();
    if (model.isEmpty()) {
      throw new InvalidSettingException("turbo-agents.graph.embedding-model", "names no model after 'ollama:'");
    }
    if (dimensions > 0) {
      return new InferenceEmbedder(inference, system, model, dimensions, timeout);
    }
    InferenceEmbedder probe = new InferenceEmbedder(inference, system, model, 0, timeout);
    try {
      return new InferenceEmbedder(inference, system, model, probe.call(List.of("dimension probe"), Priority.INTERACTIVE, false).getFirst().length,
          timeout);
    } catch (EmbeddingFailed e) {
      if (!e.modelRefused()) {
        throw e; // Ollama away or slow: the graph's supervisor tries again with backoff
      }
      throw new InvalidSettingException("turbo-agents.graph.embedding-model", "could not ask " + model
          + " for its vector length (" + e.getMessage() + "); pull the model or set another one");
    }
  }

  @Override
  public String modelName() {
    return PREFIX + model;
  }

  @Override
  public int dimensions() {
    return dimensions;
  }

  @Override
  public List<float[]> embedAll(List<String> texts) {
    return checked(call(texts, Priority.BACKGROUND, false));
  }

  /** A person waits for the search: while the model server is known to be away it is refused at once, not queued. */
  @Override
  public float[] embedQuery(String text) {
    return checked(call(List.of(text), Priority.INTERACTIVE, true)).getFirst();
  }

  /** Why a text could not be embedded, in words a user can act on. */
  public static final class EmbeddingFailed extends RuntimeException {
    private final boolean modelRefused;

    EmbeddingFailed(String message) {
      this(message, false);
    }

    EmbeddingFailed(String message, boolean modelRefused) {
      super(message);
      this.modelRefused = modelRefused;
    }

    /** The server has no such model or refused it for embeddings: asking again will not help. */
    public boolean modelRefused() {
      return modelRefused;
    }
  }

  private List<float[]> call(List<String> texts, Priority priority, boolean failFast) {
    InferenceCall.Embed call = new InferenceCall.Embed(model, texts, Optional.of(true), Optional.empty(), ModelOptions.NONE);
    InferenceActor.Reply reply;
    try {
      // the ask itself is bounded: it fails after the deadline plus the margin
      reply = AskPattern.<InferenceActor.Command, InferenceActor.Reply>ask(inference,
              r -> new InferenceActor.Submit(UUID.randomUUID().toString(), call, priority, Optional.of(timeout), Optional.empty(), r,
                  failFast),
              timeout.plus(replyMargin), system.scheduler())
          .toCompletableFuture().get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EmbeddingFailed("interrupted while embedding with " + model);
    } catch (Exception e) {
      throw new EmbeddingFailed("the inference actor did not answer in " + timeout + " while embedding with " + model);
    }
    return switch (reply) {
      case InferenceActor.Completed c -> c.completion().embeddings().stream().map(InferenceEmbedder::floats).toList();
      case InferenceActor.Failed f -> throw new EmbeddingFailed(f.failure() + ": " + f.message(),
          f.failure() == InferenceActor.Failure.UNKNOWN_MODEL || f.failure() == InferenceActor.Failure.REJECTED);
    };
  }

  private List<float[]> checked(List<float[]> vectors) {
    for (float[] v : vectors) {
      if (v.length != dimensions) {
        throw new EmbeddingFailed(model + " returned " + v.length + " dimensions, the graph's vector index has " + dimensions
            + " (turbo-agents.graph.embedding-dimensions)");
      }
    }
    return vectors;
  }

  private static float[] floats(List<Double> values) {
    float[] out = new float[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = values.get(i).floatValue();
    }
    return out;
  }
}
