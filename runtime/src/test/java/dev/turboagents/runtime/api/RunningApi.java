package dev.turboagents.runtime.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.turboagents.actors.inference.standin.OllamaStandIn;
import dev.turboagents.actors.inference.standin.StandInModel;
import dev.turboagents.config.Settings;
import dev.turboagents.http.ApiJson;
import dev.turboagents.persistence.Eventually;
import dev.turboagents.runtime.daemon.Daemon;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The daemon as it runs — the real composition of subsystems, its supervision tree and its HTTP
 * API — in this JVM on a free loopback port over a temporary data directory, with the Ollama
 * stand-in as its model server unless the test names one.
 */
public final class RunningApi implements AutoCloseable {

  /** A response: status, raw body and the body parsed as JSON (null when empty). */
  public record Reply(int status, String body, JsonNode json, HttpResponse<String> raw) {}

  private final HttpClient client = HttpClient.newHttpClient();
  private final OllamaStandIn ollama;
  public final Daemon daemon;
  public final Settings settings;

  /** Starts the daemon; returns once its subsystems serve (the graph included) and the stand-in answers. */
  public RunningApi(Path dataDir, Map<String, ?> overrides) throws Exception {
    this(dataDir, overrides, true);
  }

  /**
   * The key of the trigger that is on by default and that this harness turns off unless a test names
   * it: a test of another feature sees no triage job it did not ask for (a job in its listings, a
   * comment by agent:issue, the stand-in asked a triage). {@link #withDefaultTriggers} keeps the default.
   */
  public static final String TRIAGE_TRIGGER = "turbo-agents.workflows.triggers.triage-new-issues";

  /** @param awaitSubsystems false to return as soon as HTTP is bound, as a client sees a fresh daemon */
  public RunningApi(Path dataDir, Map<String, ?> overrides, boolean awaitSubsystems) throws Exception {
    this(dataDir, overrides, awaitSubsystems, false);
  }

  /** The daemon with the triggers as reference.conf configures them (triage of a new issue on), as a user gets it. */
  public static RunningApi withDefaultTriggers(Path dataDir, Map<String, ?> overrides, boolean awaitSubsystems)
      throws Exception {
    return new RunningApi(dataDir, overrides, awaitSubsystems, true);
  }

  private RunningApi(Path dataDir, Map<String, ?> overrides, boolean awaitSubsystems, boolean defaultTriggers)
      throws Exception {
    Map<String, Object> all = new HashMap<>(overrides);
    if (!defaultTriggers) {
      all.putIfAbsent(TRIAGE_TRIGGER, false);
    }
    if (!all.containsKey("turbo-agents.ollama.host")) {
      ollama = new OllamaStandIn(List.of(StandInModel.small("llama3.2:1b", StandInModel.GIB, Duration.ofMillis(100))),
          16 * StandInModel.GIB, 2, 0.05).start();
      all.put("turbo-agents.ollama.host", ollama.url());
    } else {
      ollama = null;
    }
    settings = Settings.forTest(dataDir, all);
    try {
      daemon = Daemon.start(settings);
    } catch (Exception e) {
      if (ollama != null) {
        ollama.close();
      }
      throw e;
    }
    try {
      awaitServing(awaitSubsystems);
    } catch (Exception | AssertionError e) {
      close();
      throw e;
    }
  }

  private void awaitServing(boolean awaitSubsystems) throws Exception {
    if (awaitSubsystems) {
      for (var subsystem : daemon.subsystems().all()) {
        subsystem.api().toCompletableFuture().get(90, java.util.concurrent.TimeUnit.SECONDS);
      }
      if (ollama != null) {
        Eventually.assertThat(Duration.ofSeconds(10), () -> {
          if (!get("/api/v1/inference/status").body().contains("\"backend\":\"UP\"")) {
            throw new AssertionError("the inference door does not see the stand-in yet");
          }
        });
      }
    }
  }

  public String base() {
    return "http://127.0.0.1:" + daemon.address().getPort();
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
      // /metrics answers Prometheus text, a stream answers SSE: only JSON bodies are parsed
      boolean isJson = r.headers().firstValue("Content-Type").map(t -> t.startsWith("application/json")).orElse(true);
      JsonNode json = r.body().isEmpty() || !isJson ? null : ApiJson.MAPPER.readTree(r.body());
      return new Reply(r.statusCode(), r.body(), json, r);
    } catch (Exception e) {
      throw new IllegalStateException("request failed: " + e, e);
    }
  }

  @Override
  public void close() {
    daemon.close();
    if (ollama != null) {
      ollama.close();
    }
  }
}
