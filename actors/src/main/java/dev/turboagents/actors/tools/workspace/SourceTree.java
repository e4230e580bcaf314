package dev.turboagents.actors.tools.workspace;

import dev.turboagents.persistence.graph.code.SourceFile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jgit.diff.RawText;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.treewalk.TreeWalk;

/**
 * A revision's tree as the code index wants it: each indexable file with its path, its git blob
 * id and where its content lies in a checkout. Left out: anything that is not a regular or
 * executable file (symlinks, submodules), any path with a {@code .git} segment, files larger than
 * {@code turbo-agents.graph.code.max-file-size}, and binaries (git's own test: a NUL byte in the
 * first 8000 bytes). Only sizes and the first bytes of blobs not seen before are read; the verdict
 * on a blob id is remembered, since a blob id names its content for good.
 *
 * <p>The locations are {@code checkout/<path>}: list the revision the checkout's work tree is at
 * (a job's fresh checkout, or right after a commit in it), so each location holds its blob.
 */
public final class SourceTree {
  private static final int REMEMBERED_VERDICTS = 100_000;

  private final long maxFileSize;
  private final Map<ObjectId, Boolean> binary = new LinkedHashMap<>(1024, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<ObjectId, Boolean> eldest) {
      return size() > REMEMBERED_VERDICTS;
    }
  };

  /** @param maxFileSize {@code turbo-agents.graph.code.max-file-size}: larger files are left out */
  public SourceTree(long maxFileSize) {
    if (maxFileSize < 1) {
      throw new IllegalArgumentException("maxFileSize must be positive, was " + maxFileSize);
    }
    this.maxFileSize = maxFileSize;
  }

  /** The files of {@code revision} (a commit id, branch or {@code HEAD}) in the repository of {@code checkout}, by path. */
  public List<SourceFile> list(Path checkout, String revision) {
    try (Repository repository = new FileRepositoryBuilder().setWorkTree(checkout.toFile()).setMustExist(true).build()) {
      return list(repository, checkout, revision);
    } catch (IOException e) {
      throw new WorkspaceException("cannot list the tree of " + revision + " in " + checkout + ": " + e.getMessage(), e);
    }
  }

  /** The commit id {@code revision} names in {@code checkout}'s repository, for the index's report. */
  public static String resolve(Path checkout, String revision) {
    try (Repository repository = new FileRepositoryBuilder().setWorkTree(checkout.toFile()).setMustExist(true).build()) {
      return commit(repository, revision).getName();
    } catch (IOException e) {
      throw new WorkspaceException("cannot resolve " + revision + " in " + checkout + ": " + e.getMessage(), e);
    }
  }

  private List<SourceFile> list(Repository repository, Path checkout, String revision) throws IOException {
    RevCommit commit = commit(repository, revision);
    List<SourceFile> files = new ArrayList<>();
    try (ObjectReader reader = repository.newObjectReader(); TreeWalk walk = new TreeWalk(reader)) {
      walk.addTree(commit.getTree());
      walk.setRecursive(true);
      while (walk.next()) {
        FileMode mode = walk.getFileMode(0);
        String path = walk.getPathString();
        if ((mode != FileMode.REGULAR_FILE && mode != FileMode.EXECUTABLE_FILE) || underGit(path)) {
          continue;
        }
        ObjectId blob = walk.getObjectId(0);
        if (reader.getObjectSize(blob, Constants.OBJ_BLOB) > maxFileSize || isBinary(reader, blob)) {
          continue;
        }
        files.add(new SourceFile(path, blob.getName(), checkout.resolve(path)));
      }
    }
    return files;
  }

  private static RevCommit commit(Repository repository, String revision) throws IOException {
    ObjectId id = repository.resolve(revision);
    if (id == null) {
      throw new WorkspaceException("no revision " + revision + " in " + repository.getDirectory());
    }
    try (RevWalk walk = new RevWalk(repository)) {
      return walk.parseCommit(id);
    }
  }

  private static boolean underGit(String path) {
    for (String segment : path.split("/")) {
      if (segment.equalsIgnoreCase(Constants.DOT_GIT)) {
        return true;
      }
    }
    return false;
  }

  private synchronized boolean isBinary(ObjectReader reader, ObjectId blob) throws IOException {
    Boolean known = binary.get(blob);
    if (known != null) {
      return known;
    }
    boolean verdict;
    try (InputStream in = reader.open(blob, Constants.OBJ_BLOB).openStream()) {
      verdict = RawText.isBinary(in);
    }
    binary.put(blob.copy(), verdict);
    return verdict;
  }
}
