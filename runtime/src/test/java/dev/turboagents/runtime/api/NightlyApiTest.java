package dev.turboagents.runtime.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.turboagents.actors.inference.standin.OllamaStandIn;
import dev.turboagents.actors.inference.standin.StandInModel;
import dev.turboagents.persistence.Eventually;
import dev.turboagents.persistence.graph.EmbeddedNeo4j;
import dev.turboagents.runtime.api.RunningApi.Reply;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neo4j.driver.AuthTokens;
import org.neo4j.driver.Driver;
import org.neo4j.driver.GraphDatabase;
import org.neo4j.driver.Session;

/**
 * The nightly on the real daemon (journal, tracker, the graph's projection into a Neo4j the test
 * also reaches with its own driver), run by hand over HTTP and read back from its report.
 */
class NightlyApiTest {
  @TempDir
  Path dir;

  private EmbeddedNeo4j neo4j;
  private Driver driver;
  private RunningApi api;

  @BeforeEach
  void neo4j() throws Exception {
    neo4j = EmbeddedNeo4j.start(dir.resolve("neo4j"), 0, 64L * 1024 * 1024);
    driver = GraphDatabase.driver(neo4j.boltUri(), AuthTokens.none());
  }

  @AfterEach
  void stop() {
    if (api != null) {
      api.close();
    }
    driver.close();
    neo4j.close();
  }

  private RunningApi daemon(Map<String, Object> extra) throws Exception {
    Map<String, Object> settings = new HashMap<>(Map.of("turbo-agents.neo4j.uri", neo4j.boltUri().toString(),
        "turbo-agents.graph.projection-batch-window", "50ms",
        "turbo-agents.autonomy.enabled", "false",
        "turbo-agents.workflows.triggers.triage-new-issues", "false",
        "turbo-agents.workflows.triggers.reply-to-comments", "false"));
    settings.putAll(extra);
    RunningApi started = new RunningApi(dir.resolve("data"), settings);
    for (var subsystem : started.daemon.subsystems().all()) {
      subsystem.api().toCompletableFuture().get(90, java.util.concurrent.TimeUnit.SECONDS);
    }
    return started;
  }

