package dev.turboagents.http.ollama;

import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.handleExceptions;
import static org.apache.pekko.http.javadsl.server.Directives.handleRejections;

import dev.turboagents.actors.inference.InferenceActor;
import dev.turboagents.actors.inference.MemoryBudget;
import dev.turboagents.actors.inference.ollama.OllamaBackend;
import dev.turboagents.config.Settings;
import dev.turboagents.http.ApiError;
import dev.turboagents.http.HttpServer;
import dev.turboagents.http.inference.InferenceStatusRoutes;
import dev.turboagents.persistence.Eventually;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The daemon's inference routes (Ollama's API and the status) on a free loopback port, the inference
 * actor in front of an Ollama at {@code ollamaUrl} (the stand-in or a real one). Another door (OpenAI's)
 * is the same fixture with its own {@link DoorRoutes}.
 */
public class FrontDoor implements AutoCloseable {
  /** The door's routes on the inference actor, as its subsystem builds them. */
  public interface DoorRoutes {
    Route of(ActorRef<InferenceActor.Command> inference, ActorSystem<?> system, Settings settings);
  }

  private static final DoorRoutes OLLAMA = (inference, system, settings) -> new OllamaRoutes(inference, system,
      settings.http().maxBodyBytes(), settings.http().askTimeout(),
      settings.inference().defaultDeadline().plus(settings.inference().replyMargin()), settings.http().retryAfter()).route();

  public final ActorTestKit kit;
  public final ActorRef<InferenceActor.Command> inference;
  public final String url;
  public final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final OllamaBackend backend;
  private final ServerBinding binding;
  private final String[] defaultHeaders;

  FrontDoor(Path dataDir, String ollamaUrl, long budgetBytes, Map<String, Object> overrides) throws Exception {
    this("front-door", dataDir, ollamaUrl, budgetBytes, overrides, OLLAMA);
  }

  /** @param defaultHeaders sent with every POST (Ollama's clients send any content type; OpenAI's send JSON) */
  protected FrontDoor(String name, Path dataDir, String ollamaUrl, long budgetBytes, Map<String, Object> overrides,
      DoorRoutes door, String... defaultHeaders) throws Exception {
    this.defaultHeaders = defaultHeaders;
    Map<String, Object> all = new HashMap<>();
    all.put("turbo-agents.inference.min-backoff", "50ms");
    all.put("turbo-agents.inference.max-backoff", "400ms");
    all.put("turbo-agents.inference.default-deadline", "60s");
    all.put("turbo-agents.inference.request-timeout", "60s");
    all.putAll(overrides);
    Settings settings = Settings.forTest(dataDir, all);
    kit = ActorTestKit.create(name, settings.config());
    backend = new OllamaBackend(ollamaUrl, settings.inference());
    inference = kit.spawn(InferenceActor.create(settings.inference(), backend, new MemoryBudget(budgetBytes, "test")));
    // the inference routes as HttpServer composes them (the whole API, Neo4j included, is RunningApi's)
    Route routes = handleExceptions(ApiError.exceptionHandler(), () -> handleRejections(ApiError.rejectionHandler(),
        () -> concat(new InferenceStatusRoutes(inference, kit.system(), settings.http().askTimeout(),
            settings.inference().tickInterval()).route(),
            door.of(inference, kit.system(), settings))));
    binding = Http.get(kit.system()).newServerAt("127.0.0.1", 0)
        .adaptSettings(s -> HttpServer.idleAtLeast(s, settings.inference().defaultDeadline().plus(settings.http().idleMargin())))
        .bind(routes).toCompletableFuture().get(10, TimeUnit.SECONDS);
    url = "http://127.0.0.1:" + binding.localAddress().getPort();
    awaitUp();
  }

  private void awaitUp() {
    Eventually.assertThat(Duration.ofSeconds(10), () -> {
      HttpResponse<String> status = get("/api/v1/inference/status");
      org.junit.jupiter.api.Assertions.assertTrue(status.statusCode() == 200
          && status.body().contains("\"backend\":\"UP\""), "the inference door sees Ollama up: " + status.body());
    });
  }

  /** The door's status, parsed. */
  com.fasterxml.jackson.databind.JsonNode status() {
    try {
      return new com.fasterxml.jackson.databind.ObjectMapper().readTree(get("/api/v1/inference/status").body());
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public HttpResponse<String> get(String path) {
    try {
      return client.send(HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(60)).GET().build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (java.io.IOException e) {
      throw new IllegalStateException("GET " + path + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public HttpResponse<String> post(String path, String body, String... headers) throws Exception {
    return postAsync(path, body, headers).get(90, TimeUnit.SECONDS);
  }

  public CompletableFuture<HttpResponse<String>> postAsync(String path, String body, String... headers) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(90))
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (defaultHeaders.length > 0) {
      request.headers(defaultHeaders);
    }
    if (headers.length > 0) {
      request.headers(headers);
    }
    return client.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Override
  public void close() throws Exception {
    binding.unbind().toCompletableFuture().get(5, TimeUnit.SECONDS);
    kit.shutdownTestKit();
    backend.close();
    client.close();
  }
}
