package dev.turboagents.actors.workflows;

import dev.turboagents.actors.agents.AgentJobs;
import dev.turboagents.actors.inference.InferenceActor;
import dev.turboagents.actors.inference.MemoryBudget;
import dev.turboagents.actors.inference.ollama.OllamaBackend;
import dev.turboagents.actors.inference.standin.StandInSettings;
import dev.turboagents.config.AgentSettings;
import dev.turboagents.config.Settings;
import dev.turboagents.config.WorkflowSettings;
import dev.turboagents.persistence.graph.Graph;
import dev.turboagents.persistence.graph.code.CodeIndex;
import dev.turboagents.persistence.issues.Comment;
import dev.turboagents.persistence.jobs.Job;
import dev.turboagents.persistence.tracker.Tracker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;

/**
 * The daemon's side of the workflows on an actor system of their own: the inference door on the
 * stand-in, the tracker and the jobs on the journal in the settings' data directory, the agents,
 * and the workflows with their steps seen through a {@link StepProbe}. Closing it stops the system
 * in the middle of whatever it does, as a crash would; a new one on the same settings resumes.
 */
final class WorkflowsOnKit implements AutoCloseable {
  final ActorTestKit kit;
  final Tracker tracker;
  final AgentJobs agents;
  final StepProbe probe;
  final Workflows workflows;
  private final OllamaBackend backend;

  WorkflowsOnKit(Settings settings, String ollamaUrl) {
    var inference = StandInSettings.inference(Map.of());
    backend = new OllamaBackend(ollamaUrl, inference);
    kit = ActorTestKit.create("workflows", settings.config());
    var door = kit.spawn(InferenceActor.create(inference, backend, new MemoryBudget(8L << 30, "test")));
    tracker = Tracker.start(kit::spawn, kit.system(), settings.tracker(), Duration.ofSeconds(10));
    AgentSettings agentSettings = AgentSettings.of(settings);
    agents = AgentJobs.start(kit::spawn, kit.system(), settings, agentSettings, door, tracker,
        new CompletableFuture<Graph>(), new CompletableFuture<CodeIndex>());
    WorkflowSettings workflowSettings = WorkflowSettings.of(settings);
    probe = new StepProbe(new AgentSteps(agents, tracker, agents.workspace(), workflowSettings.blockingSeverities()));
    workflows = Workflows.start(kit::spawn, kit.system(), agents, probe, workflowSettings, agentSettings.askTimeout());
  }

  static <T> T await(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  ImplementAndReview.Workflow workflow(String id) throws Exception {
    return await(workflows.workflow(id));
  }

  /** The workflow once it no longer runs (at most three minutes). */
  ImplementAndReview.Workflow finished(String id) throws Exception {
    long until = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    ImplementAndReview.Workflow w = workflow(id);
    while (w.status() == ImplementAndReview.Status.RUNNING && System.nanoTime() < until) {
      Thread.sleep(200);
      w = workflow(id);
    }
    return w;
  }

  /** The job once it finished (at most a minute). */
  Job finishedJob(String jobId) throws Exception {
    long until = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
    Job job = await(agents.job(jobId));
    while (!job.status().finished() && System.nanoTime() < until) {
      Thread.sleep(100);
      job = await(agents.job(jobId));
    }
    return job;
  }

  List<Job> jobsOn(String issueId) throws Exception {
    return await(agents.jobs(new AgentJobs.JobFilter(Optional.empty(), Optional.empty(), Optional.of(issueId))));
  }

  /** The workflows' result comments on the issue. */
  List<String> results(String issueId) throws Exception {
    return await(tracker.comments(issueId)).stream().map(Comment::text)
        .filter(t -> t.startsWith("Implement-and-review workflow")).toList();
  }

  @Override
  public void close() {
    kit.shutdownTestKit();
    backend.close();
  }
}