  @Test
  void theGraphCheckFindsWhatWasDeletedBehindTheDaemonsBackAndProjectsItAgain() throws Exception {
    api = daemon(Map.of());
    // a fresh daemon's first nightly: an ok report over an empty tracker and graph
    JsonNode first = runNightly();
    assertTrue(first.get("ok").asBoolean(), first.toString());
    assertTrue(first.get("body").asText().contains("- journal: 0 issues, 0 comments, 0 blocker links, 0 duplicate links"),
        first.toString());
    assertTrue(first.get("outcome").asText().contains("graph matches the journal"), first.toString());

    String upload = created("Uploads over 2 GB fail with 413");
    String resumable = created("Resumable uploads for large files");
    String again = created("Big videos cannot be uploaded");
    assertEquals(201, api.post("/api/v1/issues/" + upload + "/comments", "{\"text\": \"The proxy caps bodies\"}").status());
    assertEquals(201, api.post("/api/v1/issues/" + resumable + "/comments", "{\"text\": \"Needs chunking\"}").status());
    assertEquals(201, api.post("/api/v1/issues/" + upload + "/dependencies", "{\"blocked_by\": \"" + resumable + "\"}").status());
    assertEquals(200, api.patch("/api/v1/issues/" + again, "{\"duplicate_of\": \"" + upload + "\"}").status());
    awaitGraphCaughtUp();
    JsonNode matching = runNightly();
    assertTrue(matching.get("outcome").asText().contains("graph matches the journal"), matching.toString());

    // behind the daemon's back: an issue node with its links and comment, a blocker link, a comment, a title
    try (Session session = driver.session()) {
      session.run("MATCH (c:Comment)-[:ON]->(:Issue {id: $id}) DETACH DELETE c", Map.of("id", resumable)).consume();
      session.run("MATCH (:Issue)-[r:BLOCKS]->(:Issue {id: $id}) DELETE r", Map.of("id", upload)).consume();
      session.run("MATCH (c:Comment)-[:ON]->(i:Issue {id: $id}) DETACH DELETE c, i", Map.of("id", upload)).consume();
      session.run("MATCH (i:Issue {id: $id}) SET i.title = 'something else'", Map.of("id", again)).consume();
    }
    assertEquals(0, count("MATCH (i:Issue {id: $id}) RETURN count(i) AS c", upload));

    JsonNode repair = runNightly();
    String body = repair.get("body").asText();
    assertTrue(body.contains("- journal: 3 issues, 2 comments, 1 blocker links, 1 duplicate links"), body);
    assertTrue(body.contains("- graph before: 2 issues, 0 comments, 0 blocker links, 0 duplicate links"), body);
    assertTrue(body.contains("- graph after: 3 issues, 2 comments, 1 blocker links, 1 duplicate links"), body);
    assertTrue(body.contains("3 projected again from the journal"), body);
    assertTrue(repair.get("outcome").asText().contains("graph: 3 issue(s) differed, 3 repaired"), repair.toString());
    assertEquals(1, count("MATCH (i:Issue {id: $id, title: 'Uploads over 2 GB fail with 413'}) RETURN count(i) AS c", upload));
    assertEquals(1, count("MATCH (:Issue)-[:BLOCKS]->(i:Issue {id: $id}) RETURN count(*) AS c", upload));
    assertEquals(1, count("MATCH (i:Issue {id: $id})-[:DUPLICATE_OF]->(:Issue) RETURN count(*) AS c", again));
    assertEquals(1, count("MATCH (i:Issue {id: $id, title: 'Big videos cannot be uploaded'}) RETURN count(i) AS c", again));
    assertEquals(1, count("MATCH (i:Issue {id: $id}) WHERE i.embedding IS NOT NULL RETURN count(i) AS c", upload),
        "the node projected again is embedded, so search finds it");
    assertTrue(api.post("/api/v1/graph/search", "{\"query\": \"upload fails with 413\", \"limit\": 3, \"min_relevance\": 0}")
        .body().contains(upload));

    JsonNode after = runNightly();
    assertTrue(after.get("outcome").asText().contains("graph matches the journal"), after.toString());
  }

  @Test
  void theDuplicateSweepLinksAboveTriagesLinkConfidenceAndSuggestsOnceBelowIt() throws Exception {
    // triage's thresholds, set here apart enough for all-MiniLM's similarities of these texts
    Map<String, Object> thresholds = Map.of("turbo-agents.triage.link-confidence", "0.95",
        "turbo-agents.triage.suggest-confidence", "0.55");
    Map<String, Object> dry = new HashMap<>(thresholds);
    dry.put("turbo-agents.autonomy.dry-run", "true");
    api = daemon(dry);
    String original = created("Uploads over 2 GB fail with 413", "The multipart parser has a hard-coded 2 GiB limit");
    String copy = created("Uploads over 2 GB fail with 413", "The multipart parser has a hard-coded 2 GiB limit");
    String alike = created("Large file uploads are rejected as payload too large", "Uploading a 3 GB video returns HTTP 413");
    String dark = created("Dark mode for the settings page", "The settings page is too bright at night");
    String theme = created("The settings page needs a dark theme", "Too bright in the evening");
    assertEquals(201, api.post("/api/v1/issues/" + theme + "/comments",
        "{\"text\": \"Possibly a duplicate of: " + dark + "\", \"author\": \"agent:issue\"}").status());
    created("Calendar invites are off by one hour after DST", "Seen in Berlin and Lisbon");
    awaitGraphCaughtUp();

    JsonNode wouldBe = runNightly();
    String body = wouldBe.get("body").asText();
    assertTrue(body.contains("- #" + copy + " of #" + original), body);
    assertTrue(body.contains("dry run: would be linked as duplicate_of"), body);
    assertTrue(body.contains("- #" + alike + " of #" + original) && body.contains("dry run: would be suggested in a comment"), body);
    assertTrue(body.contains("- #" + theme + " of #" + dark) && body.contains("already named in a comment"), body);
    assertTrue(wouldBe.get("outcome").asText().contains("duplicates: 1 would be linked, 1 would be suggested"), wouldBe.toString());
    assertTrue(api.get("/api/v1/issues/" + copy).json().get("duplicate_of").isNull(), "a dry run links nothing");
    assertEquals(0, nightlyComments(alike), "a dry run comments nothing");

    api.close();
    api = daemon(thresholds);
    JsonNode real = runNightly();
    assertTrue(real.get("outcome").asText().contains("duplicates: 1 linked, 1 suggested"), real.toString());
    assertEquals(original, api.get("/api/v1/issues/" + copy).json().get("duplicate_of").asText());
    assertEquals(1, nightlyComments(alike));
    assertEquals(0, nightlyComments(theme), "triage named that pair already");

    JsonNode again = runNightly();
    assertTrue(again.get("outcome").asText().contains("duplicates: 0 linked, 0 suggested"), again.toString());
    assertTrue(again.get("body").asText().contains("- #" + alike + " of #" + original), again.toString());
    assertEquals(1, nightlyComments(alike), "one suggestion per pair, across runs and restarts");
  }

