package dev.turboagents.actors.inference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.ollama4j.Ollama;
import io.github.ollama4j.exceptions.OllamaException;
import io.github.ollama4j.models.embed.OllamaEmbedRequest;
import io.github.ollama4j.models.embed.OllamaEmbedResult;
import io.github.ollama4j.models.ps.ModelProcessesResult;
import io.github.ollama4j.models.response.Model;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Ollama. Ollama4j serves the calls its types carry whole: version, the model list, embeddings and
 * unload. Chat, generate, explicit load, /api/show and the running set (/api/ps, whose typed result
 * drops context_length) go through the JDK HttpClient, because Ollama4j 1.1.6 cannot carry them
 * faithfully: its chat runs tool calls
 * itself and adds non-Ollama fields ({@code useTools}), takes tools only as Java objects (not the
 * client's JSON), has no "load without a prompt" call, and its ModelDetail drops
 * {@code model_info}, which the KV-cache estimate needs. The front door relays clients' requests,
 * so those calls must keep every field Ollama defines.
 */
public final class OllamaBackend implements InferenceBackend {
  private final String baseUrl;
  private final Ollama ollama;
  private final HttpClient http;
  private final Duration requestTimeout;
  private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

  public OllamaBackend(String baseUrl, Duration requestTimeout) {
    this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    this.requestTimeout = requestTimeout;
    this.ollama = new Ollama(this.baseUrl);
    this.ollama.setRequestTimeoutSeconds(Math.max(1, requestTimeout.toSeconds()));
    // a returned tool call is the caller's to run, never Ollama4j's
    this.ollama.setMaxChatToolCallRetries(0);
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).executor(threads).build();
  }

  @Override
  public String describe() {
    return "Ollama at " + baseUrl;
  }

  @Override
  public CompletionStage<String> version() {
    return viaOllama4j(ollama::getVersion);
  }

  @Override
  public CompletionStage<Catalog> models() {
    return viaOllama4j(() -> {
      List<Model> models = ollama.listModels();
      List<ModelEntry> entries = new ArrayList<>();
      ObjectNode json = OllamaJson.MAPPER.createObjectNode();
      ArrayNode array = json.putArray("models");
      for (Model m : models) {
        entries.add(new ModelEntry(m.getName(), m.getSize()));
        ObjectNode node = array.addObject();
        node.put("name", m.getName());
        node.put("model", m.getModel() == null ? m.getName() : m.getModel());
        if (m.getModifiedAt() != null) {
          node.put("modified_at", m.getModifiedAt().toString());
        }
        node.put("size", m.getSize());
        node.put("digest", m.getDigest());
        if (m.getModelMeta() != null) {
          node.set("details", OllamaJson.MAPPER.valueToTree(m.getModelMeta()));
        }
      }
      return new Catalog(List.copyOf(entries), json);
    });
  }

  /** /api/ps as Ollama wrote it: Ollama4j's typed result drops fields (context_length) that clients of the door read. */
  @Override
  public CompletionStage<RunningSet> running() {
    return json("/api/ps", Optional.empty()).thenApply(json -> {
      List<RunningModel> running = new ArrayList<>();
      for (JsonNode m : json.path("models")) {
        running.add(new RunningModel(m.path("name").asText(), m.path("size").asLong(), m.path("size_vram").asLong()));
      }
      ObjectNode relayed = json instanceof ObjectNode object ? object : OllamaJson.MAPPER.createObjectNode().set("models",
          OllamaJson.MAPPER.createArrayNode());
      return new RunningSet(List.copyOf(running), relayed);
    });
  }

  @Override
  public CompletionStage<Void> unload(String model) {
    return viaOllama4j(() -> {
      ollama.unloadModel(model);
      // Ollama frees the memory asynchronously (0.05-0.5 s): wait, bounded, until /api/ps no longer lists it
      for (int i = 0; i < 40; i++) {
        ModelProcessesResult ps = ollama.ps();
        if (ps.getModels() == null || ps.getModels().stream().noneMatch(p -> model.equals(p.getName()))) {
          break;
        }
        try {
          Thread.sleep(50);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
      return null;
    });
  }

  @Override
  public CompletionStage<ModelFacts> show(String model) {
    ObjectNode body = OllamaJson.MAPPER.createObjectNode().put("model", model);
    return postJson("/api/show", body).thenApply(json -> facts(model, json));
  }

  @Override
  public CompletionStage<Void> load(String model, Map<String, Object> options, Duration keepAlive) {
    // Ollama loads a model when it gets a generate request without a prompt
    ObjectNode body = OllamaJson.MAPPER.createObjectNode().put("model", model).put("stream", false);
    if (!options.isEmpty()) {
      body.set("options", OllamaJson.MAPPER.valueToTree(options));
    }
    body.put("keep_alive", OllamaJson.keepAliveSeconds(keepAlive));
    return postJson("/api/generate", body).thenApply(json -> null);
  }

  @Override
  public Call call(InferenceCall call, Duration keepAlive, Consumer<Delta> onDelta) {
    if (call instanceof InferenceCall.Embed embed) {
      return new Call(embed(embed, keepAlive), () -> { });
    }
    // always streamed from Ollama: the actor measures time to first token and relays chunks as they come
    ObjectNode body = OllamaJson.requestBody(call, keepAlive, true);
    String path = call instanceof InferenceCall.Chat ? "/api/chat" : "/api/generate";
    AtomicBoolean cancelled = new AtomicBoolean();
    AtomicReference<InputStream> open = new AtomicReference<>();
    CompletableFuture<Completion> result = CompletableFuture.supplyAsync(() -> {
      HttpResponse<InputStream> response = send(path, Optional.of(body), open, cancelled);
      StringBuilder content = new StringBuilder();
      StringBuilder thinking = new StringBuilder();
      List<ToolCall> toolCalls = new ArrayList<>();
      int delivered = 0;
      try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = lines.readLine()) != null) {
          if (line.isBlank()) {
            continue;
          }
          JsonNode chunk = OllamaJson.MAPPER.readTree(line);
          if (chunk.hasNonNull("error")) {
            throw new BackendException(BackendException.Kind.REJECTED, 500, chunk.get("error").asText());
          }
          Delta delta = OllamaJson.delta(chunk);
          content.append(delta.content());
          delta.thinking().ifPresent(thinking::append);
          toolCalls.addAll(delta.toolCalls());
          if (chunk.path("done").asBoolean(false)) {
            if (!delta.content().isEmpty() || !delta.toolCalls().isEmpty()) {
              onDelta.accept(delta);
            }
            return OllamaJson.completion(call, chunk, content.toString(), thinking.toString(), toolCalls);
          }
          onDelta.accept(delta);
          delivered++;
        }
        throw new IOException("Ollama closed the stream before its final chunk");
      } catch (IOException e) {
        if (cancelled.get()) {
          throw new BackendException(BackendException.Kind.REJECTED, 0, "cancelled");
        }
        if (delivered == 0) {
          throw new BackendException(BackendException.Kind.UNREACHABLE, 0, describe() + " dropped the connection: " + e.getMessage());
        }
        throw new BackendException(BackendException.Kind.BROKEN_STREAM, 0,
            describe() + " broke the stream after " + delivered + " chunks: " + e.getMessage());
      }
    }, threads);
    Runnable cancel = () -> {
      cancelled.set(true);
      InputStream in = open.get();
      if (in != null) {
        try {
          in.close();
        } catch (IOException ignored) {
          // closing is all we want; the reader thread ends on its own
        }
      }
      result.cancel(true);
    };
    return new Call(result, cancel);
  }

  private CompletionStage<Completion> embed(InferenceCall.Embed embed, Duration keepAlive) {
    return viaOllama4j(() -> {
      OllamaEmbedRequest request = new OllamaEmbedRequest(embed.model(), embed.input());
      if (!embed.options().isEmpty()) {
        request.setOptions(new HashMap<>(embed.options()));
      }
      embed.truncate().ifPresent(request::setTruncate);
      request.setKeepAlive(OllamaJson.keepAliveSeconds(keepAlive) + "s");
      OllamaEmbedResult result = ollama.embed(request);
      return new Completion(result.getModel() == null ? embed.model() : result.getModel(), Instant.now().toString(),
          Optional.empty(), "", result.getEmbeddings() == null ? List.of() : result.getEmbeddings(), "stop",
          new Timings(result.getTotalDuration(), result.getLoadDuration(), result.getPromptEvalCount(), 0, 0, 0));
    });
  }

  private CompletionStage<JsonNode> postJson(String path, ObjectNode body) {
    return json(path, Optional.of(body));
  }

  /** A GET (no body) or POST of JSON, answered with JSON. */
  private CompletionStage<JsonNode> json(String path, Optional<ObjectNode> body) {
    return CompletableFuture.supplyAsync(() -> {
      HttpResponse<InputStream> response = send(path, body, new AtomicReference<>(), new AtomicBoolean());
      try (InputStream in = response.body()) {
        return OllamaJson.MAPPER.readTree(in);
      } catch (IOException e) {
        throw new BackendException(BackendException.Kind.UNREACHABLE, 0, describe() + " dropped the connection: " + e.getMessage());
      }
    }, threads);
  }

  private HttpResponse<InputStream> send(String path, Optional<ObjectNode> body, AtomicReference<InputStream> open,
      AtomicBoolean cancelled) {
    HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + path))
        .timeout(requestTimeout)
        .header("Content-Type", "application/json")
        .method(body.isPresent() ? "POST" : "GET", body.map(b -> HttpRequest.BodyPublishers.ofString(b.toString()))
            .orElse(HttpRequest.BodyPublishers.noBody()))
        .build();
    HttpResponse<InputStream> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
    } catch (HttpConnectTimeoutException | ConnectException e) {
      throw new BackendException(BackendException.Kind.UNREACHABLE, 0, describe() + " is not reachable: " + e);
    } catch (HttpTimeoutException e) {
      throw new BackendException(BackendException.Kind.TIMEOUT, 0, describe() + " did not answer within " + requestTimeout);
    } catch (IOException e) {
      throw new BackendException(BackendException.Kind.UNREACHABLE, 0, describe() + " failed: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BackendException(BackendException.Kind.REJECTED, 0, "cancelled");
    }
    open.set(response.body());
    if (cancelled.get()) {
      throw new BackendException(BackendException.Kind.REJECTED, 0, "cancelled");
    }
    if (response.statusCode() / 100 != 2) {
      String error = errorText(response);
      BackendException.Kind kind = response.statusCode() == 404 && error.contains("not found")
          ? BackendException.Kind.UNKNOWN_MODEL : BackendException.Kind.REJECTED;
      throw new BackendException(kind, response.statusCode(), error);
    }
    return response;
  }

  private static String errorText(HttpResponse<InputStream> response) {
    try (InputStream in = response.body()) {
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      try {
        JsonNode json = OllamaJson.MAPPER.readTree(text);
        return json.path("error").asText(text);
      } catch (IOException notJson) {
        return text;
      }
    } catch (IOException e) {
      return "HTTP " + response.statusCode();
    }
  }

  private static ModelFacts facts(String model, JsonNode show) {
    JsonNode info = show.path("model_info");
    String arch = info.path("general.architecture").asText("");
    Optional<Integer> context = info.has(arch + ".context_length")
        ? Optional.of(info.get(arch + ".context_length").asInt()) : Optional.empty();
    long blocks = info.path(arch + ".block_count").asLong(0);
    long heads = first(info.path(arch + ".attention.head_count"));
    long kvHeads = first(info.path(arch + ".attention.head_count_kv"));
    long embedding = info.path(arch + ".embedding_length").asLong(0);
    long keyLength = info.path(arch + ".attention.key_length").asLong(heads > 0 ? embedding / heads : 0);
    long valueLength = info.path(arch + ".attention.value_length").asLong(keyLength);
    if (kvHeads == 0) {
      kvHeads = heads;
    }
    Optional<Long> kvPerToken = blocks > 0 && kvHeads > 0 && keyLength > 0
        ? Optional.of(blocks * kvHeads * (keyLength + valueLength) * 2) : Optional.empty();
    List<String> capabilities = new ArrayList<>();
    show.path("capabilities").forEach(c -> capabilities.add(c.asText()));
    return new ModelFacts(model, kvPerToken, context, List.copyOf(capabilities), show);
  }

  private static long first(JsonNode n) {
    return n.isArray() ? (n.isEmpty() ? 0 : n.get(0).asLong(0)) : n.asLong(0);
  }

  private <T> CompletionStage<T> viaOllama4j(OllamaCall<T> call) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return call.run();
      } catch (OllamaException e) {
        throw translate(e);
      } catch (RuntimeException e) {
        throw translate(e);
      }
    }, threads);
  }

  private BackendException translate(Exception e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ConnectException || t instanceof HttpConnectTimeoutException) {
        return new BackendException(BackendException.Kind.UNREACHABLE, 0, describe() + " is not reachable: " + t);
      }
      if (t instanceof HttpTimeoutException) {
        return new BackendException(BackendException.Kind.TIMEOUT, 0, describe() + " did not answer within " + requestTimeout);
      }
      if (t instanceof IOException io && !(t.getMessage() != null && t.getMessage().contains("HTTP"))) {
        return new BackendException(BackendException.Kind.UNREACHABLE, 0, describe() + " failed: " + io);
      }
    }
    String message = e.getMessage() == null ? e.toString() : e.getMessage();
    return message.contains("not found")
        ? new BackendException(BackendException.Kind.UNKNOWN_MODEL, 404, message)
        : new BackendException(BackendException.Kind.REJECTED, 0, message);
  }

  @FunctionalInterface
  private interface OllamaCall<T> {
    T run() throws OllamaException;
  }

  @Override
  public void close() {
    // abort what is in flight (close() would wait for it); no interrupts: shutdownNow() on the
    // executor here broke the JVM's CoordinatedShutdown hook, the daemon died without its last phases
    http.shutdownNow();
    threads.shutdown();
  }
}
