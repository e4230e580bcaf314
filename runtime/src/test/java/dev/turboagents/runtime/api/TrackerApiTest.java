package dev.turboagents.runtime.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.turboagents.runtime.api.RunningApi.Reply;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Turbo-compatible API over real HTTP on loopback, backed by the real journal. */
class TrackerApiTest {

  @TempDir
  static Path dataDir;

  static RunningApi api;

  @BeforeAll
  static void start() throws Exception {
    api = new RunningApi(dataDir, Map.of("turbo-agents.http.max-body-size", "64KiB"));
  }

  @AfterAll
  static void stop() {
    api.close();
  }

  private static String create(String json) {
    Reply r = api.post("/api/v1/issues", json);
    assertEquals(201, r.status(), r.body());
    return r.json().get("id").asText();
  }

  private static void assertError(Reply r, int status, String detailFragment) {
    assertEquals(status, r.status(), r.body());
    assertTrue(r.json().has("error") && r.json().has("detail"), "error body is {error, detail}: " + r.body());
    assertTrue(r.json().get("detail").asText().contains(detailFragment), "detail should mention '" + detailFragment + "': " + r.body());
  }

  @Test
  void theSeedsCallsWorkAsWritten() {
    String id = create("{\"title\": \"Slow search\", \"description\": \"p95 is 3 s\", \"priority\": \"high\", \"labels\": [\"perf\"]}");
    create("{\"title\": \"Started already\", \"description\": \"\"}");

    Reply open = api.get("/api/v1/issues?status=open");
    assertEquals(200, open.status());
    assertTrue(open.json().isArray());
    JsonNode first = open.json().get(0);
    for (String field : List.of("id", "title", "description", "status", "priority", "labels")) {
      assertTrue(first.has(field), "listing has " + field);
    }

    Reply comment = api.post("/api/v1/issues/" + id + "/comments", "{\"text\": \"Looks like a missing index\"}");
    assertEquals(201, comment.status(), comment.body());
    Reply comments = api.get("/api/v1/issues/" + id + "/comments");
    assertEquals("Looks like a missing index", comments.json().get(0).get("text").asText());
    assertEquals(id, api.get("/api/v1/issues/" + id).json().get("id").asText());
  }

  @Test
  void filtersByStatusLabelAndProject() {
    String project = api.post("/api/v1/projects", "{\"name\": \"Filters\"}").json().get("id").asText();
    String a = create("{\"title\": \"a\", \"labels\": [\"ui\"], \"project_id\": \"" + project + "\"}");
    String b = create("{\"title\": \"b\", \"labels\": [\"ui\", \"bug\"], \"project_id\": \"" + project + "\"}");
    assertEquals(200, api.patch("/api/v1/issues/" + b, "{\"status\": \"in_progress\"}").status());

    assertEquals(List.of(b), ids(api.get("/api/v1/issues?status=in_progress&project_id=" + project)));
    assertEquals(List.of(a, b), ids(api.get("/api/v1/issues?label=ui&project_id=" + project)));
    assertEquals(List.of(a), ids(api.get("/api/v1/projects/" + project + "/issues?status=open")));
    Reply page = api.get("/api/v1/issues?project_id=" + project + "&limit=1&offset=1");
    assertEquals(List.of(b), ids(page));
    assertEquals("2", page.raw().headers().firstValue("X-Total-Count").orElse(""));
    assertError(api.get("/api/v1/issues?status=finished"), 400, "status");
  }

  @Test
  void dependenciesDuplicatesAndHistory() {
    String a = create("{\"title\": \"Ship search\"}");
    String b = create("{\"title\": \"Build the index\"}");
    Reply added = api.post("/api/v1/issues/" + a + "/dependencies", "{\"blocked_by\": \"" + b + "\"}");
    assertEquals(201, added.status(), added.body());
    assertEquals(List.of(a), strings(api.get("/api/v1/issues/" + b + "/dependencies").json().get("blocks")));
    assertError(api.post("/api/v1/issues/" + a + "/dependencies", "{\"blocks\": \"" + b + "\"}"), 400, "cycle");
    assertError(api.patch("/api/v1/issues/" + a, "{\"status\": \"done\"}"), 400, b);
    assertEquals(200, api.send(HttpRequest.newBuilder(URI.create(api.base() + "/api/v1/issues/" + b + "/dependencies/" + a)).DELETE()).status());
    assertTrue(api.get("/api/v1/issues/" + a).json().get("blocked_by").isEmpty());

    String dup = create("{\"title\": \"Search ships\"}");
    Reply marked = api.patch("/api/v1/issues/" + dup, "{\"duplicate_of\": \"" + a + "\"}");
    assertEquals("closed", marked.json().get("status").asText());
    assertEquals(a, marked.json().get("duplicate_of").asText());

    List<String> types = new ArrayList<>();
    api.get("/api/v1/issues/" + a + "/history").json().forEach(e -> types.add(e.get("type").asText()));
    assertEquals(List.of("issue_created", "blocker_added", "blocker_removed"), types);
  }