  @Test
  void aChangedEmbeddingModelStartsWithoutReembeddingAndTheNightlyEmbedsWhatTheBackgroundRunLeft() throws Exception {
    OllamaStandIn ollama = new OllamaStandIn(List.of(StandInModel.small("llama3.2:1b", StandInModel.GIB, Duration.ofMillis(100))),
        16 * StandInModel.GIB, 2, 0.05).start();
    try {
      Map<String, Object> miniLm = Map.of("turbo-agents.ollama.host", ollama.url());
      api = daemon(miniLm);
      List<String> ids = List.of(created("Uploads over 2 GB fail with 413"), created("Dark mode for the settings page"),
          created("Calendar invites are off by one hour after DST"));
      awaitGraphCaughtUp();
      assertEquals(3, count("MATCH (i:Issue) WHERE size(i.embedding) = 384 RETURN count(i) AS c", ""));
      api.close();

      // the model changes while Ollama is away: the daemon starts anyway, with every node awaiting a vector
      ollama.stop();
      Map<String, Object> viaOllama = new HashMap<>(miniLm);
      viaOllama.put("turbo-agents.graph.embedding-model", "ollama:llama3.2:1b");
      viaOllama.put("turbo-agents.graph.embedding-dimensions", "384");
      viaOllama.put("turbo-agents.inference.default-deadline", "2s");
      api = daemon(viaOllama);
      assertEquals(0, count("MATCH (i:Issue) WHERE i.embedding IS NOT NULL RETURN count(i) AS c", ""),
          "no vector of all-MiniLM is left beside the new model's (both are 384 long)");
      Eventually.assertThat(Duration.ofSeconds(60), () -> assertEquals("idle",
          api.get("/health").json().get("components").get("graph").get("figures").get("reembedding").asText()));
      assertEquals(0, count("MATCH (i:Issue) WHERE i.embedding IS NOT NULL RETURN count(i) AS c", ""),
          "the background run found no embedder");
      // meanwhile search answers by full text, in every mode
      for (String mode : List.of("vector", "hybrid", "fulltext")) {
        Reply r = api.post("/api/v1/graph/search", "{\"query\": \"uploads fail with 413\", \"mode\": \"" + mode
            + "\", \"limit\": 3, \"min_relevance\": 0}");
        assertEquals(200, r.status(), mode + ": " + r.body());
        assertEquals(ids.get(0), r.json().get("results").get(0).get("entity_id").asText(), mode + ": " + r.body());
      }

      // Ollama is back: the nightly embeds the three and says so
      ollama.start(ollama.port());
      Eventually.assertThat(Duration.ofSeconds(30), () -> assertTrue(
          api.get("/api/v1/inference/status").body().contains("\"backend\":\"UP\""), "the door sees Ollama again"));
      JsonNode report = runNightly();
      assertTrue(report.get("outcome").asText().contains("embeddings: 3 re-embedded, 0 left"), report.toString());
      assertTrue(report.get("body").asText().contains("- model: ollama:llama3.2:1b"), report.toString());
      for (String id : ids) {
        // the vector index (made anew for the new model) gives each node back for its own vector
        try (Session session = driver.session()) {
          String nearest = session.run("""
              MATCH (i:Issue {id: $id}) WITH i.embedding AS v
              CALL db.index.vector.queryNodes('entity_embedding', 1, v) YIELD node RETURN node.id AS id
              """, Map.of("id", id)).single().get("id").asString();
          assertEquals(id, nearest);
        }
      }
      Reply vector = api.post("/api/v1/graph/search", "{\"query\": \"Dark mode for the settings page\", \"mode\": \"vector\", "
          + "\"limit\": 1, \"min_relevance\": 0.99}");
      assertEquals(ids.get(1), vector.json().get("results").get(0).get("entity_id").asText(), vector.body());
      JsonNode again = runNightly();
      assertTrue(again.get("outcome").asText().contains("embeddings: 0 re-embedded, 0 left"), again.toString());
      api.close();

      // back to all-MiniLM, which is always there: the run started with the daemon embeds every node, no nightly needed
      api = daemon(miniLm);
      Eventually.assertThat(Duration.ofSeconds(60), () ->
          assertEquals(3, count("MATCH (i:Issue) WHERE i.embedding IS NOT NULL RETURN count(i) AS c", "")));
      Reply meaning = api.post("/api/v1/graph/search", "{\"query\": \"night theme for preferences\", \"mode\": \"vector\", "
          + "\"limit\": 1, \"min_relevance\": 0}");
      assertEquals(ids.get(1), meaning.json().get("results").get(0).get("entity_id").asText(),
          "found by meaning alone, no word in common: " + meaning.body());
    } finally {
      if (api != null) {
        api.close();
        api = null;
      }
      ollama.close();
    }
  }

