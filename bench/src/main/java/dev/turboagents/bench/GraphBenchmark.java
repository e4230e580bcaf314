package dev.turboagents.bench;

import dev.turboagents.config.GraphSettings;
import dev.turboagents.config.Settings;
import dev.turboagents.persistence.graph.EmbeddedNeo4j;
import dev.turboagents.persistence.graph.Embedder;
import dev.turboagents.persistence.graph.GraphConnection;
import dev.turboagents.persistence.graph.GraphProjection;
import dev.turboagents.persistence.graph.GraphSchema;
import dev.turboagents.persistence.graph.GraphSearch;
import dev.turboagents.persistence.graph.GraphStore;
import dev.turboagents.persistence.graph.MiniLmEmbedder;
import dev.turboagents.persistence.graph.RetrievalSet;
import dev.turboagents.persistence.graph.SearchQuery;
import dev.turboagents.persistence.issues.Priority;
import dev.turboagents.persistence.tracker.NewIssue;
import dev.turboagents.persistence.tracker.Tracker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
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
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.neo4j.driver.AuthTokens;
import org.neo4j.driver.Session;

/**
 * Knowledge-graph figures on this machine: search latency (hybrid, vector, full-text) at 10k and
 * 100k nodes through the driver to the in-process Neo4j, projection throughput from the journal,
 * and memory. Baselines measured in the same run: a Bolt round trip (RETURN 1) and one query
 * embedding. Args: {@code [largest node count, default 100000]}, or {@code projection} for the projection alone.
 */
public final class GraphBenchmark {
  private static final int WARMUP = 100;
  private static final int QUERIES = 200;
  private static final int REAL_EMBEDDINGS = 10_000;
  private static final List<String[]> rows = new ArrayList<>();

  public static void main(String[] args) throws Exception {
    Path dir = Files.createTempDirectory("graph-bench");
    if (args.length > 0 && args[0].equals("projection")) {
      projectionThroughput(dir.resolve("projection"));
      print(0);
      return;
    }
    int largest = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    Settings settings = Settings.forTest(dir.resolve("data"), Map.of("turbo-agents.graph.page-cache", "768MiB"));
    GraphSettings graph = settings.graph();
    Embedder embedder = new MiniLmEmbedder();
    RetrievalSet set = RetrievalSet.load();
    List<String> titles = set.issues().stream().map(RetrievalSet.Issue::title).toList();
    List<String> descriptions = set.issues().stream().map(RetrievalSet.Issue::description).toList();
    List<String> queries = set.issues().stream().map(i -> i.title() + " " + i.description()).toList();

    try (EmbeddedNeo4j neo4j = EmbeddedNeo4j.start(dir.resolve("neo4j"), 0, graph.pageCacheBytes());
        GraphConnection connection = GraphConnection.to(neo4j.boltUri(), AuthTokens.none(), graph)) {
      GraphSchema.ensure(connection.driver(), embedder);
      GraphSearch search = new GraphSearch(connection.driver(), embedder, graph);

      // baselines
      try (Session session = connection.driver().session()) {
        double[] bolt = time(i -> session.run("RETURN 1").consume());
        row("baseline: Bolt round trip (RETURN 1)", "-", bolt, bolt[0], "");
      }
      double[] embedOne = time(i -> embedder.embed(queries.get(i % queries.size())));
      double boltP50 = Double.parseDouble(rows.getFirst()[2]);
      row("baseline: embed one query (MiniLM)", "-", embedOne, boltP50, "");

      // texts: titles and descriptions of the labelled set recombined, so every node reads like an issue
      Random random = new Random(42);
      List<String> texts = new ArrayList<>();
      for (int i = 0; i < largest; i++) {
        texts.add(titles.get(random.nextInt(titles.size())) + " (#" + i + ")\t" + descriptions.get(random.nextInt(descriptions.size())));
      }
      int realCount = Math.min(REAL_EMBEDDINGS, largest);
      long t0 = System.nanoTime();
      List<float[]> real = new ArrayList<>();
      for (int i = 0; i < realCount; i += 64) {
        real.addAll(embedder.embedAll(texts.subList(i, Math.min(realCount, i + 64)).stream().map(t -> t.replace('\t', '\n')).toList()));
      }
      double embedSeconds = (System.nanoTime() - t0) / 1e9;
      rows.add(new String[] {"embedding throughput (batches of 64)", Integer.toString(realCount), "-", "-", "-",
          String.format(Locale.ROOT, "%.0f texts/s", realCount / embedSeconds)});

      int loaded = 0;
      for (int size : new int[] {10_000, largest}) {
        if (size > largest || size <= loaded) {
          continue;
        }
        long l0 = System.nanoTime();
        load(connection, texts, real, loaded, size, random);
        double loadSeconds = (System.nanoTime() - l0) / 1e9;
        loaded = size;
        String how = size <= REAL_EMBEDDINGS ? "real embeddings" : REAL_EMBEDDINGS + " real embeddings + "
            + (size - REAL_EMBEDDINGS) + " noisy copies of them";
        rows.add(new String[] {"load nodes (UNWIND 1000/tx, indexes online)", Integer.toString(size), "-", "-", "-",
            String.format(Locale.ROOT, "%.0f nodes/s; %s", (size - (size == largest && largest > 10_000 ? 10_000 : 0)) / loadSeconds, how)});
        for (SearchQuery.Mode mode : SearchQuery.Mode.values()) {
          double[] latency = time(i -> search.search(SearchQuery.of(queries.get((i * 7) % queries.size()), 10, 0.0).withMode(mode)));
          row("search " + mode.name().toLowerCase(Locale.ROOT) + ", limit 10", Integer.toString(size), latency, boltP50,
              mode == SearchQuery.Mode.FULLTEXT ? "no query embedding" : "includes embedding the query");
        }
        double[] related = time(i -> search.related(dev.turboagents.persistence.graph.EntityRef.issue("b" + (i * 31 % size)), 2, 10));
        row("related, depth 2", Integer.toString(size), related, boltP50, "");
        double[] context = time(i -> search.context(queries.get(i % queries.size()), 1500));
        row("context (RAG), budget 1500 tokens", Integer.toString(size), context, boltP50, "search + neighbours of 3 hits");
        memory("memory after " + size + " nodes");
      }
    }

    projectionThroughput(dir.resolve("projection"));
    memory("memory at the end");
    print(largest);
  }

