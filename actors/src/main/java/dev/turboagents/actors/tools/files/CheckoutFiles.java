package dev.turboagents.actors.tools.files;

import dev.turboagents.actors.tools.files.Refusal.Reason;
import dev.turboagents.config.ToolSettings.FileLimits;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jgit.dircache.DirCacheIterator;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.treewalk.FileTreeIterator;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.eclipse.jgit.treewalk.WorkingTreeIterator;
import org.eclipse.jgit.treewalk.filter.AndTreeFilter;
import org.eclipse.jgit.treewalk.filter.PathFilter;
import org.eclipse.jgit.treewalk.filter.TreeFilter;

/**
 * The file tools of one job's checkout: read_file, write_file, the patch edit (replace one unique
 * snippet) and list_files. Every path goes through {@link CheckoutPaths}; files over
 * {@code turbo-agents.tools.max-file-size} are refused both ways; the results are values, a
 * {@link Refusal} among them, never an exception for something the model asked.
 */
public final class CheckoutFiles {
  private final CheckoutPaths paths;
  private final FileLimits limits;

  public CheckoutFiles(Path checkout, FileLimits limits) {
    this.paths = new CheckoutPaths(checkout);
    this.limits = limits;
  }

  public ReadResult read(String path) {
    return switch (paths.resolve(path)) {
      case Refusal refusal -> refusal;
      case PathResolution.Inside inside -> readText(path, inside);
    };
  }

  public WriteResult write(String path, String content) {
    return switch (paths.resolve(path)) {
      case Refusal refusal -> refusal;
      case PathResolution.Inside inside -> writeText(path, inside, content);
    };
  }

  /** Replaces the one occurrence of {@code search} with {@code replacement}; none or several are refused. */
  public EditResult edit(String path, String search, String replacement) {
    if (search.isEmpty()) {
      return new Refusal(Reason.NO_MATCH, path, "the text to replace in '" + path + "' is empty; give the exact lines to change");
    }
    PathResolution resolved = paths.resolve(path);
    if (!(resolved instanceof PathResolution.Inside inside)) {
      return (Refusal) resolved;
    }
    ReadResult read = readText(path, inside);
    if (!(read instanceof ReadResult.Text text)) {
      return (Refusal) read;
    }
    List<Integer> at = occurrences(text.content(), search);
    if (at.isEmpty()) {
      boolean loosely = collapse(text.content()).contains(collapse(search));
      return new Refusal(Reason.NO_MATCH, path, "the text to replace does not occur in '" + inside.path() + "'"
          + (loosely ? " exactly (it does if spaces and line breaks are ignored: copy it as read_file shows it)" : ""));
    }
    if (at.size() > 1) {
      List<Integer> lines = at.stream().map(offset -> line(text.content(), offset)).toList();
      return new Refusal(Reason.AMBIGUOUS_MATCH, path, "the text to replace occurs " + at.size() + " times in '" + inside.path()
          + "' (at lines " + lines.toString().replaceAll("[\\[\\]]", "") + "); include more of the surrounding lines so it occurs once");
    }
    int offset = at.get(0);
    String edited = text.content().substring(0, offset) + replacement + text.content().substring(offset + search.length());
    return switch (writeText(path, inside, edited)) {
      case Refusal refusal -> refusal;
      case WriteResult.Written written -> new EditResult.Edited(written.path(), line(text.content(), offset), written.bytes());
    };
  }

  /**
   * The files under {@code directory} ("" or "." for all), recursively, in git's order: .git and
   * what .gitignore ignores are skipped (unless tracked), symbolic links are listed, not followed.
   */
  public ListResult list(String directory) {
    String requested = directory.isBlank() ? "." : directory;
    PathResolution resolved = paths.resolve(requested);
    if (!(resolved instanceof PathResolution.Inside inside)) {
      return (Refusal) resolved;
    }
    if (!Files.exists(inside.file())) {
      return new Refusal(Reason.NOT_FOUND, directory, "directory '" + inside.path() + "' does not exist");
    }
    if (!Files.isDirectory(inside.file())) {
      return new Refusal(Reason.NOT_A_DIRECTORY, directory, "'" + inside.path() + "' is a file, not a directory; read_file reads it");
    }
    try (Repository repository = new FileRepositoryBuilder().setWorkTree(paths.root().toFile()).setMustExist(true).build();
        TreeWalk walk = new TreeWalk(repository)) {
      walk.setRecursive(true);
      int index = walk.addTree(new DirCacheIterator(repository.readDirCache()));
      FileTreeIterator workingTree = new FileTreeIterator(repository);
      int workTree = walk.addTree(workingTree);
      workingTree.setDirCacheIterator(walk, index);
      TreeFilter shown = new TreeFilter() {
        @Override
        public boolean include(TreeWalk w) throws IOException {
          WorkingTreeIterator file = w.getTree(workTree, WorkingTreeIterator.class);
          return file != null && (w.getTree(index, DirCacheIterator.class) != null || !file.isEntryIgnored());
        }

        @Override
        public boolean shouldBeRecursive() {
          return false;
        }

        @Override
        public TreeFilter clone() {
          return this;
        }
      };
      walk.setFilter(inside.path().equals(".") ? shown
          : AndTreeFilter.create(PathFilter.create(inside.path()), shown));
      List<String> files = new ArrayList<>();
      while (walk.next()) {
        if (files.size() == limits.maxListEntries()) {
          return new ListResult.Listing(inside.path(), files, true);
        }
        files.add(walk.getPathString());
      }
      return new ListResult.Listing(inside.path(), files, false);
    } catch (IOException e) {
      return new Refusal(Reason.IO_ERROR, directory, "could not list '" + inside.path() + "': " + e.getMessage());
    }
  }

