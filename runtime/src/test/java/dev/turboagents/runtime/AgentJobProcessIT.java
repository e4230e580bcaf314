package dev.turboagents.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.turboagents.actors.inference.standin.OllamaStandIn;
import dev.turboagents.actors.inference.standin.Script;
import dev.turboagents.actors.inference.standin.StandInModel;
import dev.turboagents.actors.tools.workspace.IsolatedGitConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.util.FS;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged daemon SIGKILLed in the middle of a code job's side effects (the moment its branch
 * arrives in the workspace, before or after its comment and its persisted end), then restarted:
 * the job finishes, with exactly one commit and one comment.
 */
class AgentJobProcessIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();

  @TempDir
  Path dataDir;

  @TempDir
  Path repo;

  private JsonNode send(HttpRequest.Builder request, int expected) throws Exception {
    HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(expected, r.statusCode(), r.body());
    return JSON.readTree(r.body());
  }

  private JsonNode post(String url, String body, int expected) throws Exception {
    return send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)), expected);
  }

  private JsonNode get(String url) throws Exception {
    return send(HttpRequest.newBuilder(URI.create(url)).GET(), 200);
  }

  @Test
  void aCodeJobKilledBetweenItsSideEffectsAndTheirRecordCommitsAndCommentsOnce() throws Exception {
    IsolatedGitConfig.install(repo.resolveSibling(repo.getFileName() + "-git"));
    try (Git git = Git.init().setDirectory(repo.toFile()).setInitialBranch("main").call()) {
      Files.writeString(repo.resolve("App.txt"), "hello wrld\n");
      git.add().addFilepattern(".").call();
      PersonIdent who = new PersonIdent("Ada", "ada@example.org");
      git.commit().setMessage("first").setAuthor(who).setCommitter(who).setSign(false).call();
    }
    List<String> answers = List.of(
        "{\"name\":\"write_file\",\"arguments\":{\"path\":\"App.txt\",\"content\":\"hello world\\n\"}}",
        "{\"name\":\"final_answer\",\"arguments\":{\"answer\":\"Fixed the greeting\"}}");
    AtomicInteger n = new AtomicInteger();
    try (OllamaStandIn ollama = new OllamaStandIn(List.of(new StandInModel("coder:1b", StandInModel.GIB, 16, 4, 64,
        Duration.ofMillis(50), 500, 0, List.of("completion"))), 8 * StandInModel.GIB, 2, 0.01).start()) {
      ollama.script(r -> Script.Answer.text(answers.get(Math.min(n.getAndIncrement(), answers.size() - 1))));
      Map<String, String> env = Map.of("OLLAMA_HOST", ollama.url(), "TURBO_AGENTS_CODE_MODEL", "coder:1b");
      String[] flags = {"--workspace", repo.toString(), "--test-command", "grep -q world App.txt"};
      String issue;
      String job;
      Path branchRef = repo.resolve(".git/refs/heads/agents");
      try (DaemonProcess daemon = DaemonProcess.start(dataDir, env, flags)) {
        String api = daemon.url + "/api/v1";
        issue = post(api + "/issues", "{\"title\": \"Fix the greeting\"}", 201).get("id").asText();
        job = awaitAccepted(api, issue);
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!Files.exists(branchRef.resolve(job)) && System.nanoTime() < until) {
          Thread.sleep(5);
        }
        assertTrue(Files.exists(branchRef.resolve(job)), "the job's branch arrived in the workspace");
        daemon.kill();
        assertEquals(137, daemon.process.exitValue(), "killed by SIGKILL");
      }
      try (DaemonProcess again = DaemonProcess.start(dataDir, env, flags)) {
        String api = again.url + "/api/v1";
        JsonNode done = awaitFinished(api, job);
        assertEquals("succeeded", done.get("status").asText(), done.toString());
        assertEquals(1, get(api + "/issues/" + issue).get("comments").size(), "exactly one comment");
      }
      try (Git git = Git.open(repo.toFile(), FS.DETECTED)) {
        int commits = 0;
        for (RevCommit c : git.log().add(git.getRepository().resolve("refs/heads/agents/" + job)).call()) {
          commits += c.getFullMessage().contains("Turbo-Agents-Key:") ? 1 : 0;
        }
        assertEquals(1, commits, "exactly one commit");
      }
    }
  }

  /** The implement request, retried while the agents subsystem is still starting (503). */
  private String awaitAccepted(String api, String issue) throws Exception {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (true) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(api + "/agents/code/implement"))
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("{\"issue_id\": \"" + issue + "\"}")).build(),
          HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() == 202) {
        return JSON.readTree(r.body()).get("job_id").asText();
      }
      assertEquals(503, r.statusCode(), r.body());
      assertTrue(System.nanoTime() < until, "the agents subsystem did not start: " + r.body());
      Thread.sleep(200);
    }
  }

  private JsonNode awaitFinished(String api, String job) throws Exception {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (true) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(api + "/agents/jobs/" + job)).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() == 200) {
        JsonNode j = JSON.readTree(r.body());
        String status = j.get("status").asText();
        if (status.equals("succeeded") || status.equals("failed") || status.equals("cancelled")) {
          return j;
        }
      }
      assertTrue(System.nanoTime() < until, "the job did not finish after the restart: " + r.body());
      Thread.sleep(200);
    }
  }
}
