package dev.turboagents.actors.tools.workspace;

import dev.turboagents.actors.tools.HeadTailBuffer;
import dev.turboagents.actors.tools.TrimmedText;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.EmptyCommitException;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.diff.DiffEntry;
import org.eclipse.jgit.diff.DiffFormatter;
import org.eclipse.jgit.diff.Edit;
import org.eclipse.jgit.dircache.DirCacheIterator;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.revwalk.filter.RevFilter;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.PushResult;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.RemoteRefUpdate;
import org.eclipse.jgit.treewalk.CanonicalTreeParser;

/**
 * One job's own clone of the workspace, on branch agents/&lt;job-id&gt;: where its file tools and
 * commands work, what {@code git_diff} shows, and where its commits are made before they are
 * delivered to the workspace. Its base is where the branch left the main branch.
 */
public final class JobCheckout {
  private final Workspace workspace;
  private final String jobId;
  private final Path directory;

  JobCheckout(Workspace workspace, String jobId, Path directory) {
    this.workspace = workspace;
    this.jobId = jobId;
    this.directory = directory;
  }

  public String jobId() {
    return jobId;
  }

  /** The checkout's root: the directory file tools are confined to and commands run in. */
  public Path directory() {
    return directory;
  }

  /** {@code agents/<job-id>}. */
  public String branch() {
    return Workspace.branch(jobId);
  }

  /** The commit of the main branch this job's work starts from. */
  public String base() {
    try (Repository repository = open(); RevWalk walk = new RevWalk(repository)) {
      return base(repository, walk).getName();
    } catch (IOException e) {
      throw failure("find the base of", e);
    }
  }

  /**
   * Commits everything the job changed (new, changed and deleted files; .gitignore respected) with
   * {@code message} and the trailer {@code Turbo-Agents-Key: <key>}, and delivers the branch to the
   * workspace. If a commit with the same key is already on the branch, that one is returned and
   * delivered again (a crash may have come between the commit and the delivery), and nothing is
   * committed. Only the trailer counts: a key written elsewhere in a message is not its key.
   */
  public CommitOutcome commit(String message, CommitKey key) {
    if (!key.jobId().equals(jobId)) {
      throw new IllegalArgumentException("key " + key + " belongs to another job than " + jobId);
    }
    try (Repository repository = open(); Git git = new Git(repository)) {
      Optional<RevCommit> earlier = keyed(git.getRepository(), key);
      if (earlier.isPresent()) {
        deliver(git);
        return new CommitOutcome.AlreadyCommitted(Workspace.summary(earlier.get()), key);
      }
      stageEverything(git);
      PersonIdent agent = new PersonIdent(workspace.settings().authorName(), workspace.settings().authorEmail());
      RevCommit commit;
      try {
        commit = git.commit()
            .setMessage(withTrailer(message, key))
            .setAuthor(agent)
            .setCommitter(agent)
            .setAllowEmpty(false)
            .setNoVerify(true)
            .setSign(false)
            .call();
      } catch (EmptyCommitException e) {
        return new CommitOutcome.NothingToCommit(key);
      }
      deliver(git);
      return new CommitOutcome.Committed(Workspace.summary(commit), key);
    } catch (IOException | GitAPIException e) {
      throw failure("commit in", e);
    }
  }

  /**
   * The unified diff of the checkout against its base, committed and uncommitted work together
   * (new files included), cut after {@code turbo-agents.workspace.max-diff-size}.
   */
  public TrimmedText diff() {
    try (Repository repository = open(); Git git = new Git(repository)) {
      stageEverything(git);
      HeadTailBuffer out = new HeadTailBuffer((int) Math.min(Integer.MAX_VALUE - 8, workspace.settings().maxDiffBytes()), 0);
      try (DiffFormatter formatter = formatter(git.getRepository(), out)) {
        formatter.format(changes(git.getRepository(), formatter));
      }
      return out.text();
    } catch (IOException | GitAPIException e) {
      throw failure("diff", e);
    }
  }

  /** Per file: what changed against the base, and how many lines were added and deleted. */
  public DiffStat diffStat() {
    try (Repository repository = open(); Git git = new Git(repository)) {
      stageEverything(git);
      List<DiffStat.FileChange> files = new ArrayList<>();
      try (DiffFormatter formatter = formatter(git.getRepository(), org.eclipse.jgit.util.io.NullOutputStream.INSTANCE)) {
        for (DiffEntry entry : changes(git.getRepository(), formatter)) {
          int added = 0;
          int deleted = 0;
          for (Edit edit : formatter.toFileHeader(entry).toEditList()) {
            added += edit.getLengthB();
            deleted += edit.getLengthA();
          }
          files.add(fileChange(entry, added, deleted));
        }
      }
      return new DiffStat(files);
    } catch (IOException | GitAPIException e) {
      throw failure("diff", e);
    }
  }

