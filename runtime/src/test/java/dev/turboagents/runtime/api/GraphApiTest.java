package dev.turboagents.runtime.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.turboagents.runtime.api.RunningApi.Reply;
import dev.turboagents.persistence.Eventually;
import dev.turboagents.persistence.graph.EmbeddedNeo4j;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The graph API over real HTTP on loopback: the daemon's supervision tree with the real tracker and
 * journal, talking to a Neo4j server it does not own (NEO4J_URI set), so the test can take that
 * server away and bring it back.
 */
class GraphApiTest {
  @TempDir static Path dir;
  static EmbeddedNeo4j neo4j;
  static int port;
  static RunningApi api;

  @BeforeAll
  static void start() throws Exception {
    neo4j = EmbeddedNeo4j.start(dir.resolve("neo4j"), 0, 64L * 1024 * 1024);
    port = neo4j.boltPort();
    api = new RunningApi(dir.resolve("data"), Map.of(
        "turbo-agents.neo4j.uri", neo4j.boltUri().toString(),
        "turbo-agents.graph.projection-min-backoff", "200ms",
        "turbo-agents.graph.projection-max-backoff", "1s",
        "turbo-agents.graph.projection-batch-window", "50ms"));
  }

  @AfterAll
  static void stop() {
    if (api != null) {
      api.close();
    }
    if (neo4j != null) {
      neo4j.close();
    }
  }

