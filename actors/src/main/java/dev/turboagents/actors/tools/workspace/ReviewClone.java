package dev.turboagents.actors.tools.workspace;

import dev.turboagents.actors.tools.DirectoryTree;
import dev.turboagents.actors.tools.HeadTailBuffer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.diff.DiffEntry;
import org.eclipse.jgit.diff.DiffFormatter;
import org.eclipse.jgit.diff.Edit;
import org.eclipse.jgit.errors.MissingObjectException;
import org.eclipse.jgit.errors.RevisionSyntaxException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.revwalk.filter.RevFilter;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;

/**
 * Reviews in the workspace: a {@link ReviewTarget} resolved to commits (read-only on the
 * workspace), a review job's own clone at the tip (where the lint and coverage commands run; the
 * base is kept in it as {@value #BASE_REF}), and the diff with the lines it touches.
 */
final class ReviewClone {
  /** Where a review clone keeps the commit its diff starts from. */
  static final String BASE_REF = "refs/turbo-agents/review-base";

  private ReviewClone() {}

  static Optional<ReviewRange> resolve(Workspace workspace, ReviewTarget target) {
    try (Repository repository = workspace.openWorkspace(); RevWalk walk = new RevWalk(repository)) {
      Optional<RevCommit> tip;
      Optional<RevCommit> other;
      String label;
      switch (target) {
        case ReviewTarget.JobBranch j -> {
          label = Workspace.branch(j.jobId());
          tip = commit(repository, walk, Constants.R_HEADS + label);
          other = commit(repository, walk, Constants.R_HEADS + workspace.mainBranch());
        }
        case ReviewTarget.Branch b -> {
          label = b.name();
          tip = commit(repository, walk, Constants.R_HEADS + b.name());
          other = commit(repository, walk, Constants.R_HEADS + workspace.mainBranch());
        }
        case ReviewTarget.Range r -> {
          label = r.from() + ".." + r.to();
          tip = commit(repository, walk, r.to());
          other = commit(repository, walk, r.from());
        }
      }
      if (tip.isEmpty() || other.isEmpty()) {
        return Optional.empty();
      }
      walk.reset();
      walk.setRevFilter(RevFilter.MERGE_BASE);
      walk.markStart(walk.parseCommit(tip.get()));
      walk.markStart(walk.parseCommit(other.get()));
      RevCommit base = walk.next();
      if (base == null) {
        throw new WorkspaceException(target.describe() + " shares no history with "
            + (target instanceof ReviewTarget.Range r ? r.from() : workspace.mainBranch()) + ": there is nothing to diff against");
      }
      return Optional.of(new ReviewRange(label, base.getName(), tip.get().getName()));
    } catch (IOException e) {
      throw new WorkspaceException("could not read " + target.describe() + " in " + workspace.gitDir() + ": " + e.getMessage(), e);
    }
  }

  private static Optional<RevCommit> commit(Repository repository, RevWalk walk, String revision) throws IOException {
    try {
      ObjectId id = repository.resolve(revision);
      return id == null ? Optional.empty() : Optional.of(walk.parseCommit(id));
    } catch (RevisionSyntaxException | MissingObjectException | org.eclipse.jgit.errors.IncorrectObjectTypeException
        | org.eclipse.jgit.errors.AmbiguousObjectException e) {
      return Optional.empty();
    }
  }

  /**
   * The review job's clone at the tip, on its own local branch (never delivered: a review commits
   * nothing): the existing one when it is already there, else a new clone of every branch, made
   * beside its place and moved there whole.
   */
  static JobCheckout checkout(Workspace workspace, Path checkouts, String jobId, ReviewRange range) {
    Path directory = checkouts.resolve(Workspace.checkJobId(jobId));
    if (usable(directory, range)) {
      return new JobCheckout(workspace, jobId, directory);
    }
    Path partial = checkouts.resolve("." + jobId + ".partial");
    try {
      DirectoryTree.delete(directory);
      DirectoryTree.delete(partial);
      Files.createDirectories(checkouts);
      try (Git clone = Git.cloneRepository().setURI(workspace.gitDir().toUri().toString()).setDirectory(partial.toFile())
          .setCloneAllBranches(true).setCloneSubmodules(false).call()) {
        clone.checkout().setCreateBranch(true).setName(Workspace.branch(jobId)).setStartPoint(range.tip()).call();
        RefUpdate base = clone.getRepository().updateRef(BASE_REF);
        base.setNewObjectId(ObjectId.fromString(range.base()));
        base.setForceUpdate(true);
        RefUpdate.Result result = base.update();
        if (result != RefUpdate.Result.NEW && result != RefUpdate.Result.FORCED && result != RefUpdate.Result.NO_CHANGE) {
          throw new IOException("could not keep the review base: " + result);
        }
      }
      CheckoutConfig.disarm(partial.resolve(Constants.DOT_GIT));
      Files.move(partial, directory, StandardCopyOption.ATOMIC_MOVE);
      return new JobCheckout(workspace, jobId, directory);
    } catch (IOException | GitAPIException e) {
      throw new WorkspaceException("could not make the review clone of job " + jobId + " at " + range.tip() + " in "
          + directory + ": " + e.getMessage(), e);
    }
  }

