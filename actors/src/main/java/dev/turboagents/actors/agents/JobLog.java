package dev.turboagents.actors.agents;

import dev.turboagents.persistence.jobs.Job;
import dev.turboagents.persistence.jobs.JobEntity;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.pattern.StatusReply;

/**
 * A runner's blocking view of its job's entity: every step is persisted before the runner goes on.
 * A refusal (the job was cancelled meanwhile) ends the runner with {@link JobEnded}.
 */
public final class JobLog {
  private final ActorRef<JobEntity.Command> entity;
  private final Scheduler scheduler;
  private final Duration timeout;

  /** The job was finished (cancelled) by someone else: the runner stops. */
  public static final class JobEnded extends RuntimeException {
    JobEnded(String message) {
      super(message);
    }
  }

  public JobLog(ActorRef<JobEntity.Command> entity, Scheduler scheduler, Duration timeout) {
    this.entity = entity;
    this.scheduler = scheduler;
    this.timeout = timeout;
  }

  public Job get() {
    return ask(JobEntity.Get::new);
  }

  public Job record(JobEntity.Step step) {
    return ask(r -> new JobEntity.Record(step, r));
  }

  public Job running() {
    return ask(JobEntity.MarkRunning::new);
  }

  public Job waiting(String reason) {
    return ask(r -> new JobEntity.MarkWaiting(reason, r));
  }

  public Job succeed(Agent.Finish.Succeeded s) {
    return ask(r -> new JobEntity.Succeed(s.result(), s.output(), s.branch(), s.commit(), r));
  }

  public Job fail(String reason) {
    return ask(r -> new JobEntity.Fail(reason, r));
  }

  private Job ask(Function<ActorRef<StatusReply<Job>>, JobEntity.Command> command) {
    try {
      return AskPattern.askWithStatus(entity, command::apply, timeout, scheduler).toCompletableFuture()
          .get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new JobEnded(e.getCause().getMessage());
    } catch (TimeoutException e) {
      throw new IllegalStateException("the job's journal did not answer within " + timeout, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new JobEnded("interrupted");
    }
  }
}
