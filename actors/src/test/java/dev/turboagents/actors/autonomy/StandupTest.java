package dev.turboagents.actors.autonomy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turboagents.actors.tools.workspace.IsolatedGitConfig;
import dev.turboagents.actors.tools.workspace.Workspace;
import dev.turboagents.config.Settings;
import dev.turboagents.persistence.issues.Comment;
import dev.turboagents.persistence.issues.Issue;
import dev.turboagents.persistence.issues.IssueEntity;
import dev.turboagents.persistence.issues.IssueStatus;
import dev.turboagents.persistence.issues.Priority;
import dev.turboagents.persistence.jobs.Job;
import dev.turboagents.persistence.jobs.JobBudget;
import dev.turboagents.persistence.jobs.JobStatus;
import dev.turboagents.persistence.jobs.JobUsage;
import dev.turboagents.persistence.tracker.NewIssue;
import dev.turboagents.persistence.tracker.Tracker;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.PersonIdent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The standup on the real tracker (LevelDB journal in a temp dir): one comment on each in-progress
 * issue saying what happened since the previous standup, and never a second one the same day, also
 * after the actor system restarts on the same data dir.
 */
class StandupTest {
  @TempDir Path dir;
  ActorTestKit kit;

  @AfterEach
  void stop() {
    if (kit != null) {
      kit.shutdownTestKit();
    }
  }

  @Test
  void oneCommentPerInProgressIssuePerDayAcrossARestart() throws Exception {
    Tracker tracker = start();
    Instant since = Instant.now().minusSeconds(1);
    Issue working = await(tracker.createIssue(issue("Uploads over 2 GB fail with 413")));
    Issue idle = await(tracker.createIssue(issue("Dark mode for the settings page")));
    await(tracker.updateIssue(working.id(), IssueEntity.Changes.status(IssueStatus.IN_PROGRESS), OptionalLong.empty()));
    await(tracker.comment(working.id(), "The proxy caps bodies at 2 GiB", "bob"));
    Instant slot = Instant.now().plusNanos(1000);
    ZoneId zone = ZoneId.of("Europe/Berlin");

    Standup.Outcome first = await(standup(tracker, zone).run(since, slot, slot));
    assertEquals(List.of(working.id()), first.commented());
    List<Comment> comments = standupComments(tracker, working.id());
    assertEquals(1, comments.size());
    String text = comments.getFirst().text();
    assertTrue(text.contains("status open → in_progress"), text);
    assertTrue(text.contains("comment by bob: \"The proxy caps bodies at 2 GiB\""), text);
    assertTrue(standupComments(tracker, idle.id()).isEmpty(), "an open issue gets no standup");

    // the same day again (a manual run, or the run resumed after a crash): nothing new is written
    await(tracker.comment(working.id(), "Raised the cap in staging", "bob"));
    Standup.Outcome second = await(standup(tracker, zone).run(since, slot, slot.plusSeconds(60)));
    assertEquals(List.of(working.id()), second.alreadyCommented());
    assertEquals(1, standupComments(tracker, working.id()).size());

    // a restart on the same data dir: the key is in the issue's journal, still one comment today
    kit.shutdownTestKit();
    tracker = start();
    Standup.Outcome afterRestart = await(standup(tracker, zone).run(since, slot, slot.plusSeconds(120)));
    assertEquals(List.of(), afterRestart.commented());
    assertEquals(1, standupComments(tracker, working.id()).size());

    // the next day there is a new comment, saying only what happened since
    Instant tomorrow = slot.plus(Duration.ofDays(1));
    Standup.Outcome next = await(standup(tracker, zone).run(slot, tomorrow, tomorrow));
    assertEquals(List.of(working.id()), next.commented());
    List<Comment> both = standupComments(tracker, working.id());
    assertEquals(2, both.size());
    assertTrue(both.get(1).text().contains("Raised the cap in staging"), both.get(1).text());
    assertTrue(!both.get(1).text().contains("open → in_progress"), both.get(1).text());
    assertEquals(Standup.key(LocalDate.ofInstant(tomorrow, zone), working.id()),
        "standup/" + LocalDate.ofInstant(tomorrow, zone) + "/" + working.id());
  }

