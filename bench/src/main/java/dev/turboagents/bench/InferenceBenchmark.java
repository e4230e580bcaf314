package dev.turboagents.bench;

import dev.turboagents.actors.inference.InferenceActor;
import dev.turboagents.actors.inference.MemoryBudget;
import dev.turboagents.actors.inference.ollama.OllamaBackend;
import dev.turboagents.actors.inference.standin.OllamaStandIn;
import dev.turboagents.actors.inference.standin.StandInModel;
import dev.turboagents.config.Settings;
import dev.turboagents.http.HttpServer;
import dev.turboagents.http.ollama.OllamaRoutes;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;

/**
 * A simulated 48 GiB Mac with three models that cannot all stay loaded (70B ~42 GB, 33B ~23 GB,
 * 34B ~20 GB at the context they run with). One seeded workload of mixed requests from three
 * priority classes, arriving over two simulated minutes, is replayed twice in one run: straight
 * at the Ollama stand-in (Ollama's own first-come-first-served scheduling, clients sending the
 * num_ctx they like) and through the daemon's Ollama-compatible front door (our queue, residency
 * plan and pinned options) in front of a fresh stand-in. Time is scaled: every figure printed is
 * in simulated seconds.
 *
 * <p>Args: {@code [scale] [requests] [seed]}, default 0.05 (20x faster than real), 60, 42.
 */
public final class InferenceBenchmark {

  private enum Cls { INTERACTIVE, AGENT, BACKGROUND }

  private record Request(int index, double arrivalSeconds, Cls cls, String model, int tokens, int numCtx) {}

  private record Outcome(Request request, double latencySeconds, boolean ok, String error) {}

  private record Run(String name, int loads, double makespanSeconds, List<Outcome> outcomes, long peakBytes) {}

  private static final long GIB = StandInModel.GIB;

  public static void main(String[] args) throws Exception {
    double scale = args.length > 0 ? Double.parseDouble(args[0]) : 0.05;
    int count = args.length > 1 ? Integer.parseInt(args[1]) : 60;
    long seed = args.length > 2 ? Long.parseLong(args[2]) : 42;
    List<StandInModel> models = models();
    List<Request> workload = workload(count, seed, models);
    long budget = 48 * GIB;
    System.out.printf(Locale.ROOT, "InferenceBenchmark: %d requests over %.0f s (seed %d), models %s, memory %s, time scale %.3f%n",
        count, workload.get(workload.size() - 1).arrivalSeconds(), seed,
        models.stream().map(m -> m.name() + " " + gib(m.bytesAt(8192))).toList(), gib(budget), scale);

    Run direct = direct(models, budget, workload, scale);
    Run door = frontDoor(models, budget, workload, scale);

    System.out.println();
    System.out.println("| figure | Ollama alone (FCFS) | through the front door | ratio |");
    System.out.println("|---|---:|---:|---:|");
    row("model loads", direct.loads(), door.loads(), "%d");
    row("makespan (s)", direct.makespanSeconds(), door.makespanSeconds(), "%.1f");
    for (Cls cls : Cls.values()) {
      String label = cls.name().toLowerCase(Locale.ROOT);
      row(label + " p50 latency (s)", percentile(direct, cls, 50), percentile(door, cls, 50), "%.1f");
      row(label + " p95 latency (s)", percentile(direct, cls, 95), percentile(door, cls, 95), "%.1f");
    }
    row("failed requests", failed(direct), failed(door), "%d");
    row("peak resident (GiB)", direct.peakBytes() / (double) GIB, door.peakBytes() / (double) GIB, "%.1f");
    System.out.println();
    System.out.printf(Locale.ROOT, "targets: loads >= 6x fewer: %s; interactive p95 >= 10x lower: %s; makespan >= 1.5x shorter: %s%n",
        verdict(direct.loads() / (double) Math.max(1, door.loads()), 6),
        verdict(percentile(direct, Cls.INTERACTIVE, 95) / percentile(door, Cls.INTERACTIVE, 95), 10),
        verdict(direct.makespanSeconds() / door.makespanSeconds(), 1.5));
    System.exit(0);
  }

