package dev.turboagents.runtime.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.turboagents.actors.inference.standin.OllamaStandIn;
import dev.turboagents.actors.inference.standin.Script;
import dev.turboagents.actors.inference.standin.StandInModel;
import dev.turboagents.actors.tools.workspace.IsolatedGitConfig;
import dev.turboagents.persistence.Eventually;
import dev.turboagents.persistence.graph.code.CodeHit;
import dev.turboagents.runtime.api.RunningApi.Reply;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.PersonIdent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A new user's daemon with {@code --workspace}: /health answers at once while the main branch is
 * indexed in the background ({@code code_index} in /health says how far), the index holds the
 * committed tree and never the user's uncommitted or untracked files, a code job's
 * search_codebase searches that same index, the job's commit is indexed after it, and a restart
 * indexes the main branch again reading only what changed. Embeddings by the Ollama stand-in.
 */
class WorkspaceCodeIndexApiTest {
  @TempDir Path dataDir;
  @TempDir Path repo;
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
  void theWorkspaceIsIndexedAtStartInTheBackgroundAndAgainAfterTheAgentsCommit() throws Exception {
    IsolatedGitConfig.install(dataDir.resolve("git"));
    String mainTip;
    try (Git git = Git.init().setDirectory(repo.toFile()).setInitialBranch("main").call()) {
      Files.writeString(repo.resolve("App.txt"), "hello wrld\n");
      Files.createDirectories(repo.resolve("src"));
      Files.writeString(repo.resolve("src/Ledger.java"), "final class Ledger {\n  void reconcileLedger() { /* zanzibar */ }\n}\n");
      git.add().addFilepattern(".").call();
      PersonIdent who = new PersonIdent("Ada", "ada@example.org");
      mainTip = git.commit().setMessage("first").setAuthor(who).setCommitter(who).setSign(false).call().getName();
    }
    // the user's own work in progress: never indexed, never touched
    String edited = "final class Ledger {\n  void reconcileLedger() { /* zanzibar uncommittedmarker */ }\n}\n";
    Files.writeString(repo.resolve("src/Ledger.java"), edited);
    Files.writeString(repo.resolve("Notes.txt"), "untrackedmarker\n");

    List<String> answers = List.of(
        "{\"name\":\"search_codebase\",\"arguments\":{\"query\":\"zanzibar reconcileLedger\"}}",
        "{\"name\":\"write_file\",\"arguments\":{\"path\":\"App.txt\",\"content\":\"hello world\\nquokka\\n\"}}",
        "{\"name\":\"final_answer\",\"arguments\":{\"answer\":\"Fixed the greeting\"}}");
    AtomicInteger n = new AtomicInteger();
    ollama = new OllamaStandIn(List.of(
        new StandInModel("coder:1b", StandInModel.GIB, 16, 4, 64, Duration.ofMillis(50), 500, 0, List.of("completion")),
        new StandInModel("embedder:1b", StandInModel.GIB / 4, 4, 2, 32, Duration.ofMillis(20), 500, 64, List.of("embedding"))),
        8 * StandInModel.GIB, 2, 0.01).start();
    ollama.script(r -> Script.Answer.text(answers.get(Math.min(n.getAndIncrement(), answers.size() - 1))));
    Map<String, Object> settings = Map.of("turbo-agents.ollama.host", ollama.url(),
        "turbo-agents.workspace.path", repo.toString(),
        "turbo-agents.tools.test-command", "grep -q world App.txt",
        "turbo-agents.agents.code-model", "coder:1b",
        "turbo-agents.graph.embedding-model", "ollama:embedder:1b");
    api = new RunningApi(dataDir, settings, false);

    // right after the bind: /health answers (nothing is down), the index is not waited for
    Reply first = api.get("/health");
    assertNotEquals(503, first.status(), first.body());

    JsonNode ready = readyAt(mainTip);
    assertEquals(2, ready.get("figures").get("files").asLong(), ready.toString());
    assertTrue(ready.get("figures").get("chunks").asLong() >= 2, ready.toString());
    assertEquals("up", ready.get("status").asText(), ready.toString());

    List<CodeHit> hits = search("zanzibar reconcileLedger");
    assertEquals("src/Ledger.java", hits.getFirst().path(), hits.toString());
    for (CodeHit hit : search("uncommittedmarker untrackedmarker")) {
      assertFalse(hit.snippet().contains("uncommittedmarker") || hit.snippet().contains("untrackedmarker"),
          "the index holds the committed tree only: " + hit);
      assertNotEquals("Notes.txt", hit.path());
    }
    assertEquals(edited, Files.readString(repo.resolve("src/Ledger.java")), "the user's working tree is untouched");

    String issue = api.post("/api/v1/issues", "{\"title\": \"Fix the greeting\", \"description\": \"wrld\"}").json()
        .get("id").asText();
    String job = api.post("/api/v1/agents/code/implement", "{\"issue_id\": \"" + issue + "\"}").json().get("job_id").asText();
    JsonNode done = Eventually.value(Duration.ofSeconds(120), () -> {
      JsonNode j = api.get("/api/v1/agents/jobs/" + job).json();
      if (!j.get("status").asText().equals("succeeded")) {
        throw new AssertionError("not succeeded yet: " + j);
      }
      return j;
    });
    JsonNode searched = null;
    for (JsonNode step : done.get("steps")) {
      if ("search_codebase".equals(step.path("tool").asText())) {
        searched = step;
      }
    }
    assertEquals("ok", searched.get("outcome").asText(), searched.toString());
    assertTrue(searched.get("result").asText().startsWith("src/Ledger.java:1-3"), "search_codebase searched the workspace's index: " + searched);

    String jobCommit = done.get("commit").asText();
    readyAt(jobCommit);
    assertEquals("App.txt", search("quokka").getFirst().path(), "the job's commit is in the index");

    api.close();
    api = new RunningApi(dataDir, settings, false);
    JsonNode again = readyAt(mainTip);
    assertTrue(again.get("detail").asText().contains("1 files read, 1 unchanged"),
        "after the restart only the file the job changed is read again: " + again);
    assertEquals("src/Ledger.java", search("zanzibar").getFirst().path());
  }

  /** Waits until /health's code_index is ready at {@code commit}; returns that part. */
  private JsonNode readyAt(String commit) {
    return Eventually.value(Duration.ofSeconds(180), () -> {
      Reply health = api.get("/health");
      JsonNode part = health.json().path("components").path("code_index");
      if (!part.path("figures").path("state").asText().equals("ready") || !commit.equals(part.path("figures").path("commit").asText())) {
        throw new AssertionError("code_index is not ready at " + commit + " yet: " + health.body());
      }
      return part;
    });
  }

  private List<CodeHit> search(String query) throws Exception {
    return api.daemon.subsystems().graph().api().toCompletableFuture().get(90, TimeUnit.SECONDS).code().search(query, 5)
        .toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
