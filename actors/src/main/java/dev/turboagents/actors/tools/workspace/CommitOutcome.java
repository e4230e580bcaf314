package dev.turboagents.actors.tools.workspace;

/** What {@link JobCheckout#commit} did; either way the commit is on agents/&lt;job-id&gt; in the workspace. */
public sealed interface CommitOutcome {

  /** A new commit with the key. */
  record Committed(CommitSummary commit, CommitKey key) implements CommitOutcome {}

  /** The key was already on the branch: that first commit, and nothing new. */
  record AlreadyCommitted(CommitSummary commit, CommitKey key) implements CommitOutcome {}

  /** The checkout has no change against the branch: no commit. */
  record NothingToCommit(CommitKey key) implements CommitOutcome {}
}
