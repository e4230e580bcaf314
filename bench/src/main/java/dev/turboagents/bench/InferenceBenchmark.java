package dev.turboagents.bench;

import dev.turboagents.actors.inference.InferenceActor;
import dev.turboagents.actors.inference.MemoryBudget;
import dev.turboagents.actors.inference.Priority;
import dev.turboagents.actors.inference.SchedulingSimulation;
import dev.turboagents.actors.inference.SimplePolicy;
import dev.turboagents.actors.inference.ollama.OllamaBackend;
import dev.turboagents.actors.inference.standin.OllamaStandIn;
import dev.turboagents.actors.inference.standin.StandInModel;
import dev.turboagents.config.Settings;
import dev.turboagents.http.HttpServer;
import dev.turboagents.http.inference.RequestIds;
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
import java.util.Optional;
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
 * <p>Args: {@code [scale] [requests] [seeds]}, default 0.05 (20x faster than real), 60, 42 (seeds comma-separated).
 * Each seed runs Ollama alone, the door with {@link SimplePolicy} and the door with its own policy on
 * the stand-in, then both policies on {@link SchedulingSimulation}'s exact clock, where the door's
 * estimated start of each request that waits is read as it arrives and compared with when it
 * started (no wall clock, so no machine noise). {@code -Dbench.simulatedOnly=true} runs only that.
 */
public final class InferenceBenchmark {

  private enum Cls { INTERACTIVE, AGENT, BACKGROUND }

  private record Request(int index, double arrivalSeconds, Cls cls, String model, int tokens, int numCtx) {}

  private record Outcome(Request request, double latencySeconds, boolean ok, String error) {}

  /** @param etaErrors per request seen waiting: the door's estimated start minus when it really started */
  private record Run(String name, int loads, double makespanSeconds, List<Outcome> outcomes, long peakBytes,
      List<EtaProbe.EtaError> etaErrors) {}

  private static final long GIB = StandInModel.GIB;

  /** How long the simple reference policy stays on a model an interactive user just used (simulated). */
  static final Duration STICKINESS = Duration.ofSeconds(15);

