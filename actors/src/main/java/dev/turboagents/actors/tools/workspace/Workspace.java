package dev.turboagents.actors.tools.workspace;

import dev.turboagents.actors.tools.DirectoryTree;
import dev.turboagents.config.InvalidSettingException;
import dev.turboagents.config.ToolSettings.WorkspaceSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.ResetCommand;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.errors.RepositoryNotFoundException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.TagOpt;

/**
 * The user's git repository ({@code turbo-agents.workspace.path}) as the agents see it: each job
 * gets its own clone under {@code <data-dir>/checkouts/<job-id>}, started from the main branch, and
 * its commits come back into the workspace as branch {@code agents/<job-id>} through JGit, between
 * the two local repositories. The user's working tree, index, uncommitted changes and current
 * branch are never touched: the workspace is only read, and written only under
 * refs/heads/agents/ (and its object store). Nothing is ever pushed to a remote. One job's
 * checkout is used by one caller at a time; different jobs may work at once.
 */
public final class Workspace {
  private static final String PATH_KEY = "turbo-agents.workspace.path";
  private static final String MAIN_KEY = "turbo-agents.workspace.main-branch";
  private static final Pattern JOB_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,127}");
  static final String BRANCH_PREFIX = "agents/";

  private final Path gitDir;
  private final String mainBranch;
  private final Path checkouts;
  private final WorkspaceSettings settings;

  private Workspace(Path gitDir, String mainBranch, Path checkouts, WorkspaceSettings settings) {
    this.gitDir = gitDir;
    this.mainBranch = mainBranch;
    this.checkouts = checkouts;
    this.settings = settings;
  }

  /**
   * The configured workspace, or empty when none is configured (then code jobs are refused). JGit
   * is {@link IsolatedGitConfig isolated} under {@code <data-dir>/git} first.
   *
   * @throws InvalidSettingException naming {@code turbo-agents.workspace.path} when it is not a git
   *     repository, or {@code turbo-agents.workspace.main-branch} when that branch is missing
   */
  public static Optional<Workspace> open(WorkspaceSettings settings, Path dataDir) {
    if (settings.path().isEmpty()) {
      return Optional.empty();
    }
    IsolatedGitConfig.install(dataDir.resolve("git"));
    Path path = settings.path().get();
    try (Repository repository = repository(path)) {
      String main = mainBranch(repository, path, settings.mainBranch());
      return Optional.of(new Workspace(repository.getDirectory().toPath(), main, dataDir.resolve("checkouts"), settings));
    } catch (IOException e) {
      throw new InvalidSettingException(PATH_KEY, path + " cannot be read as a git repository: " + e.getMessage());
    }
  }

  private static Repository repository(Path path) throws IOException {
    if (!Files.isDirectory(path)) {
      throw new InvalidSettingException(PATH_KEY, path + " is not a directory; set TURBO_AGENTS_WORKSPACE to the root of a git repository");
    }
    FileRepositoryBuilder builder = new FileRepositoryBuilder().setMustExist(true);
    // the root of a working tree, or a bare repository; never a parent of the path
    boolean workTree = Files.exists(path.resolve(Constants.DOT_GIT));
    builder = workTree ? builder.setWorkTree(path.toFile()) : builder.setGitDir(path.toFile());
    try {
      Repository repository = builder.build();
      if (!workTree && !repository.getObjectDatabase().exists()) {
        repository.close();
        throw new RepositoryNotFoundException(path.toFile());
      }
      return repository;
    } catch (RepositoryNotFoundException | IllegalArgumentException e) {
      throw new InvalidSettingException(PATH_KEY, path + " is not a git repository (no .git in it); "
          + "set TURBO_AGENTS_WORKSPACE to the root of a git repository");
    }
  }

  private static String mainBranch(Repository repository, Path path, Optional<String> configured) throws IOException {
    List<String> branches = new ArrayList<>();
    for (Ref ref : repository.getRefDatabase().getRefsByPrefix(Constants.R_HEADS)) {
      branches.add(Repository.shortenRefName(ref.getName()));
    }
    if (configured.isPresent()) {
      if (!branches.contains(configured.get())) {
        throw new InvalidSettingException(MAIN_KEY, "branch '" + configured.get() + "' does not exist in " + path + " (its branches: " + branches + ")");
      }
      return configured.get();
    }
    for (String candidate : List.of("main", "master")) {
      if (branches.contains(candidate)) {
        return candidate;
      }
    }
    throw new InvalidSettingException(MAIN_KEY, "is empty and " + path + " has neither 'main' nor 'master' (its branches: " + branches
        + "); name the branch the agents start from");
  }

  /** The branch checkouts start from. */
  public String mainBranch() {
    return mainBranch;
  }

  /** The branch a job's commits arrive on: {@code agents/<job-id>}. */
  public static String branch(String jobId) {
    return BRANCH_PREFIX + checkJobId(jobId);
  }

  /**
   * The job's own checkout, on branch agents/&lt;job-id&gt;: the existing one when the job resumes,
   * else a new clone, from that branch when the workspace already has it (a checkout lost after
   * a commit) or from the main branch's newest commit. A clone is made beside its place and moved
   * there whole, so a crash never leaves half a checkout to work in.
   */
  public JobCheckout checkout(String jobId) {
    return checkout(jobId, Optional.empty());
  }

  /**
   * The job's own checkout as {@link #checkout(String)}, but a new one starts from branch
   * {@code startFrom} of the workspace instead of the main branch: a revision carries on an
   * earlier job's commits (its branch agents/&lt;job-id&gt; then holds them and its own).
   */
  public JobCheckout checkout(String jobId, Optional<String> startFrom) {
    Path directory = checkouts.resolve(checkJobId(jobId));
    if (usable(directory, jobId)) {
      return new JobCheckout(this, jobId, directory);
    }
    Path partial = checkouts.resolve("." + jobId + ".partial");
    try {
      DirectoryTree.delete(directory);
      DirectoryTree.delete(partial);
      Files.createDirectories(checkouts);
      cloneInto(partial, jobId, startFrom);
      Files.move(partial, directory, StandardCopyOption.ATOMIC_MOVE);
      return new JobCheckout(this, jobId, directory);
    } catch (IOException | GitAPIException e) {
      throw new WorkspaceException("could not make the checkout of job " + jobId + " in " + directory + ": " + e.getMessage(), e);
    }
  }

  private boolean usable(Path directory, String jobId) {
    if (!Files.isDirectory(directory.resolve(Constants.DOT_GIT))) {
      return false;
    }
    try (Repository repository = new FileRepositoryBuilder().setWorkTree(directory.toFile()).setMustExist(true).build()) {
      return (Constants.R_HEADS + branch(jobId)).equals(repository.getFullBranch()) && repository.resolve(Constants.HEAD) != null;
    } catch (IOException e) {
      return false;
    }
  }

  private void cloneInto(Path directory, String jobId, Optional<String> startFrom) throws IOException, GitAPIException {
    String agentRef = Constants.R_HEADS + branch(jobId);
    boolean resumed = branchTip(jobId).isPresent();
    String start = startFrom.orElse(mainBranch);
    try (Git clone = Git.cloneRepository()
        .setURI(gitDir.toUri().toString())
        .setDirectory(directory.toFile())
        .setBranchesToClone(resumed ? List.of(agentRef, Constants.R_HEADS + mainBranch)
            : List.of(Constants.R_HEADS + mainBranch, Constants.R_HEADS + start).stream().distinct().toList())
        .setBranch(resumed ? agentRef : Constants.R_HEADS + mainBranch)
        .setNoTags()
        .setCloneSubmodules(false)
        .call()) {
      if (!resumed) {
        clone.checkout().setCreateBranch(true).setName(branch(jobId)).setStartPoint(Constants.R_REMOTES + "origin/" + start).call();
      }
    }
    CheckoutConfig.disarm(directory.resolve(Constants.DOT_GIT));
  }

  /**
   * The daemon's own clone of the main branch at its newest commit, in {@code <data-dir>/code-index}:
   * the tree the code index reads at start (the user's working tree may hold uncommitted changes,
   * so it is never read). Cloned once, then fetched and reset to the main branch each time; a clone
   * that cannot be brought up to date is made again.
   */
  public Path mainTree() {
    Path directory = checkouts.resolveSibling("code-index");
    Path partial = checkouts.resolveSibling(".code-index.partial");
    String remoteMain = Constants.R_REMOTES + "origin/" + mainBranch;
    try {
      if (Files.isDirectory(directory.resolve(Constants.DOT_GIT))) {
        try (Git git = Git.open(directory.toFile())) {
          git.fetch().setRemote("origin").setTagOpt(TagOpt.NO_TAGS)
              .setRefSpecs(new RefSpec("+" + Constants.R_HEADS + mainBranch + ":" + remoteMain)).call();
          git.reset().setMode(ResetCommand.ResetType.HARD).setRef(remoteMain).call();
          return directory;
        } catch (IOException | GitAPIException | RuntimeException e) {
          // a damaged clone: made again below
        }
      }
      DirectoryTree.delete(directory);
      DirectoryTree.delete(partial);
      Files.createDirectories(partial.getParent());
      try (Git clone = Git.cloneRepository().setURI(gitDir.toUri().toString()).setDirectory(partial.toFile())
          .setBranchesToClone(List.of(Constants.R_HEADS + mainBranch)).setBranch(Constants.R_HEADS + mainBranch)
          .setNoTags().setCloneSubmodules(false).call()) {
        // cloned
      }
      CheckoutConfig.disarm(partial.resolve(Constants.DOT_GIT));
      Files.move(partial, directory, StandardCopyOption.ATOMIC_MOVE);
      return directory;
    } catch (IOException | GitAPIException e) {
      throw new WorkspaceException("could not bring the code index's clone " + directory + " to " + mainBranch + ": " + e.getMessage(), e);
    }
  }

  /** The newest commit of agents/&lt;job-id&gt; in the workspace, if the job has committed. */
  public Optional<CommitSummary> branchTip(String jobId) {
    try (Repository repository = openWorkspace(); RevWalk walk = new RevWalk(repository)) {
      ObjectId tip = repository.resolve(Constants.R_HEADS + branch(jobId));
      return tip == null ? Optional.empty() : Optional.of(summary(walk.parseCommit(tip)));
    } catch (IOException e) {
      throw new WorkspaceException("could not read branch " + branch(jobId) + " of " + gitDir + ": " + e.getMessage(), e);
    }
  }

  /** The newest commits of the main branch, newest first ({@code turbo-agents.workspace.recent-commits}). */
  public List<CommitSummary> recentCommits() {
    try (Repository repository = openWorkspace(); RevWalk walk = new RevWalk(repository)) {
      ObjectId tip = repository.resolve(Constants.R_HEADS + mainBranch);
      if (tip == null) {
        return List.of();
      }
      walk.markStart(walk.parseCommit(tip));
      List<CommitSummary> recent = new ArrayList<>();
      for (RevCommit commit : walk) {
        if (recent.size() == settings.recentCommits()) {
          break;
        }
        recent.add(summary(commit));
      }
      return recent;
    } catch (IOException e) {
      throw new WorkspaceException("could not read the history of " + mainBranch + " in " + gitDir + ": " + e.getMessage(), e);
    }
  }

  /**
   * The commits on any local branch whose message contains {@code text} (an issue's id), committed
   * from {@code since} (inclusive) to {@code until} (exclusive), newest first, each once.
   */
  public List<CommitSummary> commitsMentioning(String text, java.time.Instant since, java.time.Instant until) {
    try (Repository repository = openWorkspace(); RevWalk walk = new RevWalk(repository)) {
      for (Ref ref : repository.getRefDatabase().getRefsByPrefix(Constants.R_HEADS)) {
        walk.markStart(walk.parseCommit(ref.getObjectId()));
      }
      // the walk goes newest first and stops at the first commit older than since
      walk.setRevFilter(org.eclipse.jgit.revwalk.filter.CommitTimeRevFilter.after(since));
      List<CommitSummary> found = new ArrayList<>();
      for (RevCommit commit : walk) {
        java.time.Instant at = commit.getCommitterIdent().getWhenAsInstant();
        if (at.isBefore(until) && commit.getFullMessage().contains(text)) {
          found.add(summary(commit));
        }
      }
      return found;
    } catch (IOException e) {
      throw new WorkspaceException("could not read the branches of " + gitDir + ": " + e.getMessage(), e);
    }
  }

  /** What {@code target} is now, as commits; empty when its branch or a revision of its range does not exist. */
  public Optional<ReviewRange> resolve(ReviewTarget target) {
    return ReviewClone.resolve(this, target);
  }

  /** A review job's own clone at {@code range}'s tip, keeping its base: where lint and coverage run. */
  public JobCheckout reviewCheckout(String jobId, ReviewRange range) {
    return ReviewClone.checkout(this, checkouts, jobId, range);
  }

  /** The diff of a {@link #reviewCheckout review clone} from its base to its tip, with the lines it touches. */
  public ReviewDiff reviewDiff(JobCheckout checkout) {
    return ReviewClone.diff(checkout, settings.maxDiffBytes());
  }

  /** The files {@code range} changes from its base to its tip, with lines added and deleted (read in the workspace). */
  public DiffStat diffStat(ReviewRange range) {
    try (Repository repository = openWorkspace(); RevWalk walk = new RevWalk(repository);
        org.eclipse.jgit.diff.DiffFormatter formatter = new org.eclipse.jgit.diff.DiffFormatter(
            org.eclipse.jgit.util.io.NullOutputStream.INSTANCE)) {
      formatter.setRepository(repository);
      List<DiffStat.FileChange> files = new ArrayList<>();
      for (org.eclipse.jgit.diff.DiffEntry entry : formatter.scan(walk.parseCommit(ObjectId.fromString(range.base())).getTree(),
          walk.parseCommit(ObjectId.fromString(range.tip())).getTree())) {
        int added = 0;
        int deleted = 0;
        for (org.eclipse.jgit.diff.Edit edit : formatter.toFileHeader(entry).toEditList()) {
          added += edit.getLengthB();
          deleted += edit.getLengthA();
        }
        boolean gone = entry.getChangeType() == org.eclipse.jgit.diff.DiffEntry.ChangeType.DELETE;
        files.add(new DiffStat.FileChange(gone ? entry.getOldPath() : entry.getNewPath(), switch (entry.getChangeType()) {
          case ADD -> DiffStat.Change.ADDED;
          case MODIFY -> DiffStat.Change.MODIFIED;
          case DELETE -> DiffStat.Change.DELETED;
          case RENAME -> DiffStat.Change.RENAMED;
          case COPY -> DiffStat.Change.COPIED;
        }, Optional.empty(), added, deleted));
      }
      return new DiffStat(files);
    } catch (IOException e) {
      throw new WorkspaceException("could not diff " + range.base() + ".." + range.tip() + " in " + gitDir + ": " + e.getMessage(), e);
    }
  }

  /** Deletes a finished job's checkout; its branch stays in the workspace. Nothing there is fine. */
  public void remove(String jobId) {
    Path directory = checkouts.resolve(checkJobId(jobId));
    try {
      DirectoryTree.delete(directory);
      DirectoryTree.delete(checkouts.resolve("." + jobId + ".partial"));
    } catch (IOException e) {
      throw new WorkspaceException("could not remove the checkout " + directory + ": " + e.getMessage(), e);
    }
  }

  WorkspaceSettings settings() {
    return settings;
  }

  Path gitDir() {
    return gitDir;
  }

  Repository openWorkspace() throws IOException {
    return new FileRepositoryBuilder().setGitDir(gitDir.toFile()).setMustExist(true).build();
  }

  static CommitSummary summary(RevCommit commit) {
    return new CommitSummary(commit.getName(), commit.getShortMessage(), commit.getAuthorIdent().getName(),
        commit.getAuthorIdent().getWhenAsInstant());
  }

  /** Job ids become a directory name and part of a branch name: letters, digits, '-' and '_' only. */
  static String checkJobId(String jobId) {
    if (!JOB_ID.matcher(jobId).matches()) {
      throw new IllegalArgumentException("a job id is letters, digits, '-' and '_' (at most 128), was '" + jobId + "'");
    }
    return jobId;
  }
}
