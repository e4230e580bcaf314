package dev.turboagents.runtime.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turboagents.runtime.api.RunningApi.Reply;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Idempotency-Key header on the tracker's POSTs, over real HTTP on loopback, with a daemon
 * restart on the same data directory (real LevelDB) between the first request and its repeat.
 */
class TrackerIdempotencyApiTest {

  @TempDir
  Path dataDir;

  private RunningApi api;

  @AfterEach
  void stop() {
    if (api != null) {
      api.close();
    }
  }

  private Reply post(String path, String json, String key) {
    return api.send(HttpRequest.newBuilder(URI.create(api.base() + path)).header("Content-Type", "application/json")
        .header("Idempotency-Key", key).POST(HttpRequest.BodyPublishers.ofString(json)));
  }

  private RunningApi restart() throws Exception {
    api.close();
    api = null;
    return api = new RunningApi(dataDir, Map.of());
  }

  @Test
  void aRepeatGetsTheFirstResponseAndWritesNothingAlsoAfterARestart() throws Exception {
    api = new RunningApi(dataDir, Map.of());
    String body = "{\"title\": \"Retry me\", \"description\": \"a flaky network\", \"labels\": [\"net\"]}";
    Reply created = post("/api/v1/issues", body, "client-1/create");
    assertEquals(201, created.status(), created.body());
    String id = created.json().get("id").asText();
    Reply again = post("/api/v1/issues", body, "client-1/create");
    assertEquals(201, again.status(), again.body());
    assertEquals(created.body(), again.body());
    assertEquals(created.raw().headers().firstValue("Location"), again.raw().headers().firstValue("Location"));

    Reply comment = post("/api/v1/issues/" + id + "/comments", "{\"text\": \"on it\", \"author\": \"code-agent\"}", "job-1/step-3");
    assertEquals(201, comment.status(), comment.body());
    Reply project = post("/api/v1/projects", "{\"name\": \"Retries\"}", "client-1/project");
    assertEquals(201, project.status(), project.body());
    // the issue changes after it was created: the repeat still answers the first response
    assertEquals(200, api.patch("/api/v1/issues/" + id, "{\"status\": \"in_progress\"}").status());

    restart();
    Reply createdAfter = post("/api/v1/issues", body, "client-1/create");
    assertEquals(201, createdAfter.status());
    assertEquals(created.body(), createdAfter.body());
    Reply commentAfter = post("/api/v1/issues/" + id + "/comments", "{\"text\": \"on it\", \"author\": \"code-agent\"}", "job-1/step-3");
    assertEquals(201, commentAfter.status());
    assertEquals(comment.body(), commentAfter.body());
    Reply projectAfter = post("/api/v1/projects", "{\"name\": \"Retries\"}", "client-1/project");
    assertEquals(201, projectAfter.status());
    assertEquals(project.body(), projectAfter.body());

    assertEquals(1, api.get("/api/v1/issues").json().size(), "one issue");
    assertEquals(1, api.get("/api/v1/issues/" + id + "/comments").json().size(), "one comment");
    assertEquals(1, api.get("/api/v1/projects").json().size(), "one project");
    assertEquals("in_progress", api.get("/api/v1/issues/" + id).json().get("status").asText());
  }

  @Test
  void theSameKeyWithAnotherBodyIs422AndNamesTheKey() throws Exception {
    api = new RunningApi(dataDir, Map.of());
    Reply created = post("/api/v1/issues", "{\"title\": \"First\"}", "k-1");
    assertEquals(201, created.status(), created.body());
    String id = created.json().get("id").asText();
    assertReused(post("/api/v1/issues", "{\"title\": \"Second\"}", "k-1"), "k-1");

    assertEquals(201, post("/api/v1/issues/" + id + "/comments", "{\"text\": \"one\"}", "c-1").status());
    assertReused(post("/api/v1/issues/" + id + "/comments", "{\"text\": \"two\"}", "c-1"), "c-1");
    String other = api.post("/api/v1/issues", "{\"title\": \"Other\"}").json().get("id").asText();
    Reply dep = post("/api/v1/issues/" + id + "/dependencies", "{\"blocked_by\": \"" + other + "\"}", "d-1");
    assertEquals(201, dep.status(), dep.body());
    Reply depAgain = post("/api/v1/issues/" + id + "/dependencies", "{\"blocked_by\": \"" + other + "\"}", "d-1");
    assertEquals(201, depAgain.status(), depAgain.body());
    assertEquals(dep.body(), depAgain.body());
    assertReused(post("/api/v1/issues/" + id + "/dependencies", "{\"blocks\": \"" + other + "\"}", "d-1"), "d-1");
    assertEquals(201, post("/api/v1/projects", "{\"name\": \"P\"}", "p-1").status());
    assertReused(post("/api/v1/projects", "{\"name\": \"Q\"}", "p-1"), "p-1");

    assertEquals(2, api.get("/api/v1/issues").json().size(), "the first and the other");
    assertEquals(List.of(other), List.of(api.get("/api/v1/issues/" + id).json().get("blocked_by").get(0).asText()));
    assertEquals(1, api.get("/api/v1/issues/" + id).json().get("blocked_by").size());
    assertEquals("one", api.get("/api/v1/issues/" + id + "/comments").json().get(0).get("text").asText());
    assertEquals(1, api.get("/api/v1/projects").json().size());

    Reply blank = post("/api/v1/issues", "{\"title\": \"x\"}", " ");
    assertEquals(400, blank.status(), blank.body());
    assertTrue(blank.json().get("detail").asText().contains("idempotency key"), blank.body());
    // without the header nothing changes: two posts, two issues
    assertEquals(201, api.post("/api/v1/issues", "{\"title\": \"Twice\"}").status());
    assertEquals(201, api.post("/api/v1/issues", "{\"title\": \"Twice\"}").status());
    assertEquals(4, api.get("/api/v1/issues").json().size());
  }

  private static void assertReused(Reply r, String key) {
    assertEquals(422, r.status(), r.body());
    assertEquals("idempotency key reused", r.json().get("error").asText(), r.body());
    String detail = r.json().get("detail").asText();
    assertTrue(detail.contains("'" + key + "'") && detail.contains("different request"), r.body());
  }
}