  public static void main(String[] args) throws Exception {
    double scale = args.length > 0 ? Double.parseDouble(args[0]) : 0.05;
    int count = args.length > 1 ? Integer.parseInt(args[1]) : 60;
    List<Long> seeds = args.length > 2 ? java.util.Arrays.stream(args[2].split(",")).map(Long::parseLong).toList() : List.of(42L);
    boolean simulatedOnly = Boolean.getBoolean("bench.simulatedOnly");
    List<StandInModel> models = models();
    long budget = 48 * GIB;
    List<String> rows = new ArrayList<>();
    List<String> simRows = new ArrayList<>();
    List<String> etaRows = new ArrayList<>();
    List<String> simEtaRows = new ArrayList<>();
    for (long seed : seeds) {
      List<Request> workload = workload(count, seed, models);
      System.out.printf(Locale.ROOT, "InferenceBenchmark: %d requests over %.0f s (seed %d), models %s, memory %s, time scale %.3f%n",
          count, workload.get(workload.size() - 1).arrivalSeconds(), seed,
          models.stream().map(m -> m.name() + " " + gib(m.bytesAt(8192))).toList(), gib(budget), scale);

      Run simSimple = simulated(models, budget, workload, true);
      Run simDoor = simulated(models, budget, workload, false);
      simRows.add(String.format(Locale.ROOT, "| %d | %d / %d | %.1f / %.1f | %.1f / %.1f |", seed, simSimple.loads(),
          simDoor.loads(), percentile(simSimple, Cls.INTERACTIVE, 95), percentile(simDoor, Cls.INTERACTIVE, 95),
          simSimple.makespanSeconds(), simDoor.makespanSeconds()));
      simEtaRows.add(String.format(Locale.ROOT, "| %d | %s |", seed, etaLine(simDoor, workload.size())));
      if (simulatedOnly) {
        continue;
      }
      Run direct = direct(models, budget, workload, scale);
      Run simple = frontDoor(models, budget, workload, scale, true);
      Run door = frontDoor(models, budget, workload, scale, false);

      System.out.println();
      System.out.println("| figure | Ollama alone (FCFS) | simple policy | through the front door | door vs Ollama | door vs simple |");
      System.out.println("|---|---:|---:|---:|---:|---:|");
      row("model loads", direct.loads(), simple.loads(), door.loads(), "%d");
      row("makespan (s)", direct.makespanSeconds(), simple.makespanSeconds(), door.makespanSeconds(), "%.1f");
      for (Cls cls : Cls.values()) {
        String label = cls.name().toLowerCase(Locale.ROOT);
        row(label + " p50 latency (s)", percentile(direct, cls, 50), percentile(simple, cls, 50), percentile(door, cls, 50), "%.1f");
        row(label + " p95 latency (s)", percentile(direct, cls, 95), percentile(simple, cls, 95), percentile(door, cls, 95), "%.1f");
      }
      row("failed requests", failed(direct), failed(simple), failed(door), "%d");
      row("peak resident (GiB)", direct.peakBytes() / (double) GIB, simple.peakBytes() / (double) GIB,
          door.peakBytes() / (double) GIB, "%.1f");
      System.out.println();
      System.out.println(etaLine(door, workload.size()));
      etaRows.add(String.format(Locale.ROOT, "| %d | %s |", seed, etaLine(door, workload.size())));
      System.out.println();
      rows.add(String.format(Locale.ROOT, "| %d | %d / %d / %d | %.1f / %.1f / %.1f | %.1f / %.1f / %.1f | %s |", seed,
          direct.loads(), simple.loads(), door.loads(),
          percentile(direct, Cls.INTERACTIVE, 95), percentile(simple, Cls.INTERACTIVE, 95), percentile(door, Cls.INTERACTIVE, 95),
          direct.makespanSeconds(), simple.makespanSeconds(), door.makespanSeconds(), verdict(simple, door)));
    }
    if (!rows.isEmpty()) {
      System.out.println("On the stand-in, wall clock (simulated seconds): Ollama alone / simple policy / front door");
      System.out.println("| seed | loads | interactive p95 (s) | makespan (s) | door vs simple |");
      System.out.println("|---|---|---|---|---|");
      rows.forEach(System.out::println);
      System.out.println();
      System.out.println("The door's estimated start while a request waits, against when it started (simulated seconds)");
      System.out.println("| seed | estimate error |");
      System.out.println("|---|---|");
      etaRows.forEach(System.out::println);
      System.out.println();
    }
    System.out.println("The door's scheduling on a simulated clock (SchedulingSimulation, exact times, no noise): simple policy / front door");
    System.out.println("| seed | loads | interactive p95 (s) | makespan (s) |");
    System.out.println("|---|---|---|---|");
    simRows.forEach(System.out::println);
    System.out.println();
    System.out.println("The door's estimated start on the simulated clock, read as each request arrived, against when it started");
    System.out.println("| seed | estimate error |");
    System.out.println("|---|---|");
    simEtaRows.forEach(System.out::println);
    System.exit(0);
  }

  private static String etaLine(Run door, int requests) {
    return EtaProbe.line(door.etaErrors(), requests);
  }


  /** Whether the door is at least as good as the simple policy on loads and interactive p95, better on one, makespan no worse. */
  private static String verdict(Run simple, Run door) {
    double sp = percentile(simple, Cls.INTERACTIVE, 95);
    double dp = percentile(door, Cls.INTERACTIVE, 95);
    boolean notWorse = door.loads() <= simple.loads() && dp <= sp && door.makespanSeconds() <= simple.makespanSeconds() * 1.02;
    boolean better = door.loads() < simple.loads() || dp < sp;
    return notWorse && better ? "better" : notWorse ? "equal" : "WORSE";
  }

