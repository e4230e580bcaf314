package dev.turboagents.runtime.workflows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.turboagents.persistence.Eventually;
import dev.turboagents.runtime.InProcessCli;
import dev.turboagents.runtime.api.RunningApi;
import dev.turboagents.runtime.api.RunningApi.Reply;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /api/v1/agents/triggers} on the real daemon (journal, in-process Neo4j, the scripted
 * stand-in), over HTTP on loopback: a fresh data directory answers 200 with zero counts from the
 * first answer that is not "starting" (triage on, as the default has it; the reply off, saying so);
 * a new issue moves triage's counts and lists the action with its job; a pause shows and a new issue
 * meanwhile is a skipped action; a reply held in its model call shows as running, the follower's
 * lag behind the tracker's journal growing with the events after it, and gone once it is done; the
 * CLI prints the same; a tracker's history from before the triggers ever ran is passed, not triaged;
 * in the autonomy's dry run a new issue is a skipped action saying what it would have done.
 */
class TriggersApiTest {
  @TempDir
  Path dataDir;

  private TriggerStandIn ollama;
  private RunningApi api;

  @AfterEach
  void stop() {
    if (ollama != null) {
      ollama.holdChat.set(false);
    }
    if (api != null) {
      api.close();
    }
    if (ollama != null) {
      ollama.close();
    }
  }

  private Map<String, Object> settings() {
    ollama = TriggerStandIn.start(messages -> "The greeting is misspelt.");
    return ollama.settings();
  }

  @Test
  void aFreshDaemonShowsZeroCountsThenANewIssueMovesTriageAndAPausedOneIsSkipped() throws Exception {
    api = RunningApi.withDefaultTriggers(dataDir, settings(), false);
    List<Integer> statuses = new ArrayList<>();
    Reply fresh = Eventually.value(Duration.ofSeconds(90), () -> {
      Reply r = api.get("/api/v1/agents/triggers");
      statuses.add(r.status());
      if (r.status() != 200) {
        throw new AssertionError(r.status() + " " + r.body());
      }
      return r;
    });
    assertTrue(statuses.stream().allMatch(s -> s == 200 || s == 503), "only 'starting' before 200: " + statuses);
    JsonNode triage = trigger(fresh, "triage-new-issues");
    assertTrue(triage.get("configured").asBoolean(), "triage is on by default: " + fresh.body());
    assertEquals("on", triage.get("state").asText(), fresh.body());
    assertTrue(triage.get("enabled").asBoolean(), fresh.body());
    assertTrue(triage.get("reason").isNull(), fresh.body());
    for (String count : List.of("started", "done", "skipped", "failed", "running", "offset", "lag")) {
      assertEquals(0, triage.get(count).asLong(), count + ": " + fresh.body());
    }
    assertEquals(0, triage.get("recent").size(), fresh.body());
    JsonNode reply = trigger(fresh, "reply-to-comments");
    assertFalse(reply.get("enabled").asBoolean(), fresh.body());
    assertEquals("off", reply.get("state").asText(), fresh.body());
    assertTrue(reply.get("reason").asText().contains("turbo-agents.workflows.triggers.reply-to-comments"), fresh.body());
    for (var subsystem : api.daemon.subsystems().all()) { // the rest of the daemon up too (Neo4j, before the data dir goes)
      subsystem.api().toCompletableFuture().get(90, TimeUnit.SECONDS);
    }

    String issue = api.post("/api/v1/issues", "{\"title\": \"Fix the greeting\", \"description\": \"it says wrld\"}")
        .json().get("id").asText();
    JsonNode moved = Eventually.value(Duration.ofSeconds(60), () -> {
      JsonNode t = trigger(api.get("/api/v1/agents/triggers"), "triage-new-issues");
      assertEquals(1, t.get("done").asLong(), t.toString());
      assertEquals(0, t.get("lag").asLong(), t.toString());
      return t;
    });
    assertEquals(1, moved.get("started").asLong(), moved.toString());
    assertEquals(0, moved.get("skipped").asLong(), moved.toString());
    assertTrue(moved.get("offset").asLong() > 0, moved.toString());
    assertEquals(moved.get("offset").asLong(), moved.get("newest_offset").asLong(), moved.toString());
    JsonNode action = moved.get("recent").get(0);
    assertEquals(issue, action.get("issue_id").asText(), action.toString());
    assertEquals("issue created", action.get("event").asText(), action.toString());
    assertEquals("done", action.get("outcome").asText(), action.toString());
    assertTrue(action.get("ended_at").isTextual(), action.toString());
    // the job list is read from the jobs' projection, which follows the journal a moment behind
    JsonNode jobs = Eventually.value(Duration.ofSeconds(30), () -> {
      JsonNode listed = api.get("/api/v1/agents/jobs?agent=issue").json().path("jobs");
      assertEquals(1, listed.size(), listed.toString());
      return listed;
    });
    assertEquals(jobs.get(0).get("id").asText(), action.get("job_id").asText(), "the action names its triage job");

    assertEquals(200, api.post("/api/v1/agents/autonomy/pause", "").status());
    JsonNode paused = trigger(api.get("/api/v1/agents/triggers"), "triage-new-issues");
    assertEquals("paused", paused.get("state").asText(), paused.toString());
    assertFalse(paused.get("enabled").asBoolean(), paused.toString());
    String second = api.post("/api/v1/issues", "{\"title\": \"Fix the farewell\"}").json().get("id").asText();
    JsonNode skipped = Eventually.value(Duration.ofSeconds(30), () -> {
      JsonNode t = trigger(api.get("/api/v1/agents/triggers"), "triage-new-issues");
      assertEquals(1, t.get("skipped").asLong(), t.toString());
      return t;
    });
    assertEquals(2, skipped.get("started").asLong(), skipped.toString());
    assertEquals(1, skipped.get("done").asLong(), skipped.toString());
    assertEquals(second, skipped.get("recent").get(0).get("issue_id").asText(), "newest first: " + skipped);
    assertTrue(skipped.get("recent").get(0).get("detail").asText().contains("paused"), skipped.toString());
    assertEquals(1, api.get("/api/v1/agents/jobs?agent=issue").json().path("jobs").size(), "no job while paused");

    String printed = InProcessCli.run("trigger", "list", "--url", api.base() + "/api/v1");
    assertTrue(printed.contains("triage-new-issues  paused"), printed);
    assertTrue(printed.contains("started 2  done 1  skipped 1"), printed);
    assertTrue(printed.contains("issue " + second), printed);
    assertTrue(printed.contains("reply-to-comments  off"), printed);
  }