  /** Sizes and speeds of an M1 Max with Q4_K_M/Q5_K_M models: load time ~0.45 s per GiB of weights. */
  private static List<StandInModel> models() {
    return List.of(
        new StandInModel("llama3.3:70b", (long) (39.6 * GIB), 80, 8, 128, Duration.ofMillis(18_000), 8, 0, List.of("completion", "tools")),
        new StandInModel("deepseek-coder:33b", (long) (20.5 * GIB), 62, 8, 128, Duration.ofMillis(9_500), 15, 0, List.of("completion")),
        new StandInModel("codellama:34b", (long) (17.5 * GIB), 48, 8, 128, Duration.ofMillis(8_000), 16, 0, List.of("completion")));
  }

  /**
   * Poisson arrivals over two minutes. Interactive questions go mostly to the 70B model, agent
   * steps mostly to the coders, background work anywhere; clients send num_ctx 4096 or 8192 as
   * they were configured.
   */
  private static List<Request> workload(int count, long seed, List<StandInModel> models) {
    Random random = new Random(seed);
    List<Request> out = new ArrayList<>();
    double meanGap = 120.0 / count;
    double t = 0;
    for (int i = 0; i < count; i++) {
      t += -Math.log(1 - random.nextDouble()) * meanGap;
      double c = random.nextDouble();
      Cls cls = c < 0.25 ? Cls.INTERACTIVE : c < 0.70 ? Cls.AGENT : Cls.BACKGROUND;
      double m = random.nextDouble();
      String model = switch (cls) {
        case INTERACTIVE -> m < 0.6 ? models.get(0).name() : m < 0.8 ? models.get(1).name() : models.get(2).name();
        case AGENT -> m < 0.2 ? models.get(0).name() : m < 0.6 ? models.get(1).name() : models.get(2).name();
        case BACKGROUND -> models.get(random.nextInt(3)).name();
      };
      // answers to a person: a paragraph; agent steps: mostly a tool call; background: summaries
      int tokens = switch (cls) {
        case INTERACTIVE -> 20 + random.nextInt(40);
        case AGENT -> 16 + random.nextInt(48);
        case BACKGROUND -> 40 + random.nextInt(120);
      };
      int numCtx = random.nextBoolean() ? 4096 : 8192;
      out.add(new Request(i, t, cls, model, tokens, numCtx));
    }
    return out;
  }

  private static OllamaStandIn standIn(List<StandInModel> models, long memory, double scale) {
    // Ollama on a Mac: up to 3 models, one GPU shared by all runners
    return new OllamaStandIn(models, memory, 3, scale).gpuSlots(1).start();
  }

  private static Run direct(List<StandInModel> models, long memory, List<Request> workload, double scale)
      throws Exception {
    try (OllamaStandIn ollama = standIn(models, memory, scale)) {
      System.out.println("replaying against Ollama alone ...");
      List<Outcome> outcomes = replay(ollama.url(), workload, scale, false);
      return new Run("ollama", ollama.loads(), makespan(outcomes), outcomes, ollama.peakResidentBytes());
    }
  }