  private static void load(GraphConnection connection, List<String> texts, List<float[]> real, int from, int to, Random random) {
    try (Session session = connection.driver().session()) {
      for (int start = from; start < to; start += 1000) {
        List<Map<String, Object>> batch = new ArrayList<>();
        for (int i = start; i < Math.min(to, start + 1000); i++) {
          String[] parts = texts.get(i).split("\t");
          float[] vector = i < real.size() ? real.get(i) : noisy(real.get(random.nextInt(real.size())), random);
          Map<String, Object> row = new HashMap<>();
          row.put("key", "issue:b" + i);
          row.put("id", "b" + i);
          row.put("title", parts[0]);
          row.put("text", parts[1]);
          row.put("status", i % 3 == 0 ? "done" : "open");
          row.put("project", "p" + (i % 20));
          row.put("embedding", toList(vector));
          row.put("blocks", "issue:b" + random.nextInt(Math.max(1, i)));
          batch.add(row);
        }
        session.executeWriteWithoutResult(tx -> tx.run("""
            UNWIND $rows AS r
            MERGE (n:Entity {key: r.key}) SET n:Issue, n.id = r.id, n.type = 'issue', n.title = r.title, n.text = r.text,
              n.status = r.status, n.project = r.project, n.embedding = r.embedding
            MERGE (p:Entity {key: 'project:' + r.project}) ON CREATE SET p:Project, p.id = r.project, p.type = 'project', p.title = r.project
            MERGE (n)-[:IN_PROJECT]->(p)
            WITH n, r MATCH (b:Entity {key: r.blocks}) WHERE b <> n MERGE (b)-[:BLOCKS]->(n)
            """, Map.of("rows", batch)).consume());
      }
      session.run("CALL db.awaitIndexes(600)").consume();
    }
  }

  /** A real embedding moved a little: a near neighbour of a real text, unit length again. */
  private static float[] noisy(float[] base, Random random) {
    float[] v = Arrays.copyOf(base, base.length);
    double norm = 0;
    for (int i = 0; i < v.length; i++) {
      v[i] += (float) (random.nextGaussian() * 0.02);
      norm += v[i] * v[i];
    }
    float scale = (float) (1 / Math.sqrt(norm));
    for (int i = 0; i < v.length; i++) {
      v[i] *= scale;
    }
    return v;
  }

