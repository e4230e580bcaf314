package dev.turboagents.bench;

import dev.turboagents.actors.agents.AgentJobs;
import dev.turboagents.actors.inference.InferenceActor;
import dev.turboagents.actors.inference.MemoryBudget;
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
import dev.turboagents.persistence.jobs.TurnKind;
import dev.turboagents.persistence.tracker.NewIssue;
import dev.turboagents.persistence.tracker.Tracker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.PersonIdent;

/**
 * Item 9 of issue 12: code jobs on a tiny repository against a real Ollama until each model made at
 * least N turns. Prints per model the share of turns that were a valid tool call or final answer
 * the first time, and after repair (an invalid answer followed, after its correction, by a valid
 * one counts as one repaired turn), and the runtime's own cost per turn outside the model call:
 * the time from the previous persisted step to this turn's record, less the model's own duration
 * (Ollama's total_duration), p50/p99, against the model call measured in the same run.
 *
 * <p>{@code bench/run AgentTurnBenchmark <ollama-url> <turns-per-model> <model>...}
 */
public final class AgentTurnBenchmark {

  public static void main(String[] args) throws Exception {
    String url = args.length > 0 ? args[0] : "http://127.0.0.1:11434";
    int wanted = args.length > 1 ? Integer.parseInt(args[1]) : 50;
    List<String> models = args.length > 2 ? Arrays.asList(args).subList(2, args.length) : List.of("gemma3:270m", "smollm2:135m");
    Map<String, Tally> tallies = new java.util.LinkedHashMap<>();
    models.forEach(m -> tallies.put(m, new Tally()));
    // one job per model in turn, so that a run stopped early has figures for every model; the
    // table so far goes to stderr after every job
    while (tallies.values().stream().anyMatch(t -> t.turns.size() < wanted)) {
      for (String model : models) {
        Tally tally = tallies.get(model);
        if (tally.turns.size() < wanted) {
          Job job = oneJob(url, model);
          tally.add(job);
          System.err.println(model + ": job " + tally.jobs + " " + job.status() + " " + job.error().orElse("") + " ("
              + tally.turns.size() + " turns)");
          System.err.println(table(tallies).render());
        }
      }
    }
    System.out.println(table(tallies).render());
    System.exit(0);
  }

  private static Table table(Map<String, Tally> tallies) {
    Table table = new Table("model", "turns", "jobs", "valid first try", "valid after repair", "runtime p50 ms",
        "runtime p99 ms", "model p50 ms", "runtime/model p50");
    tallies.forEach((model, t) -> {
      long firstTry = t.turns.stream().filter(x -> x.kind() == TurnKind.TOOL_CALL || x.kind() == TurnKind.FINAL).count();
      long[] runtime = t.runtimeNanos.stream().mapToLong(Long::longValue).sorted().toArray();
      long[] modelCalls = t.turns.stream().mapToLong(x -> TimeUnit.MILLISECONDS.toNanos(x.durationMillis())).sorted().toArray();
      double r50 = runtime.length == 0 ? 0 : Table.percentileMs(runtime, 0.5);
      double m50 = modelCalls.length == 0 ? 0 : Table.percentileMs(modelCalls, 0.5);
      table.row(model, t.turns.size(), t.jobs, pct(firstTry, t.turns.size()), pct(t.validLogical, t.logical), Table.fmt(r50),
          Table.fmt(runtime.length == 0 ? 0 : Table.percentileMs(runtime, 0.99)), Table.fmt(m50),
          Table.fmt(m50 == 0 ? 0 : r50 / m50));
    });
    return table;
  }

  /** One model's turns so far. */
  private static final class Tally {
    final List<JobEntity.ModelTurned> turns = new ArrayList<>();
    final List<Long> runtimeNanos = new ArrayList<>();
    int jobs;
    int logical;
    int validLogical;

    void add(Job job) {
      jobs++;
      Instant previous = null;
      boolean inRepair = false;
      for (JobEntity.Step step : job.steps()) {
        if (step instanceof JobEntity.ModelTurned t) {
          turns.add(t);
          if (previous != null) {
            runtimeNanos.add(Math.max(0, Duration.between(previous, t.at()).toNanos()
                - TimeUnit.MILLISECONDS.toNanos(t.durationMillis())));
          }
          if (t.kind() == TurnKind.INVALID) {
            inRepair = true;
            // what the model said and what it was told: where the failures come from
            System.err.println("  invalid turn " + t.step() + " (" + t.mode() + "): " + excerpt(t.answer()) + " -> "
                + excerpt(t.correction().orElse("")));
          } else {
            logical++;
            validLogical++;
            inRepair = false;
          }
        }
        previous = step.at();
      }
      if (inRepair) {
        logical++;
      }
    }
  }

  private static String excerpt(String text) {
    String line = text.replace('\n', ' ');
    return line.length() <= 200 ? line : line.substring(0, 200) + "...";
  }

  private static String pct(long part, long whole) {
    return whole == 0 ? "-" : String.format("%.1f %%", 100.0 * part / whole);
  }

  /** One implement job on a fresh repository and journal; returns the job as it ended. */
  private static Job oneJob(String url, String model) throws Exception {
    Path root = Files.createTempDirectory("agent-bench");
    Path repo = root.resolve("repo");
    Path dataDir = root.resolve("data");
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
        "turbo-agents.agents.max-steps", 8));
    // a CPU Ollama on a shared machine can take longer than the watchdog's 20 s to its first token
    var inference = StandInSettings.inference(Map.of("turbo-agents.inference.request-timeout", "300s",
        "turbo-agents.inference.default-deadline", "300s", "turbo-agents.inference.stall-timeout", "240s",
        "turbo-agents.inference.load-timeout", "120s"));
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "bench", settings.config());
    Tracker.Spawner kit = new Tracker.Spawner() {
      public <T> ActorRef<T> spawn(Behavior<T> behavior, String name) {
        return system.systemActorOf(behavior, name, Props.empty());
      }
    };
    try (OllamaBackend backend = new OllamaBackend(url, inference)) {
      var door = kit.spawn(InferenceActor.create(inference, backend, new MemoryBudget(8L << 30, "bench")), "inference");
      Tracker tracker = Tracker.start(kit, system, settings.tracker(), Duration.ofSeconds(10));
      String issue = tracker.createIssue(new NewIssue("Fix the typo in greeting.txt",
          "greeting.txt says 'hello wrld'; it must say 'hello world'.", Optional.of(Priority.MEDIUM), List.of(),
          Optional.empty(), Optional.empty(), "bench")).toCompletableFuture().get(15, TimeUnit.SECONDS).id();
      AgentJobs agents = AgentJobs.start(kit, system, settings, AgentSettings.of(settings), door, tracker,
          new CompletableFuture<Graph>(), new CompletableFuture<CodeIndex>());
      Job job = agents.implement(issue, Optional.empty(), AgentJobs.BudgetOverride.NONE, "bench")
          .toCompletableFuture().get(15, TimeUnit.SECONDS);
      while (!job.status().finished()) {
        Thread.sleep(500);
        job = agents.job(job.id()).toCompletableFuture().get(15, TimeUnit.SECONDS);
      }
      return job;
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }
}
