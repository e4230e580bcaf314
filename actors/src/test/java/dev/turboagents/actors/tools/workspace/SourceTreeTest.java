package dev.turboagents.actors.tools.workspace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turboagents.persistence.graph.code.SourceFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.revwalk.RevCommit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tree lister on a real temporary git repository through JGit. */
class SourceTreeTest {
  private static final PersonIdent USER = new PersonIdent("Ada User", "ada@example.org");

  @TempDir
  Path repo;

  private void write(String path, byte[] content) throws Exception {
    Path file = repo.resolve(path);
    Files.createDirectories(file.getParent());
    Files.write(file, content);
  }

  private RevCommit commit(Git git, String message) throws Exception {
    git.add().addFilepattern(".").call();
    git.add().addFilepattern(".").setUpdate(true).call();
    return git.commit().setMessage(message).setAuthor(USER).setCommitter(USER).setSign(false).call();
  }

  @Test
  void listsTextFilesWithTheirBlobIdsAndLeavesOutBinariesBigFilesAndLinks() throws Exception {
    try (Git git = Git.init().setDirectory(repo.toFile()).setInitialBranch("main").call()) {
      write("src/App.java", "class App {}\n".getBytes());
      write("README.md", "# App\n".getBytes());
      write("bin/run.sh", "#!/bin/sh\necho hi\n".getBytes());
      repo.resolve("bin/run.sh").toFile().setExecutable(true);
      write("assets/logo.png", new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 0, 0, 13});
      write("data/big.csv", "a,b\n".repeat(300).getBytes()); // 1200 bytes, over the limit below
      Files.createSymbolicLink(repo.resolve("link.md"), Path.of("README.md"));
      RevCommit first = commit(git, "first");
      // uncommitted work is not the revision's tree
      write("src/Draft.java", "class Draft {}\n".getBytes());

      SourceTree lister = new SourceTree(1024);
      List<SourceFile> files = lister.list(repo, "HEAD");
      assertEquals(List.of("README.md", "bin/run.sh", "src/App.java"), files.stream().map(SourceFile::path).toList());
      SourceFile app = files.get(2);
      assertEquals(repo.resolve("src/App.java"), app.location());
      assertEquals(blobId(git, first, "src/App.java"), app.blobId());
      assertEquals("class App {}\n", Files.readString(app.location()));
      assertEquals(first.getName(), SourceTree.resolve(repo, "main"));

      // a change gives the changed file a new blob id and leaves the others' alone
      write("src/App.java", "class App { int x; }\n".getBytes());
      Files.delete(repo.resolve("README.md"));
      RevCommit second = commit(git, "second");
      Map<String, String> before = files.stream().collect(Collectors.toMap(SourceFile::path, SourceFile::blobId));
      Map<String, String> after = lister.list(repo, second.getName()).stream()
          .collect(Collectors.toMap(SourceFile::path, SourceFile::blobId));
      assertEquals(java.util.Set.of("bin/run.sh", "src/App.java", "src/Draft.java"), after.keySet());
      assertEquals(before.get("bin/run.sh"), after.get("bin/run.sh"));
      assertNotEquals(before.get("src/App.java"), after.get("src/App.java"));
      // an older revision is listed as it was
      assertEquals(before, lister.list(repo, first.getName()).stream().collect(Collectors.toMap(SourceFile::path, SourceFile::blobId)));
    }
  }

  @Test
  void anUnknownRevisionOrANonRepositoryNamesWhatIsWrong() throws Exception {
    try (Git git = Git.init().setDirectory(repo.toFile()).setInitialBranch("main").call()) {
      write("a.txt", "a\n".getBytes());
      commit(git, "one");
    }
    WorkspaceException unknown = assertThrows(WorkspaceException.class, () -> new SourceTree(1024).list(repo, "nope"));
    assertTrue(unknown.getMessage().contains("nope"), unknown.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new SourceTree(0));
  }

  private static String blobId(Git git, RevCommit commit, String path) throws Exception {
    try (var walk = org.eclipse.jgit.treewalk.TreeWalk.forPath(git.getRepository(), path, commit.getTree())) {
      ObjectId id = walk.getObjectId(0);
      return id.getName();
    }
  }
}