  @Test
  void searchRelatedContextRebuildAndNeo4jOutage() throws Exception {
    String project = created(api.post("/api/v1/projects", "{\"name\": \"Kite\", \"description\": \"team workspace\"}"));
    String upload = created(api.post("/api/v1/issues", "{\"title\": \"Uploads over 2 GB fail with 413\", "
        + "\"description\": \"The multipart parser has a hard-coded 2 GiB limit\", \"project_id\": \"" + project + "\"}"));
    String heic = created(api.post("/api/v1/issues", "{\"title\": \"No thumbnails for HEIC photos\", "
        + "\"description\": \"iPhone pictures show a grey placeholder\", \"project_id\": \"" + project + "\"}"));
    assertEquals(201, api.post("/api/v1/issues/" + upload + "/comments", "{\"text\": \"Unlike #" + heic + " this is a server limit\"}").status());
    JsonNode graph = awaitGraph(g -> g.get("figures").get("lag_events").asLong() == 0
        && g.get("figures").get("projected_events").asLong() >= 4);
    assertEquals("up", graph.get("status").asText(), graph.toString());

    // the seed's call, as written
    Reply search = api.post("/api/v1/graph/search", "{\"query\": \"cannot upload a 3 GB video, payload too large\", \"limit\": 3, \"min_relevance\": 0.2}");
    assertEquals(200, search.status(), search.body());
    JsonNode first = search.json().get("results").get(0);
    assertEquals("issue", first.get("entity_type").asText());
    assertEquals(upload, first.get("entity_id").asText());
    assertEquals("Uploads over 2 GB fail with 413", first.get("title").asText());
    assertTrue(first.get("relevance").asDouble() >= 0.2 && first.get("relevance").asDouble() <= 1, search.body());
    assertTrue(first.get("snippet").asText().contains("2 GiB"), search.body());

    Reply projects = api.post("/api/v1/graph/search", "{\"query\": \"team workspace\", \"types\": [\"project\"], \"min_relevance\": 0}");
    assertEquals(200, projects.status(), projects.body());
    for (JsonNode hit : projects.json().get("results")) {
      assertEquals("project", hit.get("entity_type").asText(), projects.body());
    }

    Reply related = api.get("/api/v1/graph/entities/issue/" + upload + "/related?depth=2&limit=10");
    assertEquals(200, related.status(), related.body());
    assertTrue(related.body().contains("\"via\":\"IN_PROJECT>\"") && related.body().contains("\"entity_id\":\"" + project + "\""), related.body());
    assertTrue(related.body().contains("\"entity_id\":\"" + heic + "\""), "reached through the comment's mention: " + related.body());

    Reply context = api.post("/api/v1/graph/context", "{\"task\": \"Fix large file uploads\", \"token_budget\": 300}");
    assertEquals(200, context.status(), context.body());
    assertTrue(context.json().get("context").asText().contains("[issue:" + upload + "]"), context.body());
    assertTrue(context.json().get("estimated_tokens").asInt() <= 300);

    // bad input: JSON errors that name the field
    assertError(api.post("/api/v1/graph/search", "{\"query\": "), 400, "not valid JSON");
    assertError(api.post("/api/v1/graph/search", "{\"limit\": 3}"), 400, "'query'");
    assertError(api.post("/api/v1/graph/search", "{\"query\": \"  \"}"), 400, "'query'");
    assertError(api.post("/api/v1/graph/search", "{\"query\": \"x\", \"limit\": 0}"), 400, "'limit'");
    assertError(api.post("/api/v1/graph/search", "{\"query\": \"x\", \"min_relevance\": 1.5}"), 400, "'min_relevance'");
    assertError(api.post("/api/v1/graph/search", "{\"query\": \"x\", \"min_relevance\": \"high\"}"), 400, "'min_relevance'");
    assertError(api.post("/api/v1/graph/search", "{\"query\": \"x\", \"types\": [\"ticket\"]}"), 400, "'types'");
    assertError(api.post("/api/v1/graph/search", "{\"query\": \"x\", \"mode\": \"magic\"}"), 400, "'mode'");
    assertError(api.post("/api/v1/graph/search", "{\"query\": \"x\", \"colour\": \"red\"}"), 400, "'colour'");
    assertError(api.get("/api/v1/graph/entities/ticket/1/related"), 400, "entity type");
    assertError(api.get("/api/v1/graph/entities/issue/" + upload + "/related?depth=9"), 400, "'depth'");
    assertError(api.get("/api/v1/graph/entities/issue/no-such-issue/related"), 404, "no-such-issue");
    assertError(api.post("/api/v1/graph/context", "{\"task\": \"x\", \"token_budget\": 0}"), 400, "'token_budget'");

    // a rebuild from the journal is one call and ends in the same answers
    Reply rebuild = api.post("/api/v1/graph/rebuild", "{}");
    assertEquals(202, rebuild.status(), rebuild.body());
    awaitGraph(g -> g.get("figures").get("lag_events").asLong() == 0 && g.get("figures").get("projected_events").asLong() >= 4
        && g.get("figures").get("projection").asText().equals("running"));
    Reply again = api.post("/api/v1/graph/search", "{\"query\": \"cannot upload a 3 GB video, payload too large\", \"limit\": 3, \"min_relevance\": 0.2}");
    assertEquals(search.body(), again.body());

    // Neo4j away: searches get a clear 503, the tracker keeps working, health says degraded with the lag
    neo4j.close();
    neo4j = null;
    Reply down = api.post("/api/v1/graph/search", "{\"query\": \"uploads\"}");
    assertError(down, 503, "Neo4j");
    assertEquals("knowledge graph unavailable", down.json().get("error").asText());
    String whileDown = created(api.post("/api/v1/issues", "{\"title\": \"Calendar invites shift by one hour after DST\", "
        + "\"project_id\": \"" + project + "\"}"));
    JsonNode degraded = awaitGraph(g -> g.get("status").asText().equals("degraded") && g.get("figures").get("lag_events").asLong() == 1);
    assertTrue(degraded.get("detail").asText().contains("cannot be reached"), degraded.toString());
    Reply health = api.get("/health");
    assertEquals(200, health.status(), "a graph outage degrades the daemon, it does not take it down: " + health.body());

    // back on the same port: the projection catches up by itself
    neo4j = EmbeddedNeo4j.start(dir.resolve("neo4j"), port, 64L * 1024 * 1024);
    awaitGraph(g -> g.get("status").asText().equals("up") && g.get("figures").get("lag_events").asLong() == 0);
    Reply found = api.post("/api/v1/graph/search", "{\"query\": \"daylight saving time moves meetings\", \"limit\": 1}");
    assertEquals(200, found.status(), found.body());
    assertEquals(whileDown, found.json().get("results").get(0).get("entity_id").asText(), found.body());
  }

  private static JsonNode awaitGraph(Predicate<JsonNode> wanted) {
    return Eventually.value(Duration.ofSeconds(90), () -> {
      JsonNode graph = api.get("/health").json().get("components").get("graph");
      if (graph == null || !wanted.test(graph)) {
        throw new AssertionError("graph health is not in the expected state yet: " + graph);
      }
      return graph;
    });
  }

  private static String created(Reply r) {
    assertEquals(201, r.status(), r.body());
    return r.json().get("id").asText();
  }

  private static void assertError(Reply r, int status, String detailFragment) {
    assertEquals(status, r.status(), r.body());
    assertTrue(r.json().has("error") && r.json().has("detail"), r.body());
    assertTrue(r.json().get("detail").asText().contains(detailFragment), "detail should mention '" + detailFragment + "': " + r.body());
  }
}
