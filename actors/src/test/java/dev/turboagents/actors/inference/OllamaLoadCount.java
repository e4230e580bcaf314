package dev.turboagents.actors.inference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The loads a real Ollama makes from now on, counted on its side: from its server log when
 * {@code OLLAMA_LOG} names it (one "starting runner" line a load; {@code .ci/run} sets it), else by
 * polling /api/ps every 20 ms (a model that appears is a load). Ollama 0.24.0 can crash under that
 * poll while it loads or unloads ({@code fatal error: concurrent map iteration and map write},
 * ollama/ollama#15528), so the log is used whenever there is one.
 */
public final class OllamaLoadCount implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Optional<Path> log;
  private final long logStart;
  private final AtomicInteger polled = new AtomicInteger();
  private final AtomicBoolean polling;
  private final Optional<Thread> poller;

  private OllamaLoadCount(String ollamaUrl) throws IOException {
    this.log = log();
    this.logStart = log.isPresent() ? Files.size(log.get()) : 0;
    this.polling = new AtomicBoolean(log.isEmpty());
    this.poller = log.isPresent() ? Optional.empty() : Optional.of(Thread.ofVirtual().start(() -> poll(ollamaUrl)));
  }

  /** Looks at /api/ps every 20 ms until stopped; a model that appears is a load. */
  private void poll(String ollamaUrl) {
    HttpClient http = HttpClient.newHttpClient();
    Set<String> before = new HashSet<>();
    while (polling.get()) {
      try {
        Set<String> now = listed(http, ollamaUrl);
        now.stream().filter(m -> !before.contains(m)).forEach(m -> polled.incrementAndGet());
        before.clear();
        before.addAll(now);
        Thread.sleep(20);
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        // a look that failed is tried again at the next tick
      }
    }
  }

  /** Counts from now on the loads of the Ollama at {@code ollamaUrl}. */
  public static OllamaLoadCount start(String ollamaUrl) throws IOException {
    return new OllamaLoadCount(ollamaUrl);
  }

  /** Ollama's server log, when {@code OLLAMA_LOG} names it. */
  public static Optional<Path> log() {
    return Optional.ofNullable(System.getenv("OLLAMA_LOG")).filter(v -> !v.isBlank()).map(Path::of);
  }

  /** Where the loads are counted, in words for a report. */
  public static String source() {
    return log().isPresent() ? "its server log" : "its /api/ps, polled";
  }

  /** Stops counting (after a last look) and gives the loads counted since the start. */
  public int stop() throws InterruptedException {
    Thread.sleep(100);
    polling.set(false);
    if (poller.isPresent()) {
      poller.get().join();
      return polled.get();
    }
    try (var in = Files.newInputStream(log.get())) {
      in.skipNBytes(logStart);
      String appended = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      return (int) appended.lines().filter(l -> l.contains("msg=\"starting runner\"")).count();
    } catch (IOException e) {
      throw new UncheckedIOException("could not read Ollama's log " + log.get(), e);
    }
  }

  /** Stops polling, if it polls (a test that failed half-way must not leave it running). */
  @Override
  public void close() {
    polling.set(false);
  }

  /** The models the Ollama at {@code ollamaUrl} lists in /api/ps now. */
  public static Set<String> listed(HttpClient http, String ollamaUrl) {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(ollamaUrl + "/api/ps")).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      Set<String> names = new HashSet<>();
      for (JsonNode m : JSON.readTree(r.body()).path("models")) {
        names.add(m.path("name").asText());
      }
      return names;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
