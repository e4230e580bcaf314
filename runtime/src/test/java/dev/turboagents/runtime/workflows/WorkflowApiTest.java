package dev.turboagents.runtime.workflows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.turboagents.actors.inference.standin.OllamaStandIn;
import dev.turboagents.actors.inference.standin.Script;
import dev.turboagents.actors.inference.standin.StandInModel;
import dev.turboagents.actors.tools.workspace.IsolatedGitConfig;
import dev.turboagents.runtime.api.RunningApi;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.PersonIdent;
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

  private OllamaStandIn ollama;
  private RunningApi api;
  /** The step whose model calls wait (implement, review, revise), and the latch they count down on arrival. */
  private final AtomicReference<String> hold = new AtomicReference<>("");
  private volatile CountDownLatch arrived = new CountDownLatch(1);
  /** What the first implementation writes: with the "!" the review has nothing blocking. */
  private volatile String firstFix = "hello world\nbye\n";

  @BeforeEach
  void workspace() throws Exception {
    IsolatedGitConfig.install(dataDir.resolve("git"));
    try (Git git = Git.init().setDirectory(repo.toFile()).setInitialBranch("main").call()) {
      Files.writeString(repo.resolve("App.txt"), "hello wrld\nbye\n");
      git.add().addFilepattern(".").call();
      PersonIdent who = new PersonIdent("Ada", "ada@example.org");
      git.commit().setMessage("first").setAuthor(who).setCommitter(who).setSign(false).call();
    }
    ollama = new OllamaStandIn(List.of(new StandInModel("coder:1b", StandInModel.GIB, 16, 4, 64, Duration.ofMillis(20),
        500, 0, List.of("completion"))), 8 * StandInModel.GIB, 2, 0.01).start();
    ollama.script(this::answer);
  }

  @AfterEach
  void stop() {
    hold.set("");
    if (api != null) {
      api.close();
    }
    if (ollama != null) {
      ollama.close();
    }
  }

  /** The stand-in model: a code turn writes the file then answers; a review blocks until the greeting has its "!". */
  private Script.Answer answer(Script.Request r) {
    String messages = r.body().path("messages").toString();
    String kind = messages.contains("the review agent") ? "review"
        : messages.contains("Revise your earlier change") ? "revise" : "implement";
    if (hold.get().equals(kind)) {
      arrived.countDown();
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (hold.get().equals(kind) && System.nanoTime() < until) {
        sleep(50);
      }
    }
    if (kind.equals("review")) {
      boolean fixed = messages.contains("+hello world!");
      return Script.Answer.text("{\"name\":\"final_answer\",\"arguments\":{\"summary\":\"" + (fixed ? "Looks right"
          : "The greeting still lacks its exclamation mark") + "\",\"findings\":[{\"file\":\"App.txt\",\"line\":1,\"severity\":\""
          + (fixed ? "minor" : "major") + "\",\"focus\":\"correctness\",\"message\":\"" + (fixed ? "a test would keep it so"
          : "say hello world! as the issue asks") + "\"}]}}");
    }
    boolean wrote = false;
    for (JsonNode m : r.body().path("messages")) {
      wrote |= m.path("role").asText().equals("assistant");
    }
    if (wrote) {
      return Script.Answer.text("{\"name\":\"final_answer\",\"arguments\":{\"answer\":\"" + (kind.equals("revise")
          ? "Added the exclamation mark" : "Fixed the greeting typo") + "\"}}");
    }
    String content = kind.equals("revise") ? "hello world!\\nbye\\n" : firstFix.replace("\n", "\\n");
    return Script.Answer.text("{\"name\":\"write_file\",\"arguments\":{\"path\":\"App.txt\",\"content\":\"" + content + "\"}}");
  }

  private RunningApi daemon() throws Exception {
    return new RunningApi(dataDir, Map.of("turbo-agents.ollama.host", ollama.url(),
        "turbo-agents.workspace.path", repo.toString(),
        "turbo-agents.tools.test-command", "grep -q world App.txt",
        "turbo-agents.agents.code-model", "coder:1b",
        "turbo-agents.agents.review-model", "coder:1b",
        "turbo-agents.workflows.poll-interval", "100ms",
        "turbo-agents.workflows.triggers.triage-new-issues", "false",
        "turbo-agents.workflows.triggers.reply-to-comments", "false"));
  }

  @Test
  void aChangeThatPassesReviewAtOnceIsGatedAndCommentedOnce() throws Exception {
    firstFix = "hello world!\nbye\n";
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
    hold.set("implement");
    String id = api.post("/api/v1/agents/workflows/implement-and-review", "{\"issue_id\": \"" + issue + "\"}").json()
        .path("workflow_id").asText();
    for (String step : List.of("implement", "review", "revise")) {
      assertTrue(arrived.await(120, TimeUnit.SECONDS), "the " + step + " job asked its model");
      JsonNode at = api.get("/api/v1/agents/workflows/" + id).json();
      assertEquals(step, at.path("step").asText(), at.toString());
      api.close();
      api = null;
      arrived = new CountDownLatch(1);
      hold.set(step.equals("implement") ? "review" : step.equals("review") ? "revise" : "");
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
    hold.set("implement");
    String id = api.post("/api/v1/agents/workflows/implement-and-review", "{\"issue_id\": \"" + issue + "\"}").json()
        .path("workflow_id").asText();
    assertTrue(arrived.await(120, TimeUnit.SECONDS), "the code job asked its model");
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
    hold.set("");
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

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