  @Test
  void aReplyHeldInItsModelCallIsRunningAndTheEventsAfterItAreTheLag() throws Exception {
    Map<String, Object> settings = settings();
    settings.put("turbo-agents.workflows.triggers.reply-to-comments", "true");
    settings.put(RunningApi.TRIAGE_TRIGGER, "false");
    api = new RunningApi(dataDir, settings);
    String issue = api.post("/api/v1/issues", "{\"title\": \"Fix the greeting\"}").json().get("id").asText();
    JsonNode triage = trigger(api.get("/api/v1/agents/triggers"), "triage-new-issues");
    assertEquals("off", triage.get("state").asText(), triage.toString());

    ollama.holdChat.set(true);
    assertEquals(201, api.post("/api/v1/issues/" + issue + "/comments", "{\"text\": \"@agent what is wrong?\", "
        + "\"author\": \"ada\"}").status());
    assertTrue(ollama.chatArrived.await(90, TimeUnit.SECONDS), "the reply's chat job asked its model");
    for (int i = 0; i < 3; i++) {
      assertEquals(201, api.post("/api/v1/issues/" + issue + "/comments", "{\"text\": \"note " + i + "\", \"author\": \"bob\"}")
          .status());
    }
    JsonNode held = Eventually.value(Duration.ofSeconds(30), () -> {
      JsonNode t = trigger(api.get("/api/v1/agents/triggers"), "reply-to-comments");
      assertEquals(4, t.get("lag").asLong(), "the held comment and the three after it: " + t);
      return t;
    });
    assertEquals(1, held.get("running").asLong(), held.toString());
    assertEquals(held.get("offset").asLong() + 4, held.get("newest_offset").asLong(), held.toString());
    JsonNode running = held.get("recent").get(0);
    assertEquals("running", running.get("outcome").asText(), running.toString());
    assertEquals("comment added", running.get("event").asText(), running.toString());
    assertTrue(running.get("comment_id").isTextual(), running.toString());

    ollama.holdChat.set(false);
    JsonNode done = Eventually.value(Duration.ofSeconds(60), () -> {
      JsonNode t = trigger(api.get("/api/v1/agents/triggers"), "reply-to-comments");
      assertEquals(0, t.get("lag").asLong(), t.toString());
      return t;
    });
    assertEquals(1, done.get("done").asLong(), "the mention replied; plain notes are no action: " + done);
    assertEquals(1, done.get("started").asLong(), done.toString());
    assertEquals(0, done.get("running").asLong(), done.toString());
    JsonNode replied = done.get("recent").get(0);
    assertEquals("done", replied.get("outcome").asText(), replied.toString());
    assertTrue(replied.get("job_id").isTextual(), replied.toString());
  }