  private static DiffStat.FileChange fileChange(DiffEntry entry, int added, int deleted) {
    return switch (entry.getChangeType()) {
      case ADD -> new DiffStat.FileChange(entry.getNewPath(), DiffStat.Change.ADDED, Optional.empty(), added, deleted);
      case MODIFY -> new DiffStat.FileChange(entry.getNewPath(), DiffStat.Change.MODIFIED, Optional.empty(), added, deleted);
      case DELETE -> new DiffStat.FileChange(entry.getOldPath(), DiffStat.Change.DELETED, Optional.empty(), added, deleted);
      case RENAME -> new DiffStat.FileChange(entry.getNewPath(), DiffStat.Change.RENAMED, Optional.of(entry.getOldPath()), added, deleted);
      case COPY -> new DiffStat.FileChange(entry.getNewPath(), DiffStat.Change.COPIED, Optional.of(entry.getOldPath()), added, deleted);
    };
  }

  private Repository open() throws IOException {
    Path gitDir = directory.resolve(Constants.DOT_GIT);
    CheckoutConfig.disarm(gitDir);
    Repository repository = new FileRepositoryBuilder().setWorkTree(directory.toFile()).setMustExist(true).build();
    try {
      CheckoutConfig.check(repository.getConfig(), gitDir);
      return repository;
    } catch (IOException | RuntimeException e) {
      repository.close();
      throw e;
    }
  }

  private RevCommit base(Repository repository, RevWalk walk) throws IOException {
    ObjectId head = repository.resolve(Constants.HEAD);
    ObjectId main = repository.resolve(Constants.R_REMOTES + "origin/" + workspace.mainBranch());
    if (head == null || main == null) {
      throw new IOException("the checkout has no " + (head == null ? "HEAD" : "origin/" + workspace.mainBranch()));
    }
    walk.setRevFilter(RevFilter.MERGE_BASE);
    walk.markStart(walk.parseCommit(head));
    walk.markStart(walk.parseCommit(main));
    RevCommit base = walk.next();
    if (base == null) {
      throw new IOException(branch() + " shares no history with " + workspace.mainBranch());
    }
    return base;
  }

  /** The commit on this branch, since it left the main branch, that carries {@code key}. */
  private Optional<RevCommit> keyed(Repository repository, CommitKey key) throws IOException {
    try (RevWalk walk = new RevWalk(repository)) {
      ObjectId head = repository.resolve(Constants.HEAD);
      ObjectId main = repository.resolve(Constants.R_REMOTES + "origin/" + workspace.mainBranch());
      walk.markStart(walk.parseCommit(head));
      if (main != null) {
        walk.markUninteresting(walk.parseCommit(main));
      }
      for (RevCommit commit : walk) {
        if (commit.getFooterLines(CommitKey.TRAILER).contains(key.toString())) {
          return Optional.of(commit);
        }
      }
      return Optional.empty();
    }
  }

  /** The key goes in a paragraph of its own at the end: trailers are read from the last paragraph only. */
  private static String withTrailer(String message, CommitKey key) {
    String body = message.strip();
    return (body.isEmpty() ? "Work of job " + key.jobId() : body) + "\n\n" + CommitKey.TRAILER + ": " + key + "\n";
  }

  private static void stageEverything(Git git) throws GitAPIException {
    git.add().addFilepattern(".").setAll(true).call();
  }

  /** Pushes agents/&lt;job-id&gt; (and only it) into the workspace repository, fast-forward only. */
  private void deliver(Git git) throws GitAPIException {
    String ref = Constants.R_HEADS + branch();
    try (Repository target = workspace.openWorkspace()) {
      if (ref.equals(target.getFullBranch())) {
        throw new WorkspaceException("the workspace has " + branch() + " checked out; its new commits stay in the job's checkout "
            + "until the workspace is on another branch");
      }
    } catch (IOException e) {
      throw failure("read the workspace for", e);
    }
    Iterable<PushResult> results = git.push()
        .setRemote(workspace.gitDir().toUri().toString())
        .setRefSpecs(new RefSpec(ref + ":" + ref))
        .call();
    for (PushResult result : results) {
      for (RemoteRefUpdate update : result.getRemoteUpdates()) {
        if (update.getStatus() != RemoteRefUpdate.Status.OK && update.getStatus() != RemoteRefUpdate.Status.UP_TO_DATE) {
          throw new WorkspaceException("the workspace refused " + branch() + ": " + update.getStatus()
              + (update.getMessage() == null ? "" : " (" + update.getMessage() + ")"));
        }
      }
    }
  }

  private DiffFormatter formatter(Repository repository, java.io.OutputStream out) {
    DiffFormatter formatter = new DiffFormatter(out);
    formatter.setRepository(repository);
    formatter.setDetectRenames(true);
    return formatter;
  }

  /** Base commit's tree against the index, which {@link #stageEverything} made equal to the files. */
  private List<DiffEntry> changes(Repository repository, DiffFormatter formatter) throws IOException {
    try (RevWalk walk = new RevWalk(repository); ObjectReader reader = repository.newObjectReader()) {
      CanonicalTreeParser baseTree = new CanonicalTreeParser(null, reader, base(repository, walk).getTree());
      return formatter.scan(baseTree, new DirCacheIterator(repository.readDirCache()));
    }
  }

  private WorkspaceException failure(String what, Exception e) {
    return e instanceof WorkspaceException w ? w
        : new WorkspaceException("could not " + what + " the checkout of job " + jobId + " (" + directory + "): " + e.getMessage(), e);
  }
}