  private static boolean usable(Path directory, ReviewRange range) {
    if (!Files.isDirectory(directory.resolve(Constants.DOT_GIT))) {
      return false;
    }
    try (Repository repository = open(directory)) {
      ObjectId head = repository.resolve(Constants.HEAD);
      ObjectId base = repository.resolve(BASE_REF);
      return head != null && base != null && head.getName().equals(range.tip()) && base.getName().equals(range.base());
    } catch (IOException e) {
      return false;
    }
  }

  /** The diff of the review clone from its base to its tip, with the lines touched per file. */
  static ReviewDiff diff(JobCheckout checkout, long maxDiffBytes) {
    try (Repository repository = open(checkout.directory()); RevWalk walk = new RevWalk(repository)) {
      ObjectId baseId = repository.resolve(BASE_REF);
      ObjectId tipId = repository.resolve(Constants.HEAD);
      if (baseId == null || tipId == null) {
        throw new WorkspaceException("the checkout " + checkout.directory() + " is not a review clone (no " + BASE_REF + ")");
      }
      RevCommit base = walk.parseCommit(baseId);
      RevCommit tip = walk.parseCommit(tipId);
      HeadTailBuffer out = new HeadTailBuffer((int) Math.min(Integer.MAX_VALUE - 8, maxDiffBytes), 0);
      List<ReviewDiff.ChangedFile> files = new ArrayList<>();
      try (DiffFormatter formatter = new DiffFormatter(out)) {
        formatter.setRepository(repository);
        formatter.setDetectRenames(true);
        List<DiffEntry> entries = formatter.scan(base.getTree(), tip.getTree());
        for (DiffEntry entry : entries) {
          TreeSet<Integer> touched = new TreeSet<>();
          if (entry.getChangeType() != DiffEntry.ChangeType.DELETE) {
            for (Edit edit : formatter.toFileHeader(entry).toEditList()) {
              if (edit.getLengthB() == 0) {
                touched.add(Math.max(1, edit.getBeginB()));
              }
              for (int line = edit.getBeginB() + 1; line <= edit.getEndB(); line++) {
                touched.add(line);
              }
            }
          }
          files.add(changed(entry, touched));
        }
        formatter.format(entries);
      }
      String label = base.abbreviate(7).name() + ".." + tip.abbreviate(7).name();
      return new ReviewDiff(new ReviewRange(label, base.getName(), tip.getName()), files, out.text());
    } catch (IOException e) {
      throw new WorkspaceException("could not diff the review clone " + checkout.directory() + ": " + e.getMessage(), e);
    }
  }

  private static ReviewDiff.ChangedFile changed(DiffEntry entry, TreeSet<Integer> touched) {
    return switch (entry.getChangeType()) {
      case ADD -> new ReviewDiff.ChangedFile(entry.getNewPath(), DiffStat.Change.ADDED, Optional.empty(), touched);
      case MODIFY -> new ReviewDiff.ChangedFile(entry.getNewPath(), DiffStat.Change.MODIFIED, Optional.empty(), touched);
      case DELETE -> new ReviewDiff.ChangedFile(entry.getOldPath(), DiffStat.Change.DELETED, Optional.empty(), touched);
      case RENAME -> new ReviewDiff.ChangedFile(entry.getNewPath(), DiffStat.Change.RENAMED, Optional.of(entry.getOldPath()), touched);
      case COPY -> new ReviewDiff.ChangedFile(entry.getNewPath(), DiffStat.Change.COPIED, Optional.of(entry.getOldPath()), touched);
    };
  }

  private static Repository open(Path directory) throws IOException {
    CheckoutConfig.disarm(directory.resolve(Constants.DOT_GIT));
    return new FileRepositoryBuilder().setWorkTree(directory.toFile()).setMustExist(true).build();
  }
}
