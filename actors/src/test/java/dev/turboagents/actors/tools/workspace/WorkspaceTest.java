package dev.turboagents.actors.tools.workspace;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turboagents.actors.tools.TrimmedText;
import dev.turboagents.actors.tools.files.CheckoutFiles;
import dev.turboagents.actors.tools.files.EditResult;
import dev.turboagents.actors.tools.files.WriteResult;
import dev.turboagents.config.InvalidSettingException;
import dev.turboagents.config.ToolSettings.FileLimits;
import dev.turboagents.config.ToolSettings.WorkspaceSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.Status;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real git repository as the user has one: two commits on main, a feature branch checked out,
 * and uncommitted work (a modified file, a staged file, an untracked file) that every test
 * checks is exactly as it was afterwards.
 */
class WorkspaceTest {
  private static final PersonIdent USER = new PersonIdent("Ada User", "ada@example.org");

  @TempDir
  Path repo;

  @TempDir
  Path dataDir;

  private Git user;
  private String mainTip;
  private UserState before;

  /** What the user has in their repository, down to the bytes of the index. */
  private record UserState(String branch, Map<String, String> refs, Map<String, String> files, byte[] index, String status) {}

  @BeforeEach
  void aRepositoryWithUncommittedWork() throws IOException, GitAPIException {
    // before the first JGit call: nothing of it may land in ~/.config/jgit (Workspace.open does the same)
    IsolatedGitConfig.install(dataDir.resolve("git"));
    user = Git.init().setDirectory(repo.toFile()).setInitialBranch("main").call();
    write(repo, "README.md", "# Demo\nHello wrld\n");
    user.add().addFilepattern(".").call();
    user.commit().setMessage("First commit").setAuthor(USER).setCommitter(USER).setSign(false).call();
    write(repo, "src/App.java", "class App {}\n");
    user.add().addFilepattern(".").call();
    mainTip = user.commit().setMessage("Add the app").setAuthor(USER).setCommitter(USER).setSign(false).call().getName();

    user.checkout().setCreateBranch(true).setName("feature").call();
    write(repo, "feature.txt", "the user's feature\n");
    user.add().addFilepattern("feature.txt").call();
    user.commit().setMessage("Feature work").setAuthor(USER).setCommitter(USER).setSign(false).call();

    write(repo, "README.md", "# Demo\nHello world, unsaved edit\n");
    write(repo, "staged.txt", "staged, not committed\n");
    user.add().addFilepattern("staged.txt").call();
    write(repo, "notes.txt", "untracked notes\n");
    before = userState();
  }

  @AfterEach
  void theUsersWorkIsUntouched() throws IOException, GitAPIException {
    UserState after = userState();
    assertEquals(before.branch(), after.branch(), "current branch");
    assertEquals(before.files(), after.files(), "working tree");
    assertArrayEquals(before.index(), after.index(), "index");
    assertEquals(before.status(), after.status(), "status");
    Map<String, String> refs = new TreeMap<>(after.refs());
    refs.keySet().removeIf(ref -> ref.startsWith("refs/heads/agents/"));
    assertEquals(before.refs(), refs, "only agents/ branches are added");
    user.close();
  }

  private UserState userState() throws IOException, GitAPIException {
    byte[] index = Files.readAllBytes(repo.resolve(".git/index"));
    Map<String, String> files = new TreeMap<>();
    for (String name : List.of("README.md", "src/App.java", "feature.txt", "staged.txt", "notes.txt")) {
      files.put(name, Files.readString(repo.resolve(name)));
    }
    Map<String, String> refs = new TreeMap<>();
    user.getRepository().getRefDatabase().getRefs().forEach(ref -> refs.put(ref.getName(), ref.getObjectId().getName()));
    Status status = user.status().call();
    String summary = "modified=" + status.getModified() + " added=" + status.getAdded() + " untracked=" + status.getUntracked();
    return new UserState(user.getRepository().getFullBranch(), refs, files, index, summary);
  }