  private ReadResult readText(String requested, PathResolution.Inside inside) {
    Path file = inside.file();
    if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
      return new Refusal(Reason.NOT_FOUND, requested, "file '" + inside.path() + "' does not exist");
    }
    if (Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
      return new Refusal(Reason.NOT_A_FILE, requested, "'" + inside.path() + "' is a directory; list_files shows what is in it");
    }
    if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
      return new Refusal(Reason.NOT_A_FILE, requested, "'" + inside.path() + "' is not a regular file");
    }
    try {
      long size = Files.size(file);
      if (size > limits.maxFileBytes()) {
        return tooLarge(requested, inside, size, "read");
      }
      byte[] bytes;
      try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
        // read one byte more than allowed: a file that grew since it was measured is still refused
        bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limits.maxFileBytes() + 1));
      }
      if (bytes.length > limits.maxFileBytes()) {
        return tooLarge(requested, inside, bytes.length, "read");
      }
      String content = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes)).toString();
      return new ReadResult.Text(inside.path(), content, bytes.length);
    } catch (CharacterCodingException e) {
      return new Refusal(Reason.NOT_TEXT, requested, "file '" + inside.path() + "' is not UTF-8 text");
    } catch (IOException e) {
      return new Refusal(Reason.IO_ERROR, requested, "could not read '" + inside.path() + "': " + e.getMessage());
    }
  }

  private WriteResult writeText(String requested, PathResolution.Inside inside, String content) {
    byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
    if (bytes.length > limits.maxFileBytes()) {
      return tooLarge(requested, inside, bytes.length, "write");
    }
    Path file = inside.file();
    if (inside.path().equals(".") || Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
      return new Refusal(Reason.NOT_A_FILE, requested, "'" + inside.path() + "' is a directory, not a file");
    }
    boolean created = !Files.exists(file, LinkOption.NOFOLLOW_LINKS);
    try {
      Files.createDirectories(file.getParent());
      Files.write(file, bytes, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE,
          LinkOption.NOFOLLOW_LINKS);
      return new WriteResult.Written(inside.path(), bytes.length, created);
    } catch (FileAlreadyExistsException e) {
      return new Refusal(Reason.NOT_A_DIRECTORY, requested, "could not write '" + inside.path() + "': '"
          + paths.root().relativize(Path.of(e.getFile())) + "' is a file, not a directory");
    } catch (NoSuchFileException e) {
      return new Refusal(Reason.IO_ERROR, requested, "could not write '" + inside.path() + "': " + e.getFile() + " vanished");
    } catch (IOException e) {
      return new Refusal(Reason.IO_ERROR, requested, "could not write '" + inside.path() + "': " + e.getMessage());
    }
  }

  private Refusal tooLarge(String requested, PathResolution.Inside inside, long size, String verb) {
    return new Refusal(Reason.TOO_LARGE, requested, (verb.equals("read") ? "file '" : "the new content of '") + inside.path() + "' is "
        + Refusal.size(size) + "; tools " + verb + " files of at most " + Refusal.size(limits.maxFileBytes()));
  }

  private static List<Integer> occurrences(String text, String search) {
    List<Integer> at = new ArrayList<>();
    for (int i = text.indexOf(search); i >= 0; i = text.indexOf(search, i + 1)) {
      at.add(i);
    }
    return at;
  }

  private static int line(String text, int offset) {
    int line = 1;
    for (int i = 0; i < offset; i++) {
      if (text.charAt(i) == '\n') {
        line++;
      }
    }
    return line;
  }

  private static String collapse(String text) {
    return text.replaceAll("\\s+", " ").trim();
  }
}
