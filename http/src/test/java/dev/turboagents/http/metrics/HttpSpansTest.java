package dev.turboagents.http.metrics;

import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.handleExceptions;
import static org.apache.pekko.http.javadsl.server.Directives.handleRejections;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turboagents.actors.inference.InferenceActor;
import dev.turboagents.actors.inference.MemoryBudget;
import dev.turboagents.actors.inference.ollama.OllamaBackend;
import dev.turboagents.actors.inference.standin.OllamaStandIn;
import dev.turboagents.actors.inference.standin.StandInModel;
import dev.turboagents.actors.telemetry.LoopbackCollector;
import dev.turboagents.actors.telemetry.LoopbackCollector.ReceivedSpan;
import dev.turboagents.actors.telemetry.Telemetry;
import dev.turboagents.config.Settings;
import dev.turboagents.http.ApiError;
import dev.turboagents.http.ollama.OllamaRoutes;
import dev.turboagents.http.openai.OpenAiRoutes;
import dev.turboagents.http.openapi.OpenApiPart;
import dev.turboagents.persistence.Eventually;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.server.Route;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With telemetry on, every HTTP request gets a server span (method, route template, status) and the
 * GenAI {@code chat} span the inference door makes for it is its child, in the same trace: both
 * model doors, received by a loopback OTLP collector.
 */
class HttpSpansTest {
  private static final long GIB = StandInModel.GIB;

  @TempDir
  Path dir;

  @Test
  void eachRequestHasAServerSpanThatIsTheParentOfTheChatSpanItCauses() throws Exception {
    try (LoopbackCollector collector = LoopbackCollector.start();
        OllamaStandIn standIn = new OllamaStandIn(List.of(StandInModel.small("chatty:1b", GIB / 4, Duration.ofMillis(100))),
            64 * GIB, 4, 0.05).start();
        HttpClient client = HttpClient.newHttpClient()) {
      Settings settings = Settings.forTest(dir.resolve("data"), Map.of("turbo-agents.inference.min-backoff", "50ms",
          "turbo-agents.telemetry.enabled", true, "turbo-agents.telemetry.otlp-endpoint", collector.url(),
          "turbo-agents.telemetry.service-name", "http-spans-test"));
      ActorTestKit kit = ActorTestKit.create("spans", settings.config());
      try (OllamaBackend backend = new OllamaBackend(standIn.url(), settings.inference())) {
        ActorRef<InferenceActor.Command> inference = kit.spawn(InferenceActor.create(settings.inference(), backend,
            new MemoryBudget(8 * GIB, "test")));
        HttpMetrics http = new HttpMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
            List.of(OpenApiPart.load("openai"), OpenApiPart.load("inference")));
        Route openAi = new OpenAiRoutes(inference, kit.system(), settings.http().maxBodyBytes(),
            settings.http().askTimeout(), settings.inference().defaultDeadline(), settings.http().retryAfter()).route();
        Route ollama = new OllamaRoutes(inference, kit.system(), settings.http().maxBodyBytes(),
            settings.http().askTimeout(), settings.inference().defaultDeadline(), settings.http().retryAfter()).route();
        Route routes = http.measure(handleExceptions(ApiError.exceptionHandler(), () -> handleRejections(
            ApiError.rejectionHandler(), () -> concat(openAi, ollama))), Optional.of(Telemetry.get(kit.system()).spans()));
        ServerBinding binding = Http.get(kit.system()).newServerAt("127.0.0.1", 0).bind(routes).toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
        String url = "http://127.0.0.1:" + binding.localAddress().getPort();
        Eventually.assertThat(Duration.ofSeconds(10), () -> assertEquals(200, post(client, url + "/v1/chat/completions",
            "{\"model\": \"chatty:1b\", \"max_tokens\": 3, \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}")));
        assertEquals(200, post(client, url + "/api/chat", "{\"model\": \"chatty:1b\", \"stream\": false,"
            + " \"options\": {\"num_predict\": 3}, \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}"));
        assertEquals(400, post(client, url + "/api/chat", "{\"model\": \"chatty:1b\", \"messages\": 3}"));

        for (String route : List.of("/v1/chat/completions", "/api/chat")) {
          ReceivedSpan server = eventually(kit, collector, s -> s.name().equals("POST " + route)
              && Long.valueOf(200).equals(s.attribute("http.response.status_code")));
          assertEquals("POST", server.attribute("http.request.method"), server.toString());
          assertEquals(route, server.attribute("http.route"), server.toString());
          assertEquals("", server.parentSpanId(), "the server span is the root of the request's trace");
          ReceivedSpan chat = eventually(kit, collector, s -> s.name().equals("chat chatty:1b")
              && s.parentSpanId().equals(server.spanId()));
          assertEquals(server.traceId(), chat.traceId(), "one trace: " + server + " " + chat);
        }
        ReceivedSpan refused = eventually(kit, collector, s -> s.name().equals("POST /api/chat")
            && Long.valueOf(400).equals(s.attribute("http.response.status_code")));
        assertTrue(collector.spans(s -> s.parentSpanId().equals(refused.spanId())).isEmpty(),
            "a request refused before it reached the door causes no chat span");
        binding.unbind().toCompletableFuture().get(5, TimeUnit.SECONDS);
      } finally {
        kit.shutdownTestKit();
      }
    }
  }

  private static ReceivedSpan eventually(ActorTestKit kit, LoopbackCollector collector,
      java.util.function.Predicate<ReceivedSpan> which) throws Exception {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < until) {
      assertTrue(Telemetry.get(kit.system()).flush(Duration.ofSeconds(10)), "the collector took the spans");
      List<ReceivedSpan> found = collector.spans(which);
      if (!found.isEmpty()) {
        return found.getFirst();
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no such span in " + collector.spans());
  }

  private static int post(HttpClient client, String url, String body) {
    try {
      return client.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