  private static void write(Path root, String path, String content) throws IOException {
    Files.createDirectories(root.resolve(path).getParent());
    Files.writeString(root.resolve(path), content);
  }

  private static WorkspaceSettings settings(Path path, Optional<String> main, long maxDiff) {
    return new WorkspaceSettings(Optional.of(path), main, "turbo-agents", "agents@turbo-agents.invalid", 10, maxDiff);
  }

  private Workspace workspace() {
    return Workspace.open(settings(repo, Optional.empty(), 64 * 1024), dataDir).orElseThrow();
  }

  private static CheckoutFiles files(JobCheckout checkout) {
    return new CheckoutFiles(checkout.directory(), new FileLimits(1024 * 1024, 1000));
  }

  private RevCommit workspaceCommit(String ref) throws IOException {
    try (RevWalk walk = new RevWalk(user.getRepository())) {
      ObjectId id = user.getRepository().resolve(ref);
      assertTrue(id != null, ref + " is not in the workspace");
      return walk.parseCommit(id);
    }
  }

  private String fileAt(String ref, String path) throws IOException {
    Repository repository = user.getRepository();
    try (TreeWalk walk = TreeWalk.forPath(repository, path, workspaceCommit(ref).getTree())) {
      return walk == null ? "<absent>" : new String(repository.open(walk.getObjectId(0)).getBytes(), UTF_8);
    }
  }

  private int commitsOnBranchSinceMain(String jobId) throws IOException, GitAPIException {
    int count = 0;
    for (RevCommit ignored : user.log().addRange(ObjectId.fromString(mainTip), workspaceCommit("refs/heads/agents/" + jobId)).call()) {
      count++;
    }
    return count;
  }

  @Test
  void aJobWorksInItsOwnCheckoutAndItsCommitArrivesAsItsBranch() throws IOException {
    Workspace workspace = workspace();
    assertEquals("main", workspace.mainBranch(), "main, not the user's current branch");
    JobCheckout checkout = workspace.checkout("job-1");

    assertEquals(dataDir.resolve("checkouts/job-1"), checkout.directory());
    assertEquals("agents/job-1", checkout.branch());
    assertEquals(mainTip, checkout.base());
    assertEquals("# Demo\nHello wrld\n", Files.readString(checkout.directory().resolve("README.md")), "main's committed content");
    assertFalse(Files.exists(checkout.directory().resolve("feature.txt")), "nothing of the user's current branch");
    assertFalse(Files.exists(checkout.directory().resolve("notes.txt")), "nothing uncommitted");

    assertInstanceOf(EditResult.Edited.class, files(checkout).edit("README.md", "Hello wrld", "Hello world"));
    assertInstanceOf(WriteResult.Written.class, files(checkout).write("src/Greeting.java", "class Greeting {}\n"));
    CommitOutcome.Committed committed = assertInstanceOf(CommitOutcome.Committed.class,
        checkout.commit("Fix the greeting\n\nThe README said wrld.", new CommitKey("job-1", 3)));

    RevCommit onBranch = workspaceCommit("refs/heads/agents/job-1");
    assertEquals(committed.commit().id(), onBranch.getName());
    assertEquals(List.of("job-1/3"), onBranch.getFooterLines(CommitKey.TRAILER));
    assertEquals("Fix the greeting", onBranch.getShortMessage());
    assertEquals("turbo-agents", onBranch.getAuthorIdent().getName());
    assertEquals(mainTip, onBranch.getParent(0).getName());
    assertEquals("# Demo\nHello world\n", fileAt("refs/heads/agents/job-1", "README.md"));
    assertEquals("class Greeting {}\n", fileAt("refs/heads/agents/job-1", "src/Greeting.java"));
    assertEquals(mainTip, workspaceCommit("refs/heads/main").getName(), "main is untouched");
    assertEquals(Optional.of(committed.commit()), workspace.branchTip("job-1"));
  }

