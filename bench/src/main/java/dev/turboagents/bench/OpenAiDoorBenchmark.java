package dev.turboagents.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.turboagents.actors.inference.InferenceActor;
import dev.turboagents.actors.inference.MemoryBudget;
import dev.turboagents.actors.inference.ollama.OllamaBackend;
import dev.turboagents.config.Settings;
import dev.turboagents.http.ollama.OllamaRoutes;
import dev.turboagents.http.openai.OpenAiRoutes;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.server.Directives;

/**
 * The doors' cost on the token path: a streamed chat through the daemon's door (inference actor +
 * Ollama's native API) against the same request straight to a real Ollama, interleaved in one run
 * (the order alternates per pair so neither side always runs on a warmer cache). {@code api} picks
 * the door: {@code v1} ({@code POST /v1/chat/completions} against Ollama's own {@code /v1}) or
 * {@code ollama} ({@code POST /api/chat} against Ollama's). Time to first token = from sending to
 * the first content delta; tokens/s = the completion's tokens over the time from the first to the
 * last content delta; with {@code ollama}, also Ollama's own decode rate (eval_count over
 * eval_duration), which shows what the door's work takes from the model on a machine whose cores
 * decode it. Goal: at most 5 ms p50 added to the time to first token, at least 98 % of direct tokens/s.
 *
 * <pre>bench/run OpenAiDoorBenchmark http://127.0.0.1:PORT [pairs=20] [model=smollm2:135m] [max_tokens=64] [warmups=10] [api=v1|ollama]</pre>
 */
public final class OpenAiDoorBenchmark {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One streamed chat: its time to first token, delivered and Ollama-reported rates (NaN: not reported). */
  record Sample(long firstTokenNanos, double tokensPerSecond, double reportedPerSecond, int tokens) {}

  /** The API a run measures: its path, and how its streamed lines carry content and counts. */
  enum Api {
    V1("/v1/chat/completions"), OLLAMA("/api/chat");

    final String path;

    Api(String path) {
      this.path = path;
    }

    String body(String model, int maxTokens) {
      ObjectNode body = JSON.createObjectNode().put("model", model).put("stream", true);
      if (this == V1) {
        body.put("max_tokens", maxTokens).put("temperature", 0).put("seed", 7)
            .set("stream_options", JSON.createObjectNode().put("include_usage", true));
      } else {
        body.set("options", JSON.createObjectNode().put("num_predict", maxTokens).put("temperature", 0).put("seed", 7));
      }
      return body.<ObjectNode>set("messages", JSON.createArrayNode().add(JSON.createObjectNode().put("role", "user")
          .put("content", "Write a short story about a lighthouse keeper."))).toString();
    }

    /** The chunk a streamed line carries, or null for a line that is none (SSE's [DONE], blank lines). */
    JsonNode chunk(String line) throws java.io.IOException {
      if (this == V1) {
        return line.startsWith("data: ") && !line.equals("data: [DONE]") ? JSON.readTree(line.substring(6)) : null;
      }
      return line.isBlank() ? null : JSON.readTree(line);
    }

    String content(JsonNode chunk) {
      return this == V1 ? chunk.path("choices").path(0).path("delta").path("content").asText("")
          : chunk.path("message").path("content").asText("");
    }

    int tokens(JsonNode chunk) {
      return this == V1 ? chunk.path("usage").path("completion_tokens").asInt() : chunk.path("eval_count").asInt();
    }

    double reportedPerSecond(JsonNode chunk) {
      return this == OLLAMA && chunk.path("eval_duration").asLong() > 0
          ? chunk.path("eval_count").asInt() / (chunk.path("eval_duration").asLong() / 1e9) : Double.NaN;
    }
  }

