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
import dev.turboagents.actors.tools.workspace.IsolatedGitConfig;
import dev.turboagents.actors.tools.workspace.ReviewTarget;
import dev.turboagents.config.AgentSettings;
import dev.turboagents.config.Settings;
import dev.turboagents.persistence.graph.Graph;
import dev.turboagents.persistence.graph.code.CodeIndex;
import dev.turboagents.persistence.jobs.Job;
import dev.turboagents.persistence.jobs.JobEntity;
import dev.turboagents.persistence.jobs.JobStatus;
import dev.turboagents.persistence.jobs.TurnKind;
import dev.turboagents.persistence.tracker.Tracker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.PersonIdent;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real tier: a review job with gemma3:270m (a base model, no tools capability: the answer
 * schema carries the calls) on a real feature branch. Whatever the model does, the job ends
 * succeeded with every finding on a line the change touches, or failed with a clear reason, within
 * its budget: never a crash, a hang or an unparsed answer.
 */
@Tag("real-ollama")
class ReviewAgentRealTest {
  private static final String MODEL = "gemma3:270m";
  private static final String GREETING = "src/main/java/demo/Greeting.java";
  /** The lines the feature branch touches, per file. */
  private static final Map<String, Set<Integer>> TOUCHED = Map.of(GREETING, Set.of(10, 11, 12, 13), "README.md", Set.of(3));

  @TempDir
  Path repo;

  @TempDir
  Path dataDir;

  @Test
  void aReviewOnASmallModelEndsWellFormed() throws Exception {
    IsolatedGitConfig.install(dataDir.resolve("git"));
    PersonIdent who = new PersonIdent("Ada", "ada@example.org");
    try (Git git = Git.init().setDirectory(repo.toFile()).setInitialBranch("main").call()) {
      Files.createDirectories(repo.resolve("src/main/java/demo"));
      Files.writeString(repo.resolve(GREETING), """
          package demo;

          public final class Greeting {
            public static String greet(String name) {
              if (name == null || name.isBlank()) {
                return "hello, stranger";
              }
              return "hello, " + name;
            }
          }
          """);
      Files.writeString(repo.resolve("README.md"), "# Greeting\n\nSays hello.\n");
      git.add().addFilepattern(".").call();
      git.commit().setMessage("Greet by name").setAuthor(who).setCommitter(who).setSign(false).call();
      git.checkout().setCreateBranch(true).setName("feature").call();
      Files.writeString(repo.resolve(GREETING), """
          package demo;

          public final class Greeting {
            public static String greet(String name) {
              if (name == null || name.isBlank()) {
                return "hello, stranger";
              }
              return "hello, " + name;
            }

            public static String shout(String name) {
              return greet(name).toUpperCase();
            }
          }
          """);
      Files.writeString(repo.resolve("README.md"), "# Greeting\n\nSays hello, and shouts it.\n");
      git.add().addFilepattern(".").call();
      git.commit().setMessage("Shout the greeting").setAuthor(who).setCommitter(who).setSign(false).call();
      git.checkout().setName("main").call();
    }
    Settings settings = Settings.forTest(dataDir, Map.of(
        "turbo-agents.workspace.path", repo.toString(),
        "turbo-agents.agents.review-model", MODEL,
        "turbo-agents.agents.answer-tokens", 256,
        "turbo-agents.agents.max-steps", 3,
        "turbo-agents.agents.max-wall-time", "150s"));
    var inference = StandInSettings.inference(Map.of("turbo-agents.inference.request-timeout", "90s",
        "turbo-agents.inference.default-deadline", "90s"));
    ActorTestKit kit = ActorTestKit.create("real", settings.config());
    try (OllamaBackend backend = new OllamaBackend(RealOllama.url(), inference)) {
      var door = kit.spawn(InferenceActor.create(inference, backend, new MemoryBudget(8L << 30, "test")));
      Tracker tracker = Tracker.start(kit::spawn, kit.system(), settings.tracker(), Duration.ofSeconds(10));
      AgentJobs agents = AgentJobs.start(kit::spawn, kit.system(), settings, AgentSettings.of(settings), door, tracker,
          new CompletableFuture<Graph>(), new CompletableFuture<CodeIndex>());
      Job job = agents.review(new ReviewTarget.Branch("feature"), List.of(), Optional.empty(),
          AgentJobs.BudgetOverride.NONE, "real-test").toCompletableFuture().get(30, TimeUnit.SECONDS);
      // the budget is 150 s of wall time: the job must have ended by then on its own (no hang)
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
      while (!job.status().finished() && System.nanoTime() < until) {
        Thread.sleep(500);
        job = agents.job(job.id()).toCompletableFuture().get(15, TimeUnit.SECONDS);
      }
      List<JobEntity.ModelTurned> turns = job.steps().stream().filter(JobEntity.ModelTurned.class::isInstance)
          .map(JobEntity.ModelTurned.class::cast).toList();
      StringBuilder report = new StringBuilder(MODEL + ": " + job.status() + " " + job.error().orElse("") + "\n");
      turns.forEach(t -> report.append("  turn ").append(t.step()).append(' ').append(t.mode()).append(' ')
          .append(t.kind()).append(' ').append(t.durationMillis()).append("ms ").append(t.answer().replace('\n', ' '))
          .append('\n'));
      job.output().ifPresent(o -> report.append("  output ").append(o).append('\n'));
      System.out.println(report);
      assertTrue(job.status() == JobStatus.SUCCEEDED || job.status() == JobStatus.FAILED,
          "ended on its own within its budget: " + report);
      assertFalse(job.error().orElse("").contains("crashed"), report.toString());
      assertTrue(turns.stream().allMatch(t -> t.kind() != TurnKind.INVALID || t.correction().isPresent()),
          "every unusable answer got a correction: " + report);
      if (job.status() == JobStatus.SUCCEEDED) {
        JsonNode output = new ObjectMapper().readTree(job.output().orElseThrow());
        for (JsonNode f : output.path("findings")) {
          assertTrue(TOUCHED.getOrDefault(f.path("file").asText(), Set.of()).contains(f.path("line").asInt()),
              "every finding kept is on a touched line: " + f + "\n" + report);
        }
        assertTrue(output.path("dropped_findings").isInt(), report.toString());
      } else {
        assertFalse(job.error().orElse("").isBlank(), "a failure says why: " + report);
      }
    } finally {
      kit.shutdownTestKit();
    }
  }
}
