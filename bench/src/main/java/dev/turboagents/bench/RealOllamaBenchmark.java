package dev.turboagents.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.turboagents.actors.inference.InferenceStatus;
import dev.turboagents.actors.inference.OllamaLoadCount;
import dev.turboagents.http.inference.RequestIds;
import dev.turboagents.http.ollama.OllamaRoutes;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The door on a REAL Ollama (opt in: needs {@code OLLAMA_BASE_URL} of an Ollama started with
 * {@code OLLAMA_MAX_LOADED_MODELS=1} and smollm2:135m + gemma3:270m, see ../shared/real-ollama).
 * One seeded mixed trace per seed (interactive chats, agent chats, background generates, arrivals
 * spread over ~30 s, small num_predict) is sent straight to Ollama and then through the daemon's
 * front door (memory budget 600 MiB, the daemon's defaults otherwise), in one run; loads are counted
 * on Ollama's side: from its server log when {@code OLLAMA_LOG} names it (one "starting runner" line
 * per load), else by polling /api/ps every 20 ms (Ollama 0.24.0's /api/ps can crash the server when
 * it races a load or unload, see docs/inference.md: the log reads nothing from Ollama). Every figure
 * is wall time on a shared machine: compare the ratios within a seed.
 *
 * <p>Args: {@code [requests] [seconds] [seeds]}, default 60, 30, "1,2,3".
 */
public final class RealOllamaBenchmark {
  private static final String SMOL = "smollm2:135m";
  private static final String GEMMA = "gemma3:270m";
  private static final ObjectMapper JSON = new ObjectMapper();

  private enum Cls { INTERACTIVE, AGENT, BACKGROUND }

  private record Request(int index, double arrivalSeconds, Cls cls, String model, int tokens) {}

  /**
   * One answer: its latency, Ollama's own prompt + decode time ({@code modelSeconds}), its eval_count
   * ({@code tokens}), its {@code load_duration} and {@code total_duration} (all of Ollama's time on the
   * request, from its arrival there).
   */
  private record Outcome(Request request, double latencySeconds, boolean ok, String error, double modelSeconds, long tokens,
      double loadSeconds, double totalSeconds) {
    /** When the answer came, in seconds after the replay began. */
    double endSeconds() {
      return request.arrivalSeconds() + latencySeconds;
    }
  }

  /** @param etaErrors through the door: per request seen waiting, its estimated start minus when it really started */
  private record Run(int loads, double makespanSeconds, List<Outcome> outcomes, String note,
      List<EtaProbe.EtaError> etaErrors) {}

