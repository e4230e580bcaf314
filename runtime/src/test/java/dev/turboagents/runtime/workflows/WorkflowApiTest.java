package dev.turboagents.runtime.workflows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.turboagents.actors.workflows.WorkflowScript;
import dev.turboagents.runtime.api.RunningApi;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The implement → review workflow on the real daemon (journal, in-process Neo4j, a real git
 * workspace, the scripted stand-in, which answers by what it is asked, so a restarted daemon gets
 * the same answers): a change that passes review at once; one the review sends back once, with
 * the daemon stopped while each of its four jobs runs and started again on the same journal; a
 * cancel while the code job runs; the refusals.
 */
class WorkflowApiTest {
  @TempDir
  Path dataDir;

  @TempDir
  Path repo;

  private WorkflowScript script;
  private RunningApi api;

  @BeforeEach
  void workspace() throws Exception {
    script = new WorkflowScript(dataDir, repo);
  }

  @AfterEach
  void stop() {
    if (api != null) {
      api.close();
    }
    if (script != null) {
      script.close();
    }
  }

  private RunningApi daemon() throws Exception {
    return new RunningApi(dataDir, script.settings());
  }

  @Test
  void aChangeThatPassesReviewAtOnceIsGatedAndCommentedOnce() throws Exception {
    script.passReviewAtOnce();
    api = daemon();
    String issue = issue();
    RunningApi.Reply accepted = api.post("/api/v1/agents/workflows/implement-and-review", "{\"issue_id\": \"" + issue + "\"}");
    assertEquals(202, accepted.status(), accepted.body());
    assertEquals("running", accepted.json().path("status").asText());
    String id = accepted.json().path("workflow_id").asText();

    JsonNode done = until(id, w -> !w.path("status").asText().equals("running"));
    assertEquals("succeeded", done.path("status").asText(), done.toString());
    assertEquals(List.of("implement", "review", "gate", "comment"), steps(done));
    assertEquals(1, done.path("round").asInt());
    JsonNode review = done.path("steps").get(1);
    assertEquals(0, review.path("blocking_findings").asInt(), "a minor finding does not block: " + review);
    String codeJob = done.path("steps").get(0).path("job_id").asText();
    assertEquals("agents/" + codeJob, done.path("branch").asText());
    assertTrue(api.get("/api/v1/agents/jobs/" + review.path("job_id").asText()).json().path("input").toString()
        .contains(codeJob), "the review is of the code job's branch");

    List<String> results = results(issue);
    assertEquals(1, results.size(), results.toString());
    String comment = results.get(0);
    assertTrue(comment.contains("Branch: agents/" + codeJob) && comment.contains("Diff: 1 files, +1 -1")
        && comment.contains("App.txt +1 -1") && comment.contains("Review: 1 findings, 0 blocking") && comment.contains("Looks right"),
        comment);

    // a cancel of a finished workflow returns it as it is
    assertEquals("succeeded", api.post("/api/v1/agents/workflows/" + id + "/cancel", "").json().path("status").asText());
  }

  @Test
  void blockingFindingsMakeARevisionOnTheSameBranchAndACrashAtEachStepResumesThere() throws Exception {
    api = daemon();
    String issue = issue();
    script.hold("implement");
    String id = api.post("/api/v1/agents/workflows/implement-and-review", "{\"issue_id\": \"" + issue + "\"}").json()
        .path("workflow_id").asText();
    for (String step : List.of("implement", "review", "revise")) {
      assertTrue(script.awaitHeld(120), "the " + step + " job asked its model");
      JsonNode at = api.get("/api/v1/agents/workflows/" + id).json();
      assertEquals(step, at.path("step").asText(), at.toString());
      api.close();
      api = null;
      script.hold(step.equals("implement") ? "review" : step.equals("review") ? "revise" : "");
      api = daemon();
    }
    JsonNode done = until(id, w -> !w.path("status").asText().equals("running"));
    assertEquals("succeeded", done.path("status").asText(), done.toString());
    assertEquals(List.of("implement", "review", "revise", "review", "gate", "comment"), steps(done));
    assertEquals(2, done.path("round").asInt());
    assertEquals(1, done.path("steps").get(1).path("blocking_findings").asInt(), done.toString());
    assertEquals(0, done.path("steps").get(3).path("blocking_findings").asInt(), done.toString());

    // one job per step across three restarts: each resumed step re-attached to its job
    JsonNode jobs = api.get("/api/v1/agents/jobs?issue_id=" + issue).json().path("jobs");
    assertEquals(4, jobs.size(), jobs.toString());
    String implement = done.path("steps").get(0).path("job_id").asText();
    String revise = done.path("steps").get(2).path("job_id").asText();
    assertEquals("agents/" + revise, done.path("branch").asText());

    // the revision carries on the first change: its commit's parent is the implementation's commit
    String first = api.get("/api/v1/agents/jobs/" + implement).json().path("commit").asText();
    String second = api.get("/api/v1/agents/jobs/" + revise).json().path("commit").asText();
    try (Repository repository = Git.open(repo.toFile()).getRepository(); RevWalk walk = new RevWalk(repository)) {
      RevCommit commit = walk.parseCommit(repository.resolve(second));
      assertEquals(first, commit.getParent(0).getName());
      try (var file = org.eclipse.jgit.treewalk.TreeWalk.forPath(repository, "App.txt", commit.getTree())) {
        assertEquals("hello world!\nbye\n", new String(repository.open(file.getObjectId(0)).getBytes(),
            java.nio.charset.StandardCharsets.UTF_8), "the revised file");
      }
    }
    String revisedTask = api.get("/api/v1/agents/jobs/" + revise).json().path("steps").toString();
    assertTrue(revisedTask.contains("say hello world! as the issue asks"), "the findings are the revision's context");

    List<String> results = results(issue);
    assertEquals(1, results.size(), results.toString());
    assertTrue(results.get(0).contains("after 2 of at most 3 review rounds") && results.get(0).contains("Branch: agents/" + revise),
        results.get(0));
  }