  private long nightlyComments(String issue) {
    return StreamSupport.stream(api.get("/api/v1/issues/" + issue + "/comments").json().spliterator(), false)
        .filter(c -> c.get("author").asText().equals("nightly")).count();
  }

  private String created(String title, String description) {
    Reply r = api.post("/api/v1/issues", "{\"title\": \"" + title + "\", \"description\": \"" + description + "\"}");
    assertEquals(201, r.status(), r.body());
    return r.json().get("id").asText();
  }

  private String created(String title) {
    Reply r = api.post("/api/v1/issues", "{\"title\": \"" + title + "\"}");
    assertEquals(201, r.status(), r.body());
    return r.json().get("id").asText();
  }

  private long count(String cypher, String id) {
    try (Session session = driver.session()) {
      return session.run(cypher, Map.of("id", id)).single().get("c").asLong();
    }
  }

  private void awaitGraphCaughtUp() {
    Eventually.assertThat(Duration.ofSeconds(60), () -> {
      JsonNode g = api.get("/health").json().get("components").get("graph");
      assertEquals(0, g.path("figures").path("lag_events").asLong(-1), g.toString());
    });
  }

  /** Runs the nightly by hand, waits for it to finish and returns its report. */
  private JsonNode runNightly() {
    String before = schedule().path("last_finished").asText("");
    Eventually.assertThat(Duration.ofSeconds(30), () -> {
      Reply run = api.post("/api/v1/agents/schedules/nightly/run", "");
      assertEquals(202, run.status(), run.body());
    });
    Eventually.assertThat(Duration.ofSeconds(60), () -> {
      JsonNode s = schedule();
      if (s.get("running").asBoolean() || s.path("last_finished").asText("").equals(before)) {
        throw new AssertionError("not finished yet: " + s);
      }
      assertTrue(s.get("last_ok").asBoolean(), s.toString());
    });
    return api.get("/api/v1/agents/reports?kind=nightly&limit=1").json().get("reports").get(0);
  }

  private JsonNode schedule() {
    return StreamSupport.stream(api.get("/api/v1/agents/schedules").json().get("schedules").spliterator(), false)
        .filter(s -> s.get("name").asText().equals("nightly")).findFirst().orElseThrow();
  }
}
