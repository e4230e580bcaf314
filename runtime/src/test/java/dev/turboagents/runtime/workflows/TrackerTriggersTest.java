package dev.turboagents.runtime.workflows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.turboagents.persistence.Eventually;
import dev.turboagents.runtime.api.RunningApi;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tracker's triggers on the real daemon (journal, in-process Neo4j, the scripted stand-in): a
 * new issue gets one background triage job; a comment that mentions @agent gets one reply from the
 * chat agent, also when the daemon is stopped while the reply's model call runs and started again
 * on the same journal; a question nobody addressed and the agents' own comments get none; once the
 * background class has spent its daily model time, a new issue and a mention are skipped, saying so.
 */
class TrackerTriggersTest {
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

  private static String answer(String messages) {
    return "This is " + (messages.contains("second question") ? "the second" : "the first")
        + " answer: the greeting is misspelt.";
  }

  private RunningApi daemon() throws Exception {
    Map<String, Object> settings = ollama.settings();
    settings.put("turbo-agents.workflows.triggers.triage-new-issues", "true");
    settings.put("turbo-agents.workflows.triggers.reply-to-comments", "true");
    return new RunningApi(dataDir, settings);
  }

  @Test
  void aNewIssueIsTriagedOnceAndAMentionGetsOneReplyAcrossARestart() throws Exception {
    ollama = TriggerStandIn.start(TrackerTriggersTest::answer);
    api = daemon();
    String issue = api.post("/api/v1/issues", "{\"title\": \"Fix the greeting\", \"description\": \"it says wrld\"}")
        .json().get("id").asText();

    JsonNode listed = oneJob("issue");
    JsonNode triage = api.get("/api/v1/agents/jobs/" + listed.path("id").asText()).json();
    assertEquals("background:trigger/triage/" + issue, triage.path("requested_by").asText(), triage.toString());
    Eventually.assertThat(Duration.ofSeconds(90), () -> assertEquals("succeeded",
        api.get("/api/v1/agents/jobs/" + triage.path("id").asText()).json().path("status").asText()));
    Eventually.assertThat(Duration.ofSeconds(30), () -> assertTrue(comments(issue, "agent:issue").size() == 1,
        "the triage comments: " + comments(issue, "agent:issue")));

    // a question nobody addressed on an issue no agent works on: no reply; then a mention, held in its model call
    assertEquals(201, api.post("/api/v1/issues/" + issue + "/comments", "{\"text\": \"is this a duplicate?\", \"author\": \"bob\"}")
        .status());
    ollama.holdChat.set(true);
    assertEquals(201, api.post("/api/v1/issues/" + issue + "/comments", "{\"text\": \"@agent what is wrong here?\", "
        + "\"author\": \"ada\"}").status());
    assertTrue(ollama.chatArrived.await(90, TimeUnit.SECONDS), "the reply's chat job asked its model");
    api.close();
    api = null;
    ollama.holdChat.set(false);
    api = daemon();

    Eventually.assertThat(Duration.ofSeconds(90), () -> assertEquals(1, comments(issue, "agent:chat").size(),
        comments(issue, "agent:chat").toString()));
    assertTrue(comments(issue, "agent:chat").get(0).contains("the first answer"), comments(issue, "agent:chat").toString());

    // after the restart: a second mention gets its own one reply, the first none more, triage is not run again
    assertEquals(201, api.post("/api/v1/issues/" + issue + "/comments", "{\"text\": \"@Agent, a second question?\", "
        + "\"author\": \"ada\"}").status());
    Eventually.assertThat(Duration.ofSeconds(90), () -> assertEquals(2, comments(issue, "agent:chat").size(),
        comments(issue, "agent:chat").toString()));
    Thread.sleep(1000);
    List<String> replies = comments(issue, "agent:chat");
    assertEquals(2, replies.size(), replies.toString());
    assertTrue(replies.get(1).contains("the second answer"), replies.toString());
    assertEquals(1, api.get("/api/v1/agents/jobs?agent=issue").json().path("jobs").size(), "one triage job in all");
    assertEquals(2, api.get("/api/v1/agents/jobs?agent=chat").json().path("jobs").size(),
        "one chat job per mention: the resumed reply re-attached to its job");
  }