  @Test
  void committingAgainWithTheSameKeyReturnsTheFirstCommitEvenAfterTheCheckoutIsLost() throws IOException, GitAPIException {
    Workspace workspace = workspace();
    JobCheckout checkout = workspace.checkout("job-2");
    files(checkout).write("a.txt", "first\n");
    CommitKey key = new CommitKey("job-2", 7);
    CommitSummary first = assertInstanceOf(CommitOutcome.Committed.class, checkout.commit("Add a", key)).commit();

    files(checkout).write("a.txt", "changed after a crash\n");
    CommitOutcome.AlreadyCommitted again = assertInstanceOf(CommitOutcome.AlreadyCommitted.class, checkout.commit("Add a", key));
    assertEquals(first, again.commit());
    assertEquals(1, commitsOnBranchSinceMain("job-2"));

    workspace.remove("job-2");
    assertFalse(Files.exists(checkout.directory()));
    JobCheckout resumed = workspace.checkout("job-2");
    assertEquals("first\n", Files.readString(resumed.directory().resolve("a.txt")), "a lost checkout resumes from its branch");
    assertEquals(mainTip, resumed.base());
    assertEquals(first, assertInstanceOf(CommitOutcome.AlreadyCommitted.class, resumed.commit("Add a", key)).commit());
    assertEquals(1, commitsOnBranchSinceMain("job-2"));

    files(resumed).write("b.txt", "next step\n");
    assertInstanceOf(CommitOutcome.Committed.class, resumed.commit("Add b", new CommitKey("job-2", 8)));
    assertEquals(2, commitsOnBranchSinceMain("job-2"));
  }

  @Test
  void aKeyWrittenInTheMessageIsNotTheCommitsKey() throws IOException {
    JobCheckout checkout = workspace().checkout("job-3");
    files(checkout).write("a.txt", "a\n");
    checkout.commit("Add a\n\nTurbo-Agents-Key: job-3/9", new CommitKey("job-3", 1));
    assertEquals(List.of("job-3/1"), workspaceCommit("refs/heads/agents/job-3").getFooterLines(CommitKey.TRAILER));

    files(checkout).write("b.txt", "b\n");
    assertInstanceOf(CommitOutcome.Committed.class, checkout.commit("Add b", new CommitKey("job-3", 9)));
  }

  @Test
  void noChangeIsNothingToCommit() {
    JobCheckout checkout = workspace().checkout("job-4");
    assertInstanceOf(CommitOutcome.NothingToCommit.class, checkout.commit("Nothing", new CommitKey("job-4", 1)));
    assertEquals(Optional.empty(), workspace().branchTip("job-4"), "no branch without a commit");
  }

  @Test
  void theDiffAndItsStatShowCommittedAndUncommittedWorkAgainstTheBase() throws IOException {
    JobCheckout checkout = workspace().checkout("job-5");
    files(checkout).write("README.md", "# Demo\nHello world\n");
    checkout.commit("Fix the greeting", new CommitKey("job-5", 1));
    files(checkout).write("docs/usage.md", "Run it.\nTwice.\n");
    Files.delete(checkout.directory().resolve("src/App.java"));

    String diff = checkout.diff().text();
    assertTrue(diff.contains("diff --git a/README.md b/README.md\n"), diff);
    assertTrue(diff.contains("-Hello wrld\n+Hello world\n"), diff);
    assertTrue(diff.contains("+++ b/docs/usage.md\n") && diff.contains("+Run it.\n+Twice.\n"), diff);
    assertTrue(diff.contains("--- a/src/App.java\n+++ /dev/null\n"), diff);

    DiffStat stat = checkout.diffStat();
    assertEquals(List.of(
        new DiffStat.FileChange("README.md", DiffStat.Change.MODIFIED, Optional.empty(), 1, 1),
        new DiffStat.FileChange("docs/usage.md", DiffStat.Change.ADDED, Optional.empty(), 2, 0),
        new DiffStat.FileChange("src/App.java", DiffStat.Change.DELETED, Optional.empty(), 0, 1)), stat.files());
    assertEquals(3, stat.added());

    assertInstanceOf(CommitOutcome.Committed.class, checkout.commit("Docs, no app", new CommitKey("job-5", 2)));
    assertEquals("<absent>", fileAt("refs/heads/agents/job-5", "src/App.java"), "the deletion was committed");
  }

