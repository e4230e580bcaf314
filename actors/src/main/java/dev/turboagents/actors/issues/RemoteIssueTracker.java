package dev.turboagents.actors.issues;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.turboagents.persistence.AsyncFailure;
import dev.turboagents.persistence.entity.TrackerRejection;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * Another Turbo server's tracker over HTTP ({@code TURBO_API_URL}, e.g. {@code http://host:8001/api/v1}),
 * with the API shapes this daemon serves itself. Writes carry the job/step key as
 * {@code Idempotency-Key} where the API takes one (comments); label, priority, duplicate and triage
 * marks are idempotent by nature (setting a value twice changes nothing). An answer of 404 is a
 * NOT_FOUND rejection, 422 KEY_REUSED, any other 4xx INVALID, 5xx or no answer a failure naming the server.
 */
public final class RemoteIssueTracker implements IssueTracker {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int PAGE = 1000;

  private final String base;
  private final HttpClient client;
  private final Duration timeout;

  /** @param baseUrl the API root, {@code .../api/v1} */
  public RemoteIssueTracker(String baseUrl, Duration timeout) {
    this.base = baseUrl.replaceAll("/+$", "");
    this.timeout = timeout;
    this.client = HttpClient.newBuilder().connectTimeout(timeout).build();
  }

  public CompletionStage<TrackedIssue> issue(String id) {
    return send("GET", "/issues/" + path(id), Optional.empty(), Optional.empty()).thenApply(RemoteIssueTracker::issueOf);
  }

  public CompletionStage<List<TrackedIssue>> issues() {
    return page(0, new ArrayList<>());
  }

  private CompletionStage<List<TrackedIssue>> page(int offset, List<TrackedIssue> so) {
    return send("GET", "/issues?limit=" + PAGE + "&offset=" + offset, Optional.empty(), Optional.empty()).thenCompose(page -> {
      page.forEach(n -> so.add(issueOf(n)));
      return page.size() < PAGE ? CompletableFuture.completedStage(List.copyOf(so)) : page(offset + PAGE, so);
    });
  }

  public CompletionStage<List<TrackedComment>> comments(String id) {
    return send("GET", "/issues/" + path(id) + "/comments", Optional.empty(), Optional.empty()).thenApply(list -> {
      List<TrackedComment> out = new ArrayList<>();
      list.forEach(c -> out.add(commentOf(c)));
      return out;
    });
  }

  public CompletionStage<List<HistoryLine>> history(String id) {
    return send("GET", "/issues/" + path(id) + "/history", Optional.empty(), Optional.empty()).thenApply(list -> {
      List<HistoryLine> out = new ArrayList<>();
      list.forEach(e -> out.add(new HistoryLine(e.path("type").asText(), Instant.parse(e.path("at").asText()),
          e.path("event").toString())));
      return out;
    });
  }

  public CompletionStage<TrackedIssue> update(String id, Optional<List<String>> labels, Optional<String> priority,
      String key) {
    ObjectNode body = JSON.createObjectNode();
    labels.ifPresent(l -> l.forEach(body.putArray("labels")::add));
    priority.ifPresent(p -> body.put("priority", p));
    return send("PATCH", "/issues/" + path(id), Optional.of(body), Optional.empty()).thenApply(RemoteIssueTracker::issueOf);
  }

  public CompletionStage<Optional<TrackedComment>> commentOnce(String id, String text, String author, String key) {
    ObjectNode body = JSON.createObjectNode().put("text", text).put("author", author);
    return send("POST", "/issues/" + path(id) + "/comments", Optional.of(body), Optional.of(key))
        .thenApply(c -> Optional.of(commentOf(c)))
        .exceptionallyCompose(e -> unwrap(e) instanceof TrackerRejection r && r.reason() == TrackerRejection.Reason.KEY_REUSED
            ? CompletableFuture.completedFuture(Optional.empty()) : CompletableFuture.failedFuture(unwrap(e)));
  }