  @Test
  void theSummaryIsPostedOnceADayOnTheSummaryIssueAcrossRunsAndARestart() throws Exception {
    Tracker tracker = start();
    Instant since = Instant.now().minusSeconds(1);
    Issue working = inProgress(tracker, "Uploads over 2 GB fail with 413");
    await(tracker.comment(working.id(), "The proxy caps bodies at 2 GiB", "bob"));
    Issue summaries = await(tracker.createIssue(issue("Standup summaries")));
    Instant slot = Instant.now().plusNanos(1000);
    ZoneId zone = ZoneId.of("UTC");
    Standup.Posting posting = new Standup.Posting(Optional.of(summaries.id()), false);

    Standup.Outcome first = await(standup(tracker, zone, Standup.Sources.TRACKER_ONLY, posting).run(since, slot, slot));
    assertEquals(Standup.SummaryFate.POSTED, first.summaryFate());
    assertTrue(first.line().contains("summary posted on " + summaries.id()), first.line());
    List<Comment> posted = standupComments(tracker, summaries.id());
    assertEquals(1, posted.size());
    String summary = posted.getFirst().text();
    assertTrue(summary.startsWith("# Standup " + LocalDate.ofInstant(slot, zone)), summary);
    assertTrue(summary.contains("## Uploads over 2 GB fail with 413 (" + working.id() + ")"), summary);
    assertTrue(summary.contains("comment by bob: \"The proxy caps bodies at 2 GiB\""), summary);
    assertTrue(first.report().startsWith(summary), "the report is the summary and what was posted: " + first.report());
    assertTrue(first.report().contains("- the summary, as a comment on " + summaries.id()), first.report());

    // the same day, with more to say: the key holds, no second summary
    await(tracker.comment(working.id(), "Raised the cap in staging", "bob"));
    Standup.Outcome second = await(standup(tracker, zone, Standup.Sources.TRACKER_ONLY, posting)
        .run(since, slot, slot.plusSeconds(60)));
    assertEquals(Standup.SummaryFate.ALREADY_POSTED, second.summaryFate());
    assertTrue(second.line().contains("summary already posted on " + summaries.id() + " today"), second.line());
    kit.shutdownTestKit();
    tracker = start();
    Standup.Outcome afterRestart = await(standup(tracker, zone, Standup.Sources.TRACKER_ONLY, posting)
        .run(since, slot, slot.plusSeconds(120)));
    assertEquals(Standup.SummaryFate.ALREADY_POSTED, afterRestart.summaryFate());
    assertEquals(1, standupComments(tracker, summaries.id()).size(), "one summary a day, across a restart");

    Instant tomorrow = slot.plus(Duration.ofDays(1));
    Standup.Outcome next = await(standup(tracker, zone, Standup.Sources.TRACKER_ONLY, posting).run(slot, tomorrow, tomorrow));
    assertEquals(Standup.SummaryFate.POSTED, next.summaryFate());
    List<Comment> both = standupComments(tracker, summaries.id());
    assertEquals(2, both.size());
    assertTrue(both.get(1).text().contains("Raised the cap in staging"), both.get(1).text());
  }

  @Test
  void aSummaryIssueThatDoesNotExistIsNamedInTheReportAndTheIssuesAreCommentedOnAllTheSame() throws Exception {
    Tracker tracker = start();
    Instant since = Instant.now().minusSeconds(1);
    Issue working = inProgress(tracker, "Uploads over 2 GB fail with 413");
    Instant slot = Instant.now().plusNanos(1000);
    Standup standup = standup(tracker, ZoneId.of("UTC"), Standup.Sources.TRACKER_ONLY,
        new Standup.Posting(Optional.of("no-such-issue"), false));

    Schedules.Outcome outcome = await(standup.asWork().run("standup", since, slot, true));
    assertTrue(outcome.summary().contains("commented on 1 in-progress issue(s)"), outcome.summary());
    assertTrue(outcome.summary().contains("summary not posted: no issue no-such-issue"), outcome.summary());
    assertTrue(outcome.body().contains("the summary issue no-such-issue does not exist"), outcome.body());
    assertEquals(1, standupComments(tracker, working.id()).size());
  }