  @Test
  void whenTheBackgroundClassSpentItsDailyModelTimeTheTriggersSkipTheirWorkSayingSo() throws Exception {
    ollama = TriggerStandIn.start(TrackerTriggersTest::answer);
    ollama.callsTake(Duration.ofMillis(300)); // the triage's model call holds the model longer than background's 200 ms a day
    Map<String, Object> settings = ollama.settings();
    settings.put("turbo-agents.workflows.triggers.triage-new-issues", "true");
    settings.put("turbo-agents.workflows.triggers.reply-to-comments", "true");
    settings.put("turbo-agents.inference.daily-model-time.background", "200ms");
    api = new RunningApi(dataDir, settings);
    String first = api.post("/api/v1/issues", "{\"title\": \"Fix the greeting\", \"description\": \"it says wrld\"}")
        .json().get("id").asText();
    JsonNode triage = oneJob("issue");
    Eventually.assertThat(Duration.ofSeconds(90), () -> assertEquals("succeeded",
        api.get("/api/v1/agents/jobs/" + triage.path("id").asText()).json().path("status").asText()));
    Eventually.assertThat(Duration.ofSeconds(10), () -> {
      JsonNode background = api.get("/api/v1/inference/status").json().path("model_time").path(2);
      assertTrue(background.path("priority").asText().equals("background") && background.path("spent").asBoolean(),
          background.toString());
    });

    String second = api.post("/api/v1/issues", "{\"title\": \"Fix the farewell\", \"description\": \"it says by\"}")
        .json().get("id").asText();
    assertEquals(201, api.post("/api/v1/issues/" + first + "/comments", "{\"text\": \"@agent what is wrong here?\", "
        + "\"author\": \"ada\"}").status());
    String skipped = "skipped: the daily model time of the background class is spent";
    Eventually.assertThat(Duration.ofSeconds(30), () -> {
      Map<String, String> done = actionsDone();
      assertTrue(done.getOrDefault("triage/" + second, "").startsWith(skipped), done.toString());
      assertTrue(done.entrySet().stream().anyMatch(e -> e.getKey().startsWith("reply/") && e.getValue().startsWith(skipped)),
          done.toString());
      assertTrue(done.get("triage/" + second).contains("resets at"), done.toString());
    });
    assertEquals(1, api.get("/api/v1/agents/jobs?agent=issue").json().path("jobs").size(), "no triage job for the second");
    assertEquals(0, api.get("/api/v1/agents/jobs?agent=chat").json().path("jobs").size(), "no chat job for the reply");
    assertTrue(comments(first, "agent:chat").isEmpty());
  }

  /** The triggers' actions done, by key, with their outcome, read from their journal in the running daemon. */
  private Map<String, String> actionsDone() {
    var journal = org.apache.pekko.persistence.query.PersistenceQuery.get(api.daemon.system()).getReadJournalFor(
        org.apache.pekko.persistence.query.journal.leveldb.javadsl.LeveldbReadJournal.class,
        org.apache.pekko.persistence.query.journal.leveldb.javadsl.LeveldbReadJournal.Identifier());
    Map<String, String> done = new java.util.TreeMap<>();
    journal.currentEventsByPersistenceId("tracker-triggers", 0, Long.MAX_VALUE)
        .runForeach(e -> {
          if (e.event() instanceof dev.turboagents.actors.workflows.TrackerTriggers.ActionDone d) {
            done.put(d.key(), d.detail());
          }
        }, api.daemon.system()).toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
    return done;
  }

  private JsonNode oneJob(String agent) {
    JsonNode[] job = new JsonNode[1];
    Eventually.assertThat(Duration.ofSeconds(60), () -> {
      JsonNode jobs = api.get("/api/v1/agents/jobs?agent=" + agent).json().path("jobs");
      assertEquals(1, jobs.size(), jobs.toString());
      job[0] = jobs.get(0);
    });
    return job[0];
  }

  private List<String> comments(String issue, String author) {
    JsonNode comments = api.get("/api/v1/issues/" + issue + "/comments").json();
    List<String> out = new ArrayList<>();
    for (JsonNode c : comments.isArray() ? comments : comments.path("comments")) {
      if (c.path("author").asText().equals(author)) {
        out.add(c.path("text").asText());
      }
    }
    return out;
  }
}