  @Test
  void anExistingTrackersHistoryIsNeverTriagedWhenTheTriggersFirstRun() throws Exception {
    // the tracker alone on this data directory, as a daemon from before the triggers left it: two issues, no triggers' journal
    Map<String, Object> settings = settings();
    var old = dev.turboagents.config.Settings.forTest(dataDir, settings);
    var system = org.apache.pekko.actor.typed.ActorSystem.create(
        org.apache.pekko.actor.typed.javadsl.Behaviors.empty(), "turbo-agents", old.config());
    try {
      var tracker = dev.turboagents.persistence.tracker.Tracker.start(new dev.turboagents.persistence.tracker.Tracker.Spawner() {
        public <T> org.apache.pekko.actor.typed.ActorRef<T> spawn(org.apache.pekko.actor.typed.Behavior<T> b, String name) {
          return system.systemActorOf(b, name, org.apache.pekko.actor.typed.Props.empty());
        }
      }, system, old.tracker(), Duration.ofSeconds(10));
      for (String title : List.of("An old bug", "Another old bug")) {
        tracker.createIssue(new dev.turboagents.persistence.tracker.NewIssue(title, "", java.util.Optional.empty(), List.of(),
            java.util.Optional.empty(), java.util.Optional.empty(), "ada")).toCompletableFuture().get(30, TimeUnit.SECONDS);
      }
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    api = RunningApi.withDefaultTriggers(dataDir, settings, true);
    JsonNode caughtUp = Eventually.value(Duration.ofSeconds(30), () -> {
      JsonNode t = trigger(api.get("/api/v1/agents/triggers"), "triage-new-issues");
      assertEquals(0, t.get("lag").asLong(), "the history is passed: " + t);
      return t;
    });
    assertEquals(0, caughtUp.get("started").asLong(), "no action on the old issues: " + caughtUp);
    assertTrue(caughtUp.get("began").isTextual(), caughtUp.toString());
    String fresh = api.post("/api/v1/issues", "{\"title\": \"A new bug\"}").json().get("id").asText();
    JsonNode triaged = Eventually.value(Duration.ofSeconds(60), () -> {
      JsonNode t = trigger(api.get("/api/v1/agents/triggers"), "triage-new-issues");
      assertEquals(1, t.get("done").asLong(), t.toString());
      return t;
    });
    assertEquals(fresh, triaged.get("recent").get(0).get("issue_id").asText(), triaged.toString());
    assertEquals(1, triaged.get("started").asLong(), triaged.toString());
    // the job list is read from the jobs' projection, which follows the journal a moment behind
    Eventually.assertThat(Duration.ofSeconds(30), () -> assertEquals(1,
        api.get("/api/v1/agents/jobs?agent=issue").json().path("jobs").size(), "one triage job: the new issue's"));
  }

  @Test
  void inTheAutonomysDryRunANewIssueIsASkippedActionSayingWhatItWouldHaveDone() throws Exception {
    Map<String, Object> settings = settings();
    settings.put("turbo-agents.autonomy.dry-run", "true");
    api = RunningApi.withDefaultTriggers(dataDir, settings, true);
    JsonNode before = trigger(api.get("/api/v1/agents/triggers"), "triage-new-issues");
    assertEquals("dry-run", before.get("state").asText(), before.toString());
    assertFalse(before.get("enabled").asBoolean(), before.toString());
    assertTrue(before.get("dry_run").asBoolean(), before.toString());
    String issue = api.post("/api/v1/issues", "{\"title\": \"Fix the greeting\"}").json().get("id").asText();
    JsonNode skipped = Eventually.value(Duration.ofSeconds(30), () -> {
      JsonNode t = trigger(api.get("/api/v1/agents/triggers"), "triage-new-issues");
      assertEquals(1, t.get("skipped").asLong(), t.toString());
      return t;
    });
    assertEquals(0, skipped.get("done").asLong(), skipped.toString());
    String detail = skipped.get("recent").get(0).get("detail").asText();
    assertTrue(detail.contains("dry run") && detail.contains("would have started a triage job on issue " + issue), detail);
    assertEquals(0, api.get("/api/v1/agents/jobs?agent=issue").json().path("jobs").size(), "no triage job in a dry run");
  }

  private static JsonNode trigger(Reply listed, String name) {
    assertEquals(200, listed.status(), listed.body());
    return StreamSupport.stream(listed.json().get("triggers").spliterator(), false)
        .filter(t -> t.get("name").asText().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no " + name + " in " + listed.body()));
  }

}
