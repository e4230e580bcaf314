package dev.turboagents.actors.agents;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.turboagents.actors.inference.InferenceActor;
import dev.turboagents.actors.inference.MemoryBudget;
import dev.turboagents.actors.inference.RealOllama;
import dev.turboagents.actors.inference.ollama.OllamaBackend;
import dev.turboagents.actors.inference.standin.StandInSettings;
import dev.turboagents.config.AgentSettings;
import dev.turboagents.config.Settings;
import dev.turboagents.persistence.graph.Graph;
import dev.turboagents.persistence.graph.code.CodeIndex;
import dev.turboagents.persistence.issues.Issue;
import dev.turboagents.persistence.issues.Priority;
import dev.turboagents.persistence.jobs.Job;
import dev.turboagents.persistence.jobs.JobEntity;
import dev.turboagents.persistence.jobs.JobStatus;
import dev.turboagents.persistence.jobs.TurnKind;
import dev.turboagents.persistence.tracker.NewIssue;
import dev.turboagents.persistence.tracker.Tracker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real tier: a triage job with smollm2:135m as the issue model. Whatever the model does, the
 * job ends succeeded with labels and a priority from the allowed sets on the issue, or failed with
 * a clear reason: never a crash or an unparsed answer.
 */
@Tag("real-ollama")
class IssueAgentRealTest {
  private static final String MODEL = "smollm2:135m";

  @TempDir
  Path dataDir;

  @Test
  void aTriageJobOnASmallModelEndsWellFormed() throws Exception {
    Settings settings = Settings.forTest(dataDir, Map.of(
        "turbo-agents.agents.issue-model", MODEL,
        "turbo-agents.agents.answer-tokens", 200,
        "turbo-agents.agents.max-steps", 3));
    var inference = StandInSettings.inference(Map.of("turbo-agents.inference.request-timeout", "60s",
        "turbo-agents.inference.default-deadline", "60s"));
    ActorTestKit kit = ActorTestKit.create("real", settings.config());
    try (OllamaBackend backend = new OllamaBackend(RealOllama.url(), inference)) {
      var door = kit.spawn(InferenceActor.create(inference, backend, new MemoryBudget(8L << 30, "test")));
      Tracker tracker = Tracker.start(kit::spawn, kit.system(), settings.tracker(), Duration.ofSeconds(10));
      String issue = tracker.createIssue(new NewIssue("The app crashes when I upload a large photo",
          "Uploading a 20 MB JPEG makes the app close at once. Smaller photos work.", Optional.of(Priority.MEDIUM),
          List.of("mobile"), Optional.empty(), Optional.empty(), "ada")).toCompletableFuture().get(15, TimeUnit.SECONDS).id();
      AgentJobs agents = AgentJobs.start(kit::spawn, kit.system(), settings, AgentSettings.of(settings), door, tracker,
          new CompletableFuture<Graph>(), new CompletableFuture<CodeIndex>());
      var start = agents.triage(Optional.of(List.of(issue)), true, "real-test").toCompletableFuture().get(15, TimeUnit.SECONDS);
      Job job = ((AgentJobs.TriageStart.Started) start).job();
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(80);
      while (!job.status().finished() && System.nanoTime() < until) {
        Thread.sleep(500);
        job = agents.job(job.id()).toCompletableFuture().get(15, TimeUnit.SECONDS);
      }
      if (!job.status().finished()) {
        job = agents.cancel(job.id(), "the real test's 80 s").toCompletableFuture().get(15, TimeUnit.SECONDS);
      }
      List<JobEntity.ModelTurned> turns = job.steps().stream().filter(JobEntity.ModelTurned.class::isInstance)
          .map(JobEntity.ModelTurned.class::cast).toList();
      StringBuilder report = new StringBuilder(MODEL + ": " + job.status() + " " + job.error().orElse("") + "\n");
      turns.forEach(t -> report.append("  turn ").append(t.step()).append(' ').append(t.mode()).append(' ')
          .append(t.kind()).append(' ').append(t.durationMillis()).append("ms ").append(t.answer().replace('\n', ' '))
          .append('\n'));
      job.output().ifPresent(o -> report.append("  output ").append(o).append('\n'));
      System.out.println(report);
      assertTrue(job.status() == JobStatus.SUCCEEDED || job.status() == JobStatus.FAILED
          || job.status() == JobStatus.CANCELLED, report.toString());
      assertFalse(job.error().orElse("").contains("crashed"), report.toString());
      assertTrue(turns.stream().allMatch(t -> t.kind() != TurnKind.INVALID || t.correction().isPresent()),
          "every unusable answer got a correction: " + report);
      if (job.status() == JobStatus.SUCCEEDED) {
        Issue triaged = tracker.issue(issue).toCompletableFuture().get(15, TimeUnit.SECONDS).issue();
        List<String> allowed = List.of("bug", "docs", "feature", "mobile", "performance", "question", "security");
        assertTrue(allowed.containsAll(triaged.labels()), "labels from the allowed set: " + triaged.labels() + "\n" + report);
        assertTrue(IssueAgent.PRIORITIES.contains(triaged.priority().wire()), report.toString());
        JsonNode output = new ObjectMapper().readTree(job.output().orElseThrow());
        assertTrue(output.path("issues").path(0).path("issue_id").asText().equals(issue), report.toString());
        assertTrue(tracker.triagedBy(issue).toCompletableFuture().get(15, TimeUnit.SECONDS).contains(job.id()));
      } else {
        assertTrue(!job.error().orElse("").isBlank(), "a failure says why: " + report);
      }
    } finally {
      kit.shutdownTestKit();
    }
  }
}