  @Test
  void aLongDiffIsCutAndSaysSo() throws IOException {
    Workspace small = Workspace.open(settings(repo, Optional.empty(), 200), dataDir).orElseThrow();
    JobCheckout checkout = small.checkout("job-6");
    files(checkout).write("big.txt", "line\n".repeat(500));
    TrimmedText diff = checkout.diff();
    assertTrue(diff.trimmed());
    assertTrue(diff.text().startsWith("diff --git a/big.txt b/big.txt\n"), diff.text());
    assertTrue(diff.text().endsWith(" bytes cut ...]\n"), diff.text());
  }

  @Test
  void recentCommitsAreTheMainBranchsNewestFirst() {
    List<CommitSummary> recent = workspace().recentCommits();
    assertEquals(List.of("Add the app", "First commit"), recent.stream().map(CommitSummary::subject).toList());
    assertEquals(mainTip, recent.get(0).id());
    assertEquals("Ada User", recent.get(0).author());
  }

  @Test
  void aHookPlantedInTheCheckoutDoesNotRun() throws IOException {
    JobCheckout checkout = workspace().checkout("job-7");
    Path marker = dataDir.resolve("hook-ran");
    for (String hook : List.of("pre-commit", "commit-msg", "post-commit")) {
      Path file = checkout.directory().resolve(".git/hooks/" + hook);
      Files.createDirectories(file.getParent());
      Files.writeString(file, "#!/bin/sh\necho " + hook + " >> '" + marker + "'\n");
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    files(checkout).write("a.txt", "a\n");
    assertInstanceOf(CommitOutcome.Committed.class, checkout.commit("Add a", new CommitKey("job-7", 1)));
    assertFalse(Files.exists(marker), "a hook ran");
  }

  @Test
  void aConfigPlantedInTheCheckoutRunsNothingEither() throws IOException {
    // the file tools cannot write .git/config, but the test command runs code the agent wrote
    JobCheckout checkout = workspace().checkout("job-10");
    Path marker = dataDir.resolve("planted-ran");
    Path hooks = dataDir.resolve("evil-hooks");
    Files.createDirectories(hooks);
    Path hook = hooks.resolve("post-commit");
    Files.writeString(hook, "#!/bin/sh\necho hook >> '" + marker + "'\n");
    Files.setPosixFilePermissions(hook, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path included = dataDir.resolve("evil.config");
    Files.writeString(included, "[filter \"evil\"]\n\tclean = tee -a " + marker + "\n\trequired = true\n");
    Files.writeString(checkout.directory().resolve(".git/config"), "[core]\n\thooksPath = " + hooks + "\n"
        + "[filter \"evil\"]\n\tclean = tee -a " + marker + "\n\trequired = true\n"
        + "[include]\n\tpath = " + included + "\n", java.nio.file.StandardOpenOption.APPEND);
    files(checkout).write(".gitattributes", "* filter=evil\n");
    files(checkout).write("a.txt", "a\n");

    assertInstanceOf(CommitOutcome.Committed.class, checkout.commit("Add a", new CommitKey("job-10", 1)));
    checkout.diff();
    assertFalse(Files.exists(marker), "planted configuration ran: " + (Files.exists(marker) ? Files.readString(marker) : ""));
    assertEquals("a\n", fileAt("refs/heads/agents/job-10", "a.txt"));
  }

  @Test
  void halfAMadeCheckoutIsMadeAgain() throws IOException {
    write(dataDir, "checkouts/job-8/README.md", "left by a crash");
    write(dataDir, "checkouts/.job-8.partial/.git/HEAD", "garbage");
    JobCheckout checkout = workspace().checkout("job-8");
    assertEquals("# Demo\nHello wrld\n", Files.readString(checkout.directory().resolve("README.md")));
    assertFalse(Files.exists(dataDir.resolve("checkouts/.job-8.partial")));
  }

  @Test
  void theBranchTheUserHasCheckedOutIsNotMovedUnderThemAndIsDeliveredLater() throws IOException, GitAPIException {
    Workspace workspace = workspace();
    JobCheckout checkout = workspace.checkout("job-9");
    files(checkout).write("a.txt", "a\n");
    checkout.commit("Add a", new CommitKey("job-9", 1));
    String tip = workspaceCommit("refs/heads/agents/job-9").getName();

    // the user looks at the agent's branch in a second working tree of their own: simulate with the symbolic HEAD
    String branch = user.getRepository().getFullBranch();
    user.getRepository().updateRef(Constants.HEAD).link("refs/heads/agents/job-9");
    try {
      files(checkout).write("b.txt", "b\n");
      WorkspaceException refused = assertThrows(WorkspaceException.class, () -> checkout.commit("Add b", new CommitKey("job-9", 2)));
      assertTrue(refused.getMessage().contains("has agents/job-9 checked out"), refused.getMessage());
      assertEquals(tip, workspaceCommit("refs/heads/agents/job-9").getName());
    } finally {
      user.getRepository().updateRef(Constants.HEAD).link(branch);
    }
    // the commit waited in the checkout; the same step again delivers it, once
    CommitSummary delivered = assertInstanceOf(CommitOutcome.AlreadyCommitted.class, checkout.commit("Add b", new CommitKey("job-9", 2))).commit();
    assertEquals(delivered.id(), workspaceCommit("refs/heads/agents/job-9").getName());
    assertEquals(2, commitsOnBranchSinceMain("job-9"));
  }

  @Test
  void aPathThatIsNotAGitRepositoryIsRefusedNamingTheSetting(@TempDir Path plain) {
    InvalidSettingException notGit = assertThrows(InvalidSettingException.class,
        () -> Workspace.open(settings(plain, Optional.empty(), 1024), dataDir));
    assertEquals("turbo-agents.workspace.path", notGit.key());
    assertEquals("turbo-agents.workspace.path: " + plain + " is not a git repository (no .git in it); "
        + "set TURBO_AGENTS_WORKSPACE to the root of a git repository", notGit.getMessage());

    InvalidSettingException missing = assertThrows(InvalidSettingException.class,
        () -> Workspace.open(settings(plain.resolve("gone"), Optional.empty(), 1024), dataDir));
    assertEquals("turbo-agents.workspace.path", missing.key());

    InvalidSettingException branch = assertThrows(InvalidSettingException.class,
        () -> Workspace.open(settings(repo, Optional.of("trunk"), 1024), dataDir));
    assertEquals("turbo-agents.workspace.main-branch", branch.key());
    assertTrue(branch.getMessage().contains("'trunk' does not exist"), branch.getMessage());

    assertEquals(Optional.empty(), Workspace.open(
        new WorkspaceSettings(Optional.empty(), Optional.empty(), "a", "b", 1, 1), dataDir), "no workspace configured");
    assertEquals("feature", Workspace.open(settings(repo, Optional.of("feature"), 1024), dataDir).orElseThrow().mainBranch());
  }

  @Test
  void jobIdsCannotReachOutOfTheCheckoutsDirectory() {
    Workspace workspace = workspace();
    for (String id : List.of("../escape", "a/b", ".hidden", "", "x".repeat(129))) {
      assertThrows(IllegalArgumentException.class, () -> workspace.checkout(id), id);
    }
  }
}
