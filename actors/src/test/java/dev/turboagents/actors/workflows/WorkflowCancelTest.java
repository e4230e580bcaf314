package dev.turboagents.actors.workflows;

import static dev.turboagents.actors.workflows.WorkflowsOnKit.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turboagents.actors.workflows.ImplementAndReview.Kind;
import dev.turboagents.actors.workflows.ImplementAndReview.Status;
import dev.turboagents.actors.workflows.ImplementAndReview.Step;
import dev.turboagents.actors.workflows.ImplementAndReview.Workflow;
import dev.turboagents.actors.workflows.StepProbe.Point;
import dev.turboagents.config.Settings;
import dev.turboagents.persistence.issues.Priority;
import dev.turboagents.persistence.jobs.Job;
import dev.turboagents.persistence.jobs.JobStatus;
import dev.turboagents.persistence.tracker.NewIssue;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A cancel at each step of the implement → review workflow: while a step's job runs (implement,
 * review, revise) the job is cancelled and the workflow ends cancelled at that step; at the gate
 * it ends cancelled and the gate's late outcome is dropped; nothing runs and no result comment is
 * posted after it. A cancel while the result comment is being posted waits for the post (a post
 * cannot be taken back): posted, the workflow ends as the comment says; failed, it ends cancelled
 * and the post is not tried again.
 */
class WorkflowCancelTest {
  @TempDir
  Path dataDir;

  @TempDir
  Path repo;

  private WorkflowScript script;
  private WorkflowsOnKit daemon;
  private String issue;

  @BeforeEach
  void start() throws Exception {
    script = new WorkflowScript(dataDir, repo);
    daemon = new WorkflowsOnKit(Settings.forTest(dataDir, script.settings()), script.ollamaUrl());
    issue = await(daemon.tracker.createIssue(new NewIssue("Fix the greeting", "it should say hello world!",
        Optional.of(Priority.MEDIUM), List.of(), Optional.empty(), Optional.empty(), "ada"))).id();
  }

  @AfterEach
  void stop() {
    script.release();
    if (daemon != null) {
      daemon.close();
    }
    script.close();
  }

  /** The steps that run a job; the first review blocks, so a revision runs in round 2. */
  enum JobStep {
    IMPLEMENT(Kind.IMPLEMENT, 1), REVIEW(Kind.REVIEW, 1), REVISE(Kind.REVISE, 2);

    final Kind kind;
    final int round;

    JobStep(Kind kind, int round) {
      this.kind = kind;
      this.round = round;
    }
  }

  @ParameterizedTest
  @EnumSource(JobStep.class)
  void aCancelWhileTheStepsJobRunsCancelsTheJobAndTheWorkflow(JobStep step) throws Exception {
    script.hold(step.kind.wire());
    String id = await(daemon.workflows.implementAndReview(issue, "ada")).id();
    assertTrue(script.awaitHeld(120), "the " + step + " job asked its model");

    Workflow cancelled = await(daemon.workflows.cancel(id, "ada"));
    assertEquals(Status.CANCELLED, cancelled.status(), cancelled.toString());
    assertTrue(cancelled.result().orElseThrow().contains("at " + step.kind.wire() + " round " + step.round), cancelled.toString());
    Step at = cancelled.current().orElseThrow();
    assertEquals(step.kind, at.kind());
    Job job = daemon.finishedJob(at.jobId().orElseThrow());
    assertEquals(JobStatus.CANCELLED, job.status(), job.toString());

    script.release();
    nothingRunsAfter(id, cancelled, 0);
  }

  @Test
  void aCancelAtTheGateEndsTheWorkflowAndDropsTheGatesOutcome() throws Exception {
    script.passReviewAtOnce();
    StepProbe.Hold gate = daemon.probe.hold(Point.GATE);
    String id = await(daemon.workflows.implementAndReview(issue, "ada")).id();
    assertTrue(gate.awaitReached(120), "the workflow reached its gate");

    Workflow cancelled = await(daemon.workflows.cancel(id, "ada"));
    assertEquals(Status.CANCELLED, cancelled.status(), cancelled.toString());
    assertTrue(cancelled.result().orElseThrow().contains("at gate round 1"), cancelled.toString());
    gate.release();
    nothingRunsAfter(id, cancelled, 0);
    assertEquals(1, daemon.probe.gates(), "the held gate ran when released");
    assertTrue(daemon.workflow(id).current().orElseThrow().outcome().isEmpty(), "its outcome came after the cancel: dropped");
  }

  @Test
  void aCancelWhileTheResultIsPostedWaitsForThePostAndTheWorkflowEndsAsItsCommentSays() throws Exception {
    script.passReviewAtOnce();
    StepProbe.Hold post = daemon.probe.hold(Point.COMMENT_BEFORE_POST);
    String id = await(daemon.workflows.implementAndReview(issue, "ada")).id();
    assertTrue(post.awaitReached(120), "the workflow reached its comment");

    CompletableFuture<Workflow> cancel = daemon.workflows.cancel(id, "ada").toCompletableFuture();
    Thread.sleep(500);
    assertFalse(cancel.isDone(), "the cancel waits while the comment is being posted");
    post.release();
    Workflow answered = cancel.get(60, TimeUnit.SECONDS);
    assertEquals(Status.SUCCEEDED, answered.status(), "the comment was posted before the cancel took: " + answered);
    assertEquals(List.of(Kind.IMPLEMENT, Kind.REVIEW, Kind.GATE, Kind.COMMENT), answered.steps().stream().map(Step::kind).toList());
    nothingRunsAfter(id, answered, 1);
  }

  @Test
  void aCancelWhileAPostFailsEndsTheWorkflowCancelledAndThePostIsNotTriedAgain() throws Exception {
    script.passReviewAtOnce();
    StepProbe.Hold post = daemon.probe.hold(Point.COMMENT_BEFORE_POST);
    String id = await(daemon.workflows.implementAndReview(issue, "ada")).id();
    assertTrue(post.awaitReached(120), "the workflow reached its comment");

    CompletableFuture<Workflow> cancel = daemon.workflows.cancel(id, "ada").toCompletableFuture();
    Thread.sleep(500);
    post.fail(new IllegalStateException("the tracker did not answer"));
    Workflow cancelled = cancel.get(60, TimeUnit.SECONDS);
    assertEquals(Status.CANCELLED, cancelled.status(), cancelled.toString());
    assertTrue(cancelled.result().orElseThrow().contains("at comment round 1"), cancelled.toString());
    nothingRunsAfter(id, cancelled, 0);
    assertEquals(0, daemon.probe.posts(), "the failed post was not tried again after the cancel");
  }

  /** A while after the cancel: the workflow is as the cancel left it, no new job, {@code comments} result comments. */
  private void nothingRunsAfter(String id, Workflow atCancel, int comments) throws Exception {
    int jobs = daemon.jobsOn(issue).size();
    Thread.sleep(2000);
    Workflow after = daemon.workflow(id);
    assertEquals(atCancel.status(), after.status(), after.toString());
    assertEquals(atCancel.steps().stream().map(Step::kind).toList(), after.steps().stream().map(Step::kind).toList(),
        "nothing runs after the cancel: " + after);
    assertEquals(jobs, daemon.jobsOn(issue).size(), "no job starts after the cancel");
    assertEquals(comments, daemon.results(issue).size(), daemon.results(issue).toString());
  }
}
