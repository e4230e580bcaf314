package dev.turboagents.actors.autonomy;

import dev.turboagents.actors.tools.CodeTools;
import dev.turboagents.actors.tools.workspace.CommitSummary;
import dev.turboagents.persistence.AsyncFailure;
import dev.turboagents.persistence.entity.TrackerRejection;
import dev.turboagents.persistence.issues.Comment;
import dev.turboagents.persistence.issues.Issue;
import dev.turboagents.persistence.issues.IssueEntity;
import dev.turboagents.persistence.issues.IssueStatus;
import dev.turboagents.persistence.jobs.Job;
import dev.turboagents.persistence.tracker.HistoryEntry;
import dev.turboagents.persistence.tracker.IndexedIssue;
import dev.turboagents.persistence.tracker.IssueFilter;
import dev.turboagents.persistence.tracker.Tracker;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The daily standup: on every {@code in_progress} issue one comment saying what happened on it
 * between the previous standup and this one (status changes, comments, labels, priority, assignee,
 * blockers from the issue's journal; the agent jobs linked to it and their outcomes; the
 * workspace's commits that mention its id). The comment's idempotency key is
 * {@code standup/<date>/<issue>}, so each issue gets at most one standup comment a day, whatever
 * crashes, restarts or manual runs happen: a second run that day finds the key and writes nothing.
 * The summary of all of it is the run's report, and is posted on the summary issue when one is set
 * (key {@code standup-summary/<date>}: once a day). A dry run posts nothing and its report says what
 * it would have posted. The text is built from the facts alone (no model).
 */
public final class Standup {
  /** The author of standup comments; its own comments are not news for the next standup. */
  public static final String AUTHOR = "standup";
  private static final int QUOTE_CHARS = 120;

  /** The agent jobs linked to an issue (the job runtime's listing by issue), in any order. */
  @FunctionalInterface
  public interface JobsOnIssue {
    CompletionStage<List<Job>> on(String issueId);
  }

  /** The workspace's commits whose message mentions {@code issueId}, committed in [since, until), newest first. */
  @FunctionalInterface
  public interface CommitsOnIssue {
    CompletionStage<List<CommitSummary>> mentioning(String issueId, Instant since, Instant until);
  }

  /**
   * Where the standup reads besides the tracker; {@link #TRACKER_ONLY} when there are no jobs or no
   * workspace to read.
   */
  public record Sources(JobsOnIssue jobs, CommitsOnIssue commits) {
    public static final Sources TRACKER_ONLY = new Sources(issue -> CompletableFuture.completedFuture(List.of()),
        (issue, since, until) -> CompletableFuture.completedFuture(List.of()));
  }

  /** What the standup does with what it found. */
  public record Posting(Optional<String> summaryIssue, boolean dryRun) {
    public static final Posting COMMENTS_ONLY = new Posting(Optional.empty(), false);
  }

  private final Tracker tracker;
  private final ZoneId zone;
  private final Clock clock;
  private final Sources sources;
  private final Posting posting;

  /**
   * @param zone the schedule's zone: the day of the keys
   * @param clock a run covers what happened until it runs (never less than until its slot)
   */
  public Standup(Tracker tracker, ZoneId zone, Clock clock, Sources sources, Posting posting) {
    this.tracker = tracker;
    this.zone = zone;
    this.clock = clock;
    this.sources = sources;
    this.posting = posting;
  }

  /** What became of one in-progress issue's comment. */
  public enum Fate { COMMENTED, ALREADY_COMMENTED, WOULD_COMMENT }

  /** One in-progress issue in the standup: the lines of its comment and what became of it. */
  public record IssueNews(String id, String title, String comment, Fate fate) {}

  /** What became of the summary: not asked for, posted, already there today, would be posted (dry run), no such issue. */
  public enum SummaryFate { NONE, POSTED, ALREADY_POSTED, WOULD_POST, NO_SUCH_ISSUE }

  /** What one run did. {@link #report()} is the markdown the run keeps. */
  public record Outcome(LocalDate date, boolean dryRun, List<IssueNews> issues, Optional<String> summaryIssue,
      SummaryFate summaryFate, String summary) {

    public List<String> commented() {
      return ids(Fate.COMMENTED);
    }

    public List<String> alreadyCommented() {
      return ids(Fate.ALREADY_COMMENTED);
    }

    public List<String> wouldComment() {
      return ids(Fate.WOULD_COMMENT);
    }

    private List<String> ids(Fate fate) {
      return issues.stream().filter(i -> i.fate() == fate).map(IssueNews::id).toList();
    }

    /** The one-line outcome the schedules show. */
    public String line() {
      String already = alreadyCommented().isEmpty() ? "" : ", " + alreadyCommented().size() + " already had today's comment";
      String head = dryRun
          ? "standup " + date + " (dry run, nothing posted): would comment on " + wouldComment().size() + " in-progress issue(s)"
          : "standup " + date + ": commented on " + commented().size() + " in-progress issue(s)";
      String issue = summaryIssue.orElse("");
      String tail = switch (summaryFate) {
        case NONE -> "";
        case POSTED -> "; summary posted on " + issue;
        case ALREADY_POSTED -> "; summary already posted on " + issue + " today";
        case WOULD_POST -> "; would post the summary on " + issue;
        case NO_SUCH_ISSUE -> "; summary not posted: no issue " + issue;
      };
      return head + already + tail;
    }

    /** The report: the summary, then what was posted (or, in a dry run, what would have been). */
    public String report() {
      StringBuilder text = new StringBuilder(summary).append('\n');
      text.append(dryRun ? "## Dry run: nothing posted; it would have posted\n\n" : "## Posted\n\n");
      for (IssueNews news : issues) {
        switch (news.fate()) {
          case COMMENTED -> text.append("- comment on ").append(news.id()).append('\n');
          case ALREADY_COMMENTED -> text.append("- ").append(news.id()).append(": already had today's standup comment\n");
          case WOULD_COMMENT -> text.append("- a comment on ").append(news.id()).append(":\n\n")
              .append(quoted(news.comment())).append('\n');
        }
      }
      String issue = summaryIssue.orElse("");
      switch (summaryFate) {
        case NONE -> text.append("- no summary comment (turbo-agents.autonomy.standup-summary-issue is not set)\n");
        case POSTED -> text.append("- the summary, as a comment on ").append(issue).append('\n');
        case ALREADY_POSTED -> text.append("- ").append(issue).append(": already had today's summary\n");
        case WOULD_POST -> text.append("- the summary above, as a comment on ").append(issue).append('\n');
        case NO_SUCH_ISSUE -> text.append("- no summary: the summary issue ").append(issue)
            .append(" does not exist (turbo-agents.autonomy.standup-summary-issue)\n");
      }
      return text.toString();
    }

    private static String quoted(String text) {
      StringBuilder out = new StringBuilder();
      text.lines().forEach(l -> out.append("  > ").append(l).append('\n'));
      return out.toString();
    }
  }

  /** The standup as a schedule's work: it covers what happened from {@code since} until it runs. */
  public Schedules.Work asWork() {
    return (schedule, since, slot, manual) -> {
      Instant now = clock.instant();
      return run(since, slot, now.isAfter(slot) ? now : slot)
          .thenApply(o -> new Schedules.Outcome(o.line(), o.report()));
    };
  }

  /** The standup for {@code slot} (its day is the keys' day), covering what happened from {@code since} until {@code until}. */
  public CompletionStage<Outcome> run(Instant since, Instant slot, Instant until) {
    LocalDate date = LocalDate.ofInstant(slot, zone);
    IssueFilter inProgress = new IssueFilter(Optional.of(IssueStatus.IN_PROGRESS), Optional.empty(), Optional.empty(), Optional.empty());
    return tracker.issues(inProgress).thenCompose(issues -> {
      List<IssueNews> news = new ArrayList<>();
      CompletionStage<Void> all = CompletableFuture.completedFuture(null);
      for (IndexedIssue indexed : issues) {
        Issue issue = indexed.issue();
        all = all.thenCompose(v -> oneIssue(issue, date, since, until)).thenAccept(news::add);
      }
      return all.thenCompose(v -> {
        String summary = summary(date, since, until, news);
        return postSummary(date, summary).thenApply(fate ->
            new Outcome(date, posting.dryRun(), List.copyOf(news), posting.summaryIssue(), fate, summary));
      });
    });
  }

  private CompletionStage<IssueNews> oneIssue(Issue issue, LocalDate date, Instant since, Instant until) {
    CompletionStage<List<String>> jobs = sources.jobs().on(issue.id())
        .thenApply(found -> jobLines(found, since, until))
        .exceptionally(e -> List.of("jobs could not be read: " + AsyncFailure.cause(e).getMessage()));
    CompletionStage<List<String>> commits = sources.commits().mentioning(issue.id(), since, until)
        .thenApply(found -> found.stream().map(Standup::commitLine).toList())
        .exceptionally(e -> List.of("commits could not be read: " + AsyncFailure.cause(e).getMessage()));
    return tracker.issueHistory(issue.id()).thenCompose(history -> jobs.thenCompose(jobLines -> commits.thenCompose(commitLines -> {
      String key = key(date, issue.id());
      String text = comment(date, since, until, history, jobLines, commitLines);
      if (hasKey(history, key)) {
        return CompletableFuture.completedFuture(new IssueNews(issue.id(), issue.title(), text, Fate.ALREADY_COMMENTED));
      }
      if (posting.dryRun()) {
        return CompletableFuture.completedFuture(new IssueNews(issue.id(), issue.title(), text, Fate.WOULD_COMMENT));
      }
      // the key also guards a run that crashed after the comment and before this check could see it
      return CodeTools.commentOnce(tracker, issue.id(), text, AUTHOR, key).thenApply(comment ->
          // empty: today's comment is there, written when there was less to say
          new IssueNews(issue.id(), issue.title(), text, comment.isPresent() ? Fate.COMMENTED : Fate.ALREADY_COMMENTED));
    })));
  }

  private CompletionStage<SummaryFate> postSummary(LocalDate date, String summary) {
    if (posting.summaryIssue().isEmpty()) {
      return CompletableFuture.completedFuture(SummaryFate.NONE);
    }
    String issue = posting.summaryIssue().get();
    String key = summaryKey(date);
    return tracker.issueHistory(issue).thenCompose(history -> {
      if (hasKey(history, key)) {
        return CompletableFuture.completedFuture(SummaryFate.ALREADY_POSTED);
      }
      if (posting.dryRun()) {
        return CompletableFuture.completedFuture(SummaryFate.WOULD_POST);
      }
      return CodeTools.commentOnce(tracker, issue, summary, AUTHOR, key)
          .thenApply(c -> c.isPresent() ? SummaryFate.POSTED : SummaryFate.ALREADY_POSTED);
    }).exceptionallyCompose(e -> AsyncFailure.cause(e) instanceof TrackerRejection r && r.reason() == TrackerRejection.Reason.NOT_FOUND
        ? CompletableFuture.completedFuture(SummaryFate.NO_SUCH_ISSUE) : CompletableFuture.failedFuture(AsyncFailure.cause(e)));
  }

  private static boolean hasKey(List<HistoryEntry> history, String key) {
    return history.stream().anyMatch(e -> e.event() instanceof IssueEntity.CommentAdded c
        && c.key().map(k -> k.key().equals(key)).orElse(false));
  }

  /** {@code standup/<date>/<issue>}: one standup comment per issue per day. */
  public static String key(LocalDate date, String issueId) {
    return "standup/" + date + "/" + issueId;
  }

  /** {@code standup-summary/<date>}: one summary comment a day. */
  public static String summaryKey(LocalDate date) {
    return "standup-summary/" + date;
  }

  static String summary(LocalDate date, Instant since, Instant until, List<IssueNews> issues) {
    StringBuilder text = new StringBuilder("# Standup ").append(date).append("\n\nFrom ").append(since).append(" to ")
        .append(until).append(": ").append(issues.size()).append(" issue(s) in progress.\n");
    for (IssueNews news : issues) {
      text.append("\n## ").append(news.title()).append(" (").append(news.id()).append(")\n\n");
      // the comment's lines without its heading
      news.comment().lines().skip(1).forEach(l -> text.append(l).append('\n'));
    }
    return text.toString();
  }

  static String comment(LocalDate date, Instant since, Instant until, List<HistoryEntry> history, List<String> jobs,
      List<String> commits) {
    List<String> lines = new ArrayList<>();
    for (HistoryEntry entry : history) {
      if (entry.at().isBefore(since) || !entry.at().isBefore(until)) {
        continue;
      }
      line(entry.event()).ifPresent(lines::add);
    }
    lines.addAll(jobs);
    lines.addAll(commits);
    StringBuilder text = new StringBuilder("Standup ").append(date).append(" (since ").append(since).append("):\n");
    if (lines.isEmpty()) {
      text.append("- no activity since the previous standup\n");
    }
    lines.forEach(l -> text.append("- ").append(l).append('\n'));
    return text.toString();
  }

  /** The jobs accepted before {@code until} that changed since {@code since} or are still going, oldest first. */
  static List<String> jobLines(List<Job> jobs, Instant since, Instant until) {
    return jobs.stream()
        .filter(j -> j.acceptedAt().isBefore(until) && (!j.updatedAt().isBefore(since) || !j.status().finished()))
        .sorted(java.util.Comparator.comparing(Job::acceptedAt))
        .map(Standup::jobLine)
        .toList();
  }

  private static String jobLine(Job job) {
    String detail = job.status().finished() ? job.result().or(job::error).map(Standup::shortened).map(t -> ": " + t).orElse("")
        : job.waitingFor().map(w -> ": " + shortened(w)).orElse("");
    return "job " + job.id() + " (" + job.agent() + ") " + job.status().label() + detail
        + job.branch().map(b -> " (branch " + b + ")").orElse("");
  }

  private static String commitLine(CommitSummary commit) {
    return "commit " + commit.shortId() + " \"" + shortened(commit.subject()) + "\" by " + commit.author();
  }

  private static Optional<String> line(Object event) {
    return switch (event) {
      case IssueEntity.IssueCreated e -> Optional.of("created by " + e.author());
      case IssueEntity.StatusChanged e -> Optional.of("status " + e.from().wire() + " → " + e.to().wire());
      case IssueEntity.PriorityChanged e -> Optional.of("priority " + e.from().wire() + " → " + e.to().wire());
      case IssueEntity.LabelsChanged e -> Optional.of("labels now " + e.labels());
      case IssueEntity.AssigneeChanged e -> Optional.of("assignee now " + e.assignee().orElse("nobody"));
      case IssueEntity.BlockerAdded e -> Optional.of("blocked by #" + e.blockerId());
      case IssueEntity.BlockerRemoved e -> Optional.of("no longer blocked by #" + e.blockerId());
      case IssueEntity.DuplicateMarked e -> Optional.of("marked a duplicate of #" + e.duplicateOf());
      case IssueEntity.CommentAdded e when !e.comment().author().equals(AUTHOR) -> Optional.of(quote(e.comment()));
      default -> Optional.empty();
    };
  }

  private static String quote(Comment c) {
    return "comment by " + c.author() + ": \"" + shortened(c.text()) + "\"";
  }

  private static String shortened(String text) {
    String line = text.strip().replaceAll("\\s+", " ");
    return line.length() > QUOTE_CHARS ? line.substring(0, QUOTE_CHARS) + "…" : line;
  }
}