  @Test
  void aDryRunPostsNothingAndItsReportSaysWhatItWouldHavePosted() throws Exception {
    Tracker tracker = start();
    Instant since = Instant.now().minusSeconds(1);
    Issue working = inProgress(tracker, "Uploads over 2 GB fail with 413");
    await(tracker.comment(working.id(), "The proxy caps bodies at 2 GiB", "bob"));
    Issue summaries = await(tracker.createIssue(issue("Standup summaries")));
    Instant slot = Instant.now().plusNanos(1000);
    ZoneId zone = ZoneId.of("UTC");

    Standup.Outcome dry = await(standup(tracker, zone, Standup.Sources.TRACKER_ONLY,
        new Standup.Posting(Optional.of(summaries.id()), true)).run(since, slot, slot));
    assertEquals(List.of(working.id()), dry.wouldComment());
    assertEquals(List.of(), dry.commented());
    assertEquals(Standup.SummaryFate.WOULD_POST, dry.summaryFate());
    assertTrue(dry.line().contains("(dry run, nothing posted): would comment on 1 in-progress issue(s)")
        && dry.line().contains("would post the summary on " + summaries.id()), dry.line());
    assertTrue(standupComments(tracker, working.id()).isEmpty(), "a dry run posts no standup comment");
    assertTrue(standupComments(tracker, summaries.id()).isEmpty(), "a dry run posts no summary");
    String report = dry.report();
    assertTrue(report.contains("## Dry run: nothing posted; it would have posted"), report);
    assertTrue(report.contains("- a comment on " + working.id() + ":\n\n  > Standup " + LocalDate.ofInstant(slot, zone)), report);
    assertTrue(report.contains("  > - comment by bob: \"The proxy caps bodies at 2 GiB\""), report);
    assertTrue(report.contains("- the summary above, as a comment on " + summaries.id()), report);

    // the dry run used no key: the real run posts the day's comment and summary
    Standup.Outcome real = await(standup(tracker, zone, Standup.Sources.TRACKER_ONLY,
        new Standup.Posting(Optional.of(summaries.id()), false)).run(since, slot, slot));
    assertEquals(List.of(working.id()), real.commented());
    assertEquals(Standup.SummaryFate.POSTED, real.summaryFate());
  }

  @Test
  void theCommitsThatMentionTheIssueSinceThePreviousStandupAreInItsCommentAndTheReport() throws Exception {
    Path repo = dir.resolve("repo");
    IsolatedGitConfig.install(dir.resolve("data").resolve("git"));
    Tracker tracker = start();
    Issue working = inProgress(tracker, "Uploads over 2 GB fail with 413");
    Instant since = Instant.parse("2026-12-01T08:30:00Z");
    Instant slot = Instant.parse("2026-12-02T08:30:00Z");
    String fix;
    try (Git git = Git.init().setDirectory(repo.toFile()).setInitialBranch("main").call()) {
      commit(git, repo, "a", "Groundwork for " + working.id(), since.minusSeconds(3600));
      fix = commit(git, repo, "b", "Raise the upload cap\n\nFixes " + working.id(), since.plusSeconds(3600));
      commit(git, repo, "c", "Unrelated cleanup", since.plusSeconds(7200));
      git.branchCreate().setName("agents/job-7").call();
      git.checkout().setName("agents/job-7").call();
      commit(git, repo, "d", "Add a test for the cap (" + working.id() + ")", since.plusSeconds(9000));
      commit(git, repo, "e", "Tomorrow's work on " + working.id(), slot.plusSeconds(60));
      git.checkout().setName("main").call();
    }
    Settings settings = Settings.forTest(dir.resolve("data"), Map.of("turbo-agents.workspace.path", repo.toString()));
    Workspace workspace = Workspace.open(settings.tools().workspace(), dir.resolve("data")).orElseThrow();
    Standup.Sources sources = new Standup.Sources(Standup.Sources.TRACKER_ONLY.jobs(),
        (issue, from, until) -> java.util.concurrent.CompletableFuture.completedFuture(workspace.commitsMentioning(issue, from, until)));

    Standup.Outcome outcome = await(standup(tracker, ZoneId.of("UTC"), sources, Standup.Posting.COMMENTS_ONLY)
        .run(since, slot, slot));
    assertEquals(List.of(working.id()), outcome.commented());
    String comment = standupComments(tracker, working.id()).getFirst().text();
    assertTrue(comment.contains("- commit " + fix.substring(0, 7) + " \"Raise the upload cap\" by Ada"), comment);
    assertTrue(comment.contains("\"Add a test for the cap (" + working.id() + ")\""), "every branch counts: " + comment);
    assertTrue(!comment.contains("Groundwork") && !comment.contains("Tomorrow") && !comment.contains("Unrelated"),
        "only the commits of the window that mention the issue: " + comment);
    assertTrue(outcome.report().contains("\"Raise the upload cap\""), outcome.report());
  }

