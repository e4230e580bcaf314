package dev.turboagents.actors.inference.ollama;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.turboagents.actors.inference.BackendException;
import dev.turboagents.actors.inference.Completion;
import dev.turboagents.actors.inference.Delta;
import dev.turboagents.actors.inference.InferenceBackend;
import dev.turboagents.actors.inference.InferenceCall;
import dev.turboagents.actors.inference.LoadedModel;
import dev.turboagents.actors.inference.ModelDescription;
import dev.turboagents.actors.inference.ModelOptions;
import dev.turboagents.actors.inference.ModelSummary;
import dev.turboagents.actors.inference.ToolCall;
import dev.turboagents.config.InferenceSettings;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Ollama, over one JDK HttpClient (its threads are the backend's, whatever happens to the actor)
 * with the wire format in {@link OllamaWire}; streamed chats and generates, the token path, are
 * read by {@link StreamedPost} on a platform thread of their own. Ollama4j 1.1.6 is not used: it opens a new HttpClient,
 * with its own selector and worker threads, for every call (every probe, every unload, every
 * /api/ps read); its chat runs tool calls itself and adds non-Ollama fields ({@code useTools});
 * it has no "load without a prompt" call; its model details drop {@code model_info} (the KV-cache
 * estimate needs it) and its /api/ps result drops {@code context_length}.
 */
public final class OllamaBackend implements InferenceBackend {
  private final String baseUrl;
  private final HttpClient http;
  private final Duration requestTimeout;
  private final Duration unloadPollInterval;
  private final Duration unloadConfirmTimeout;
  private final Duration connectTimeout;
  private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
  /**
   * Platform threads that read streamed answers: a blocked read wakes this one thread per chunk.
   * As many as there are streams; one idle for a second ends (a cached pool keeps them a minute).
   */
  private final ExecutorService streamReaders = new ThreadPoolExecutor(0, Integer.MAX_VALUE,
      1, TimeUnit.SECONDS, new SynchronousQueue<>(),
      Thread.ofPlatform().name("ollama-stream-", 0).daemon(true).factory());
  /** The streams being read now: closing the backend drops them, so Ollama stops generating for them. */
  private final Set<StreamedPost> streaming = ConcurrentHashMap.newKeySet();

  /** Ollama at {@code baseUrl}, with the timeouts of {@code settings}. */
  public OllamaBackend(String baseUrl, InferenceSettings settings) {
    this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    this.requestTimeout = settings.requestTimeout();
    this.unloadPollInterval = settings.unloadPollInterval();
    this.unloadConfirmTimeout = settings.unloadConfirmTimeout();
    this.connectTimeout = settings.connectTimeout();
    // HTTP/1.1 as Ollama speaks it: the default (HTTP/2) offers an h2c upgrade on every new connection
    this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(connectTimeout)
        .executor(threads).build();
  }

  @Override
  public String describe() {
    return "Ollama at " + baseUrl;
  }

  @Override
  public CompletionStage<String> version() {
    return json("/api/version", Optional.empty()).thenApply(json -> json.path("version").asText(""));
  }

  @Override
  public CompletionStage<List<ModelSummary>> models() {
    return json("/api/tags", Optional.empty()).thenApply(OllamaWire::models);
  }

  @Override
  public CompletionStage<List<LoadedModel>> running() {
    return json("/api/ps", Optional.empty()).thenApply(OllamaWire::running);
  }

  @Override
  public CompletionStage<ModelDescription> show(String model) {
    return json("/api/show", Optional.of(OllamaWire.showBody(model))).thenApply(json -> OllamaWire.description(model, json));
  }

  @Override
  public CompletionStage<Void> unload(String model, boolean untilFreed) {
    CompletionStage<Void> acknowledged = json("/api/generate", Optional.of(OllamaWire.unloadBody(model))).thenApply(json -> null);
    return untilFreed ? acknowledged.thenRunAsync(() -> awaitGone(model), threads) : acknowledged;
  }

  /** Ollama frees the memory asynchronously: waits, bounded, until /api/ps no longer lists {@code model}. */
  private void awaitGone(String model) {
    long until = System.nanoTime() + unloadConfirmTimeout.toNanos();
    while (System.nanoTime() < until
        && OllamaWire.running(fetch("/api/ps", Optional.empty())).stream().anyMatch(m -> m.name().equals(model))) {
      try {
        Thread.sleep(unloadPollInterval);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  @Override
  public CompletionStage<Void> load(String model, ModelOptions options, Duration keepAlive) {
    return json("/api/generate", Optional.of(OllamaWire.loadBody(model, options, keepAlive))).thenApply(json -> null);
  }

  @Override
  public Call call(InferenceCall call, Duration keepAlive, Consumer<Delta> onDelta) {
    if (call instanceof InferenceCall.Embed embed) {
      return new Call(embed(embed, keepAlive), () -> { });
    }
    // always streamed from Ollama: the actor measures time to first token and relays chunks as they come
    ObjectNode body = OllamaWire.requestBody(call, keepAlive, true);
    String path = call instanceof InferenceCall.Chat ? "/api/chat" : "/api/generate";
    AtomicBoolean cancelled = new AtomicBoolean();
    AtomicReference<StreamedPost> open = new AtomicReference<>();
    CompletableFuture<Completion> result = CompletableFuture.supplyAsync(
        () -> stream(call, path, body, onDelta, open, cancelled), streamReaders);
    Runnable cancel = () -> {
      cancelled.set(true);
      StreamedPost post = open.get();
      if (post != null) {
        post.abort(); // the reader thread's blocked read ends with an exception
      }
      result.cancel(true);
    };
    return new Call(result, cancel);
  }

  private Completion stream(InferenceCall call, String path, ObjectNode body, Consumer<Delta> onDelta,
      AtomicReference<StreamedPost> open, AtomicBoolean cancelled) {
    StreamedPost post = new StreamedPost(describe());
    open.set(post);
    streaming.add(post);
    try {
      if (cancelled.get() || threads.isShutdown()) {
        throw new BackendException(BackendException.Kind.REJECTED, 0, "cancelled");
      }
      try {
        post.send(URI.create(baseUrl + path), body.toString(), connectTimeout, requestTimeout);
      } catch (BackendException e) {
        if (cancelled.get() || threads.isShutdown()) {
          throw new BackendException(BackendException.Kind.REJECTED, 0, "cancelled");
        }
        throw e;
      }
      return read(call, post, onDelta, cancelled);
    } finally {
      post.abort();
      streaming.remove(post);
    }
  }

  private Completion read(InferenceCall call, StreamedPost post, Consumer<Delta> onDelta, AtomicBoolean cancelled) {
    long until = System.nanoTime() + requestTimeout.toNanos();
    StringBuilder content = new StringBuilder();
    StringBuilder thinking = new StringBuilder();
    List<ToolCall> toolCalls = new ArrayList<>();
    int delivered = 0;
    try (post; BufferedReader lines = new BufferedReader(new InputStreamReader(post.body(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = lines.readLine()) != null) {
        if (line.isBlank()) {
          continue;
        }
        if (System.nanoTime() > until) {
          post.abort();
          throw new BackendException(BackendException.Kind.TIMEOUT, 0, describe() + " did not finish within "
              + requestTimeout + " (turbo-agents.inference.request-timeout)");
        }
        JsonNode chunk = OllamaWire.MAPPER.readTree(line);
        if (chunk.hasNonNull("error")) {
          throw new BackendException(BackendException.Kind.REJECTED, 500, chunk.get("error").asText());
        }
        Delta delta = OllamaWire.delta(chunk);
        content.append(delta.content());
        delta.thinking().ifPresent(thinking::append);
        toolCalls.addAll(delta.toolCalls());
        if (chunk.path("done").asBoolean(false)) {
          if (!delta.content().isEmpty() || !delta.toolCalls().isEmpty()) {
            onDelta.accept(delta);
          }
          return OllamaWire.completion(call, chunk, content.toString(), thinking.toString(), toolCalls);
        }
        onDelta.accept(delta);
        delivered++;
      }
      throw new IOException("Ollama closed the stream before its final chunk");
    } catch (IOException e) {
      post.abort();
      if (cancelled.get()) {
        throw new BackendException(BackendException.Kind.REJECTED, 0, "cancelled");
      }
      if (delivered == 0) {
        throw new BackendException(BackendException.Kind.UNREACHABLE, 0, describe() + " dropped the connection: " + e.getMessage());
      }
      throw new BackendException(BackendException.Kind.BROKEN_STREAM, 0,
          describe() + " broke the stream after " + delivered + " chunks: " + e.getMessage());
    }
  }

  private CompletionStage<Completion> embed(InferenceCall.Embed embed, Duration keepAlive) {
    return json("/api/embed", Optional.of(OllamaWire.requestBody(embed, keepAlive, false)))
        .thenApply(json -> OllamaWire.embeddings(embed, json));
  }

  /** A GET (no body) or POST of JSON, answered with JSON, on the backend's threads. */
  private CompletionStage<JsonNode> json(String path, Optional<ObjectNode> body) {
    return CompletableFuture.supplyAsync(() -> fetch(path, body), threads);
  }

  private JsonNode fetch(String path, Optional<ObjectNode> body) {
    HttpResponse<InputStream> response = send(path, body);
    try (InputStream in = response.body()) {
      return OllamaWire.MAPPER.readTree(in);
    } catch (IOException e) {
      throw new BackendException(BackendException.Kind.UNREACHABLE, 0, describe() + " dropped the connection: " + e.getMessage());
    }
  }

  private HttpResponse<InputStream> send(String path, Optional<ObjectNode> body) {
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
      return OllamaWire.errorText(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      return "HTTP " + response.statusCode();
    }
  }

  @Override
  public void close() {
    // abort what is in flight (close() would wait for it); no interrupts: shutdownNow() on the
    // executor here broke the JVM's CoordinatedShutdown hook, the daemon died without its last phases
    http.shutdownNow();
    threads.shutdown();
    streamReaders.shutdown();
    streaming.forEach(StreamedPost::abort); // the JDK client's shutdownNow did this for its streams
  }
}