  public static void main(String[] args) throws Exception {
    int count = args.length > 0 ? Integer.parseInt(args[0]) : 60;
    double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 30;
    List<Long> seeds = args.length > 2 ? java.util.Arrays.stream(args[2].split(",")).map(Long::parseLong).toList()
        : List.of(1L, 2L, 3L);
    String ollama = System.getenv("OLLAMA_BASE_URL");
    if (ollama == null || ollama.isBlank()) {
      System.err.println("RealOllamaBenchmark needs OLLAMA_BASE_URL=http://127.0.0.1:PORT of an Ollama started with"
          + " OLLAMA_MAX_LOADED_MODELS=1 and smollm2:135m + gemma3:270m (../shared/real-ollama/start.sh)");
      System.exit(2);
    }
    List<String> rows = new ArrayList<>();
    List<String> etaRows = new ArrayList<>();
    for (long seed : seeds) {
      List<Request> trace = trace(count, seconds, seed);
      System.out.printf(Locale.ROOT, "seed %d: %d requests over %.1f s (%d interactive, %d agent, %d background)%n", seed,
          trace.size(), trace.getLast().arrivalSeconds(), trace.stream().filter(r -> r.cls() == Cls.INTERACTIVE).count(),
          trace.stream().filter(r -> r.cls() == Cls.AGENT).count(), trace.stream().filter(r -> r.cls() == Cls.BACKGROUND).count());
      Run direct = measured(ollama, () -> replay(ollama, trace, Optional.empty()));
      Run door = door(ollama, trace);
      double p95d = percentile(direct, Cls.INTERACTIVE, 95);
      double p95f = percentile(door, Cls.INTERACTIVE, 95);
      String verdict = String.format(Locale.ROOT, "loads %s, interactive p95 %.1fx (%s), makespan %.2fx (%s)",
          door.loads() <= direct.loads() ? "met" : "MISSED", p95d / p95f, p95d / p95f >= 5 ? "met" : "MISSED",
          direct.makespanSeconds() / door.makespanSeconds(),
          door.makespanSeconds() <= direct.makespanSeconds() ? "met" : "MISSED");
      System.out.printf(Locale.ROOT, "  Ollama alone: %d loads, interactive p50 %.1f s p95 %.1f s, makespan %.1f s, %d failed%n",
          direct.loads(), percentile(direct, Cls.INTERACTIVE, 50), p95d, direct.makespanSeconds(), failed(direct));
      System.out.printf(Locale.ROOT, "  the door:     %d loads, interactive p50 %.1f s p95 %.1f s, makespan %.1f s, %d failed; %s%n",
          door.loads(), percentile(door, Cls.INTERACTIVE, 50), p95f, door.makespanSeconds(), failed(door), door.note());
      System.out.println("  the door's estimated start: " + EtaProbe.line(door.etaErrors(), trace.size()));
      System.out.println("  Ollama's own prompt + decode time (no loads): alone " + modelTime(direct) + ", through the door "
          + modelTime(door));
      System.out.println("  where the makespan goes: alone " + timeSpent(direct) + "; through the door " + timeSpent(door));
      etaRows.add(String.format(Locale.ROOT, "| %d | %s |", seed, EtaProbe.line(door.etaErrors(), trace.size())));
      rows.add(String.format(Locale.ROOT, "| %d | %d / %d | %.1f / %.1f (%.1fx) | %.1f / %.1f (%.2fx) | %.1f / %.1f | %.1f / %.1f | %s |",
          seed, direct.loads(), door.loads(), p95d, p95f, p95d / p95f, direct.makespanSeconds(), door.makespanSeconds(),
          direct.makespanSeconds() / door.makespanSeconds(), percentile(direct, Cls.AGENT, 95), percentile(door, Cls.AGENT, 95),
          percentile(direct, Cls.BACKGROUND, 95), percentile(door, Cls.BACKGROUND, 95), verdict));
    }
    System.out.println();
    String counted = OllamaLoadCount.source();
    System.out.println("Ollama alone / through the door (OLLAMA_MAX_LOADED_MODELS=1, --memory-budget 600MiB), loads counted on Ollama's side ("
        + counted + "):");
    System.out.println("| seed | loads | interactive p95 (s) | makespan (s) | agent p95 (s) | background p95 (s) | goals |");
    System.out.println("|---|---|---|---|---|---|---|");
    rows.forEach(System.out::println);
    System.out.println();
    System.out.println("The door's estimated start while a request waits, against when it started (wall seconds):");
    System.out.println("| seed | estimate error |");
    System.out.println("|---|---|");
    etaRows.forEach(System.out::println);
    System.exit(0);
  }

  /**
   * About {@code count} requests over {@code seconds}, Poisson arrivals: interactive chats (25 %,
   * mostly gemma3, 8-16 tokens), agent chats (45 %, mostly smollm2, 8-24 tokens), background
   * generates (30 %, either model, 16-32 tokens).
   */
  private static List<Request> trace(int count, double seconds, long seed) {
    Random random = new Random(seed);
    List<Request> out = new ArrayList<>();
    double t = 0;
    for (int i = 0; i < count; i++) {
      t += -Math.log(1 - random.nextDouble()) * seconds / count;
      double c = random.nextDouble();
      Cls cls = c < 0.25 ? Cls.INTERACTIVE : c < 0.70 ? Cls.AGENT : Cls.BACKGROUND;
      double m = random.nextDouble();
      String model = switch (cls) {
        case INTERACTIVE -> m < 0.6 ? GEMMA : SMOL;
        case AGENT -> m < 0.6 ? SMOL : GEMMA;
        case BACKGROUND -> m < 0.5 ? SMOL : GEMMA;
      };
      int tokens = switch (cls) {
        case INTERACTIVE -> 8 + random.nextInt(9);
        case AGENT -> 8 + random.nextInt(17);
        case BACKGROUND -> 16 + random.nextInt(17);
      };
      out.add(new Request(i, t, cls, model, tokens));
    }
    return out;
  }

