package dev.turboagents.runtime.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.turboagents.actors.inference.standin.OllamaStandIn;
import dev.turboagents.actors.inference.standin.Script;
import dev.turboagents.actors.inference.standin.StandInModel;
import dev.turboagents.actors.tools.workspace.IsolatedGitConfig;
import dev.turboagents.persistence.Eventually;
import dev.turboagents.runtime.InProcessCli;
import dev.turboagents.runtime.api.RunningApi.Reply;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.StreamSupport;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.revwalk.RevCommit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runs' reports over HTTP on the real daemon (journal, tracker, agents with the scripted
 * stand-in, a real git workspace): a fresh daemon answers an empty list; the standup's report and its
 * comment name the agent job on the in-progress issue and the commit that mentions it; the kind
 * filter, the limit and the refusals; after a restart with {@code standup-summary-issue} set the
 * reports are still there and the summary is posted once however often the standup runs that day.
 */
class AutonomyReportsApiTest {
  private static final String MODEL = "issues:1b";

  @TempDir
  Path dataDir;

  @TempDir
  Path repo;

  private OllamaStandIn ollama;
  private RunningApi api;

  @BeforeEach
  void workspaceAndModel() throws Exception {
    IsolatedGitConfig.install(dataDir.resolve("git"));
    try (Git git = Git.init().setDirectory(repo.toFile()).setInitialBranch("main").call()) {
      Files.writeString(repo.resolve("upload.txt"), "cap = 2 GiB\n");
      git.add().addFilepattern(".").call();
      commit(git, "first");
    }
    ollama = new OllamaStandIn(List.of(new StandInModel(MODEL, StandInModel.GIB, 16, 4, 64, Duration.ofMillis(20),
        500, 0, List.of("completion"))), 8 * StandInModel.GIB, 2, 0.01).start();
    ollama.script(r -> Script.Answer.text(
        "{\"name\":\"final_answer\",\"arguments\":{\"answer\":\"The proxy caps uploads; raising the cap is under way.\"}}"));
  }

  @AfterEach
  void stop() {
    if (api != null) {
      api.close();
    }
    ollama.close();
  }

  private RunningApi daemon(Map<String, Object> extra, boolean awaitSubsystems) throws Exception {
    Map<String, Object> settings = new HashMap<>(Map.of("turbo-agents.ollama.host", ollama.url(),
        "turbo-agents.agents.issue-model", MODEL,
        "turbo-agents.workspace.path", repo.toString(),
        // the runs here are by hand; a daily slot at midnight keeps the window from yesterday's midnight to now
        "turbo-agents.autonomy.enabled", "false",
        "turbo-agents.autonomy.standup.cron", "0 0 * * *",
        "turbo-agents.workflows.triggers.triage-new-issues", "false",
        "turbo-agents.workflows.triggers.reply-to-comments", "false"));
    settings.putAll(extra);
    return new RunningApi(dataDir, settings, awaitSubsystems);
  }

