package dev.turboagents.actors.autonomy;

import dev.turboagents.actors.tools.CodeTools;
import dev.turboagents.persistence.issues.IssueEntity.CommentAdded;
import dev.turboagents.persistence.issues.IssueStatus;
import dev.turboagents.persistence.tracker.HistoryEntry;
import dev.turboagents.persistence.tracker.IndexedIssue;
import dev.turboagents.persistence.tracker.IssueFilter;
import dev.turboagents.persistence.tracker.Tracker;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The nightly's stale sweep: an {@code in_progress} issue whose newest event (standup comments and
 * its own reminders aside) is older than {@code staleAfter} gets one comment saying so. Its key is
 * {@code stale/<issue>/<sequence of that newest event>}: one reminder per quiet spell, however many
 * nights it stays quiet; any activity starts a new spell.
 */
public final class StaleIssues {
  public static final String AUTHOR = "nightly";

  private final Tracker tracker;
  private final Duration staleAfter;

  public StaleIssues(Tracker tracker, Duration staleAfter) {
    this.tracker = tracker;
    this.staleAfter = staleAfter;
  }

  /** The stale issues at {@code now}, and those of them commented on now (none when {@code dryRun}). */
  public record Outcome(List<String> stale, List<String> commented) {}

  public CompletionStage<Outcome> sweep(Instant now, boolean dryRun) {
    IssueFilter inProgress = new IssueFilter(Optional.of(IssueStatus.IN_PROGRESS), Optional.empty(), Optional.empty(), Optional.empty());
    return tracker.issues(inProgress).thenCompose(issues -> {
      List<String> stale = new ArrayList<>();
      List<String> commented = new ArrayList<>();
      CompletionStage<Void> all = CompletableFuture.completedFuture(null);
      for (IndexedIssue indexed : issues) {
        String id = indexed.issue().id();
        all = all.thenCompose(v -> tracker.issueHistory(id).thenCompose(history -> {
          Optional<HistoryEntry> last = history.stream().filter(e -> !automatic(e))
              .max(Comparator.comparingLong(HistoryEntry::sequence));
          if (last.isEmpty() || !last.get().at().plus(staleAfter).isBefore(now)) {
            return CompletableFuture.<Void>completedFuture(null);
          }
          stale.add(id);
          // the tracker answers a repeated key with the first comment: look for this spell's reminder first
          long quietSince = last.get().sequence();
          boolean reminded = history.stream().anyMatch(e -> e.sequence() > quietSince && reminder(e));
          if (dryRun || reminded) {
            return CompletableFuture.<Void>completedFuture(null);
          }
          String text = "No activity on this in-progress issue since " + last.get().at()
              + " (more than " + staleAfter.toDays() + " day(s)). Still being worked on?";
          // empty: the key was used for another text, so this spell's reminder exists
          return CodeTools.commentOnce(tracker, id, text, AUTHOR, "stale/" + id + "/" + last.get().sequence())
              .thenAccept(comment -> comment.ifPresent(c -> commented.add(id)));
        }));
      }
      return all.thenApply(v -> new Outcome(List.copyOf(stale), List.copyOf(commented)));
    });
  }

  private static boolean automatic(HistoryEntry e) {
    return e.event() instanceof CommentAdded c
        && (c.comment().author().equals(AUTHOR) || c.comment().author().equals(Standup.AUTHOR));
  }

  private static boolean reminder(HistoryEntry e) {
    return e.event() instanceof CommentAdded c && c.comment().author().equals(AUTHOR);
  }
}