  private static void projectionThroughput(Path dir) throws Exception {
    Settings settings = Settings.forTest(dir.resolve("data"), Map.of("turbo-agents.graph.projection-batch-size", "200"));
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "graph-bench", settings.config());
    try (EmbeddedNeo4j neo4j = EmbeddedNeo4j.start(dir.resolve("neo4j"), 0, 128L * 1024 * 1024);
        GraphConnection connection = GraphConnection.to(neo4j.boltUri(), AuthTokens.none(), settings.graph())) {
      Tracker tracker = Tracker.start(new Tracker.Spawner() {
        public <T> ActorRef<T> spawn(org.apache.pekko.actor.typed.Behavior<T> behavior, String name) {
          return system.systemActorOf(behavior, name, org.apache.pekko.actor.typed.Props.empty());
        }
      }, system, settings.tracker(), Duration.ofSeconds(30));
      RetrievalSet set = RetrievalSet.load();
      int issues = 1500;
      int events = 0;
      for (int i = 0; i < issues; i += 50) {
        List<CompletableFuture<?>> pending = new ArrayList<>();
        for (int j = i; j < Math.min(issues, i + 50); j++) {
          RetrievalSet.Issue source = set.issues().get(j % set.issues().size());
          pending.add(tracker.createIssue(new NewIssue(source.title() + " (" + j + ")", source.description(), Optional.of(Priority.MEDIUM),
              List.of(source.project()), Optional.empty(), Optional.empty(), "bench"))
              .thenCompose(created -> tracker.comment(created.id(), "Seen again in build " + created.id().substring(0, 8), "bench"))
              .toCompletableFuture());
        }
        CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        events += pending.size() * 2;
      }
      GraphStore store = new GraphStore(connection.driver(), new MiniLmEmbedder(), settings.graph().queryTimeout());
      GraphSchema.ensure(connection.driver(), store.embedder());
      long t0 = System.nanoTime();
      ActorRef<GraphProjection.Command> projection = system.systemActorOf(GraphProjection.create(store, tracker.journal(), settings.graph()),
          "graph-projection", org.apache.pekko.actor.typed.Props.empty());
      while (true) {
        GraphProjection.Status status = AskPattern.<GraphProjection.Command, GraphProjection.Status>ask(projection,
            GraphProjection.GetStatus::new, Duration.ofSeconds(30), system.scheduler()).toCompletableFuture().get(60, TimeUnit.SECONDS);
        if (status.projectedEvents() >= events && status.lag() == 0) {
          break;
        }
        Thread.sleep(100);
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      rows.add(new String[] {"projection catch-up from the journal", Integer.toString(events), "-", "-", "-",
          String.format(Locale.ROOT, "%.0f events/s (%d issues + %d comments, each embedded; batches of 200)", events / seconds, issues, issues)});
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  interface Work {
    void run(int i) throws Exception;
  }

  /** p50 and p99 in milliseconds over {@link #QUERIES} runs after {@link #WARMUP} unmeasured ones. */
  private static double[] time(Work work) throws Exception {
    for (int i = 0; i < WARMUP; i++) {
      work.run(i);
    }
    double[] ms = new double[QUERIES];
    for (int i = 0; i < QUERIES; i++) {
      long t = System.nanoTime();
      work.run(WARMUP + i);
      ms[i] = (System.nanoTime() - t) / 1e6;
    }
    Arrays.sort(ms);
    return new double[] {ms[QUERIES / 2], ms[(int) Math.ceil(QUERIES * 0.99) - 1]};
  }

  private static void row(String what, String nodes, double[] p, double baseline, String note) {
    rows.add(new String[] {what, nodes, String.format(Locale.ROOT, "%.2f", p[0]), String.format(Locale.ROOT, "%.2f", p[1]),
        String.format(Locale.ROOT, "%.1fx", p[0] / baseline), note});
  }

  private static void memory(String what) throws Exception {
    System.gc();
    Runtime rt = Runtime.getRuntime();
    long heap = (rt.totalMemory() - rt.freeMemory()) >> 20;
    String rss = Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("VmRSS"))
        .map(l -> l.replaceAll("\\D+", "")).findFirst().map(kb -> (Long.parseLong(kb) >> 10) + " MiB").orElse("n/a");
    rows.add(new String[] {what, "-", "-", "-", "-", "heap after GC " + heap + " MiB, RSS " + rss + " (JVM incl. in-process Neo4j)"});
  }

  private static List<Double> toList(float[] v) {
    List<Double> out = new ArrayList<>(v.length);
    for (float f : v) {
      out.add((double) f);
    }
    return out;
  }

  private static void print(int largest) {
    System.out.printf("%nGraphBenchmark: %d cores, %s, JDK %s, %d queries per row after %d warm-up, largest graph %d nodes%n",
        Runtime.getRuntime().availableProcessors(), System.getProperty("os.arch"), System.getProperty("java.version"), QUERIES, WARMUP, largest);
    Table table = new Table("measurement", "nodes", "p50 ms", "p99 ms", "p50 / Bolt round trip", "notes");
    rows.forEach(r -> table.row((Object[]) r));
    System.out.print(table.render());
  }
}