  @Test
  void everyErrorIsJsonWithTheRightStatus() {
    String id = create("{\"title\": \"Errors\"}");
    assertError(api.post("/api/v1/issues", "{\"title\": "), 400, "not valid JSON");
    assertError(api.post("/api/v1/issues", "[1, 2]"), 400, "JSON object");
    assertError(api.post("/api/v1/issues", "{\"description\": \"no title\"}"), 400, "'title' is required");
    assertError(api.post("/api/v1/issues", "{\"title\": 42}"), 400, "'title' must be a string");
    // the value is named as it was sent, and a body cut short is malformed, even where binding stopped first
    assertError(api.post("/api/v1/issues", "{\"title\": 42}"), 400, "'title' must be a string, was a whole number");
    assertError(api.post("/api/v1/issues", "{\"title\": [\"x\"]}"), 400, "'title' must be a string, was an array");
    assertError(api.post("/api/v1/issues", "{\"title\": 42"), 400, "not valid JSON");
    assertError(api.post("/api/v1/issues", "{\"title\": \"x\", \"priority\": \"asap\"}"), 400, "priority");
    assertError(api.post("/api/v1/issues", "{\"title\": \"x\", \"titel\": \"y\"}"), 400, "unknown field 'titel'");
    assertError(api.post("/api/v1/issues", "{\"title\": \"x\", \"project_id\": \"" + id + "\"}"), 400, "project_id");
    assertError(api.get("/api/v1/issues/00000000-0000-0000-0000-000000000000"), 404, "no issue with id");
    assertError(api.post("/api/v1/issues/nope/comments", "{\"text\": \"hi\"}"), 404, "no issue with id nope");
    assertError(api.get("/api/v1/projects/nope"), 404, "no project");
    assertError(api.get("/api/v1/nowhere"), 404, "no endpoint");

    assertError(api.patch("/api/v1/issues/" + id, "{\"title\": \"v\", \"version\": 5}"), 409, "version 1");
    assertError(api.patch("/api/v1/issues/" + id, "{\"title\": \"v\"}", "If-Match", "\"7\""), 409, "expected version 7");
    Reply fresh = api.patch("/api/v1/issues/" + id, "{\"title\": \"renamed\"}", "If-Match", "1");
    assertEquals(200, fresh.status(), fresh.body());
    assertEquals(2, fresh.json().get("version").asLong());

    assertError(api.post("/api/v1/issues", "{\"title\": \"" + "x".repeat(70_000) + "\"}"), 413, "limit");
    assertError(api.send(HttpRequest.newBuilder(URI.create(api.base() + "/api/v1/issues")).header("Content-Type", "text/plain")
        .POST(HttpRequest.BodyPublishers.ofString("title=x"))), 415, "application/json");
    assertError(api.send(HttpRequest.newBuilder(URI.create(api.base() + "/api/v1/issues")).DELETE()), 405, "GET");
    assertError(api.patch("/api/v1/issues/" + id, "{\"status\": \"review\"}"), 400, "cannot move to review");
  }

  @Test
  void projectsWorkLikeIssues() {
    Reply created = api.post("/api/v1/projects", "{\"name\": \"Turbo\", \"description\": \"the platform\"}");
    assertEquals(201, created.status(), created.body());
    String id = created.json().get("id").asText();
    assertTrue(ids(api.get("/api/v1/projects")).contains(id));
    assertEquals("archived", api.patch("/api/v1/projects/" + id, "{\"status\": \"archived\", \"version\": 1}").json().get("status").asText());
    assertError(api.post("/api/v1/issues", "{\"title\": \"late\", \"project_id\": \"" + id + "\"}"), 400, "archived");
    assertEquals(2, api.get("/api/v1/projects/" + id + "/history").json().size());
  }

  @Test
  void healthReportsTheTracker() {
    Reply health = api.get("/health");
    assertEquals(200, health.status());
    assertEquals("up", health.json().get("status").asText());
    assertEquals("up", health.json().get("components").get("tracker").get("status").asText());
  }

  private static List<String> ids(Reply r) {
    List<String> out = new ArrayList<>();
    r.json().forEach(n -> out.add(n.get("id").asText()));
    return out;
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }
}