  @Test
  void aCancelWhileTheCodeJobRunsCancelsTheJobAndTheWorkflow() throws Exception {
    api = daemon();
    String issue = issue();
    script.hold("implement");
    String id = api.post("/api/v1/agents/workflows/implement-and-review", "{\"issue_id\": \"" + issue + "\"}").json()
        .path("workflow_id").asText();
    assertTrue(script.awaitHeld(120), "the code job asked its model");
    JsonNode cancelled = api.post("/api/v1/agents/workflows/" + id + "/cancel", "").json();
    assertEquals("cancelled", cancelled.path("status").asText(), cancelled.toString());
    assertTrue(cancelled.path("result").asText().contains("at implement round 1"), cancelled.toString());
    String job = cancelled.path("steps").get(0).path("job_id").asText();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    String status = "";
    while (System.nanoTime() < deadline && !(status = api.get("/api/v1/agents/jobs/" + job).json().path("status").asText())
        .equals("cancelled")) {
      Thread.sleep(100);
    }
    assertEquals("cancelled", status);
    script.release();
    Thread.sleep(1000);
    JsonNode after = api.get("/api/v1/agents/workflows/" + id).json();
    assertEquals(List.of("implement"), steps(after), "nothing runs after the cancel: " + after);
    assertEquals(0, results(issue).size());

    // the refusals
    RunningApi.Reply none = api.post("/api/v1/agents/workflows/implement-and-review", "{}");
    assertEquals(400, none.status());
    assertTrue(none.body().contains("issue_id"), none.body());
    RunningApi.Reply unknown = api.post("/api/v1/agents/workflows/implement-and-review", "{\"issue_id\": \"nope\"}");
    assertEquals(404, unknown.status(), unknown.body());
    assertEquals(404, api.get("/api/v1/agents/workflows/no-such-workflow").status());
    assertEquals(404, api.post("/api/v1/agents/workflows/no-such-workflow/cancel", "").status());
  }

  private String issue() {
    return api.post("/api/v1/issues", "{\"title\": \"Fix the greeting\", \"description\": \"it should say hello world!\"}")
        .json().get("id").asText();
  }

  private static List<String> steps(JsonNode workflow) {
    List<String> out = new ArrayList<>();
    workflow.path("steps").forEach(s -> out.add(s.path("step").asText()));
    return out;
  }

  private List<String> results(String issue) {
    JsonNode comments = api.get("/api/v1/issues/" + issue + "/comments").json();
    List<String> out = new ArrayList<>();
    for (JsonNode c : comments.isArray() ? comments : comments.path("comments")) {
      Optional.of(c.path("text").asText()).filter(t -> t.startsWith("Implement-and-review workflow")).ifPresent(out::add);
    }
    return out;
  }

  private JsonNode until(String id, Predicate<JsonNode> done) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
    JsonNode now = api.get("/api/v1/agents/workflows/" + id).json();
    while (!done.test(now) && System.nanoTime() < deadline) {
      Thread.sleep(200);
      now = api.get("/api/v1/agents/workflows/" + id).json();
    }
    assertTrue(done.test(now), now.toString());
    return now;
  }
}
