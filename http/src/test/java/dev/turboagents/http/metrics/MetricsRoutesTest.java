package dev.turboagents.http.metrics;

import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.handleExceptions;
import static org.apache.pekko.http.javadsl.server.Directives.handleRejections;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.turboagents.actors.inference.InferenceActor;
import dev.turboagents.actors.inference.MemoryBudget;
import dev.turboagents.actors.inference.ollama.OllamaBackend;
import dev.turboagents.actors.inference.standin.OllamaStandIn;
import dev.turboagents.actors.inference.standin.StandInModel;
import dev.turboagents.config.Settings;
import dev.turboagents.http.ApiError;
import dev.turboagents.http.openai.OpenAiRoutes;
import dev.turboagents.http.openapi.OpenApiPart;
import dev.turboagents.persistence.Eventually;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.server.Route;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /metrics} over loopback, the inference actor before the stand-in and the /v1 door in
 * front, its text parsed by Prometheus' official Python client parser (prometheus_client, in the
 * OPENAI_PYTHON venv .ci/run makes): requests by route and status, the door's figures.
 */
class MetricsRoutesTest {
  private static final JsonMapper JSON = JsonMapper.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();
  private static final long GIB = StandInModel.GIB;

  @TempDir
  Path dir;

  @Test
  void metricsAreServedInPrometheusTextAndCountWhatHappened() throws Exception {
    String python = python();
    // one model resident at a time: the chat for other:1b unloads chatty:1b first
    Settings settings = Settings.forTest(dir.resolve("data"), Map.of("turbo-agents.inference.min-backoff", "50ms",
        "turbo-agents.inference.max-resident-models", 1));
    ActorTestKit kit = ActorTestKit.create("metrics", settings.config());
    try (OllamaStandIn standIn = new OllamaStandIn(List.of(StandInModel.small("chatty:1b", GIB / 4, Duration.ofMillis(200)),
        StandInModel.small("other:1b", GIB / 4, Duration.ofMillis(200))),
        64 * GIB, 4, 0.05).start(); OllamaBackend backend = new OllamaBackend(standIn.url(), settings.inference());
        HttpClient client = HttpClient.newHttpClient()) {
      ActorRef<InferenceActor.Command> inference = kit.spawn(InferenceActor.create(settings.inference(), backend,
          new MemoryBudget(8 * GIB, "test")));
      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      HttpMetrics http = new HttpMetrics(registry, List.of(OpenApiPart.load("openai"), OpenApiPart.load("metrics")));
      // built once, as MetricsSubsystem does: a Supplier<Route> runs again for every request
      Route metrics = new MetricsRoutes(registry, new InferenceMetrics(registry), inference, kit.system(),
          settings.http().askTimeout()).route();
      Route openAi = new OpenAiRoutes(inference, kit.system(), settings.http().maxBodyBytes(), settings.http().askTimeout(),
          settings.inference().defaultDeadline(), settings.http().retryAfter()).route();
      Route routes = http.measure(handleExceptions(ApiError.exceptionHandler(), () -> handleRejections(
          ApiError.rejectionHandler(), () -> concat(metrics, openAi))));
      ServerBinding binding = Http.get(kit.system()).newServerAt("127.0.0.1", 0).bind(routes).toCompletableFuture()
          .get(10, TimeUnit.SECONDS);
      String url = "http://127.0.0.1:" + binding.localAddress().getPort();
      String chat = "{\"model\": \"chatty:1b\", \"max_tokens\": 4, \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}";
      Eventually.assertThat(Duration.ofSeconds(10), () -> {
        try {
          assertEquals(200, post(client, url + "/v1/chat/completions", chat).statusCode());
        } catch (Exception e) {
          throw new AssertionError(e);
        }
      });
      post(client, url + "/v1/chat/completions", chat);
      assertEquals(200, post(client, url + "/v1/chat/completions", chat.replace("chatty:1b", "other:1b")).statusCode());
      assertEquals(404, client.send(HttpRequest.newBuilder(URI.create(url + "/v1/models/nope:1b")).build(),
          HttpResponse.BodyHandlers.ofString()).statusCode());

      HttpResponse<String> scrape = client.send(HttpRequest.newBuilder(URI.create(url + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, scrape.statusCode());
      assertTrue(scrape.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"),
          scrape.headers().toString());
      JsonNode samples = parse(python, scrape.body());

      assertTrue(value(samples, "http_server_requests_seconds_count", Map.of("route", "/v1/chat/completions",
          "method", "POST", "status", "200")) >= 2, samples.toString());
      assertEquals(1, value(samples, "http_server_requests_seconds_count", Map.of("route", "/v1/models/{id}",
          "status", "404")), "an unknown model is counted under its template, not its name: " + samples);
      assertTrue(value(samples, "inference_requests_completed_total", Map.of()) >= 2, samples.toString());
      assertEquals(2, value(samples, "inference_model_loads_total", Map.of()), samples.toString());
      // per model, from the door's events
      for (String model : List.of("chatty:1b", "other:1b")) {
        assertEquals(1, value(samples, "inference_loads_total", Map.of("model", model, "origin", "door")), samples.toString());
        assertEquals(1, value(samples, "inference_load_duration_seconds_count", Map.of("model", model)), samples.toString());
        assertTrue(value(samples, "inference_load_duration_seconds_sum", Map.of("model", model)) > 0, samples.toString());
      }
      assertEquals(1, value(samples, "inference_unloads_total", Map.of("model", "chatty:1b")), samples.toString());
      // the queue's wait per class, a histogram: three interactive requests (the door's default class)
      assertEquals(3, value(samples, "inference_queue_wait_seconds_count", Map.of("class", "interactive")), samples.toString());
      assertEquals(3, value(samples, "inference_queue_wait_seconds_bucket", Map.of("class", "interactive", "le", "+Inf")),
          samples.toString());
      assertTrue(value(samples, "inference_queue_wait_seconds_sum", Map.of("class", "interactive")) > 0,
          "two of them waited for a load: " + samples);
      assertEquals(8.0 * GIB, value(samples, "inference_budget_bytes", Map.of()), samples.toString());
      assertTrue(value(samples, "inference_model_resident_bytes", Map.of("model", "other:1b")) > 0, samples.toString());
      assertTrue(value(samples, "inference_tokens_per_second", Map.of()) > 0, samples.toString());
      assertTrue(value(samples, "inference_time_to_first_token_seconds", Map.of()) > 0, samples.toString());
      for (String cls : List.of("interactive", "agent", "background")) {
        assertEquals(0, value(samples, "inference_queue_depth", Map.of("class", cls)), samples.toString());
      }
      // the daily model time: the three interactive calls held the model, the other classes nothing; background's 2h budget
      assertTrue(value(samples, "inference_model_time_spent_seconds", Map.of("class", "interactive")) > 0, samples.toString());
      assertEquals(0, value(samples, "inference_model_time_spent_seconds", Map.of("class", "background")), samples.toString());
      assertEquals(7200, value(samples, "inference_model_time_budget_seconds", Map.of("class", "background")),
          samples.toString());
      binding.unbind().toCompletableFuture().get(5, TimeUnit.SECONDS);
    } finally {
      kit.shutdownTestKit();
    }
  }

  private static HttpResponse<String> post(HttpClient client, String url, String body) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The one sample named {@code name} whose labels include {@code labels}. */
  private static double value(JsonNode samples, String name, Map<String, String> labels) {
    Predicate<JsonNode> matches = s -> s.path("name").asText().equals(name)
        && labels.entrySet().stream().allMatch(e -> e.getValue().equals(s.path("labels").path(e.getKey()).asText(null)));
    List<JsonNode> found = new java.util.ArrayList<>();
    samples.forEach(s -> {
      if (matches.test(s)) {
        found.add(s);
      }
    });
    assertEquals(1, found.size(), "one sample " + name + labels + " in " + samples);
    return found.get(0).path("value").asDouble();
  }

  private JsonNode parse(String python, String text) throws Exception {
    Path script = dir.resolve("parse_prometheus.py");
    try (InputStream in = getClass().getResourceAsStream("/metrics/parse_prometheus.py")) {
      Files.copy(in, script);
    }
    Process p = new ProcessBuilder(python, script.toString()).redirectErrorStream(false).start();
    p.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), "Prometheus' parser accepts the text: " + err + "\n" + text);
    return JSON.readTree(out);
  }

  /** OPENAI_PYTHON's venv also has prometheus_client (.ci/run installs it); skipped without it outside CI. */
  private static String python() {
    String python = System.getenv("OPENAI_PYTHON");
    String why = "OPENAI_PYTHON is not set: point it at a python with 'prometheus_client' (and 'openai'); .ci/run does";
    if (python == null || python.isBlank()) {
      if (System.getenv("CI") != null && !System.getenv("CI").isBlank()) {
        Assertions.fail("in CI the metrics parser test must run: " + why);
      }
      Assumptions.abort(why);
    }
    return python;
  }
}
