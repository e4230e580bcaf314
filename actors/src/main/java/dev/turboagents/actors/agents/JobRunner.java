package dev.turboagents.actors.agents;

import dev.turboagents.actors.telemetry.GenAiSpans;
import dev.turboagents.actors.telemetry.Telemetry;
import dev.turboagents.persistence.jobs.Job;
import dev.turboagents.persistence.jobs.JobStatus;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.slf4j.LoggerFactory;

/**
 * Runs one job's {@link AgentLoop} on a thread of its own (the loop blocks on the model, the tools
 * and the journal) and tells the coordinator when it ended. Stopping the runner (a cancel, the
 * daemon's shutdown) interrupts the loop: its model call is cancelled at the door and a running
 * command has its process tree killed. Anything the loop throws is recorded as the job's failure,
 * so no job stays "running" without a runner.
 */
public final class JobRunner {

  public sealed interface Command {}

  private record LoopEnded() implements Command {}

  /** To the coordinator: the runner of {@code jobId} is done (whatever the job's end). */
  public record Ended(String jobId) {}

  private JobRunner() {}

  public static Behavior<Command> create(String jobId, AgentLoop loop, JobLog log, ActorRef<Ended> coordinator) {
    return Behaviors.setup(context -> {
      GenAiSpans spans = Telemetry.get(context.getSystem()).spans();
      Thread thread = Thread.ofPlatform().name("job-" + jobId).daemon().unstarted(() -> {
        Span span = spans.invokeAgent(loop.agentName(), jobId);
        try (Scope scope = spans.enter(span)) {
          loop.run();
        } catch (JobLog.JobEnded | InterruptedException ended) {
          // cancelled or already recorded
        } catch (Exception | LinkageError e) {
          LoggerFactory.getLogger(JobRunner.class).error("job {} crashed", jobId, e);
          span.setAttribute(GenAiSpans.ERROR_TYPE, e.getClass().getName());
          try {
            log.fail("the agent crashed: " + e);
          } catch (RuntimeException ignored) {
            // the job was finished meanwhile
          }
        } finally {
          endSpan(span, log);
          context.getSelf().tell(new LoopEnded());
        }
      });
      thread.start();
      return Behaviors.receive(Command.class)
          .onMessage(LoopEnded.class, m -> Behaviors.stopped())
          .onSignal(PostStop.class, s -> {
            thread.interrupt();
            coordinator.tell(new Ended(jobId));
            return Behaviors.same();
          })
          .build();
    });
  }

  /** The job's span ends with its outcome: an error when the job did not succeed. */
  private static void endSpan(Span span, JobLog log) {
    try {
      Job job = log.get();
      span.setAttribute("turbo_agents.job.status", job.status().name().toLowerCase(java.util.Locale.ROOT));
      if (job.status().finished() && job.status() != JobStatus.SUCCEEDED) {
        GenAiSpans.fail(span, "job_" + job.status().name().toLowerCase(java.util.Locale.ROOT), job.status().name());
        return;
      }
    } catch (RuntimeException unknown) {
      // the journal cannot say now; the span still ends
    }
    span.end();
  }
}
