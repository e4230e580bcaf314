package dev.turboagents.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What one model swap costs on a REAL Ollama (opt in, like {@link RealOllamaBenchmark}: needs
 * {@code OLLAMA_BASE_URL} of an Ollama started with {@code OLLAMA_MAX_LOADED_MODELS=1} and
 * smollm2:135m + gemma3:270m). Chats that alternate between the two models one after another, so
 * every chat swaps, sent three ways in each round, their order rotated from round to round:
 * straight to Ollama (it evicts and loads within the chat), through the door loading the explicit
 * way (unload, an empty load request, the chat), and through the door with load-with-first-call
 * (unload, the chat that loads). Each way starts with no model loaded and, through the door, a new
 * door; its first two chats (where the door learns Ollama's limit) are not counted. Prints the mean
 * wall time per chat, per model, against Ollama alone in the same rounds.
 *
 * <p>Args: {@code [rounds] [chats per round]}, default 3, 12.
 */
public final class SwapCostBenchmark {
  private static final List<String> MODELS = List.of("smollm2:135m", "gemma3:270m");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int WARM_UP = 2;

  private enum Way { OLLAMA_ALONE, DOOR_EXPLICIT_LOAD, DOOR_LOAD_WITH_FIRST_CALL }

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    int chats = args.length > 1 ? Integer.parseInt(args[1]) : 12;
    String ollama = System.getenv("OLLAMA_BASE_URL");
    if (ollama == null || ollama.isBlank()) {
      System.err.println("SwapCostBenchmark needs OLLAMA_BASE_URL=http://127.0.0.1:PORT of an Ollama started with"
          + " OLLAMA_MAX_LOADED_MODELS=1 and smollm2:135m + gemma3:270m (../shared/real-ollama/start.sh)");
      System.exit(2);
    }
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    Map<Way, Map<String, List<Double>>> millis = new LinkedHashMap<>();
    Way[] ways = Way.values();
    for (int round = 0; round < rounds; round++) {
      for (int k = 0; k < ways.length; k++) {
        Way way = ways[(round + k) % ways.length];
        unloadAll(http, ollama);
        Map<String, List<Double>> perModel = millis.computeIfAbsent(way, w -> new LinkedHashMap<>());
        String line;
        if (way == Way.OLLAMA_ALONE) {
          line = chats(http, ollama, chats, perModel);
        } else {
          try (DoorOnOllama door = DoorOnOllama.start(ollama,
              Map.of("turbo-agents.inference.load-with-first-call", way == Way.DOOR_LOAD_WITH_FIRST_CALL))) {
            line = chats(http, door.url, chats, perModel) + "; the door counted " + door.status().loads() + " loads";
          }
        }
        System.out.printf(Locale.ROOT, "round %d, %s: %s%n", round + 1, way.name().toLowerCase(Locale.ROOT), line);
      }
    }
    double alone = mean(millis.get(Way.OLLAMA_ALONE));
    System.out.println();
    System.out.printf(Locale.ROOT, "%d rounds of %d alternating chats (8 tokens; the first %d of each not counted), wall ms per chat:%n",
        rounds, chats, WARM_UP);
    System.out.println("| way | smollm2:135m | gemma3:270m | all | of Ollama alone |");
    System.out.println("|---|---|---|---|---|");
    for (var e : millis.entrySet()) {
      double all = mean(e.getValue());
      System.out.printf(Locale.ROOT, "| %s | %.0f | %.0f | %.0f | %.2fx |%n", e.getKey().name().toLowerCase(Locale.ROOT),
          mean(e.getValue().getOrDefault(MODELS.get(0), List.of())),
          mean(e.getValue().getOrDefault(MODELS.get(1), List.of())), all, all / alone);
    }
    System.exit(0);
  }

  /** {@code count} chats to {@code url}, alternating the models, one after another; the counted ones into {@code into}. */
  private static String chats(HttpClient http, String url, int count, Map<String, List<Double>> into) throws Exception {
    long loadNanos = 0;
    List<Double> counted = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String model = MODELS.get(i % MODELS.size());
      String body = String.format(Locale.ROOT, "{\"model\":\"%s\",\"stream\":false,\"messages\":[{\"role\":\"user\","
          + "\"content\":\"Question %d: say hi.\"}],\"options\":{\"num_predict\":8,\"temperature\":0}}", model, i);
      long start = System.nanoTime();
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + "/api/chat"))
          .timeout(Duration.ofMinutes(5)).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
      double ms = (System.nanoTime() - start) / 1e6;
      if (r.statusCode() != 200) {
        throw new IllegalStateException(url + " answered " + r.statusCode() + ": " + r.body());
      }
      if (i >= WARM_UP) {
        into.computeIfAbsent(model, m -> new ArrayList<>()).add(ms);
        counted.add(ms);
        loadNanos += JSON.readTree(r.body()).path("load_duration").asLong();
      }
    }
    return String.format(Locale.ROOT, "%.0f ms per chat, load_duration on the answers %.0f ms per chat",
        mean(counted), loadNanos / 1e6 / counted.size());
  }

  private static double mean(Map<String, List<Double>> perModel) {
    return mean(perModel.values().stream().flatMap(List::stream).toList());
  }

  private static double mean(List<Double> values) {
    return values.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
  }

  private static void unloadAll(HttpClient http, String ollama) throws Exception {
    for (String m : MODELS) {
      http.send(HttpRequest.newBuilder(URI.create(ollama + "/api/generate"))
          .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + m + "\",\"keep_alive\":0}")).build(),
          HttpResponse.BodyHandlers.ofString());
    }
    long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < until) {
      HttpResponse<String> ps = http.send(HttpRequest.newBuilder(URI.create(ollama + "/api/ps")).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      JsonNode models = JSON.readTree(ps.body()).path("models");
      if (models.isEmpty()) {
        return;
      }
      Thread.sleep(50);
    }
  }
}
