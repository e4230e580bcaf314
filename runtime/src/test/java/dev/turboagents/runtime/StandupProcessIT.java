package dev.turboagents.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged daemon SIGKILLed in the middle of a standup run (some in-progress issues have their
 * comment, others not yet), then restarted on the same data directory: the interrupted run is run
 * again and finishes, every in-progress issue has exactly one standup comment for the day, and a
 * further run by hand adds none.
 */
class StandupProcessIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Enough issues that the run lasts long enough to be killed in its middle. */
  private static final int ISSUES = 60;
  private static final Pattern OUTCOME = Pattern.compile(
      "standup (\\d{4}-\\d{2}-\\d{2}): commented on (\\d+) in-progress issue\\(s\\)(?:, (\\d+) already had today's comment)?");
  private final HttpClient http = HttpClient.newHttpClient();

  @TempDir
  Path dataDir;

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private JsonNode post(String url, String body, int expected) throws Exception {
    return expect(send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body))), expected);
  }

  private JsonNode patch(String url, String body, int expected) throws Exception {
    return expect(send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
        .method("PATCH", HttpRequest.BodyPublishers.ofString(body))), expected);
  }

  private JsonNode get(String url) throws Exception {
    return expect(send(HttpRequest.newBuilder(URI.create(url)).GET()), 200);
  }

  private static JsonNode expect(HttpResponse<String> r, int expected) throws Exception {
    assertEquals(expected, r.statusCode(), r.body());
    return JSON.readTree(r.body());
  }

  @Test
  void aStandupKilledInItsMiddleCommentsExactlyOncePerInProgressIssueAfterTheRestart() throws Exception {
    List<String> issues = new ArrayList<>();
    try (DaemonProcess daemon = DaemonProcess.start(dataDir)) {
      String api = daemon.url + "/api/v1";
      for (int i = 0; i < ISSUES; i++) {
        String id = post(api + "/issues", "{\"title\": \"Issue number " + i + "\"}", 201).get("id").asText();
        patch(api + "/issues/" + id, "{\"status\": \"in_progress\"}", 200);
        post(api + "/issues/" + id + "/comments", "{\"text\": \"worked on part " + i + "\", \"author\": \"ana\"}", 201);
        issues.add(id);
      }
      runNow(api);
      // the standup goes through the issues in creation order: the first has its comment, the last not yet
      String first = issues.getFirst();
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (standupComments(api, first).isEmpty() && System.nanoTime() < until) {
        Thread.sleep(2);
      }
      assertEquals(1, standupComments(api, first).size(), "the standup began commenting");
      boolean lastHasNone = standupComments(api, issues.getLast()).isEmpty();
      daemon.kill();
      assertEquals(137, daemon.process.exitValue(), "killed by SIGKILL");
      assertTrue(lastHasNone, "the run was too fast to kill in its middle: " + ISSUES + " issues were all commented on");
    }
    try (DaemonProcess again = DaemonProcess.start(dataDir)) {
      String api = again.url + "/api/v1";
      // the interrupted run is run again by itself at the first tick after recovery
      JsonNode recovered = awaitFinished(api, 1);
      assertTrue(recovered.get("last_ok").asBoolean(), recovered.toString());
      Matcher m = outcome(recovered);
      String date = m.group(1);
      assertExactlyOneStandupCommentEach(api, issues, date);
      int commented = Integer.parseInt(m.group(2));
      int already = m.group(3) == null ? 0 : Integer.parseInt(m.group(3));
      assertTrue(already >= 1 && commented >= 1,
          "the kill fell in the middle of the run (some issues had their comment, some not): " + recovered);
      assertEquals(ISSUES, commented + already, recovered.toString());

      runNow(api);
      JsonNode third = awaitFinished(api, 2);
      assertTrue(third.get("last_ok").asBoolean(), third.toString());
      Matcher again3 = outcome(third);
      assertEquals(date, again3.group(1), third.toString());
      assertEquals("0", again3.group(2), "a further run comments on nothing: " + third);
      assertEquals(String.valueOf(ISSUES), again3.group(3), third.toString());
      assertExactlyOneStandupCommentEach(api, issues, date);
    }
  }

  /** POST .../schedules/standup/run, retried while the daemon is still starting its autonomy (503). */
  private void runNow(String api) throws Exception {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (true) {
      HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(api + "/agents/schedules/standup/run"))
          .POST(HttpRequest.BodyPublishers.noBody()));
      if (r.statusCode() == 202) {
        return;
      }
      assertEquals(503, r.statusCode(), r.body());
      assertTrue(System.nanoTime() < until, "the autonomy did not start: " + r.body());
      Thread.sleep(200);
    }
  }

  /** The standup's view once it is not running and has kept {@code reports} reports (a killed run keeps none). */
  private JsonNode awaitFinished(String api, int reports) throws Exception {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (true) {
      HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(api + "/agents/schedules")).GET());
      if (r.statusCode() == 200) {
        JsonNode standup = StreamSupport.stream(JSON.readTree(r.body()).get("schedules").spliterator(), false)
            .filter(s -> s.get("name").asText().equals("standup")).findFirst().orElseThrow();
        if (!standup.get("running").asBoolean() && !standup.get("last_finished").isNull()) {
          JsonNode kept = get(api + "/agents/reports?kind=standup").get("reports");
          if (kept.size() == reports) {
            assertEquals(standup.get("last_outcome").asText(), kept.get(0).get("outcome").asText(), kept.toString());
            return standup;
          }
        }
      }
      assertTrue(System.nanoTime() < until, "the standup did not finish: " + r.body());
      Thread.sleep(200);
    }
  }

  private static Matcher outcome(JsonNode standup) {
    Matcher m = OUTCOME.matcher(standup.get("last_outcome").asText());
    assertTrue(m.find(), standup.toString());
    return m;
  }

  private void assertExactlyOneStandupCommentEach(String api, List<String> issues, String date) throws Exception {
    for (String issue : issues) {
      List<JsonNode> comments = standupComments(api, issue);
      assertEquals(1, comments.size(), "one standup comment on " + issue + ": " + comments);
      assertTrue(comments.getFirst().get("text").asText().startsWith("Standup " + date), comments.toString());
    }
  }

  private List<JsonNode> standupComments(String api, String issue) throws Exception {
    return StreamSupport.stream(get(api + "/issues/" + issue + "/comments").spliterator(), false)
        .filter(c -> c.get("author").asText().equals("standup")).toList();
  }
}
