package dev.turboagents.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import dev.turboagents.config.ClientSettings;
import java.time.Duration;

/** Talks to a running daemon's /api/v1 over HTTP; a failure becomes one line for the user. */
public final class DaemonClient {

  /** Something the user should read: the daemon's error detail, or why it could not be reached. */
  public static final class Failure extends Exception {
    public Failure(String message) {
      super(message);
    }
  }

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private final HttpClient http;
  private final String base;
  private final Duration requestTimeout;

  public DaemonClient(String base, ClientSettings settings) {
    this.base = apiBase(base);
    this.http = HttpClient.newBuilder().connectTimeout(settings.connectTimeout()).build();
    this.requestTimeout = settings.requestTimeout();
  }

  /** Accepts http://host:port or .../api/v1; both end up at .../api/v1. */
  static String apiBase(String url) {
    String trimmed = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    return URI.create(trimmed).getPath().isEmpty() ? trimmed + "/api/v1" : trimmed;
  }

  public JsonNode get(String path) throws Failure {
    return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
  }

  public JsonNode post(String path, Object body) throws Failure {
    return send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json(body))));
  }

  public JsonNode patch(String path, Object body) throws Failure {
    return send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
        .method("PATCH", HttpRequest.BodyPublishers.ofString(json(body))));
  }

  /**
   * Follows a Server-Sent Events stream: {@code onEvent} gets each event's type and data as they
   * come, until the daemon ends the stream. No request timeout: a job may run for long.
   */
  public void events(String path, java.util.function.BiConsumer<String, JsonNode> onEvent) throws Failure {
    HttpResponse<java.util.stream.Stream<String>> response;
    try {
      response = http.send(HttpRequest.newBuilder(URI.create(base + path)).header("Accept", "text/event-stream").GET().build(),
          HttpResponse.BodyHandlers.ofLines());
    } catch (ConnectException e) {
      throw new Failure("cannot reach the daemon at " + base + ": is `turbo-agents serve` running? (set --url or TURBO_API_URL)");
    } catch (IOException e) {
      throw new Failure("request to " + base + " failed: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Failure("interrupted");
    }
    if (response.statusCode() >= 400) {
      String text = String.join("\n", response.body().toList());
      throw new Failure(response.statusCode() + " " + text);
    }
    // an event is dispatched at its blank line, as the SSE spec says: its fields come in any order
    String[] type = {"message"};
    StringBuilder data = new StringBuilder();
    try (var lines = response.body()) {
      lines.forEach(line -> {
        if (line.startsWith("event:")) {
          type[0] = line.substring(6).strip();
        } else if (line.startsWith("data:")) {
          data.append(data.length() == 0 ? "" : "\n").append(line.substring(5).strip());
        } else if (line.isEmpty()) {
          if (data.length() > 0) {
            try {
              onEvent.accept(type[0], MAPPER.readTree(data.toString()));
            } catch (IOException e) {
              onEvent.accept(type[0], MAPPER.getNodeFactory().textNode(data.toString()));
            }
          }
          type[0] = "message";
          data.setLength(0);
        }
      });
    }
  }

  /**
   * POSTs {@code body} and follows the Server-Sent Events it answers with: {@code onEvent} gets each
   * whole event's type and raw data (its data lines joined by newlines, nothing stripped: a token's
   * spaces are part of it). No request timeout: the model may take long.
   */
  public void postEvents(String path, Object body, java.util.function.BiConsumer<String, String> onEvent) throws Failure {
    HttpResponse<java.util.stream.Stream<String>> response;
    try {
      response = http.send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
          .header("Accept", "text/event-stream").POST(HttpRequest.BodyPublishers.ofString(json(body))).build(),
          HttpResponse.BodyHandlers.ofLines());
    } catch (ConnectException e) {
      throw new Failure("cannot reach the daemon at " + base + ": is `turbo-agents serve` running? (set --url or TURBO_API_URL)");
    } catch (IOException e) {
      throw new Failure("request to " + base + " failed: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Failure("interrupted");
    }
    if (response.statusCode() >= 400) {
      String text = String.join("\n", response.body().toList());
      try {
        JsonNode error = MAPPER.readTree(text);
        throw new Failure(response.statusCode() + " " + error.path("error").asText("error") + ": "
            + error.path("detail").asText(""));
      } catch (IOException notJson) {
        throw new Failure(response.statusCode() + " " + text);
      }
    }
    String[] type = {"message"};
    StringBuilder data = new StringBuilder();
    boolean[] any = {false};
    try (var lines = response.body()) {
      lines.forEach(line -> {
        if (line.startsWith("event:")) {
          type[0] = line.substring(6).strip();
        } else if (line.startsWith("data:")) {
          data.append(any[0] ? "\n" : "").append(line.substring(5));
          any[0] = true;
        } else if (line.isEmpty()) {
          if (any[0]) {
            onEvent.accept(type[0], data.toString());
          }
          type[0] = "message";
          data.setLength(0);
          any[0] = false;
        }
      });
    }
    if (any[0]) {
      onEvent.accept(type[0], data.toString());
    }
  }

  private JsonNode send(HttpRequest.Builder request) throws Failure {
    HttpResponse<String> response;
    try {
      response = http.send(request.timeout(requestTimeout).build(), HttpResponse.BodyHandlers.ofString());
    } catch (ConnectException e) {
      throw new Failure("cannot reach the daemon at " + base + ": is `turbo-agents serve` running? (set --url or TURBO_API_URL)");
    } catch (IOException e) {
      throw new Failure("request to " + base + " failed: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Failure("interrupted");
    }
    JsonNode body;
    try {
      body = MAPPER.readTree(response.body());
    } catch (IOException e) {
      throw new Failure("the daemon answered " + response.statusCode() + " with a body that is not JSON: " + response.body());
    }
    if (response.statusCode() >= 400) {
      throw new Failure(response.statusCode() + " " + body.path("error").asText("error") + ": " + body.path("detail").asText(""));
    }
    return body;
  }

  static String json(Object body) {
    try {
      return MAPPER.writeValueAsString(body);
    } catch (IOException e) {
      throw new IllegalArgumentException(e);
    }
  }

  static String pretty(JsonNode node) {
    try {
      return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(node);
    } catch (IOException e) {
      return node.toString();
    }
  }
}
