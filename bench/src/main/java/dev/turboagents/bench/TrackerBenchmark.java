package dev.turboagents.bench;

import dev.turboagents.config.Settings;
import dev.turboagents.persistence.issues.Issue;
import dev.turboagents.persistence.tracker.NewIssue;
import dev.turboagents.persistence.tracker.Tracker;
import dev.turboagents.runtime.daemon.Daemon;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import java.util.stream.Stream;

/**
 * The work tracker's figures: HTTP throughput and latency of creating issues and commenting, as
 * ratios to a read through the same HTTP + actor path; and how long an issue with many events takes
 * to recover, from snapshots and from the journal alone.
 *
 * <p>Arguments: {@code [requests per scenario (default 4000)] [concurrency (16)] [events for recovery (100000)]}.
 */
public final class TrackerBenchmark {

  private record Scenario(String name, IntFunction<HttpRequest> request, int expectedStatus) {}

  private record Result(String name, int requests, double seconds, long[] sortedNanos) {
    double perSecond() {
      return requests / seconds;
    }
  }

  public static void main(String[] args) throws Exception {
    int requests = args.length > 0 ? Integer.parseInt(args[0]) : 4000;
    int concurrency = args.length > 1 ? Integer.parseInt(args[1]) : 16;
    int events = args.length > 2 ? Integer.parseInt(args[2]) : 100_000;
    System.out.printf("turbo-agents tracker benchmark: %d requests per scenario, %d concurrent clients, %d events for recovery; %d cores, JDK %s%n%n",
        requests, concurrency, events, Runtime.getRuntime().availableProcessors(), Runtime.version());
    http(requests, concurrency);
    recovery(events);
  }

  // ---- HTTP throughput ------------------------------------------------------------------------

  private static void http(int requests, int concurrency) throws Exception {
    Path dir = Files.createTempDirectory("bench-tracker-http");
    // the client's threads are not daemon threads: left running they keep the JVM from exiting
    ExecutorService clientThreads = Executors.newFixedThreadPool(4);
    try (Daemon daemon = Daemon.start(Settings.forTest(dir, Map.of()))) {
      // HTTP serves before the graph is up; measure the tracker once Neo4j's start no longer shares the CPU
      for (var subsystem : daemon.subsystems().all()) {
        subsystem.api().toCompletableFuture().get(5, TimeUnit.MINUTES);
      }
      String api = "http://127.0.0.1:" + daemon.address().getPort() + "/api/v1";
      HttpClient client = HttpClient.newBuilder().executor(clientThreads).build();
      String project = field(send(client, post(api + "/projects", "{\"name\": \"bench\"}"), 201), "id");
      List<String> issues = new ArrayList<>();
      for (int i = 0; i < concurrency; i++) {
        issues.add(field(send(client, post(api + "/issues", "{\"title\": \"target " + i + "\"}"), 201), "id"));
      }
      String single = issues.get(0);
      List<Scenario> scenarios = List.of(
          new Scenario("baseline: GET /projects/{id} (read, no write)", n -> get(api + "/projects/" + project), 200),
          new Scenario("POST /issues (create)", n -> post(api + "/issues", "{\"title\": \"bench issue " + n
              + "\", \"description\": \"created by the benchmark\", \"labels\": [\"bench\"], \"priority\": \"high\"}"), 201),
          new Scenario("POST /issues/{id}/comments (" + concurrency + " issues)", n -> post(api + "/issues/" + issues.get(n % issues.size())
              + "/comments", "{\"text\": \"comment " + n + "\", \"author\": \"bench\"}"), 201),
          new Scenario("POST /issues/{id}/comments (one issue)", n -> post(api + "/issues/" + single
              + "/comments", "{\"text\": \"comment " + n + "\", \"author\": \"bench\"}"), 201),
          new Scenario("GET /issues?status=open (list)", n -> get(api + "/issues?status=open&limit=50"), 200));
      List<Result> results = new ArrayList<>();
      for (Scenario s : scenarios) {
        run(client, s, Math.min(500, requests / 4), concurrency); // warm-up
        results.add(run(client, s, requests, concurrency));
      }
      double base = results.get(0).perSecond();
      Table table = new Table("scenario", "requests", "req/s", "p50 ms", "p99 ms", "req/s vs baseline");
      for (Result r : results) {
        table.row(r.name(), r.requests(), Table.fmt(r.perSecond()), Table.fmt(Table.percentileMs(r.sortedNanos(), 0.50)),
            Table.fmt(Table.percentileMs(r.sortedNanos(), 0.99)), Table.fmt(r.perSecond() / base) + "x");
      }
      System.out.println("HTTP through the daemon (JSON, actors, LevelDB with fsync):");
      System.out.println(table.render());
    } finally {
      clientThreads.shutdownNow();
      deleteTree(dir);
    }
  }