  @Test
  void theJobsOfTheWindowAndThoseStillGoingAreListedWithTheirOutcome() {
    Instant since = Instant.parse("2026-12-01T08:30:00Z");
    Instant until = Instant.parse("2026-12-02T08:30:00Z");
    List<String> lines = Standup.jobLines(List.of(
        job("j-old", JobStatus.SUCCEEDED, since.minusSeconds(7200), since.minusSeconds(3600), Optional.of("Done long ago"), Optional.empty()),
        job("j-fixed", JobStatus.SUCCEEDED, since.plusSeconds(60), since.plusSeconds(600), Optional.of("Raised the cap\nand more"),
            Optional.empty()),
        job("j-failed", JobStatus.FAILED, since.plusSeconds(30), since.plusSeconds(90), Optional.empty(), Optional.of("tests failed")),
        job("j-waiting", JobStatus.WAITING, since.minusSeconds(60), since.minusSeconds(30), Optional.empty(), Optional.empty()),
        job("j-later", JobStatus.RUNNING, until.plusSeconds(5), until.plusSeconds(5), Optional.empty(), Optional.empty())),
        since, until);
    assertEquals(List.of("job j-waiting (issue) waiting: the model is away", "job j-failed (issue) failed: tests failed",
        "job j-fixed (issue) succeeded: Raised the cap and more (branch agents/j-fixed)"), lines);
  }

  private static Job job(String id, JobStatus status, Instant accepted, Instant updated, Optional<String> result,
      Optional<String> error) {
    return new Job(id, "issue", Optional.of("i-1"), Optional.empty(), Optional.empty(), "ana",
        new JobBudget(10, Duration.ofMinutes(5), 10_000), status,
        status == JobStatus.WAITING ? Optional.of("the model is away") : Optional.empty(), accepted, updated, List.of(),
        JobUsage.NONE, result, Optional.empty(), error,
        status == JobStatus.SUCCEEDED && id.equals("j-fixed") ? Optional.of("agents/" + id) : Optional.empty(), Optional.empty());
  }

  private static String commit(Git git, Path repo, String file, String message, Instant at) throws Exception {
    java.nio.file.Files.writeString(repo.resolve(file), message);
    git.add().addFilepattern(".").call();
    PersonIdent who = new PersonIdent("Ada", "ada@example.org", at, ZoneId.of("UTC"));
    return git.commit().setMessage(message).setAuthor(who).setCommitter(who).setSign(false).call().getName();
  }

  private static Issue inProgress(Tracker tracker, String title) throws Exception {
    Issue created = await(tracker.createIssue(issue(title)));
    await(tracker.updateIssue(created.id(), IssueEntity.Changes.status(IssueStatus.IN_PROGRESS), OptionalLong.empty()));
    return created;
  }

  private static Standup standup(Tracker tracker, ZoneId zone, Standup.Sources sources, Standup.Posting posting) {
    return new Standup(tracker, zone, java.time.Clock.systemUTC(), sources, posting);
  }

  private static Standup standup(Tracker tracker, ZoneId zone) {
    return new Standup(tracker, zone, java.time.Clock.systemUTC(), Standup.Sources.TRACKER_ONLY, Standup.Posting.COMMENTS_ONLY);
  }

  private Tracker start() {
    Settings settings = Settings.forTest(dir.resolve("data"), Map.of());
    kit = ActorTestKit.create("standup", settings.config());
    return Tracker.start(kit::spawn, kit.system(), settings.tracker(), Duration.ofSeconds(10));
  }

  private static List<Comment> standupComments(Tracker tracker, String issueId) throws Exception {
    return await(tracker.comments(issueId)).stream().filter(c -> c.author().equals(Standup.AUTHOR)).toList();
  }

  private static NewIssue issue(String title) {
    return new NewIssue(title, "Reported by a user", Optional.of(Priority.HIGH), List.of("bug"), Optional.empty(),
        Optional.empty(), "alice");
  }

  private static <T> T await(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