  @Test
  void aStandupRunKeepsAReportWithTheIssuesJobAndCommitReadByKindAndLimit() throws Exception {
    api = daemon(Map.of(), false);
    // right after the start: the autonomy is starting (503) or it answers the empty list, never a 500
    List<Integer> seen = new CopyOnWriteArrayList<>();
    Reply fresh = Eventually.value(Duration.ofSeconds(90), () -> {
      Reply r = api.get("/api/v1/agents/reports");
      seen.add(r.status());
      if (r.status() != 200) {
        throw new AssertionError(r.status() + " " + r.body());
      }
      return r;
    });
    assertTrue(seen.stream().allMatch(s -> s == 200 || s == 503), "answers while starting: " + seen);
    assertEquals("[]", fresh.json().get("reports").toString(), fresh.body());

    Reply badLimit = api.get("/api/v1/agents/reports?limit=0");
    assertEquals(400, badLimit.status(), badLimit.body());
    assertTrue(badLimit.body().contains("'limit'") && badLimit.body().contains("1 to 1000"), badLimit.body());
    assertEquals(400, api.get("/api/v1/agents/reports?kind=standup&limit=ten").status());
    Reply unknown = api.get("/api/v1/agents/reports?kind=weekly");
    assertEquals(404, unknown.status(), unknown.body());
    assertTrue(unknown.body().contains("weekly") && unknown.body().contains("standup, nightly"), unknown.body());

    for (var subsystem : api.daemon.subsystems().all()) {
      subsystem.api().toCompletableFuture().get(90, java.util.concurrent.TimeUnit.SECONDS);
    }
    String issue = api.post("/api/v1/issues", "{\"title\": \"Uploads over 2 GB fail with 413\"}").json().get("id").asText();
    assertEquals(200, api.patch("/api/v1/issues/" + issue, "{\"status\": \"in_progress\"}").status());
    api.post("/api/v1/issues/" + issue + "/comments", "{\"text\": \"The proxy caps bodies at 2 GiB\", \"author\": \"bob\"}");
    Reply summarize = api.post("/api/v1/agents/issue/summarize", "{\"issue_id\": \"" + issue + "\"}");
    assertEquals(202, summarize.status(), summarize.body());
    String job = summarize.json().get("job_id").asText();
    JsonNode done = finished(job);
    assertEquals("succeeded", done.get("status").asText(), done.toString());
    String commit;
    try (Git git = Git.open(repo.toFile())) {
      Files.writeString(repo.resolve("upload.txt"), "cap = 8 GiB\n");
      git.add().addFilepattern(".").call();
      commit = commit(git, "Raise the upload cap\n\nFor issue " + issue).getName().substring(0, 7);
      Files.writeString(repo.resolve("other.txt"), "x\n");
      git.add().addFilepattern(".").call();
      commit(git, "Unrelated work");
    }

    runAndWait("standup");
    Reply standups = api.get("/api/v1/agents/reports?kind=standup&limit=10");
    assertEquals(200, standups.status(), standups.body());
    assertEquals(1, standups.json().get("reports").size(), standups.body());
    JsonNode report = standups.json().get("reports").get(0);
    assertEquals("standup", report.get("kind").asText());
    assertTrue(report.get("ok").asBoolean() && report.get("manual").asBoolean(), report.toString());
    assertTrue(report.get("slot").isTextual() && report.get("finished_at").isTextual(), report.toString());
    assertTrue(report.get("outcome").asText().contains("commented on 1"), report.toString());
    String body = report.get("body").asText();
    assertTrue(body.contains("## Uploads over 2 GB fail with 413 (" + issue + ")"), body);
    assertTrue(body.contains("comment by bob: \"The proxy caps bodies at 2 GiB\""), body);
    assertTrue(body.contains("job " + job + " (issue) succeeded: The proxy caps uploads"), body);
    assertTrue(body.contains("commit " + commit + " \"Raise the upload cap\" by Ada"), body);
    assertTrue(!body.contains("Unrelated work"), "only commits that mention the issue: " + body);
    String comment = standupComments(issue).getFirst();
    assertTrue(comment.contains("job " + job) && comment.contains("commit " + commit), comment);

    runAndWait("nightly");
    Reply all = api.get("/api/v1/agents/reports");
    assertEquals(List.of("nightly", "standup"), kinds(all), "newest first: " + all.body());
    assertEquals(List.of("nightly"), kinds(api.get("/api/v1/agents/reports?limit=1")));
    assertEquals(List.of("standup"), kinds(api.get("/api/v1/agents/reports?kind=standup")));
    String printed = InProcessCli.run("report", "standup", "--url", api.base() + "/api/v1");
    assertTrue(printed.contains("commented on 1") && printed.contains("commit " + commit), printed);
    api.close();

    // a restart with the summary issue set: the reports are on the journal; the summary is posted once that day
    api = daemon(Map.of("turbo-agents.autonomy.standup-summary-issue", issue), true);
    assertEquals(List.of("nightly", "standup"), kinds(api.get("/api/v1/agents/reports")));
    runAndWait("standup");
    runAndWait("standup");
    List<JsonNode> reports = StreamSupport.stream(api.get("/api/v1/agents/reports?kind=standup").json().get("reports")
        .spliterator(), false).toList();
    assertEquals(3, reports.size(), reports.toString());
    assertTrue(reports.get(1).get("outcome").asText().contains("summary posted on " + issue), reports.get(1).toString());
    assertTrue(reports.get(0).get("outcome").asText().contains("summary already posted on " + issue + " today"),
        reports.get(0).toString());
    List<String> standupComments = standupComments(issue);
    assertEquals(2, standupComments.size(), "the issue's own standup comment and one summary: " + standupComments);
    assertTrue(standupComments.get(1).startsWith("# Standup ") && standupComments.get(1).contains("job " + job),
        standupComments.get(1));
  }

  private static RevCommit commit(Git git, String message) throws Exception {
    PersonIdent who = new PersonIdent("Ada", "ada@example.org");
    return git.commit().setMessage(message).setAuthor(who).setCommitter(who).setSign(false).call();
  }

  private void runAndWait(String name) {
    String before = schedule(name).path("last_finished").asText("");
    Eventually.assertThat(Duration.ofSeconds(30), () -> {
      Reply run = api.post("/api/v1/agents/schedules/" + name + "/run", "");
      assertEquals(202, run.status(), run.body());
    });
    Eventually.assertThat(Duration.ofSeconds(60), () -> {
      JsonNode s = schedule(name);
      if (s.get("running").asBoolean() || s.path("last_finished").asText("").equals(before)) {
        throw new AssertionError("not finished yet: " + s);
      }
      assertTrue(s.get("last_ok").asBoolean(), s.toString());
    });
  }

  private JsonNode schedule(String name) {
    return StreamSupport.stream(api.get("/api/v1/agents/schedules").json().get("schedules").spliterator(), false)
        .filter(s -> s.get("name").asText().equals(name)).findFirst().orElseThrow();
  }

  private JsonNode finished(String job) {
    return Eventually.value(Duration.ofSeconds(90), () -> {
      JsonNode j = api.get("/api/v1/agents/jobs/" + job).json();
      if (!List.of("succeeded", "failed", "cancelled").contains(j.get("status").asText())) {
        throw new AssertionError("job " + job + " still " + j.get("status"));
      }
      return j;
    });
  }

  private static List<String> kinds(Reply reports) {
    assertEquals(200, reports.status(), reports.body());
    return StreamSupport.stream(reports.json().get("reports").spliterator(), false).map(r -> r.get("kind").asText()).toList();
  }

  private List<String> standupComments(String issue) {
    Reply comments = api.get("/api/v1/issues/" + issue + "/comments");
    JsonNode list = comments.json().isArray() ? comments.json() : comments.json().elements().next();
    return StreamSupport.stream(list.spliterator(), false).filter(c -> c.get("author").asText().equals("standup"))
        .map(c -> c.get("text").asText()).toList();
  }

}
