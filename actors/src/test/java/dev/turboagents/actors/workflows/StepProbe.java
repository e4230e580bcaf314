package dev.turboagents.actors.workflows;

import dev.turboagents.actors.workflows.ImplementAndReview.Kind;
import dev.turboagents.actors.workflows.ImplementAndReview.Step;
import dev.turboagents.actors.workflows.ImplementAndReview.StepOutcome;
import dev.turboagents.actors.workflows.ImplementAndReview.Workflow;
import dev.turboagents.persistence.jobs.Job;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The agents' real steps with points a test can stop the workflow at: each point holds its first
 * arrival until released (or failed, as a tracker that broke), so a test can stop the actor system
 * exactly between two of the workflow's events. It also counts the gates and the posts that ran.
 */
final class StepProbe implements ImplementAndReview.Steps {

  /** Where a workflow can be held. */
  enum Point {
    /** The coordinator accepted the step's job; the workflow has not heard so (its JobAttached is not persisted). */
    JOB_SUBMITTED,
    /** The workflow persisted that it is at the gate; the gate has not run. */
    GATE,
    /** The workflow is at the comment step; the comment is not posted. */
    COMMENT_BEFORE_POST,
    /** The comment is posted; the workflow has not heard so. */
    COMMENT_AFTER_POST
  }

  /** A held point: reached once the workflow got there; released or failed by the test. */
  static final class Hold {
    private final CountDownLatch reached = new CountDownLatch(1);
    private final CompletableFuture<Void> gate = new CompletableFuture<>();

    boolean awaitReached(long seconds) throws InterruptedException {
      return reached.await(seconds, TimeUnit.SECONDS);
    }

    void release() {
      gate.complete(null);
    }

    void fail(RuntimeException why) {
      gate.completeExceptionally(why);
    }
  }

  private final ImplementAndReview.Steps real;
  private final Map<String, Hold> holds = new ConcurrentHashMap<>();
  private final AtomicInteger gates = new AtomicInteger();
  private final AtomicInteger posts = new AtomicInteger();

  StepProbe(ImplementAndReview.Steps real) {
    this.real = real;
  }

  /** Holds the first arrival at {@code point} (for JOB_SUBMITTED: of a step of {@code kind}). */
  Hold hold(Point point, Kind kind) {
    Hold h = new Hold();
    holds.put(point == Point.JOB_SUBMITTED ? point + "/" + kind : point.name(), h);
    return h;
  }

  Hold hold(Point point) {
    return hold(point, Kind.IMPLEMENT);
  }

  /** Gates that ran to their outcome. */
  int gates() {
    return gates.get();
  }

  /** Result comments handed to the tracker. */
  int posts() {
    return posts.get();
  }

  private <T> CompletionStage<T> before(String point, Supplier<CompletionStage<T>> go) {
    Hold h = holds.remove(point);
    if (h == null) {
      return go.get();
    }
    h.reached.countDown();
    return h.gate.thenCompose(x -> go.get());
  }

  private <T> CompletionStage<T> after(String point, Supplier<CompletionStage<T>> go) {
    Hold h = holds.remove(point);
    if (h == null) {
      return go.get();
    }
    return go.get().thenCompose(v -> {
      h.reached.countDown();
      return h.gate.thenApply(x -> v);
    });
  }

  @Override
  public CompletionStage<Job> start(Workflow workflow, Step step, String key) {
    return after(Point.JOB_SUBMITTED + "/" + step.kind(), () -> real.start(workflow, step, key));
  }

  @Override
  public CompletionStage<Optional<Job>> find(String issueId, String key) {
    return real.find(issueId, key);
  }

  @Override
  public CompletionStage<Job> job(String jobId) {
    return real.job(jobId);
  }

  @Override
  public CompletionStage<Job> cancel(String jobId, String reason) {
    return real.cancel(jobId, reason);
  }

  @Override
  public CompletionStage<StepOutcome> gate(Workflow workflow) {
    return before(Point.GATE.name(), () -> real.gate(workflow).thenApply(o -> {
      gates.incrementAndGet();
      return o;
    }));
  }

  @Override
  public CompletionStage<String> comment(Workflow workflow, String key) {
    return before(Point.COMMENT_BEFORE_POST.name(), () -> after(Point.COMMENT_AFTER_POST.name(), () -> {
      posts.incrementAndGet();
      return real.comment(workflow, key);
    }));
  }

  @Override
  public StepOutcome reviewed(Job review) {
    return real.reviewed(review);
  }

  @Override
  public StepOutcome coded(Job code) {
    return real.coded(code);
  }
}
