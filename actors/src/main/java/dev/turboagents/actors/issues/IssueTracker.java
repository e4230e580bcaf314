package dev.turboagents.actors.issues;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * The tracker as the issue agent and its tools see it: the tracker inside this daemon
 * ({@link LocalIssueTracker}) or another Turbo server's API ({@link RemoteIssueTracker}, when
 * {@code turbo-agents.turbo-api.url} / {@code TURBO_API_URL} is set), with the same shapes either
 * way. Failures are the tracker's own {@code TrackerRejection}s (NOT_FOUND for an unknown id).
 */
public interface IssueTracker {

  /** An issue as the agents read it; status and priority as the API writes them. */
  record TrackedIssue(String id, String title, String description, String status, String priority, List<String> labels,
      List<String> blockedBy, List<String> blocks, Optional<String> duplicateOf, String createdBy, Instant createdAt) {}

  record TrackedComment(String id, String text, String author, Instant createdAt) {}

  /** One event of an issue's history, as a line a model can read ("2026-12-02T10:00Z status_changed open -> done"). */
  record HistoryLine(String type, Instant at, String what) {}

  CompletionStage<TrackedIssue> issue(String id);

  /** Every issue, oldest first. */
  CompletionStage<List<TrackedIssue>> issues();

  CompletionStage<List<TrackedComment>> comments(String id);

  CompletionStage<List<HistoryLine>> history(String id);

  /** Sets labels and/or priority; {@code key} (job/step) makes a repeat write nothing. */
  CompletionStage<TrackedIssue> update(String id, Optional<List<String>> labels, Optional<String> priority, String key);

  /**
   * Comments once per {@code key}: a repeat with the same text gets the first comment; the same key
   * with another text means this step's comment exists already (empty, nothing added).
   */
  CompletionStage<Optional<TrackedComment>> commentOnce(String id, String text, String author, String key);

  /** Marks {@code id} a duplicate of {@code originalId} (it is closed); a repeat changes nothing. */
  CompletionStage<TrackedIssue> markDuplicate(String id, String originalId);

  /** Records that triage job {@code jobId} saw the issue; a "new issues" batch skips it from then on. */
  CompletionStage<TrackedIssue> markTriaged(String id, String jobId);

  /** The triage jobs that saw the issue (none: triage never did). */
  CompletionStage<List<String>> triagedBy(String id);
}
