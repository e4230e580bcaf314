package dev.turboagents.actors.agents;

import dev.turboagents.actors.inference.InferenceActor;
import dev.turboagents.actors.tools.ToolSupervisor;
import dev.turboagents.config.AgentSettings;
import dev.turboagents.persistence.jobs.Job;
import dev.turboagents.persistence.jobs.JobBudget;
import dev.turboagents.persistence.jobs.JobEntity;
import dev.turboagents.persistence.jobs.JobIndex;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.ToIntFunction;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.pattern.StatusReply;

/**
 * Accepts jobs, persists them (each its own {@link JobEntity}), and runs one {@link JobRunner} per
 * job: at most {@code max-concurrent-jobs} at once, one at a time per issue, the oldest first. At
 * start it asks the {@link JobIndex} for every job the journal has and queues the unfinished ones
 * again, so a job resumes from its last persisted step after a crash.
 */
public final class Coordinator {

  public sealed interface Command {}

  /** A new job for {@code agent}; the reply is the job as accepted (queued). */
  public record Submit(String agent, Optional<String> issueId, Optional<String> context, Optional<String> input,
      String requestedBy, JobBudget budget, ActorRef<StatusReply<Job>> replyTo) implements Command {}

  public record Get(String jobId, ActorRef<StatusReply<Job>> replyTo) implements Command {}

  /** Cancels a job that has not finished (a finished one is answered as it is). */
  public record Cancel(String jobId, String reason, ActorRef<StatusReply<Job>> replyTo) implements Command {}

  private record Recovered(List<Job> jobs) implements Command {}

  private record RecoveryFailed(Throwable error) implements Command {}

  private record Accepted(Job job) implements Command {}

  private record RunnerEnded(String jobId) implements Command {}

  /** A cancel of a running job, once its running tool calls ({@code interrupted}) were interrupted. */
  private record CancelRunning(Cancel cancel, List<String> interrupted) implements Command {}

  /** What the coordinator needs to build a job's loop. */
  public record Wiring(AgentSettings settings, ActorRef<InferenceActor.Command> door,
      ActorRef<ToolSupervisor.Command> tools, Map<String, Function<Job, Agent>> agents, ToIntFunction<String> window,
      PromptTemplates prompts, LiveTokens tokens, ActorRef<JobIndex.Command> index) {}

  private final ActorContext<Command> context;
  private final Wiring wiring;
  private final Map<String, ActorRef<JobEntity.Command>> entities = new HashMap<>();
  /** Every job by id, as it was accepted or recovered (its agent and issue do not change). */
  private final Map<String, Job> known = new HashMap<>();
  private final Deque<String> queue = new ArrayDeque<>();
  private final Map<String, ActorRef<JobRunner.Command>> running = new HashMap<>();
  private final Set<String> busyIssues = new HashSet<>();

  private Coordinator(ActorContext<Command> context, Wiring wiring) {
    this.context = context;
    this.wiring = wiring;
  }

  public static Behavior<Command> create(Wiring wiring) {
    return Behaviors.withStash(10_000, stash -> Behaviors.setup(context -> {
      Coordinator c = new Coordinator(context, wiring);
      // from the read side: no job's entity is woken until the job runs again or is asked for
      context.pipeToSelf(AskPattern.<JobIndex.Command, JobIndex.Page>ask(wiring.index(),
          r -> new JobIndex.ListJobs(JobIndex.Filter.ANY, 0, Integer.MAX_VALUE, r), wiring.settings().indexReplayTimeout(),
          context.getSystem().scheduler()), (page, error) -> error == null ? new Recovered(page.jobs()) : new RecoveryFailed(error));
      return c.recovering(stash);
    }));
  }

  private Behavior<Command> recovering(StashBuffer<Command> stash) {
    return Behaviors.receive(Command.class)
        .onMessage(Recovered.class, r -> {
          r.jobs().stream().sorted(Comparator.comparing(Job::acceptedAt)).forEach(job -> {
            known.put(job.id(), job);
            if (!job.status().finished()) {
              queue.add(job.id());
            }
          });
          context.getLog().info("coordinator: {} jobs in the journal, {} to resume", r.jobs().size(), queue.size());
          startWhatCan();
          return stash.unstashAll(serving());
        })
        .onMessage(RecoveryFailed.class, f -> {
          throw new IllegalStateException("could not read the jobs from the journal", f.error());
        })
        .onAnyMessage(m -> {
          stash.stash(m);
          return Behaviors.same();
        })
        .build();
  }