  public static void main(String[] args) throws Exception {
    String ollama = args.length > 0 ? args[0] : System.getenv().getOrDefault("OLLAMA_BASE_URL", "http://127.0.0.1:11434");
    int pairs = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    String model = args.length > 2 ? args[2] : "smollm2:135m";
    int maxTokens = args.length > 3 ? Integer.parseInt(args[3]) : 64;
    // a daemon runs for days: its token path is measured once the JIT has compiled it, not while
    // the compiler threads take the cores from the model (2 rounds left C2 busy for the first pairs)
    int warmups = args.length > 4 ? Integer.parseInt(args[4]) : 10;
    Api api = Api.valueOf((args.length > 5 ? args[5] : "v1").toUpperCase(Locale.ROOT));
    Path dataDir = Files.createTempDirectory("openai-bench");
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    String body = api.body(model, maxTokens);
    // Ollama's /v1 loads the model at its own default context; a door that chose another profile would
    // make Ollama reload on every alternation and the benchmark would measure loads, not the token path.
    run(client, ollama, api, body);
    int context = loadedContext(client, ollama, model);
    System.err.println("Ollama's " + api.path + " runs " + model + " at context " + context + ": the door's only profile for this run");
    Settings settings = Settings.forTest(dataDir, Map.of("turbo-agents.inference.default-deadline", "120s",
        "turbo-agents.inference.request-timeout", "120s", "turbo-agents.inference.context-profiles", List.of(context)));
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "openai-bench", settings.config());
    OllamaBackend backend = new OllamaBackend(ollama, settings.inference());
    try {
      ActorRef<InferenceActor.Command> inference = system.systemActorOf(InferenceActor.create(settings.inference(),
          backend, new MemoryBudget(4L << 30, "benchmark")), "inference", org.apache.pekko.actor.typed.Props.empty());
      OpenAiRoutes routes = new OpenAiRoutes(inference, system, settings.http().maxBodyBytes(), settings.http().askTimeout(),
          settings.inference().defaultDeadline().plus(settings.inference().replyMargin()), settings.http().retryAfter());
      OllamaRoutes ollamaRoutes = new OllamaRoutes(inference, system, settings.http().maxBodyBytes(),
          settings.http().askTimeout(), settings.inference().defaultDeadline().plus(settings.inference().replyMargin()),
          settings.http().retryAfter());
      ServerBinding binding = Http.get(system).newServerAt("127.0.0.1", 0)
          .bind(Directives.concat(routes.route(), ollamaRoutes.route()))
          .toCompletableFuture().get(10, TimeUnit.SECONDS);
      String door = "http://127.0.0.1:" + binding.localAddress().getPort();
      System.err.println("warming up (model load, both paths, " + warmups + " rounds) ...");
      for (int i = 0; i < warmups; i++) {
        run(client, ollama, api, body);
        run(client, door, api, body);
      }
      List<Sample> direct = new ArrayList<>();
      List<Sample> viaDoor = new ArrayList<>();
      for (int i = 0; i < pairs; i++) {
        if (i % 2 == 0) {
          direct.add(run(client, ollama, api, body));
          viaDoor.add(run(client, door, api, body));
        } else {
          viaDoor.add(run(client, door, api, body));
          direct.add(run(client, ollama, api, body));
        }
      }
      print(model, maxTokens, pairs, api, direct, viaDoor);
      binding.unbind().toCompletableFuture().get(5, TimeUnit.SECONDS);
      client.close();
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(20, TimeUnit.SECONDS);
      backend.close();
    }
  }

  /** The context length Ollama holds {@code model} loaded at ({@code /api/ps}). */
  static int loadedContext(HttpClient client, String base, String model) throws Exception {
    HttpResponse<String> ps = client.send(HttpRequest.newBuilder(URI.create(base + "/api/ps")).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    for (JsonNode m : JSON.readTree(ps.body()).path("models")) {
      if (m.path("name").asText().equals(model) && m.path("context_length").asInt() > 0) {
        return m.path("context_length").asInt();
      }
    }
    throw new IllegalStateException(model + " is not loaded at a known context after a request: " + ps.body());
  }

  /** One streamed chat against {@code base} on {@code api}. */
  static Sample run(HttpClient client, String base, Api api, String body) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create(base + api.path))
        .timeout(Duration.ofSeconds(120)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    long start = System.nanoTime();
    HttpResponse<java.util.stream.Stream<String>> response = client.send(request, HttpResponse.BodyHandlers.ofLines());
    if (response.statusCode() != 200) {
      throw new IllegalStateException(base + " answered " + response.statusCode() + ": "
          + String.join("\n", response.body().toList()));
    }
    long first = -1;
    long last = -1;
    int tokens = 0;
    double reported = Double.NaN;
    Iterator<String> lines = response.body().iterator();
    List<String> seen = new ArrayList<>();
    while (lines.hasNext()) {
      String line = lines.next();
      seen.add(line);
      if (seen.size() > 6) {
        seen.remove(0);
      }
      JsonNode chunk = api.chunk(line);
      if (chunk == null) {
        continue;
      }
      if (!api.content(chunk).isEmpty()) {
        long now = System.nanoTime();
        first = first < 0 ? now : first;
        last = now;
      }
      if (api.tokens(chunk) > 0) {
        tokens = api.tokens(chunk);
        reported = api.reportedPerSecond(chunk);
      }
    }
    if (first < 0 || tokens < 2) {
      throw new IllegalStateException(base + " streamed no content: " + seen);
    }
    return new Sample(first - start, (tokens - 1) / ((last - first) / 1e9), reported, tokens);
  }

  private static void print(String model, int maxTokens, int pairs, Api api, List<Sample> direct, List<Sample> door) {
    long[] d = direct.stream().mapToLong(Sample::firstTokenNanos).sorted().toArray();
    long[] f = door.stream().mapToLong(Sample::firstTokenNanos).sorted().toArray();
    double[] dr = direct.stream().mapToDouble(Sample::tokensPerSecond).sorted().toArray();
    double[] fr = door.stream().mapToDouble(Sample::tokensPerSecond).sorted().toArray();
    double d50 = Table.percentileMs(d, 0.5);
    double f50 = Table.percentileMs(f, 0.5);
    double d90 = Table.percentileMs(d, 0.9);
    double f90 = Table.percentileMs(f, 0.9);
    double dRate = median(dr);
    double fRate = median(fr);
    double dReported = median(direct.stream().mapToDouble(Sample::reportedPerSecond).sorted().toArray());
    double fReported = median(door.stream().mapToDouble(Sample::reportedPerSecond).sorted().toArray());
    System.out.printf(Locale.ROOT, "%s, max_tokens %d, %d interleaved pairs, streamed %s%n%n", model,
        maxTokens, pairs, api.path);
    Table table = new Table("figure", "Ollama direct", "through the door", "door - direct / ratio")
        .row("time to first token p50 (ms)", Table.fmt(d50), Table.fmt(f50), String.format(Locale.ROOT, "%+.1f ms", f50 - d50))
        .row("time to first token p90 (ms)", Table.fmt(d90), Table.fmt(f90), String.format(Locale.ROOT, "%+.1f ms", f90 - d90))
        .row("tokens/s p50", Table.fmt(dRate), Table.fmt(fRate), String.format(Locale.ROOT, "%.1f %%", 100 * fRate / dRate))
        .row("completion tokens (mean)", Table.fmt(direct.stream().mapToInt(Sample::tokens).average().orElse(0)),
            Table.fmt(door.stream().mapToInt(Sample::tokens).average().orElse(0)), "");
    if (!Double.isNaN(dReported)) {
      table.row("Ollama's decode tokens/s p50", Table.fmt(dReported), Table.fmt(fReported),
          String.format(Locale.ROOT, "%.1f %%", 100 * fReported / dReported));
    }
    System.out.print(table.render());
    System.out.printf(Locale.ROOT, "%ngoal: <= 5 ms p50 added -> %s; >= 98 %% of direct tokens/s -> %s%n",
        f50 - d50 <= 5 ? "met" : "MISSED by " + String.format(Locale.ROOT, "%.1f ms", f50 - d50 - 5),
        fRate / dRate >= 0.98 ? "met" : "MISSED (" + String.format(Locale.ROOT, "%.1f %%", 100 * fRate / dRate) + ")");
  }

  private static double median(double[] sorted) {
    return sorted.length == 0 ? Double.NaN : sorted[(sorted.length - 1) / 2];
  }

}