  private interface Replay {
    List<Outcome> run() throws Exception;
  }

  /** Empties Ollama, runs {@code replay} while counting the loads Ollama makes. */
  private static Run measured(String ollama, Replay replay) throws Exception {
    return measured(ollama, replay, () -> "", Optional.empty());
  }

  private static Run measured(String ollama, Replay replay, java.util.function.Supplier<String> note,
      Optional<EtaProbe> eta) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    empty(http, ollama);
    OllamaLoadCount loads = OllamaLoadCount.start(ollama);
    List<Outcome> outcomes = replay.run();
    int loaded = loads.stop();
    return new Run(loaded, makespan(outcomes), outcomes, note.get(),
        eta.isPresent() ? eta.get().errors(1) : List.of());
  }

  /** Unloads both models and waits until Ollama holds none. */
  private static void empty(HttpClient http, String ollama) throws Exception {
    for (String m : List.of(SMOL, GEMMA)) {
      http.send(HttpRequest.newBuilder(URI.create(ollama + "/api/generate"))
          .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + m + "\",\"keep_alive\":0}")).build(),
          HttpResponse.BodyHandlers.ofString());
    }
    long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!OllamaLoadCount.listed(http, ollama).isEmpty() && System.nanoTime() < until) {
      Thread.sleep(200);
    }
  }

  private static Run door(String ollama, List<Request> trace) throws Exception {
    // emptied before the door starts: emptied after, the door's first read would still show the
    // model Ollama alone's half left loaded, and its first call on it would count as Ollama's own load
    empty(HttpClient.newHttpClient(), ollama);
    try (DoorOnOllama door = DoorOnOllama.start(ollama, Map.of())) {
      EtaProbe eta = new EtaProbe(door.system(), door.door);
      return measured(ollama, () -> replay(door.url, trace, Optional.of(eta)), () -> {
        try {
          InferenceStatus st = door.status();
          return "the door counted " + st.loads() + " loads of its own + " + st.serverLoads() + " Ollama made on its own,"
              + " learnt limit " + st.learnedResidentLimit().map(String::valueOf).orElse("none") + ", "
              + st.disagreements() + " disagreements";
        } catch (Exception e) {
          return "status unavailable: " + e;
        }
      }, Optional.of(eta));
    }
  }

  /** Sends {@code trace} to {@code url}; through the door ({@code eta} present) with each class and its own request id. */
  private static List<Outcome> replay(String url, List<Request> trace, Optional<EtaProbe> eta) throws Exception {
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    long start = System.nanoTime();
    List<CompletableFuture<Outcome>> futures = new ArrayList<>();
    for (Request r : trace) {
      long wait = start + (long) (r.arrivalSeconds() * 1e9) - System.nanoTime();
      if (wait > 0) {
        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
      }
      String options = String.format(Locale.ROOT, "\"options\":{\"num_predict\":%d,\"temperature\":0}", r.tokens());
      String body = r.cls() == Cls.BACKGROUND
          ? String.format(Locale.ROOT, "{\"model\":\"%s\",\"stream\":false,\"prompt\":\"Summarise note %d in one line.\",%s}",
              r.model(), r.index(), options)
          : String.format(Locale.ROOT, "{\"model\":\"%s\",\"stream\":false,\"messages\":[{\"role\":\"user\","
              + "\"content\":\"Question %d: say hi.\"}],%s}", r.model(), r.index(), options);
      HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url + (r.cls() == Cls.BACKGROUND ? "/api/generate" : "/api/chat")))
          .timeout(Duration.ofMinutes(10)).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(body));
      if (eta.isPresent()) {
        String id = "bench-" + r.index();
        request.header(OllamaRoutes.PRIORITY_HEADER, r.cls().name().toLowerCase(Locale.ROOT));
        request.header(RequestIds.HEADER, id);
        CompletableFuture.runAsync(() -> eta.get().look(id), CompletableFuture.delayedExecutor(20, TimeUnit.MILLISECONDS));
      }
      futures.add(client.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString()).handle((response, error) -> {
        double latency = (System.nanoTime() - start) / 1e9 - r.arrivalSeconds();
        if (error != null) {
          return new Outcome(r, latency, false, error.toString(), 0, 0, 0, 0);
        }
        if (response.statusCode() != 200) {
          return new Outcome(r, latency, false, response.body(), 0, 0, 0, 0);
        }
        JsonNode answer = answer(response.body());
        return new Outcome(r, latency, true, "", (answer.path("prompt_eval_duration").asLong()
            + answer.path("eval_duration").asLong()) / 1e9, answer.path("eval_count").asLong(),
            answer.path("load_duration").asLong() / 1e9, answer.path("total_duration").asLong() / 1e9);
      }));
    }
    List<Outcome> outcomes = new ArrayList<>();
    for (CompletableFuture<Outcome> f : futures) {
      outcomes.add(f.get(30, TimeUnit.MINUTES));
    }
    outcomes.stream().filter(o -> !o.ok()).limit(3).forEach(o -> System.out.println("  failed: " + o.error()));
    client.close();
    return outcomes;
  }

  private static JsonNode answer(String body) {
    try {
      return JSON.readTree(body);
    } catch (Exception e) {
      return JSON.createObjectNode();
    }
  }

  /** Ollama's own time answering {@code run}'s requests (prompt + decode, no loads), and its decode rate. */
  private static String modelTime(Run run) {
    double seconds = run.outcomes().stream().mapToDouble(Outcome::modelSeconds).sum();
    long tokens = run.outcomes().stream().mapToLong(Outcome::tokens).sum();
    return String.format(Locale.ROOT, "%.1f s for %d tokens", seconds, tokens);
  }

  /**
   * How {@code run}'s makespan splits: the time Ollama was computing (the union of each answer's
   * prompt + decode, taken as ending when the answer came), the time it held at least one request
   * but was not computing (loads, its per-request work, requests queued inside it), and the time it
   * held no request at all; plus the sum of the load_duration it reported.
   */
  private static String timeSpent(Run run) {
    double computing = union(run.outcomes().stream().filter(Outcome::ok)
        .map(o -> new double[] {o.endSeconds() - o.modelSeconds(), o.endSeconds()}).toList());
    double holding = union(run.outcomes().stream().filter(Outcome::ok)
        .map(o -> new double[] {o.endSeconds() - o.totalSeconds(), o.endSeconds()}).toList());
    double loads = run.outcomes().stream().mapToDouble(Outcome::loadSeconds).sum();
    return String.format(Locale.ROOT, "computing %.1f s, holding a request otherwise %.1f s, holding none %.1f s"
        + " (load_duration summed %.1f s)", computing, holding - computing, run.makespanSeconds() - holding, loads);
  }

  /** The length of the union of the intervals {@code [from, to]}. */
  private static double union(List<double[]> intervals) {
    List<double[]> sorted = intervals.stream().sorted(Comparator.comparingDouble(i -> i[0])).toList();
    double total = 0;
    double from = 0;
    double to = 0;
    for (int k = 0; k < sorted.size(); k++) {
      double[] i = sorted.get(k);
      if (k == 0 || i[0] > to) {
        total += to - from;
        from = i[0];
        to = i[1];
      } else {
        to = Math.max(to, i[1]);
      }
    }
    return total + to - from;
  }

  private static double makespan(List<Outcome> outcomes) {
    return outcomes.stream().mapToDouble(Outcome::endSeconds).max().orElse(0)
        - outcomes.stream().mapToDouble(o -> o.request().arrivalSeconds()).min().orElse(0);
  }

  private static double percentile(Run run, Cls cls, int p) {
    List<Double> latencies = run.outcomes().stream().filter(o -> o.request().cls() == cls)
        .map(Outcome::latencySeconds).sorted(Comparator.naturalOrder()).toList();
    if (latencies.isEmpty()) {
      return Double.NaN;
    }
    int index = (int) Math.ceil(p / 100.0 * latencies.size()) - 1;
    return latencies.get(Math.max(0, Math.min(latencies.size() - 1, index)));
  }

  private static long failed(Run run) {
    return run.outcomes().stream().filter(o -> !o.ok()).count();
  }
}