  private Behavior<Command> serving() {
    return Behaviors.receive(Command.class)
        .onMessage(Submit.class, this::submit)
        .onMessage(Accepted.class, a -> {
          known.put(a.job().id(), a.job());
          queue.add(a.job().id());
          startWhatCan();
          return Behaviors.same();
        })
        .onMessage(Get.class, g -> {
          if (!known.containsKey(g.jobId())) {
            g.replyTo().tell(StatusReply.error("no job " + g.jobId()));
          } else {
            entity(g.jobId()).tell(new JobEntity.Get(g.replyTo()));
          }
          return Behaviors.same();
        })
        .onMessage(Cancel.class, c -> {
          if (!known.containsKey(c.jobId())) {
            c.replyTo().tell(StatusReply.error("no job " + c.jobId()));
            return Behaviors.same();
          }
          queue.remove(c.jobId());
          if (running.containsKey(c.jobId())) {
            // its running tool call first: a command's process tree is killed now, not at its timeout
            context.ask(ToolSupervisor.Interrupted.class, wiring.tools(), wiring.settings().askTimeout(),
                r -> new ToolSupervisor.Interrupt(c.jobId(), r),
                (interrupted, error) -> new CancelRunning(c, interrupted == null ? List.of() : interrupted.tools()));
          } else {
            entity(c.jobId()).tell(new JobEntity.Cancel(c.reason(), c.replyTo()));
          }
          return Behaviors.same();
        })
        .onMessage(CancelRunning.class, c -> {
          String reason = c.cancel().reason() + (c.interrupted().isEmpty() ? ""
              : "; interrupted its running " + String.join(", ", c.interrupted()));
          entity(c.cancel().jobId()).tell(new JobEntity.Cancel(reason, c.cancel().replyTo()));
          Optional.ofNullable(running.get(c.cancel().jobId())).ifPresent(context::stop);
          return Behaviors.same();
        })
        .onMessage(RunnerEnded.class, e -> {
          running.remove(e.jobId());
          wiring.tokens().end(e.jobId());
          Optional.ofNullable(known.get(e.jobId())).flatMap(Job::issueId).ifPresent(busyIssues::remove);
          startWhatCan();
          return Behaviors.same();
        })
        .build();
  }

  private Behavior<Command> submit(Submit s) {
    if (!wiring.agents().containsKey(s.agent())) {
      s.replyTo().tell(StatusReply.error("no agent '" + s.agent() + "'; the agents are " + wiring.agents().keySet()));
      return Behaviors.same();
    }
    String id = UUID.randomUUID().toString();
    context.pipeToSelf(AskPattern.askWithStatus(entity(id), (ActorRef<StatusReply<Job>> r) -> new JobEntity.Accept(
        s.agent(), s.issueId(), s.context(), s.input(), s.requestedBy(), s.budget(), r), wiring.settings().askTimeout(),
        context.getSystem().scheduler()), (job, error) -> {
          if (error == null) {
            s.replyTo().tell(StatusReply.success(job));
            return new Accepted(job);
          }
          s.replyTo().tell(StatusReply.error(error.getMessage()));
          return new RunnerEnded(id);
        });
    return Behaviors.same();
  }

  /**
   * Starts queued jobs while there is room, skipping those whose issue already has a running job:
   * the oldest non-background jobs first, then background ones ({@link JobPriority}), which never
   * take the last free runner when there are two or more, so a person's job does not wait behind them.
   */
  private void startWhatCan() {
    int max = wiring.settings().maxConcurrentJobs();
    for (boolean background : new boolean[] {false, true}) {
      int room = background && max > 1 ? max - 1 : max;
      for (var it = queue.iterator(); it.hasNext() && running.size() < max; ) {
        String id = it.next();
        Job job = known.get(id);
        if ((JobPriority.of(job) == dev.turboagents.actors.inference.Priority.BACKGROUND) != background
            || background && runningBackground() >= room) {
          continue;
        }
        Optional<String> issue = job.issueId();
        if (issue.isPresent() && busyIssues.contains(issue.get())) {
          continue;
        }
        it.remove();
        issue.ifPresent(busyIssues::add);
        running.put(id, context.spawn(runner(id), "runner-" + id));
      }
    }
  }

  private long runningBackground() {
    return running.keySet().stream().filter(id -> JobPriority.of(known.get(id))
        == dev.turboagents.actors.inference.Priority.BACKGROUND).count();
  }

  private Behavior<JobRunner.Command> runner(String id) {
    Job job = known.get(id);
    JobLog log = new JobLog(entity(id), context.getSystem().scheduler(), wiring.settings().askTimeout());
    ModelDoor door = new ModelDoor(wiring.door(), context.getSystem(), wiring.settings().waitCheck(),
        wiring.settings().askTimeout(), JobPriority.of(job));
    AgentLoop.Ports ports = new AgentLoop.Ports(log, door, wiring.tools(), context.getSystem().scheduler(),
        delta -> wiring.tokens().publish(id, delta), () -> wiring.tokens().turnStarts(id));
    ActorRef<JobRunner.Ended> ended = context.messageAdapter(JobRunner.Ended.class, e -> new RunnerEnded(e.jobId()));
    Agent agent = wiring.agents().get(job.agent()).apply(job);
    AgentLoop loop = new AgentLoop(agent, ports, wiring.settings(), wiring.window().applyAsInt(agent.model()),
        wiring.prompts());
    return JobRunner.create(id, loop, log, ended);
  }

  private ActorRef<JobEntity.Command> entity(String id) {
    return entities.computeIfAbsent(id, i -> context.spawn(JobEntity.create(i, wiring.settings().snapshotEvery()),
        "job-" + i));
  }
}