  /**
   * The workload on the door's scheduling with a simulated clock: {@link SchedulingSimulation}, the
   * real policy, queue and planner with a server that takes exactly the models' load and token times.
   */
  private static Run simulated(List<StandInModel> models, long budget, List<Request> workload, boolean simplePolicy) {
    Map<String, Object> overrides = new HashMap<>();
    overrides.put("turbo-agents.inference.aging-step", "5m");
    overrides.put("turbo-agents.inference.max-swap-wait", "2m");
    overrides.put("turbo-agents.inference.default-deadline", "1h");
    overrides.put("turbo-agents.inference.total-concurrency", 1);
    overrides.put("turbo-agents.inference.default-options.num_ctx", 8192);
    overrides.putAll(tried());
    SchedulingSimulation.Model[] served = models.stream().map(m -> new SchedulingSimulation.Model(m.name(),
        // the simulation plans a model at its weights plus a fifth: give it the size it runs at
        m.bytesAt(8192) * 5 / 6, m.loadTime(), Duration.ofNanos((long) (1e9 / m.tokensPerSecond())))).toArray(SchedulingSimulation.Model[]::new);
    SchedulingSimulation sim = simplePolicy
        ? new SchedulingSimulation(budget, overrides, settings -> new SimplePolicy(settings, STICKINESS), served)
        : new SchedulingSimulation(budget, overrides, served);
    for (Request r : workload) {
      long at = (long) (r.arrivalSeconds() * 1e9);
      if (at > sim.now()) {
        sim.advance(Duration.ofNanos(at - sim.now()));
      }
      sim.submit("r" + r.index(), r.model(), r.tokens(), priority(r.cls()));
    }
    sim.runToEnd();
    List<Outcome> outcomes = workload.stream().map(r -> new Outcome(r, sim.completedAt("r" + r.index()) / 1e9
        - r.arrivalSeconds(), true, "")).toList();
    if (Boolean.getBoolean("bench.verbose")) {
      System.out.println(simplePolicy ? "simulated, simple policy:" : "simulated, the door:");
      outcomes.stream().filter(o -> Boolean.getBoolean("bench.all") || o.request().cls() == Cls.INTERACTIVE).forEach(o -> System.out.printf(Locale.ROOT,
          "  #%02d at %6.1f s %-11s %-18s %3d tokens: started %6.1f s, took %6.1f s%n", o.request().index(),
          o.request().arrivalSeconds(), o.request().cls(), o.request().model(), o.request().tokens(),
          sim.startedAt("r" + o.request().index()) / 1e9, o.latencySeconds()));
      if (Boolean.getBoolean("bench.decisions")) {
        sim.decisions().stream().filter(d -> !(d instanceof dev.turboagents.actors.inference.SwapPolicy.Decision.Hold))
            .forEach(d -> System.out.println("    " + d));
      }
    }
    // the estimate each waiting request was given when it arrived, against when it started: exact time
    List<EtaProbe.EtaError> eta = sim.estimates().stream().map(e -> new EtaProbe.EtaError(e.priority(),
        (e.estimatedStartNanos() - (sim.startedAt(e.id()) - e.lookedAtNanos())) / 1e9)).toList();
    if (Boolean.getBoolean("bench.verbose") && !simplePolicy) {
      System.out.println("simulated, the door's estimated start of each request as it arrived:");
      sim.estimates().forEach(e -> System.out.printf(Locale.ROOT, "  %-4s %-11s arrived %6.1f s: estimated to start in %6.1f s,"
          + " started after %6.1f s (error %+6.1f s)%n", e.id(), e.priority(), e.lookedAtNanos() / 1e9,
          e.estimatedStartNanos() / 1e9, (sim.startedAt(e.id()) - e.lookedAtNanos()) / 1e9,
          (e.estimatedStartNanos() - (sim.startedAt(e.id()) - e.lookedAtNanos())) / 1e9));
    }
    return new Run(simplePolicy ? "simple (simulated)" : "door (simulated)", sim.loads(), makespan(outcomes), outcomes,
        sim.peakBytes(), eta);
  }

