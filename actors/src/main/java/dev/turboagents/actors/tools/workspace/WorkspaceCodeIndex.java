package dev.turboagents.actors.tools.workspace;

import dev.turboagents.persistence.AsyncFailure;
import dev.turboagents.persistence.graph.code.CodeIndex;
import dev.turboagents.persistence.graph.code.CodeIndexReport;
import dev.turboagents.persistence.graph.code.CodeIndexTotals;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Keeps the graph's one code index on the workspace: the main branch's newest commit once the
 * graph serves after the daemon starts (in the background, never delaying the start), a job's
 * checkout when the job starts and after its commit. Every run is incremental by blob id (the
 * graph's index reads and embeds only blobs it has not seen), and each says how it went in
 * {@link #status()}, which /health shows as {@code code_index}. search_codebase searches this same
 * index.
 */
public final class WorkspaceCodeIndex {

  /** What /health shows. */
  public enum State { INDEXING, READY, UNAVAILABLE }

  /**
   * @param detail one sentence: what it is doing or why it is unavailable
   * @param files files the index holds ({@code -1} when not known yet)
   * @param chunks chunks the index holds ({@code -1} when not known yet)
   * @param commit the commit the last finished run indexed
   * @param indexing the commit a run is indexing now
   */
  public record Status(State state, String detail, long files, long chunks, Optional<String> commit,
      Optional<String> indexing) {}

  private final Optional<Workspace> workspace;
  private final CompletionStage<CodeIndex> codeIndex;
  private final SourceTree sourceTree;
  private final Executor blocking;
  private final AtomicReference<Status> status;
  private final AtomicInteger running = new AtomicInteger();

  /**
   * @param codeIndex the graph's code index; while it is not up the status is unavailable
   * @param blocking where the clone and tree listing run (they block on disk)
   */
  public WorkspaceCodeIndex(Optional<Workspace> workspace, CompletionStage<CodeIndex> codeIndex, SourceTree sourceTree,
      Executor blocking) {
    this.workspace = workspace;
    this.codeIndex = codeIndex;
    this.sourceTree = sourceTree;
    this.blocking = blocking;
    this.status = new AtomicReference<>(new Status(State.UNAVAILABLE, workspace.isPresent()
        ? "waiting for the knowledge graph: the workspace is indexed once it serves"
        : "no workspace configured (--workspace / TURBO_AGENTS_WORKSPACE): nothing to index", -1, -1,
        Optional.empty(), Optional.empty()));
  }

  /** Indexes the main branch's newest commit as soon as the graph serves; returns at once. */
  public CompletionStage<CodeIndexReport> indexMainInBackground() {
    if (workspace.isEmpty()) {
      return CompletableFuture.failedStage(new IllegalStateException("no workspace configured"));
    }
    CompletableFuture<CodeIndexReport> done = codeIndex.toCompletableFuture()
        .thenComposeAsync(index -> index(index, workspace.get().mainTree(), workspace.get().mainBranch()), blocking);
    done.whenComplete((report, failure) -> {
      if (failure != null && status.get().state() != State.READY) {
        unavailable("could not index " + workspace.get().mainBranch() + ": " + rootMessage(failure));
      }
    });
    return done;
  }

  /**
   * Brings the index up to the HEAD of a job's checkout; the stage fails at once when the graph
   * is not up.
   */
  public CompletionStage<CodeIndexReport> index(JobCheckout checkout) {
    var index = codeIndex.toCompletableFuture();
    if (!index.isDone() || index.isCompletedExceptionally()) {
      return CompletableFuture.failedStage(new IllegalStateException("the code index is not available"));
    }
    return index(index.join(), checkout.directory(), checkout.branch());
  }

  /** The index now, for /health. */
  public Status status() {
    return status.get();
  }

  /** True while a workspace is configured and the graph has not come up yet: the index will be made once it does. */
  public boolean waitingForGraph() {
    return workspace.isPresent() && !codeIndex.toCompletableFuture().isDone();
  }

  private CompletionStage<CodeIndexReport> index(CodeIndex index, Path tree, String what) {
    String commit;
    try {
      commit = SourceTree.resolve(tree, "HEAD");
      running.incrementAndGet();
    } catch (RuntimeException e) {
      return CompletableFuture.failedStage(e);
    }
    status.updateAndGet(s -> new Status(State.INDEXING, "indexing " + what + " at " + shortId(commit) + " in the background",
        s.files(), s.chunks(), s.commit(), Optional.of(commit)));
    CompletionStage<CodeIndexReport> run;
    try {
      run = index.index(commit, sourceTree.list(tree, "HEAD"));
    } catch (RuntimeException e) {
      run = CompletableFuture.failedStage(e);
    }
    return run.thenCompose(report -> index.totals().exceptionally(e -> new CodeIndexTotals(-1, -1)).thenApply(totals -> {
      finished(new Status(State.READY, "indexed " + what + " at " + shortId(commit) + ": " + report.indexed() + " files read, "
          + report.unchanged() + " unchanged, " + report.removed() + " removed", totals.files(), totals.chunks(),
          Optional.of(commit), Optional.empty()));
      return report;
    })).whenComplete((report, failure) -> {
      if (failure != null) {
        Status before = status.get();
        finished(before.commit().isPresent()
            ? new Status(State.READY, "indexing " + what + " at " + shortId(commit) + " failed (" + rootMessage(failure)
                + "); the index still holds " + shortId(before.commit().get()), before.files(), before.chunks(),
                before.commit(), Optional.empty())
            : new Status(State.UNAVAILABLE, "could not index " + what + ": " + rootMessage(failure), -1, -1,
                Optional.empty(), Optional.empty()));
      }
    });
  }

  /** A run ended: its status stands unless another run is still going (that one reports when it ends). */
  private void finished(Status after) {
    boolean last = running.decrementAndGet() == 0;
    status.updateAndGet(s -> last ? after
        : new Status(State.INDEXING, s.detail(), after.files(), after.chunks(), after.commit(), s.indexing()));
  }

  private void unavailable(String why) {
    status.set(new Status(State.UNAVAILABLE, why, -1, -1, Optional.empty(), Optional.empty()));
  }

  private static String shortId(String commit) {
    return commit.substring(0, Math.min(12, commit.length()));
  }

  private static String rootMessage(Throwable failure) {
    Throwable t = AsyncFailure.cause(failure);
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }
}
