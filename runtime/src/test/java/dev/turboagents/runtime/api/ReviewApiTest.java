package dev.turboagents.runtime.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.turboagents.actors.inference.standin.OllamaStandIn;
import dev.turboagents.actors.inference.standin.Script;
import dev.turboagents.actors.inference.standin.StandInModel;
import dev.turboagents.actors.tools.workspace.IsolatedGitConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.PersonIdent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The review API and the graph feed on the real daemon (journal, in-process Neo4j, a real git
 * workspace, the scripted stand-in): a code job, then a review of its branch by pr_id, the graph
 * holding the job, its commit, file and decisions, and the next job on a related issue starting
 * from those decisions. Plus the refusals a client meets.
 */
class ReviewApiTest {
  @TempDir
  Path dataDir;

  @TempDir
  Path repo;

  private OllamaStandIn ollama;
  private RunningApi api;

  @AfterEach
  void stop() {
    if (api != null) {
      api.close();
    }
    if (ollama != null) {
      ollama.close();
    }
  }

  @Test
  void aCodeJobsBranchIsReviewedAndTheNextJobOnARelatedIssueLearnsFromBoth() throws Exception {
    IsolatedGitConfig.install(dataDir.resolve("git"));
    try (Git git = Git.init().setDirectory(repo.toFile()).setInitialBranch("main").call()) {
      Files.writeString(repo.resolve("App.txt"), "hello wrld\nbye\n");
      git.add().addFilepattern(".").call();
      PersonIdent who = new PersonIdent("Ada", "ada@example.org");
      git.commit().setMessage("first").setAuthor(who).setCommitter(who).setSign(false).call();
    }
    List<String> code = List.of(
        "{\"name\":\"write_file\",\"arguments\":{\"path\":\"App.txt\",\"content\":\"hello world\\nbye\\n\"}}",
        "{\"name\":\"final_answer\",\"arguments\":{\"answer\":\"Fixed the greeting typo\"}}",
        "{\"name\":\"final_answer\",\"arguments\":{\"answer\":\"Nothing to do\"}}");
    List<String> review = List.of("{\"name\":\"final_answer\",\"arguments\":{\"summary\":\"Good fix, say why in the commit\","
        + "\"findings\":[{\"file\":\"App.txt\",\"line\":1,\"severity\":\"minor\",\"focus\":\"correctness\",\"message\":"
        + "\"world is right; a test would keep it so\"},{\"file\":\"App.txt\",\"line\":2,\"severity\":\"major\",\"focus\":"
        + "\"correctness\",\"message\":\"invented: bye did not change\"}]}}");
    AtomicInteger codeTurns = new AtomicInteger();
    AtomicInteger reviewTurns = new AtomicInteger();
    ollama = new OllamaStandIn(List.of(new StandInModel("coder:1b", StandInModel.GIB, 16, 4, 64, Duration.ofMillis(50),
        500, 0, List.of("completion"))), 8 * StandInModel.GIB, 2, 0.01).start();
    ollama.script(r -> r.body().path("messages").toString().contains("the review agent")
        ? Script.Answer.text(review.get(Math.min(reviewTurns.getAndIncrement(), review.size() - 1)))
        : Script.Answer.text(code.get(Math.min(codeTurns.getAndIncrement(), code.size() - 1))));
    api = new RunningApi(dataDir, Map.of("turbo-agents.ollama.host", ollama.url(),
        "turbo-agents.workspace.path", repo.toString(),
        "turbo-agents.tools.test-command", "grep -q world App.txt",
        "turbo-agents.agents.code-model", "coder:1b",
        "turbo-agents.agents.review-model", "coder:1b"));
    String greeting = api.post("/api/v1/issues", "{\"title\": \"Fix the greeting\", \"description\": \"wrld\"}").json()
        .get("id").asText();
    String release = api.post("/api/v1/issues", "{\"title\": \"Release notes for 1.0\", \"description\": \"list the fixes\"}")
        .json().get("id").asText();
    assertEquals(201, api.post("/api/v1/issues/" + release + "/dependencies", "{\"blocked_by\": \"" + greeting + "\"}").status());

    String codeJob = api.post("/api/v1/agents/code/implement", "{\"issue_id\": \"" + greeting + "\"}").json().get("job_id").asText();
    JsonNode implemented = until(codeJob, j -> !j.path("status").asText().matches("queued|running|waiting"));
    assertEquals("succeeded", implemented.path("status").asText(), implemented.toString());
    assertEquals(List.of("App.txt"), List.of(implemented.path("output").path("files").get(0).asText()));

    // the review's refusals name what was wrong
    assertError(api.post("/api/v1/agents/review/analyze", "{}"), 400, "exactly one of 'pr_id'");
    assertError(api.post("/api/v1/agents/review/analyze", "{\"pr_id\": \"" + codeJob + "\", \"branch\": \"main\"}"), 400, "2 were");
    assertError(api.post("/api/v1/agents/review/analyze", "{\"range\": \"main\"}"), 400, "'range'");
    assertError(api.post("/api/v1/agents/review/analyze", "{\"branch\": \"main\", \"focus\": [\"speed\"]}"), 400, "focus[0]");
    assertError(api.post("/api/v1/agents/review/analyze", "{\"pr_id\": \"no-such-job\"}"), 404, "no-such-job");
    assertError(api.post("/api/v1/agents/review/analyze", "{\"branch\": \"nope\"}"), 404, "nope");
    assertError(api.post("/api/v1/agents/review/analyze", "{\"range\": \"main..nope\"}"), 404, "main..nope");

    var accepted = api.post("/api/v1/agents/review/analyze", "{\"pr_id\": \"" + codeJob + "\", \"focus\": [\"correctness\"]}");
    assertEquals(202, accepted.status(), accepted.body());
    String reviewJob = accepted.json().get("job_id").asText();
    JsonNode reviewed = until(reviewJob, j -> !j.path("status").asText().matches("queued|running|waiting"));
    assertEquals("succeeded", reviewed.path("status").asText(), reviewed.toString());
    assertEquals(greeting, reviewed.path("issue_id").asText(), "linked to the code job's issue");
    JsonNode output = reviewed.path("output");
    assertEquals(1, output.path("findings").size(), output.toString());
    assertEquals(1, output.path("findings").get(0).path("line").asInt());
    assertEquals(1, output.path("dropped_findings").asInt(), "line 2 is not touched by the fix");
    JsonNode comments = api.get("/api/v1/issues/" + greeting + "/comments").json();
    long reviews = 0;
    for (JsonNode c : comments.isArray() ? comments : comments.path("comments")) {
      reviews += c.path("text").asText().startsWith("Review of job " + codeJob) ? 1 : 0;
    }
    assertEquals(1, reviews, comments.toString());

    // the graph learned the job, its commit, the file and both decisions
    String commit = implemented.path("commit").asText();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    String related = "";
    while (System.nanoTime() < deadline) {
      related = api.get("/api/v1/graph/entities/job/" + codeJob + "/related?depth=1&limit=50").body();
      if (related.contains("\"entity_id\":\"" + commit + "\"") && related.contains("\"entity_id\":\"App.txt\"")
          && related.contains("\"entity_id\":\"" + codeJob + "/1\"")) {
        break;
      }
      Thread.sleep(250);
    }
    assertTrue(related.contains("\"entity_id\":\"" + commit + "\"") && related.contains("\"via\":\"PRODUCED>\""), related);
    assertTrue(related.contains("\"entity_id\":\"App.txt\"") && related.contains("\"via\":\"TOUCHES>\""), related);
    assertTrue(related.contains("\"entity_id\":\"" + greeting + "\"") && related.contains("\"via\":\"WORKS_ON>\""), related);
    assertTrue(related.contains("\"via\":\"<DECIDED_IN\""), related);
    String fromCommit = api.get("/api/v1/graph/entities/commit/" + commit + "/related?depth=1").body();
    assertTrue(fromCommit.contains("\"entity_id\":\"App.txt\""), "the commit touches the file: " + fromCommit);
    for (int i = 0; i < 200 && !api.get("/api/v1/graph/entities/job/" + reviewJob + "/related?depth=1").body()
        .contains(reviewJob + "/1"); i++) {
      Thread.sleep(250);
    }

    // a new job on the release issue (blocked by the greeting) starts from the decisions on the greeting
    String next = api.post("/api/v1/agents/code/implement", "{\"issue_id\": \"" + release + "\"}").json().get("job_id").asText();
    JsonNode started = until(next, j -> {
      for (JsonNode s : j.path("steps")) {
        if (s.path("task").isTextual()) {
          return true;
        }
      }
      return false;
    });
    String task = "";
    for (JsonNode s : started.path("steps")) {
      task = s.path("task").isTextual() ? s.path("task").asText() : task;
    }
    assertTrue(task.contains("Past decisions") && task.contains("Implemented on agents/" + codeJob), task);
    assertTrue(task.contains("Review of job " + codeJob + " (branch agents/" + codeJob + "): 1 findings")
        && task.contains("App.txt:1 world is right"), "the review's verdict too: " + task);
    assertTrue(task.contains("(related: <BLOCKS)"), task);
  }

  @Test
  void withoutAWorkspaceAReviewIsRefusedNamingTheFlag() throws Exception {
    api = new RunningApi(dataDir, Map.of());
    assertError(api.post("/api/v1/agents/review/analyze", "{\"branch\": \"main\"}"), 409, "--workspace");
  }

  private JsonNode until(String job, Predicate<JsonNode> done) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    JsonNode now = api.get("/api/v1/agents/jobs/" + job).json();
    while (!done.test(now) && System.nanoTime() < deadline) {
      Thread.sleep(200);
      now = api.get("/api/v1/agents/jobs/" + job).json();
    }
    assertTrue(done.test(now), now.toString());
    return now;
  }

  private static void assertError(RunningApi.Reply reply, int status, String names) {
    assertEquals(status, reply.status(), reply.body());
    assertTrue(reply.body().contains(names), "the detail names " + names + ": " + reply.body());
  }
}
