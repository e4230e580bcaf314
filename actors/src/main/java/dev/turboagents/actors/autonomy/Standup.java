package dev.turboagents.actors.autonomy;

import dev.turboagents.actors.tools.CodeTools;
import dev.turboagents.persistence.issues.Comment;
import dev.turboagents.persistence.issues.Issue;
import dev.turboagents.persistence.issues.IssueEntity;
import dev.turboagents.persistence.issues.IssueStatus;
import dev.turboagents.persistence.tracker.HistoryEntry;
import dev.turboagents.persistence.tracker.IndexedIssue;
import dev.turboagents.persistence.tracker.IssueFilter;
import dev.turboagents.persistence.tracker.Tracker;
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
 * blockers), read from the issue's journal. The comment's idempotency key is
 * {@code standup/<date>/<issue>}, so each issue gets at most one standup comment a day, whatever
 * crashes, restarts or manual runs happen: a second run that day finds the key and writes nothing.
 * The text is built from the facts alone (no model).
 */
public final class Standup {
  /** The author of standup comments; its own comments are not news for the next standup. */
  public static final String AUTHOR = "standup";
  private static final int QUOTE_CHARS = 120;

  private final Tracker tracker;
  private final ZoneId zone;

  public Standup(Tracker tracker, ZoneId zone) {
    this.tracker = tracker;
    this.zone = zone;
  }

  /** What one run did: the issues commented on now, those that already had their comment for the day. */
  public record Outcome(LocalDate date, List<String> commented, List<String> alreadyCommented) {
    public String summary() {
      return "standup " + date + ": commented on " + commented.size() + " in-progress issue(s)"
          + (alreadyCommented.isEmpty() ? "" : ", " + alreadyCommented.size() + " already had today's comment");
    }
  }

  /** The standup for {@code slot}, covering what happened from {@code since} until {@code slot}. */
  public CompletionStage<Outcome> run(Instant since, Instant slot) {
    LocalDate date = LocalDate.ofInstant(slot, zone);
    IssueFilter inProgress = new IssueFilter(Optional.of(IssueStatus.IN_PROGRESS), Optional.empty(), Optional.empty(), Optional.empty());
    return tracker.issues(inProgress).thenCompose(issues -> {
      List<String> commented = new ArrayList<>();
      List<String> already = new ArrayList<>();
      CompletionStage<Void> all = CompletableFuture.completedFuture(null);
      for (IndexedIssue indexed : issues) {
        Issue issue = indexed.issue();
        all = all.thenCompose(v -> tracker.issueHistory(issue.id()).thenCompose(history -> {
          String key = key(date, issue.id());
          if (history.stream().anyMatch(e -> e.event() instanceof IssueEntity.CommentAdded c
              && c.key().map(k -> k.key().equals(key)).orElse(false))) {
            already.add(issue.id());
            return CompletableFuture.<Void>completedFuture(null);
          }
          String text = comment(date, since, slot, history);
          // the key also guards a run that crashed after the comment and before this check could see it
          return CodeTools.commentOnce(tracker, issue.id(), text, AUTHOR, key).thenAccept(comment ->
              // empty: today's comment is there, written when there was less to say
              (comment.isPresent() ? commented : already).add(issue.id()));
        }));
      }
      return all.thenApply(v -> new Outcome(date, List.copyOf(commented), List.copyOf(already)));
    });
  }

  /** The standup as a schedule's work: its outcome is the run's summary. */
  public Schedules.Work asWork() {
    return (schedule, since, slot, manual) -> run(since, slot).thenApply(Outcome::summary);
  }

  /** {@code standup/<date>/<issue>}: one standup comment per issue per day. */
  public static String key(LocalDate date, String issueId) {
    return "standup/" + date + "/" + issueId;
  }

  static String comment(LocalDate date, Instant since, Instant until, List<HistoryEntry> history) {
    List<String> lines = new ArrayList<>();
    for (HistoryEntry entry : history) {
      if (entry.at().isBefore(since) || !entry.at().isBefore(until)) {
        continue;
      }
      line(entry.event()).ifPresent(lines::add);
    }
    StringBuilder text = new StringBuilder("Standup ").append(date).append(" (since ").append(since).append("):\n");
    if (lines.isEmpty()) {
      text.append("- no activity since the previous standup\n");
    }
    lines.forEach(l -> text.append("- ").append(l).append('\n'));
    return text.toString();
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
    String text = c.text().strip().replaceAll("\\s+", " ");
    return "comment by " + c.author() + ": \"" + (text.length() > QUOTE_CHARS ? text.substring(0, QUOTE_CHARS) + "…" : text) + "\"";
  }
}
