package dev.turboagents.actors.workflows;

import static dev.turboagents.actors.workflows.WorkflowsOnKit.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turboagents.actors.workflows.ImplementAndReview.Kind;
import dev.turboagents.actors.workflows.ImplementAndReview.Status;
import dev.turboagents.actors.workflows.ImplementAndReview.Step;
import dev.turboagents.actors.workflows.ImplementAndReview.Workflow;
import dev.turboagents.actors.workflows.StepProbe.Point;
import dev.turboagents.config.Settings;
import dev.turboagents.persistence.issues.Priority;
import dev.turboagents.persistence.jobs.Job;
import dev.turboagents.persistence.tracker.NewIssue;
import dev.turboagents.persistence.Eventually;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The implement → review workflow stopped (its whole actor system, as a crash) exactly between two
 * of its events and started again on the same journal: it resumes at the step it had reached, runs
 * that step once to its end, posts one result comment (its key) and ends succeeded, with one job
 * per step. The stops: a step's job accepted by the coordinator but not yet recorded by the
 * workflow (it must be found and re-attached, not started twice); the gate reached but not run;
 * the comment step before its post, and after it.
 */
class WorkflowRecoveryTest {
  @TempDir
  Path dataDir;

  @TempDir
  Path repo;

  private WorkflowScript script;
  private Settings settings;
  private WorkflowsOnKit daemon;

  /** Where the first incarnation is stopped. */
  enum Crash {
    IMPLEMENT_JOB_SUBMITTED(Point.JOB_SUBMITTED, Kind.IMPLEMENT),
    REVIEW_JOB_SUBMITTED(Point.JOB_SUBMITTED, Kind.REVIEW),
    GATE_REACHED(Point.GATE, Kind.GATE),
    COMMENT_BEFORE_POST(Point.COMMENT_BEFORE_POST, Kind.COMMENT),
    COMMENT_AFTER_POST(Point.COMMENT_AFTER_POST, Kind.COMMENT);

    final Point point;
    final Kind step;

    Crash(Point point, Kind step) {
      this.point = point;
      this.step = step;
    }
  }

  @BeforeEach
  void start() throws Exception {
    script = new WorkflowScript(dataDir, repo);
    script.passReviewAtOnce();
    settings = Settings.forTest(dataDir, script.settings());
    daemon = new WorkflowsOnKit(settings, script.ollamaUrl());
  }

  @AfterEach
  void stop() {
    if (daemon != null) {
      daemon.close();
    }
    script.close();
  }

  private List<Job> listed(String issue) {
    try {
      return daemon.jobsOn(issue);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @ParameterizedTest
  @EnumSource(Crash.class)
  void aCrashBetweenTwoEventsResumesAtTheStepAndDoesItOnce(Crash crash) throws Exception {
    StepProbe.Hold hold = daemon.probe.hold(crash.point, crash.step);
    String issue = await(daemon.tracker.createIssue(new NewIssue("Fix the greeting", "it should say hello world!",
        Optional.of(Priority.MEDIUM), List.of(), Optional.empty(), Optional.empty(), "ada"))).id();
    String id = await(daemon.workflows.implementAndReview(issue, "ada")).id();
    assertTrue(hold.awaitReached(120), "the workflow reached " + crash);

    Workflow at = daemon.workflow(id);
    Step current = at.current().orElseThrow();
    assertEquals(crash.step, current.kind(), at.toString());
    assertTrue(current.outcome().isEmpty() && current.jobId().isEmpty(), "the step has not ended, no job is recorded: " + at);
    String key = "workflow:" + id + "/" + crash.step.wire() + "/1";
    // the jobs' listing follows the journal live, a moment behind it
    List<Job> before = Eventually.value(Duration.ofSeconds(15), () -> {
      List<Job> jobs = listed(issue);
      if (crash.point == Point.JOB_SUBMITTED) {
        assertEquals(1, jobs.stream().filter(j -> j.requestedBy().equals(key)).count(), "the coordinator has the job: " + jobs);
      }
      return jobs;
    });
    assertEquals(crash == Crash.COMMENT_AFTER_POST ? 1 : 0, daemon.results(issue).size(), "result comments before the stop");

    daemon.close();
    daemon = null;
    daemon = new WorkflowsOnKit(settings, script.ollamaUrl());

    Workflow done = daemon.finished(id);
    assertEquals(Status.SUCCEEDED, done.status(), done.toString());
    assertEquals(List.of(Kind.IMPLEMENT, Kind.REVIEW, Kind.GATE, Kind.COMMENT), done.steps().stream().map(Step::kind).toList(),
        done.toString());
    assertTrue(done.steps().stream().allMatch(s -> s.outcome().isPresent()), done.toString());

    // one job per step, each the step's own (its key in requested_by); the re-attached one is the job from before the stop
    List<Job> jobs = daemon.jobsOn(issue);
    assertEquals(2, jobs.size(), jobs.toString());
    for (Step s : done.steps().subList(0, 2)) {
      String stepKey = "workflow:" + id + "/" + s.kind().wire() + "/" + s.round();
      Job job = jobs.stream().filter(j -> j.id().equals(s.jobId().orElseThrow())).findFirst().orElseThrow();
      assertEquals(stepKey, job.requestedBy(), job.toString());
    }
    if (crash.point == Point.JOB_SUBMITTED) {
      String submitted = before.stream().filter(j -> j.requestedBy().equals(key)).findFirst().orElseThrow().id();
      assertEquals(Optional.of(submitted), done.steps().get(crash.step == Kind.IMPLEMENT ? 0 : 1).jobId(), done.toString());
    }

    // the gate ran once to its outcome, after the restart when the stop came before it
    assertEquals(crash.step == Kind.COMMENT ? 0 : 1, daemon.probe.gates(), "gates run in the second incarnation");
    assertTrue(done.steps().get(2).outcome().orElseThrow().ok(), done.toString());
    // the comment step ran again when it was stopped in it, and one result comment is on the issue
    assertEquals(1, daemon.probe.posts(), "posts in the second incarnation");
    List<String> results = daemon.results(issue);
    assertEquals(1, results.size(), results.toString());
    assertTrue(results.get(0).contains("done after 1 of at most 3 review rounds")
        && results.get(0).contains("Branch: agents/" + done.steps().get(0).jobId().orElseThrow()), results.get(0));
  }
}