  /** Settings to try: every system property bench.inference.KEY=VALUE becomes turbo-agents.inference.KEY (simulated time). */
  private static Map<String, Object> tried() {
    Map<String, Object> out = new HashMap<>();
    System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("bench.inference."))
        .forEach(k -> out.put("turbo-agents.inference." + k.substring("bench.inference.".length()), System.getProperty(k)));
    return out;
  }

  private static Priority priority(Cls cls) {
    return switch (cls) {
      case INTERACTIVE -> Priority.INTERACTIVE;
      case AGENT -> Priority.AGENT;
      case BACKGROUND -> Priority.BACKGROUND;
    };
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
      List<Outcome> outcomes = replay(ollama.url(), workload, scale, false, Optional.empty());
      return new Run("ollama", ollama.loads(), makespan(outcomes), outcomes, ollama.peakResidentBytes(), List.of());
    }
  }

  private static Run frontDoor(List<StandInModel> models, long memory, List<Request> workload, double scale,
      boolean simplePolicy) throws Exception {
    Path dataDir = Files.createTempDirectory("inference-bench");
    try (OllamaStandIn ollama = standIn(models, memory, scale)) {
      Map<String, Object> overrides = new HashMap<>();
      // the daemon's defaults, in simulated time
      overrides.put("turbo-agents.inference.aging-step", millis(300_000 * scale));
      overrides.put("turbo-agents.inference.demand-window", millis(600_000 * scale));
      overrides.put("turbo-agents.inference.max-swap-wait", millis(120_000 * scale));
      overrides.put("turbo-agents.inference.default-deadline", millis(3_600_000 * scale));
      overrides.put("turbo-agents.inference.min-backoff", millis(200 * scale));
      overrides.put("turbo-agents.inference.max-backoff", millis(10_000 * scale));
      overrides.put("turbo-agents.inference.total-concurrency", 1);
      overrides.put("turbo-agents.inference.default-options.num_ctx", 8192);
      overrides.put("turbo-agents.inference.request-timeout", "1h");
      Settings settings = Settings.forTest(dataDir, overrides);
      ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "inference-bench", settings.config());
      try (OllamaBackend backend = new OllamaBackend(ollama.url(), settings.inference())) {
        Duration stickiness = Duration.ofNanos((long) (STICKINESS.toNanos() * scale));
        ActorRef<InferenceActor.Command> inference = system.systemActorOf(
            simplePolicy
                ? InferenceActor.create(settings.inference(), backend, new MemoryBudget(memory, "simulated 48 GiB Mac"),
                    s -> new SimplePolicy(s, stickiness))
                : InferenceActor.create(settings.inference(), backend, new MemoryBudget(memory, "simulated 48 GiB Mac")),
            "inference", org.apache.pekko.actor.typed.Props.empty());
        Duration deadline = settings.inference().defaultDeadline();
        ServerBinding binding = Http.get(system).newServerAt("127.0.0.1", 0)
            .adaptSettings(s -> HttpServer.idleAtLeast(s, deadline.plus(settings.http().idleMargin())))
            .bind(new OllamaRoutes(inference, system, 1 << 20, Duration.ofSeconds(10), deadline.plus(settings.inference().replyMargin()),
                settings.http().retryAfter()).route())
            .toCompletableFuture().get(10, TimeUnit.SECONDS);
        String url = "http://127.0.0.1:" + binding.localAddress().getPort();
        awaitUp(url);
        System.out.println(simplePolicy ? "replaying through the door with the simple policy ..."
            : "replaying through the front door ...");
        EtaProbe eta = new EtaProbe(system, inference);
        List<Outcome> outcomes = replay(url, workload, scale, true, Optional.of(eta));
        binding.unbind().toCompletableFuture().get(5, TimeUnit.SECONDS);
        return new Run(simplePolicy ? "simple" : "door", ollama.loads(), makespan(outcomes), outcomes,
            ollama.peakResidentBytes(), eta.errors(scale));
      } finally {
        system.terminate();
        system.getWhenTerminated().toCompletableFuture().get(20, TimeUnit.SECONDS);
      }
    }
  }

  private static List<Outcome> replay(String url, List<Request> workload, double scale, boolean withPriority,
      Optional<EtaProbe> eta) throws Exception {
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
      String id = "bench-" + r.index();
      if (eta.isPresent()) {
        request.header(RequestIds.HEADER, id);
        CompletableFuture.runAsync(() -> eta.get().look(id),
            CompletableFuture.delayedExecutor(20, TimeUnit.MILLISECONDS));
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

  private static void row(String label, double direct, double simple, double door, String format) {
    System.out.printf("| %s | %s | %s | %s | %s | %s |%n", label, figure(direct, format), figure(simple, format),
        figure(door, format), ratio(direct, door), ratio(simple, door));
  }

  private static String figure(double value, String format) {
    return format.equals("%d") ? String.valueOf((long) value) : String.format(Locale.ROOT, format, value);
  }

  private static String ratio(double baseline, double door) {
    return door == 0 ? (baseline == 0 ? "1.0x" : "inf") : String.format(Locale.ROOT, "%.1fx", baseline / door);
  }

  private static String millis(double ms) {
    return Math.max(1, Math.round(ms)) + "ms";
  }

  private static String gib(long bytes) {
    return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) GIB);
  }
}
