package dev.turboagents.actors.tools.files;

/**
 * Why a file tool did not do what a model asked, with a message written for the model to read
 * ("path '../../etc/passwd' is outside the workspace"). The job records the reason; nothing was
 * read or changed.
 *
 * @param path the path as the model gave it
 */
public record Refusal(Reason reason, String path, String message)
    implements PathResolution, ReadResult, WriteResult, EditResult, ListResult {

  public enum Reason {
    /** Empty, or not a path at all. */
    INVALID_PATH,
    /** An absolute path: tools take paths relative to the workspace root. */
    ABSOLUTE,
    /** {@code ..} leads out of the checkout. */
    OUTSIDE_WORKSPACE,
    /** A symbolic link on the way leads out of the checkout, into .git, or nowhere. */
    SYMLINK_ESCAPE,
    /** Inside a .git directory: a planted hook or config would run code. */
    GIT_METADATA,
    /** Over {@code turbo-agents.tools.max-file-size}. */
    TOO_LARGE,
    NOT_FOUND,
    /** A directory (or a device, a pipe) where a file is needed. */
    NOT_A_FILE,
    NOT_A_DIRECTORY,
    /** Not valid UTF-8. */
    NOT_TEXT,
    /** The text a patch edit should replace does not occur. */
    NO_MATCH,
    /** The text a patch edit should replace occurs more than once. */
    AMBIGUOUS_MATCH,
    /** The file system failed (permissions, disk full). */
    IO_ERROR
  }

  /** "812 bytes", "3.4 KiB", "2.0 MiB". */
  static String size(long bytes) {
    if (bytes < 1024) {
      return bytes + " bytes";
    }
    return bytes < 1024 * 1024
        ? String.format(java.util.Locale.ROOT, "%.1f KiB", bytes / 1024.0)
        : String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024));
  }
}