  private static Run frontDoor(List<StandInModel> models, long memory, List<Request> workload, double scale)
      throws Exception {
    Path dataDir = Files.createTempDirectory("inference-bench");
    try (OllamaStandIn ollama = standIn(models, memory, scale)) {
      Map<String, Object> overrides = new HashMap<>();
      // the daemon's defaults, in simulated time
      overrides.put("turbo-agents.inference.aging-step", millis(300_000 * scale));
      overrides.put("turbo-agents.inference.max-swap-wait", millis(120_000 * scale));
      overrides.put("turbo-agents.inference.interactive-wait-target", millis(30_000 * scale));
      overrides.put("turbo-agents.inference.default-deadline", millis(3_600_000 * scale));
      overrides.put("turbo-agents.inference.min-backoff", millis(200 * scale));
      overrides.put("turbo-agents.inference.max-backoff", millis(10_000 * scale));
      overrides.put("turbo-agents.inference.total-concurrency", 1);
      overrides.put("turbo-agents.inference.default-options.num_ctx", 8192);
      overrides.put("turbo-agents.inference.request-timeout", "1h");
      Settings settings = Settings.forTest(dataDir, overrides);
      ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "inference-bench", settings.config());
      try (OllamaBackend backend = new OllamaBackend(ollama.url(), settings.inference())) {
        ActorRef<InferenceActor.Command> inference = system.systemActorOf(
            InferenceActor.create(settings.inference(), backend, new MemoryBudget(memory, "simulated 48 GiB Mac")),
            "inference", org.apache.pekko.actor.typed.Props.empty());
        Duration deadline = settings.inference().defaultDeadline();
        ServerBinding binding = Http.get(system).newServerAt("127.0.0.1", 0)
            .adaptSettings(s -> HttpServer.idleAtLeast(s, deadline.plus(settings.http().idleMargin())))
            .bind(new OllamaRoutes(inference, system, 1 << 20, Duration.ofSeconds(10), deadline.plus(settings.inference().replyMargin())).route())
            .toCompletableFuture().get(10, TimeUnit.SECONDS);
        String url = "http://127.0.0.1:" + binding.localAddress().getPort();
        awaitUp(url);
        System.out.println("replaying through the front door ...");
        List<Outcome> outcomes = replay(url, workload, scale, true);
        binding.unbind().toCompletableFuture().get(5, TimeUnit.SECONDS);
        return new Run("door", ollama.loads(), makespan(outcomes), outcomes, ollama.peakResidentBytes());
      } finally {
        system.terminate();
        system.getWhenTerminated().toCompletableFuture().get(20, TimeUnit.SECONDS);
      }
    }
  }

  private static List<Outcome> replay(String url, List<Request> workload, double scale, boolean withPriority)
      throws Exception {
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    long start = System.nanoTime();
    List<CompletableFuture<Outcome>> futures = new ArrayList<>();
    for (Request r : workload) {
      long due = start + (long) (r.arrivalSeconds() * scale * 1e9);
      long wait = due - System.nanoTime();
      if (wait > 0) {
        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
      }
      String body = String.format(Locale.ROOT, "{\"model\":\"%s\",\"stream\":false,\"messages\":[{\"role\":\"user\","
          + "\"content\":\"request %d\"}],\"options\":{\"num_predict\":%d,\"num_ctx\":%d}}", r.model(), r.index(),
          r.tokens(), r.numCtx());
      HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url + "/api/chat"))
          .timeout(Duration.ofHours(2)).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(body));
      if (withPriority) {
        request.header(OllamaRoutes.PRIORITY_HEADER, r.cls().name().toLowerCase(Locale.ROOT));
      }
      futures.add(client.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString()).handle((response, error) -> {
        double latency = (System.nanoTime() - start) / 1e9 / scale - r.arrivalSeconds();
        if (error != null) {
          return new Outcome(r, latency, false, error.toString());
        }
        return new Outcome(r, latency, response.statusCode() == 200, response.statusCode() == 200 ? "" : response.body());
      }));
    }
    List<Outcome> outcomes = new ArrayList<>();
    for (CompletableFuture<Outcome> f : futures) {
      outcomes.add(f.get(3, TimeUnit.HOURS));
    }
    outcomes.stream().filter(o -> !o.ok()).limit(3).forEach(o -> System.out.println("  failed: " + o.error()));
    if (Boolean.getBoolean("bench.verbose")) {
      outcomes.forEach(o -> System.out.printf(Locale.ROOT, "  #%02d at %6.1f s %-11s %-18s %3d tokens: %6.1f s%n",
          o.request().index(), o.request().arrivalSeconds(), o.request().cls(), o.request().model(),
          o.request().tokens(), o.latencySeconds()));
    }
    client.close();
    return outcomes;
  }

  private static void awaitUp(String url) throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    for (int i = 0; i < 200; i++) {
      HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(url + "/api/version")).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() == 200) {
        return;
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException("the front door never answered");
  }

  private static double makespan(List<Outcome> outcomes) {
    return outcomes.stream().mapToDouble(o -> o.request().arrivalSeconds() + o.latencySeconds()).max().orElse(0)
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

  private static void row(String label, double direct, double door, String format) {
    String d = format.equals("%d") ? String.valueOf((long) direct) : String.format(Locale.ROOT, format, direct);
    String f = format.equals("%d") ? String.valueOf((long) door) : String.format(Locale.ROOT, format, door);
    String ratio = door == 0 ? (direct == 0 ? "1.0x" : "inf") : String.format(Locale.ROOT, "%.1fx", direct / door);
    System.out.printf("| %s | %s | %s | %s |%n", label, d, f, ratio);
  }

  private static String verdict(double ratio, double target) {
    return String.format(Locale.ROOT, "%.1fx (%s)", ratio, ratio >= target ? "met" : "NOT met");
  }

  private static String millis(double ms) {
    return Math.max(1, Math.round(ms)) + "ms";
  }

  private static String gib(long bytes) {
    return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) GIB);
  }
}