  private static Result run(HttpClient client, Scenario scenario, int requests, int concurrency) throws Exception {
    long[] nanos = new long[requests];
    AtomicInteger next = new AtomicInteger();
    AtomicInteger failures = new AtomicInteger();
    ExecutorService workers = Executors.newFixedThreadPool(concurrency);
    long start = System.nanoTime();
    List<java.util.concurrent.Future<?>> done = new ArrayList<>();
    for (int w = 0; w < concurrency; w++) {
      done.add(workers.submit(() -> {
        for (int n; (n = next.getAndIncrement()) < requests; ) {
          long t0 = System.nanoTime();
          try {
            HttpResponse<String> r = client.send(scenario.request().apply(n), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != scenario.expectedStatus()) {
              failures.incrementAndGet();
            }
          } catch (Exception e) {
            failures.incrementAndGet();
          }
          nanos[n] = System.nanoTime() - t0;
        }
        return null;
      }));
    }
    for (var f : done) {
      f.get();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    workers.shutdown();
    if (failures.get() > 0) {
      throw new IllegalStateException(scenario.name() + ": " + failures.get() + " requests failed");
    }
    Arrays.sort(nanos);
    return new Result(scenario.name(), requests, seconds, nanos);
  }

  // ---- recovery ---------------------------------------------------------------------------------

  private static void recovery(int events) throws Exception {
    Path dir = Files.createTempDirectory("bench-tracker-recovery");
    try {
      Settings settings = Settings.forTest(dir, Map.of());
      String id;
      double writeSeconds;
      try (Daemon daemon = Daemon.start(settings)) {
        Tracker tracker = daemon.subsystems().tracker().api().toCompletableFuture().join();
        Issue issue = tracker.createIssue(new NewIssue("long-lived issue", "", Optional.empty(), List.of(), Optional.empty(),
            Optional.empty(), "bench")).toCompletableFuture().get();
        id = issue.id();
        Semaphore window = new Semaphore(256);
        long t0 = System.nanoTime();
        List<CompletableFuture<?>> pending = new ArrayList<>();
        for (int i = 1; i < events; i++) {
          window.acquire();
          pending.add(tracker.comment(id, "daily standup note " + i, "standup-agent").toCompletableFuture()
              .whenComplete((c, e) -> window.release()));
        }
        CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).get();
        writeSeconds = (System.nanoTime() - t0) / 1e9;
      }
      Table table = new Table("measure", "value", "vs baseline");
      table.row("events written to one issue (one command each)", events, "");
      table.row("write rate (events/s)", Table.fmt((events - 1) / writeSeconds), "");

      long[] fromSnapshot = recoverOnce(settings, id);
      try (Stream<Path> snapshots = Files.list(dir.resolve("snapshots"))) {
        for (Path p : snapshots.toList()) {
          Files.delete(p);
        }
      }
      long[] fromJournal = recoverOnce(settings, id);
      double base = fromSnapshot[2] / 1e6;
      table.row("baseline: issue recovery from its snapshot + events after it (ms)", Table.fmt(base), "1x");
      table.row("issue recovery from the journal alone, all " + events + " events (ms)", Table.fmt(fromJournal[2] / 1e6),
          Table.fmt(fromJournal[2] / 1e6 / base) + "x");
      table.row("daemon start until HTTP is bound (ms)", Table.fmt(fromSnapshot[0] / 1e6), Table.fmt(fromSnapshot[0] / 1e6 / base) + "x");
      table.row("tracker index replay of " + events + " tagged events after start (ms)", Table.fmt(fromSnapshot[1] / 1e6),
          Table.fmt(fromSnapshot[1] / 1e6 / base) + "x");
      System.out.println("Recovery of one issue with " + events + " events (a new ActorSystem on the same LevelDB directory):");
      System.out.println(table.render());
    } finally {
      deleteTree(dir);
    }
  }

  /** Starts the daemon on the data directory, waits for the index, reads the issue: {start, index replay, entity recovery} nanos. */
  private static long[] recoverOnce(Settings settings, String id) throws Exception {
    long t0 = System.nanoTime();
    try (Daemon daemon = Daemon.start(settings)) {
      long started = System.nanoTime() - t0;
      Tracker tracker = daemon.subsystems().tracker().api().toCompletableFuture().join();
      long t1 = System.nanoTime();
      while (!tracker.stats().toCompletableFuture().get(10, TimeUnit.MINUTES).caughtUp()) {
        Thread.sleep(5);
      }
      long indexed = System.nanoTime() - t1;
      long t2 = System.nanoTime();
      Issue issue = tracker.issue(id).toCompletableFuture().get(10, TimeUnit.MINUTES).issue();
      long read = System.nanoTime() - t2;
      if (issue.commentCount() < 1) {
        throw new IllegalStateException("recovered issue has no comments: " + issue);
      }
      return new long[] {started, indexed, read};
    }
  }

  // ---- plumbing ---------------------------------------------------------------------------------

  private static HttpRequest get(String url) {
    return HttpRequest.newBuilder(URI.create(url)).GET().build();
  }

  private static HttpRequest post(String url, String json) {
    return HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json)).build();
  }

  private static String send(HttpClient client, HttpRequest request, int expected) throws Exception {
    HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != expected) {
      throw new IllegalStateException(request.uri() + " answered " + r.statusCode() + ": " + r.body());
    }
    return r.body();
  }

  private static String field(String json, String name) throws Exception {
    return new com.fasterxml.jackson.databind.ObjectMapper().readTree(json).get(name).asText();
  }

  private static void deleteTree(Path dir) throws Exception {
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
