package dev.turboagents.actors.tools.files;

import dev.turboagents.actors.tools.files.Refusal.Reason;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Containment: resolves a path a model gave to a place inside one job's checkout, or refuses it.
 * Refused are absolute paths, {@code ..} that leaves the checkout, a symbolic link on the way that
 * leads outside it, into .git or nowhere (links planted inside the checkout included), and
 * anything in a .git directory (a hook or a config there would run code). The path is resolved
 * lexically first ({@code a/link/../b} is {@code a/b}), then every symbolic link on the way is
 * followed and checked, so the location returned is the one that was checked.
 */
public final class CheckoutPaths {
  private final Path root;

  public CheckoutPaths(Path checkout) {
    try {
      this.root = checkout.toRealPath();
    } catch (IOException e) {
      throw new UncheckedIOException("the checkout " + checkout + " cannot be opened", e);
    }
  }

  public Path root() {
    return root;
  }

  public PathResolution resolve(String requested) {
    if (requested.isBlank() || requested.indexOf('\0') >= 0) {
      return new Refusal(Reason.INVALID_PATH, requested, "'" + requested + "' is not a path; give one relative to the workspace root, e.g. 'src/Main.java'");
    }
    Path given;
    try {
      given = Path.of(requested);
    } catch (InvalidPathException e) {
      return new Refusal(Reason.INVALID_PATH, requested, "'" + requested + "' is not a path: " + e.getReason());
    }
    if (given.isAbsolute() || requested.startsWith("/") || requested.startsWith("\\")) {
      return new Refusal(Reason.ABSOLUTE, requested,
          "path '" + requested + "' is absolute; give it relative to the workspace root, e.g. 'src/Main.java'");
    }
    Path lexical = root.resolve(given).normalize();
    if (!lexical.startsWith(root)) {
      return new Refusal(Reason.OUTSIDE_WORKSPACE, requested, "path '" + requested + "' is outside the workspace");
    }
    Path relative = root.relativize(lexical);
    if (inGit(relative)) {
      return gitRefusal(requested);
    }
    Path current = root;
    for (int i = 0; i < relative.getNameCount() && !relative.toString().isEmpty(); i++) {
      Path next = current.resolve(relative.getName(i));
      if (Files.isSymbolicLink(next)) {
        Path target;
        try {
          target = next.toRealPath();
        } catch (IOException e) {
          return new Refusal(Reason.SYMLINK_ESCAPE, requested,
              "path '" + requested + "' goes through the symbolic link '" + display(root.relativize(next)) + "', whose target does not exist");
        }
        if (!target.startsWith(root)) {
          return new Refusal(Reason.SYMLINK_ESCAPE, requested,
              "path '" + requested + "' leads outside the workspace through the symbolic link '" + display(root.relativize(next)) + "'");
        }
        if (inGit(root.relativize(target))) {
          return new Refusal(Reason.SYMLINK_ESCAPE, requested,
              "path '" + requested + "' leads into .git through the symbolic link '" + display(root.relativize(next)) + "'");
        }
        current = target;
      } else if (Files.exists(next, LinkOption.NOFOLLOW_LINKS)) {
        current = next;
      } else {
        // nothing exists from here on, so nothing further can be a link
        current = current.resolve(relative.subpath(i, relative.getNameCount()));
        break;
      }
    }
    return new PathResolution.Inside(display(root.relativize(current)), current);
  }

  private static Refusal gitRefusal(String requested) {
    return new Refusal(Reason.GIT_METADATA, requested,
        "path '" + requested + "' is inside .git, which no tool may read or change");
  }

  private static boolean inGit(Path relative) {
    for (Path name : relative) {
      if (isGitName(name.toString())) {
        return true;
      }
    }
    return false;
  }

  /** ".git" in any case, also with characters a case-folding file system ignores (".g\u200cit"). */
  static boolean isGitName(String name) {
    StringBuilder folded = new StringBuilder();
    name.codePoints()
        .filter(c -> Character.getType(c) != Character.FORMAT)
        .forEach(folded::appendCodePoint);
    return folded.toString().toLowerCase(Locale.ROOT).equals(".git");
  }

  private static String display(Path relative) {
    String path = relative.toString().replace('\\', '/');
    return path.isEmpty() ? "." : path;
  }
}
