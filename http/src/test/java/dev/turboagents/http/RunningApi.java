package dev.turboagents.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.turboagents.actors.inference.standin.OllamaStandIn;
import dev.turboagents.actors.inference.standin.StandInModel;
import dev.turboagents.config.Settings;
import dev.turboagents.supervisors.RootSupervisor;
import dev.turboagents.supervisors.Subsystems;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.http.javadsl.ServerBinding;

/** The daemon's supervision tree and HTTP API on a free loopback port over a temporary data directory. */
public final class RunningApi implements AutoCloseable {

  /** A response: status, raw body and the body parsed as JSON. */
  public record Reply(int status, String body, JsonNode json, HttpResponse<String> raw) {}

  private final ActorTestKit kit;
  private final ServerBinding binding;
  private final HttpClient client = HttpClient.newHttpClient();
  private final OllamaStandIn ollama;
  public final Settings settings;

  public RunningApi(Path dataDir, Map<String, ?> overrides) throws Exception {
    // the inference door needs an Ollama: the stand-in on loopback, unless the test names one
    Map<String, Object> all = new java.util.HashMap<>(overrides);
    if (!all.containsKey("turbo-agents.ollama.host")) {
      ollama = new OllamaStandIn(List.of(StandInModel.small("llama3.2:1b", StandInModel.GIB, Duration.ofMillis(100))),
          16 * StandInModel.GIB, 2, 0.05).start();
      all.put("turbo-agents.ollama.host", ollama.url());
    } else {
      ollama = null;
    }
    settings = Settings.forTest(dataDir, all);
    kit = ActorTestKit.create("api", settings.config());
    CompletableFuture<Subsystems> ready = new CompletableFuture<>();
    kit.spawn(RootSupervisor.create(settings, ready), "root");
    binding = HttpServer.bind(kit.system(), settings, ready.get(30, TimeUnit.SECONDS)).toCompletableFuture().get(30, TimeUnit.SECONDS);
    if (ollama != null) {
      for (int i = 0; i < 200 && !get("/api/v1/inference/status").body().contains("\"backend\":\"UP\""); i++) {
        Thread.sleep(25);
      }
    }
  }

  public String base() {
    return "http://127.0.0.1:" + binding.localAddress().getPort();
  }

  public Reply get(String path) {
    return send(HttpRequest.newBuilder(URI.create(base() + path)).GET());
  }

  public Reply post(String path, String json) {
    return send(HttpRequest.newBuilder(URI.create(base() + path)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json)));
  }

  public Reply patch(String path, String json, String... headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path)).header("Content-Type", "application/json")
        .method("PATCH", HttpRequest.BodyPublishers.ofString(json));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return send(b);
  }

  public Reply send(HttpRequest.Builder request) {
    try {
      HttpResponse<String> r = client.send(request.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
      JsonNode json = r.body().isEmpty() ? null : ApiJson.MAPPER.readTree(r.body());
      return new Reply(r.statusCode(), r.body(), json, r);
    } catch (Exception e) {
      throw new IllegalStateException("request failed: " + e, e);
    }
  }

  @Override
  public void close() {
    binding.unbind().toCompletableFuture().join();
    kit.shutdownTestKit();
    if (ollama != null) {
      ollama.close();
    }
  }
}
