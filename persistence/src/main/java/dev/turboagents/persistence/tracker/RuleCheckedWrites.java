package dev.turboagents.persistence.tracker;

import dev.turboagents.persistence.AsyncFailure;
import dev.turboagents.persistence.entity.TrackerRejection;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.pattern.StatusReply;

/**
 * Runs the tracker's writes that a rule spanning entities guards, one at a time: check the rule
 * against the index, send the write to the entity, wait for the entity's reply, then the next.
 *
 * <p>Why this makes the rules race-free. Every write that can make another request's check wrong
 * comes through here: a status change (done while a blocker is unfinished; a blocker reopened), a
 * new dependency (cycles, done while blocked), a duplicate mark (duplicate of a duplicate), a
 * project status change and an issue entering a project (archived projects take no issues). An
 * entity tells the index of its change before it replies, and the next check starts only after
 * that reply, so every check sees every guarded write before it, and no guarded write lands
 * between a check and its own write. Writes no rule reads (comments, titles, descriptions,
 * labels, priority, assignee, new issues outside a project, removing a dependency, renaming a
 * project) go straight to their entity and never queue here; removing a dependency only loosens
 * the rules, so a check that raced one is still true when its write lands.
 *
 * <p>A request waits at most until the deadline its asker gave: one that comes up after it is
 * answered with a {@link TimeoutException} and never runs, and more than {@code capacity} waiting
 * requests are refused the same way (503 at the HTTP layer). The entity's reply is bounded by the
 * tracker's ask timeout, so one slow write cannot hold the queue for longer than that.
 */
public final class RuleCheckedWrites {

  /** What the queue accepts. */
  public sealed interface Command permits Run, Ran {}

  /**
   * Check a rule and write: {@code checkAndWrite} starts both and yields the entity's answer (or the
   * rule's {@link TrackerRejection}); the reply carries its outcome. {@code deadlineNanos} is on
   * {@link System#nanoTime()}'s clock: a request whose turn comes after it does not run.
   */
  public record Run<T>(Supplier<CompletionStage<T>> checkAndWrite, long deadlineNanos, ActorRef<StatusReply<T>> replyTo)
      implements Command {}

  /** The running request finished: {@code answer} replies to its asker; then the next may start. */
  record Ran(Runnable answer) implements Command {}

  /**
   * The queue as the tracker runs it. Nothing in it is expected to fail; if it does, it is restarted
   * and the requests that were waiting time out at their askers (nothing was written for them).
   */
  public static Behavior<Command> create(int capacity) {
    return Behaviors.supervise(Behaviors.<Command>withStash(capacity,
        stash -> Behaviors.setup(ctx -> new RuleCheckedWrites(ctx, stash).idle()))).onFailure(SupervisorStrategy.restart());
  }

  private final ActorContext<Command> ctx;
  private final StashBuffer<Command> waiting;

  private RuleCheckedWrites(ActorContext<Command> ctx, StashBuffer<Command> waiting) {
    this.ctx = ctx;
    this.waiting = waiting;
  }

  private Behavior<Command> idle() {
    return Behaviors.receiveMessage(command -> switch (command) {
      case Run<?> run -> start(run);
      // the end of a write a failed incarnation started: its asker still gets the answer
      case Ran ran -> {
        ran.answer().run();
        yield Behaviors.same();
      }
    });
  }

  private Behavior<Command> running() {
    return Behaviors.receiveMessage(command -> switch (command) {
      case Run<?> run -> queue(run);
      case Ran ran -> {
        ran.answer().run();
        yield waiting.isEmpty() ? idle() : waiting.unstash(idle(), 1, c -> c);
      }
    });
  }

  private <T> Behavior<Command> start(Run<T> run) {
    if (System.nanoTime() - run.deadlineNanos() > 0) {
      finished(run, StatusReply.error(new TimeoutException("the write waited past its deadline for its turn; not run")));
    } else {
      try {
        ctx.pipeToSelf(run.checkAndWrite().get(), (value, failure) -> new Ran(() -> run.replyTo().tell(
            failure == null ? StatusReply.success(value) : StatusReply.error(unwrap(failure)))));
      } catch (RuntimeException e) {
        finished(run, StatusReply.error(e));
      }
    }
    return running();
  }

  /** Through the mailbox like every other end, so the next request starts from one place. */
  private <T> void finished(Run<T> run, StatusReply<T> reply) {
    ctx.getSelf().tell(new Ran(() -> run.replyTo().tell(reply)));
  }

  private Behavior<Command> queue(Run<?> run) {
    if (waiting.isFull()) {
      run.replyTo().tell(StatusReply.error(new TimeoutException(
          "too many rule-checked writes are waiting (turbo-agents.tracker.rule-checked-queue); try again")));
    } else {
      waiting.stash(run);
    }
    return Behaviors.same();
  }

  private static Throwable unwrap(Throwable failure) {
    return AsyncFailure.cause(failure);
  }
}
