package dev.turboagents.runtime.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.turboagents.http.ApiJson;
import dev.turboagents.http.openapi.OpenApiDocument;
import dev.turboagents.http.openapi.OpenApiPart;
import dev.turboagents.runtime.api.RunningApi.Reply;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OpenAPI document is the contract: the daemon serves the parts in the repository, every path
 * and method it documents is served, and whatever a client sends — no body, a broken one, the
 * wrong shape, unknown ids, odd query parameters — gets a status the document lists for that
 * endpoint, and never a 5xx other than 503 ("a dependency is not there").
 */
class ApiContractTest {
  private static final List<String> METHODS = List.of("get", "post", "patch", "delete");
  private static final List<String> BODIES = List.of("", "{}", "{", "[1, 2]", "{\"unknown_field\": 1}", "{\"query\": \"\\u0002 \"}",
      "{\"title\": 42, \"name\": [], \"text\": {}, \"model\": \"no-such-model\", \"messages\": 3, \"input\": 7}",
      "{\"model\": \"no-such-model\", \"prompt\": \"hi\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"input\": \"hi\","
          + " \"stream\": false}");
  private static final List<String> QUERIES = List.of("", "?limit=-1", "?offset=99999999999", "?status=nonsense&depth=0");

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

  private static JsonNode document() {
    return OpenApiDocument.merge(List.of(OpenApiPart.load("tracker"), OpenApiPart.load("inference"), OpenApiPart.load("graph"),
        OpenApiPart.load("openai"), OpenApiPart.load("metrics"),
        OpenApiPart.load("agents"), OpenApiPart.load("workflows"), OpenApiPart.load("autonomy")));
  }

  @Test
  void theDaemonServesTheDocumentInTheRepository() throws Exception {
    assertEquals(document(), ApiJson.MAPPER.readTree(api.get("/api/v1/openapi.json").body()));
  }

  @Test
  void everyDocumentedEndpointIsServed() {
    String id = api.post("/api/v1/issues", "{\"title\": \"documented\"}").json().get("id").asText();
    for (var entry : document().get("paths").properties()) {
      String path = fill(entry.getKey(), id);
      for (String method : METHODS) {
        if (entry.getValue().has(method)) {
          Reply r = send(method, path, "{}");
          assertNotEquals(405, r.status(), method + " " + path + ": " + r.body());
          assertFalse(r.body().contains("no endpoint"), method + " " + path + ": " + r.body());
        }
      }
    }
  }

  @Test
  void whateverAClientSendsTheAnswerIsADocumentedStatusAndNeverA500() {
    Map<String, String> real = Map.of(
        "issues", api.post("/api/v1/issues", "{\"title\": \"target of odd requests\"}").json().get("id").asText(),
        "projects", api.post("/api/v1/projects", "{\"name\": \"target of odd requests\"}").json().get("id").asText());
    List<String> problems = new ArrayList<>();
    java.util.Set<String> sent = new java.util.HashSet<>();
    Map<Integer, Integer> statuses = new java.util.TreeMap<>();
    for (var entry : document().get("paths").properties()) {
      String template = entry.getKey();
      String own = real.getOrDefault(template.contains("/projects") ? "projects" : "issues", "");
      for (String method : METHODS) {
        JsonNode operation = entry.getValue().get(method);
        if (operation == null) {
          continue;
        }
        for (String target : List.of(own, "00000000-0000-0000-0000-000000000000", "nope")) {
          boolean reads = method.equals("get") || method.equals("delete");
          for (String query : reads ? QUERIES : List.of("")) {
            for (String body : reads ? List.of("") : BODIES) {
              String path = fill(template, target) + query;
              if (!sent.add(method + " " + path + " " + body)) {
                continue;
              }
              Reply r = send(method, path, body, "application/json");
              statuses.merge(r.status(), 1, Integer::sum);
              String what = method.toUpperCase(Locale.ROOT) + " " + path + " " + body + " -> " + r.status() + " " + r.body();
              if (!operation.get("responses").has(Integer.toString(r.status()))) {
                problems.add("undocumented status: " + what);
              } else if (r.status() >= 500 && r.status() != 503) {
                problems.add("a 5xx that is not 'unavailable': " + what);
              }
            }
          }
        }
      }
    }
    // the same, with a body that is not JSON or too large
    for (var entry : document().get("paths").properties()) {
      for (String method : List.of("post", "patch")) {
        JsonNode operation = entry.getValue().get(method);
        if (operation == null) {
          continue;
        }
        String path = fill(entry.getKey(), real.getOrDefault(entry.getKey().contains("/projects") ? "projects" : "issues", ""));
        for (Reply r : List.of(send(method, path, "title=x", "text/plain"), send(method, path,
            "{\"title\": \"" + "x".repeat(70_000) + "\"}", "application/json"))) {
          statuses.merge(r.status(), 1, Integer::sum);
          if (!operation.get("responses").has(Integer.toString(r.status()))) {
            problems.add("undocumented status: " + method.toUpperCase(Locale.ROOT) + " " + path + " (odd body) -> " + r.status() + " " + r.body());
          }
        }
      }
    }
    assertTrue(problems.isEmpty(), problems.size() + " answers break the contract:\n" + String.join("\n", problems));
    assertTrue(statuses.getOrDefault(400, 0) > 50 && statuses.getOrDefault(404, 0) > 20, "the sweep reached the checks: " + statuses);
  }

  private static String fill(String template, String id) {
    // any other parameter (a schedule's {name}) gets the id too: a name nobody has, so its 404 is swept as well
    return template.replace("{id}", id).replace("{other}", id).replace("{type}", "issue").replaceAll("\\{[a-z_]+}", id);
  }

  private static Reply send(String method, String path, String body) {
    return send(method, path, body, "application/json");
  }

  private static Reply send(String method, String path, String body, String contentType) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(api.base() + path)).header("Content-Type", contentType)
        .method(method.toUpperCase(Locale.ROOT), body.isEmpty() ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    return api.send(request);
  }
}
