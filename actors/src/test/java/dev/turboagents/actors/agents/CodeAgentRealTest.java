package dev.turboagents.actors.agents;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turboagents.actors.inference.InferenceActor;
import dev.turboagents.actors.inference.MemoryBudget;
import dev.turboagents.actors.inference.RealOllama;
import dev.turboagents.actors.inference.ollama.OllamaBackend;
import dev.turboagents.actors.inference.standin.StandInSettings;
import dev.turboagents.actors.tools.workspace.IsolatedGitConfig;
import dev.turboagents.config.AgentSettings;
import dev.turboagents.config.Settings;
import dev.turboagents.persistence.graph.Graph;
import dev.turboagents.persistence.graph.code.CodeIndex;
import dev.turboagents.persistence.issues.Priority;
import dev.turboagents.persistence.jobs.Job;
import dev.turboagents.persistence.jobs.JobEntity;
import dev.turboagents.persistence.jobs.JobStatus;
import dev.turboagents.persistence.jobs.TurnKind;
import dev.turboagents.persistence.tracker.NewIssue;
import dev.turboagents.persistence.tracker.Tracker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.PersonIdent;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The real tier: an implement job on a tiny repository with a real small model as the code model.
 * Whatever the model does, the job ends succeeded or failed with a reason within its budget: never
 * a crash, a hang or an unparsed answer (every turn is a call, a final answer, or an invalid one
 * that got a correction).
 */
@Tag("real-ollama")
class CodeAgentRealTest {

  @TempDir
  Path repo;

  @TempDir
  Path dataDir;

  @ParameterizedTest
  @ValueSource(strings = {"gemma3:270m", "smollm2:135m"})
  void anImplementJobEndsWithinItsBudget(String model) throws Exception {
    IsolatedGitConfig.install(dataDir.resolve("git"));
    try (Git git = Git.init().setDirectory(repo.toFile()).setInitialBranch("main").call()) {
      Files.writeString(repo.resolve("greeting.txt"), "hello wrld\n");
      git.add().addFilepattern(".").call();
      PersonIdent who = new PersonIdent("Ada", "ada@example.org");
      git.commit().setMessage("Add the greeting").setAuthor(who).setCommitter(who).setSign(false).call();
    }
    Settings settings = Settings.forTest(dataDir, Map.of(
        "turbo-agents.workspace.path", repo.toString(),
        "turbo-agents.tools.test-command", "grep -q 'hello world' greeting.txt",
        "turbo-agents.agents.code-model", model,
        "turbo-agents.agents.answer-tokens", 200,
        "turbo-agents.agents.max-steps", 6));
    var inference = StandInSettings.inference(Map.of("turbo-agents.inference.request-timeout", "120s",
        "turbo-agents.inference.default-deadline", "120s"));
    ActorTestKit kit = ActorTestKit.create("real", settings.config());
    try (OllamaBackend backend = new OllamaBackend(RealOllama.url(), inference)) {
      var door = kit.spawn(InferenceActor.create(inference, backend, new MemoryBudget(8L << 30, "test")));
      Tracker tracker = Tracker.start(kit::spawn, kit.system(), settings.tracker(), Duration.ofSeconds(10));
      String issue = tracker.createIssue(new NewIssue("Fix the typo in greeting.txt",
          "greeting.txt says 'hello wrld'; it must say 'hello world'.", Optional.of(Priority.MEDIUM), List.of(),
          Optional.empty(), Optional.empty(), "ada")).toCompletableFuture().get(15, TimeUnit.SECONDS).id();
      AgentJobs agents = AgentJobs.start(kit::spawn, kit.system(), settings, AgentSettings.of(settings), door, tracker,
          new CompletableFuture<Graph>(), new CompletableFuture<CodeIndex>());
      Job job = agents.implement(issue, Optional.empty(), new AgentJobs.BudgetOverride(Optional.empty(),
          Optional.of(Duration.ofSeconds(150)), Optional.empty()), "real-test").toCompletableFuture().get(15, TimeUnit.SECONDS);
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(200);
      while (!job.status().finished() && System.nanoTime() < until) {
        Thread.sleep(500);
        job = agents.job(job.id()).toCompletableFuture().get(15, TimeUnit.SECONDS);
      }
      List<JobEntity.ModelTurned> turns = job.steps().stream().filter(JobEntity.ModelTurned.class::isInstance)
          .map(JobEntity.ModelTurned.class::cast).toList();
      StringBuilder report = new StringBuilder(model + ": " + job.status() + " " + job.error().orElse("") + "\n");
      turns.forEach(t -> report.append("  turn ").append(t.step()).append(' ').append(t.mode()).append(' ')
          .append(t.kind()).append(' ').append(t.durationMillis()).append("ms ").append(t.answer().replace('\n', ' '))
          .append('\n'));
      System.out.println(report);
      assertTrue(job.status() == JobStatus.SUCCEEDED || job.status() == JobStatus.FAILED, report.toString());
      assertTrue(job.status() == JobStatus.SUCCEEDED || !job.error().orElse("").isBlank(), "a failure says why");
      // on a loaded machine a small model may not answer once within the wall time: that is a failure with its reason
      assertTrue(!turns.isEmpty() || job.error().orElse("").contains("wall time budget"), report.toString());
      assertTrue(turns.stream().allMatch(t -> t.kind() != TurnKind.INVALID || t.correction().isPresent()),
          "every unusable answer got a correction: " + report);
      assertTrue(turns.size() <= 6, "within the step budget: " + report);
      assertFalse(job.error().orElse("").contains("crashed"), report.toString());
    } finally {
      kit.shutdownTestKit();
    }
  }
}
