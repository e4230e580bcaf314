package dev.turboagents.http.inference;

import dev.turboagents.actors.inference.InferenceActor;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.typed.javadsl.ActorSource;

/**
 * The chunks of one streamed request to the inference door, as the front doors (Ollama's NDJSON,
 * OpenAI's SSE) relay them: the first chunk, which decides the response's status, and the whole
 * stream, that chunk included, up to and including the end.
 *
 * <p>This is the token path. A chunk goes from the thread that reads Ollama's answer to the
 * HTTP response's stream in one hop: the first chunk is seen on its way (no second stream is run
 * to look at it), and a buffer keeps the chunks that come before the response is under way.
 *
 * @param first the first chunk; fails when the stream ended without one
 * @param chunks every chunk, the first included, ending with the {@link InferenceActor.End}
 */
public record ChunkStream(CompletionStage<InferenceActor.Chunk> first, Source<InferenceActor.Chunk, NotUsed> chunks) {
  private static final int BUFFERED_CHUNKS = 1024;

  /** Starts the stream and submits with its sink: {@code submit} builds the request given where its chunks go. */
  public static ChunkStream start(ActorSystem<?> system,
      Function<ActorRef<InferenceActor.Chunk>, InferenceActor.Submit> submit, ActorRef<InferenceActor.Command> inference) {
    CompletableFuture<InferenceActor.Chunk> first = new CompletableFuture<>();
    Pair<ActorRef<InferenceActor.Chunk>, Source<InferenceActor.Chunk, NotUsed>> started = ActorSource
        .<InferenceActor.Chunk>actorRef(c -> false, c -> Optional.empty(), BUFFERED_CHUNKS, OverflowStrategy.fail())
        .takeWhile(c -> !(c instanceof InferenceActor.End), true)
        .map(c -> {
          first.complete(c); // a no-op after the first
          return c;
        })
        .watchTermination((ref, done) -> {
          done.whenComplete((d, e) -> first.completeExceptionally(
              new IllegalStateException("the inference actor ended the stream without a chunk")));
          return ref;
        })
        // pulls before the response's stream does, so the first chunk is seen at once
        .buffer(BUFFERED_CHUNKS, OverflowStrategy.backpressure())
        .preMaterialize(system);
    inference.tell(submit.apply(started.first()));
    return new ChunkStream(first, started.second());
  }

  /** For a stream whose response is an error: its chunks are read and dropped. */
  public void discard(ActorSystem<?> system) {
    chunks.runWith(Sink.ignore(), system);
  }
}
