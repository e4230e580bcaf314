package dev.turboagents.actors.agents;

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
      Thread thread = Thread.ofPlatform().name("job-" + jobId).daemon().unstarted(() -> {
        try {
          loop.run();
        } catch (JobLog.JobEnded | InterruptedException ended) {
          // cancelled or already recorded
        } catch (Exception | LinkageError e) {
          LoggerFactory.getLogger(JobRunner.class).error("job {} crashed", jobId, e);
          try {
            log.fail("the agent crashed: " + e);
          } catch (RuntimeException ignored) {
            // the job was finished meanwhile
          }
        } finally {
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
}
