package dev.turboagents.actors.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turboagents.actors.inference.ollama.OllamaBackend;
import dev.turboagents.actors.inference.standin.OllamaStandIn;
import dev.turboagents.actors.inference.standin.StandInModel;
import dev.turboagents.actors.inference.standin.StandInSettings;
import dev.turboagents.persistence.Eventually;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The streamed token path of {@link OllamaBackend} against the stand-in: an answer streams in
 * pieces and ends with its figures; cancelling a call or closing the backend ends the stream on
 * Ollama's side at once (the stand-in stops generating when its client hangs up), so no generation
 * goes on for a caller that is gone.
 */
class OllamaBackendTest {
  /** 20 tokens a second at real time: 400 tokens take 20 s. */
  private static final StandInModel SLOW = new StandInModel("slow", StandInModel.GIB, 16, 4, 64, Duration.ZERO, 20, 0,
      List.of("completion"));

  private static InferenceCall chat(int tokens) {
    return new InferenceCall.Chat("slow", List.of(ChatMessage.of("user", "hello")), List.of(), AnswerFormat.TEXT,
        ModelOptions.NONE.with(ModelOption.NUM_PREDICT, tokens), Thinking.SERVER_DEFAULT);
  }

  @Test
  void anAnswerStreamsInPiecesAndEndsWithItsFigures() throws Exception {
    try (OllamaStandIn s = new OllamaStandIn(List.of(SLOW), 8 * StandInModel.GIB, 2, 0.05).start();
        OllamaBackend backend = new OllamaBackend(s.url(), StandInSettings.inference(Map.of()))) {
      AtomicInteger pieces = new AtomicInteger();
      Completion done = backend.call(chat(5), Duration.ofMinutes(5), d -> pieces.incrementAndGet()).result()
          .toCompletableFuture().get(20, TimeUnit.SECONDS);
      assertEquals(5, pieces.get());
      assertEquals("tok0 tok1 tok2 tok3 tok4 ", done.message().orElseThrow().content());
      assertEquals(5, done.timings().evalCount());
    }
  }

  @Test
  void cancellingOrClosingEndsTheGenerationOnOllamasSide() throws Exception {
    try (OllamaStandIn s = new OllamaStandIn(List.of(SLOW), 8 * StandInModel.GIB, 2, 1.0).start()) {
      OllamaBackend backend = new OllamaBackend(s.url(), StandInSettings.inference(Map.of()));
      AtomicInteger pieces = new AtomicInteger();
      InferenceBackend.Call cancelled = backend.call(chat(400), Duration.ofMinutes(5), d -> pieces.incrementAndGet());
      Eventually.assertThat(Duration.ofSeconds(10), () -> assertTrue(pieces.get() > 0));
      cancelled.cancel().run();
      Eventually.assertThat(Duration.ofSeconds(3), () -> assertEquals(0, s.generating(), "the stand-in still generates"));

      pieces.set(0);
      InferenceBackend.Call running = backend.call(chat(400), Duration.ofMinutes(5), d -> pieces.incrementAndGet());
      Eventually.assertThat(Duration.ofSeconds(10), () -> assertTrue(pieces.get() > 0));
      backend.close();
      Eventually.assertThat(Duration.ofSeconds(3), () -> assertEquals(0, s.generating(), "the stand-in still generates"));
      assertThrows(ExecutionException.class, () -> running.result().toCompletableFuture().get(5, TimeUnit.SECONDS));
    }
  }
}