  public CompletionStage<TrackedIssue> markDuplicate(String id, String originalId) {
    return issue(id).thenCompose(i -> i.duplicateOf().equals(Optional.of(originalId)) ? CompletableFuture.completedStage(i)
        : send("PATCH", "/issues/" + path(id), Optional.of(JSON.createObjectNode().put("duplicate_of", originalId)),
            Optional.empty()).thenApply(RemoteIssueTracker::issueOf));
  }

  public CompletionStage<TrackedIssue> markTriaged(String id, String jobId) {
    return send("PATCH", "/issues/" + path(id), Optional.of(JSON.createObjectNode().put("triaged_by", jobId)),
        Optional.empty()).thenApply(RemoteIssueTracker::issueOf);
  }

  public CompletionStage<List<String>> triagedBy(String id) {
    return send("GET", "/issues/" + path(id) + "/history", Optional.empty(), Optional.empty()).thenApply(list -> {
      List<String> jobs = new ArrayList<>();
      list.forEach(e -> {
        if ("triaged".equals(e.path("type").asText())) {
          jobs.add(e.path("event").path("job_id").asText());
        }
      });
      return jobs;
    });
  }

  private CompletionStage<JsonNode> send(String method, String path, Optional<JsonNode> body, Optional<String> key) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout)
        .method(method, body.map(b -> HttpRequest.BodyPublishers.ofString(b.toString()))
            .orElse(HttpRequest.BodyPublishers.noBody()));
    body.ifPresent(b -> request.header("Content-Type", "application/json"));
    key.ifPresent(k -> request.header("Idempotency-Key", k));
    return client.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString())
        .exceptionallyCompose(e -> CompletableFuture.failedFuture(new IOException("the Turbo API at " + base
            + " did not answer " + method + " " + path + ": " + unwrap(e).getMessage(), unwrap(e))))
        .thenApply(r -> answer(method, path, r));
  }

  private JsonNode answer(String method, String path, HttpResponse<String> response) {
    int status = response.statusCode();
    JsonNode json;
    try {
      json = response.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(response.body());
    } catch (IOException e) {
      throw new CompletionException(new IOException("the Turbo API at " + base + " answered " + method + " " + path
          + " with something that is not JSON (status " + status + ")"));
    }
    if (status < 300) {
      return json;
    }
    String detail = json.path("detail").asText(json.path("error").asText(response.body()));
    throw new CompletionException(switch (status) {
      case 404 -> TrackerRejection.notFound("issue", path + " (" + detail + ")");
      case 422 -> TrackerRejection.keyReused(method + " " + path, detail);
      case 409 -> TrackerRejection.invalid("", detail);
      default -> status < 500 ? TrackerRejection.invalid("", "the Turbo API at " + base + " refused " + method + " " + path
          + ": " + detail) : new IOException("the Turbo API at " + base + " failed " + method + " " + path + " (" + status
          + "): " + detail);
    });
  }

  private static TrackedIssue issueOf(JsonNode n) {
    return new TrackedIssue(n.path("id").asText(), n.path("title").asText(), n.path("description").asText(""),
        n.path("status").asText(), n.path("priority").asText(), strings(n.path("labels")), strings(n.path("blocked_by")),
        strings(n.path("blocks")), n.hasNonNull("duplicate_of") ? Optional.of(n.get("duplicate_of").asText()) : Optional.empty(),
        n.path("created_by").asText(""), n.hasNonNull("created_at") ? Instant.parse(n.get("created_at").asText()) : Instant.EPOCH);
  }

  private static TrackedComment commentOf(JsonNode c) {
    return new TrackedComment(c.path("id").asText(), c.path("text").asText(), c.path("author").asText(),
        c.hasNonNull("created_at") ? Instant.parse(c.get("created_at").asText()) : Instant.EPOCH);
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(v -> out.add(v.asText()));
    return List.copyOf(out);
  }

  private static String path(String id) {
    return URLEncoder.encode(id, StandardCharsets.UTF_8);
  }

  private static Throwable unwrap(Throwable e) {
    return AsyncFailure.cause(e);
  }
}
