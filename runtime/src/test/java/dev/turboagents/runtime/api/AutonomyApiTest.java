package dev.turboagents.runtime.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.turboagents.persistence.Eventually;
import dev.turboagents.runtime.api.RunningApi.Reply;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The autonomy as a new user meets it: a fresh data directory, the schedules listed right after
 * start, the standup run now comments once on the in-progress issue, and a second run, also after a
 * restart of the daemon on the same journal, writes no second comment that day; a pause survives the
 * restart and refuses a manual run until resumed.
 */
class AutonomyApiTest {

  @TempDir
  Path dataDir;

  @Test
  void listsTheSchedulesRunsTheStandupNowAndCommentsOncePerIssueADayAcrossARestart() throws Exception {
    String issue;
    try (RunningApi api = new RunningApi(dataDir, Map.of(), false)) {
      Reply listed = Eventually.value(Duration.ofSeconds(60), () -> {
        Reply r = api.get("/api/v1/agents/schedules");
        if (r.status() != 200) {
          throw new AssertionError(r.status() + " " + r.body());
        }
        return r;
      });
      JsonNode standup = schedule(listed, "standup");
      assertEquals("30 8 * * 1-5", standup.get("cron").asText(), listed.body());
      assertTrue(standup.get("next_run").isTextual(), listed.body());
      assertTrue(standup.get("last_run").isNull(), "a fresh daemon has not run it: " + listed.body());
      schedule(listed, "nightly");

      Reply unknown = api.post("/api/v1/agents/schedules/weekly/run", "{}");
      assertEquals(404, unknown.status(), unknown.body());
      assertTrue(unknown.body().contains("standup") && unknown.body().contains("nightly"), unknown.body());

      issue = api.post("/api/v1/issues", "{\"title\": \"Search is slow\"}").json().get("id").asText();
      assertEquals(200, api.patch("/api/v1/issues/" + issue, "{\"status\": \"in_progress\"}").status());
      api.post("/api/v1/issues/" + issue + "/comments", "{\"text\": \"p95 is 3 s\", \"author\": \"ana\"}");

      Reply run = api.post("/api/v1/agents/schedules/standup/run", "");
      assertEquals(202, run.status(), run.body());
      JsonNode done = finished(api, "standup");
      assertTrue(done.get("last_ok").asBoolean(), done.toString());
      assertTrue(done.get("last_outcome").asText().contains("commented on 1"), done.toString());
      assertEquals(1, standupComments(api, issue));

      assertFalse(api.get("/api/v1/agents/autonomy").json().get("paused").asBoolean());
      Reply paused = api.post("/api/v1/agents/autonomy/pause", "");
      assertEquals(200, paused.status(), paused.body());
      assertTrue(paused.json().get("paused").asBoolean(), paused.body());
    }
    try (RunningApi api = new RunningApi(dataDir, Map.of())) {
      JsonNode before = schedule(api.get("/api/v1/agents/schedules"), "standup");
      assertTrue(before.get("last_run").isTextual(), "the last run survives the restart: " + before);
      Reply state = api.get("/api/v1/agents/autonomy");
      assertTrue(state.json().get("paused").asBoolean(), "the pause survives the restart: " + state.body());
      Reply refused = api.post("/api/v1/agents/schedules/standup/run", "");
      assertEquals(409, refused.status(), refused.body());
      assertTrue(refused.body().contains("paused"), refused.body());
      assertEquals(200, api.post("/api/v1/agents/autonomy/resume", "").status());
      Eventually.assertThat(Duration.ofSeconds(30), () -> {
        Reply run = api.post("/api/v1/agents/schedules/standup/run", "");
        assertEquals(202, run.status(), run.body());
      });
      JsonNode done = Eventually.value(Duration.ofSeconds(30), () -> {
        JsonNode s = schedule(api.get("/api/v1/agents/schedules"), "standup");
        if (s.get("running").asBoolean() || s.get("last_run").asText().equals(before.get("last_run").asText())) {
          throw new AssertionError("not finished yet: " + s);
        }
        return s;
      });
      assertTrue(done.get("last_outcome").asText().contains("1 already had today's comment"), done.toString());
      assertEquals(1, standupComments(api, issue), "one standup comment per issue per day");
    }
  }

  private static JsonNode finished(RunningApi api, String name) {
    return Eventually.value(Duration.ofSeconds(30), () -> {
      JsonNode s = schedule(api.get("/api/v1/agents/schedules"), name);
      if (s.get("running").asBoolean() || s.get("last_finished").isNull()) {
        throw new AssertionError("not finished yet: " + s);
      }
      return s;
    });
  }

  private static JsonNode schedule(Reply listed, String name) {
    return StreamSupport.stream(listed.json().get("schedules").spliterator(), false)
        .filter(s -> s.get("name").asText().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no " + name + " in " + listed.body()));
  }

  private static long standupComments(RunningApi api, String issue) {
    Reply comments = api.get("/api/v1/issues/" + issue + "/comments");
    JsonNode list = comments.json().isArray() ? comments.json() : comments.json().elements().next();
    return StreamSupport.stream(list.spliterator(), false).filter(c -> c.get("author").asText().equals("standup")).count();
  }
}
