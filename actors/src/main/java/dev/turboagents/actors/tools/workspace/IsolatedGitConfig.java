package dev.turboagents.actors.tools.workspace;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.eclipse.jgit.lib.Config;
import org.eclipse.jgit.storage.file.FileBasedConfig;
import org.eclipse.jgit.util.FS;
import org.eclipse.jgit.util.SystemReader;

/**
 * Makes JGit, for the whole JVM, read no user or system git configuration and keep its own
 * state in a directory the daemon owns. The user's ~/.gitconfig could otherwise change what the
 * agents' commits are (signing, hooksPath, filters, autocrlf), and JGit would write its one-off
 * measurement of the file system (3-5 s, once per user) to $XDG_CONFIG_HOME/jgit, outside the
 * data directory. The files here need not exist: a missing config is an empty one.
 */
public final class IsolatedGitConfig {

  private IsolatedGitConfig() {}

  /** Installs the isolation with its files in {@code directory} (created); installing again moves it. */
  public static synchronized void install(Path directory) {
    try {
      Files.createDirectories(directory);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + directory + " for JGit's own configuration", e);
    }
    SystemReader current = SystemReader.getInstance();
    if (current instanceof Isolated isolated && isolated.directory.equals(directory)) {
      return;
    }
    SystemReader base = current instanceof Isolated isolated ? isolated.base : current;
    SystemReader.setInstance(new Isolated(base, directory));
  }

  private static final class Isolated extends SystemReader.Delegate {
    private final SystemReader base;
    private final Path directory;

    Isolated(SystemReader base, Path directory) {
      super(base);
      this.base = base;
      this.directory = directory;
    }

    @Override
    public FileBasedConfig openUserConfig(Config parent, FS fs) {
      return new FileBasedConfig(parent, directory.resolve("user.gitconfig").toFile(), fs);
    }

    @Override
    public FileBasedConfig openSystemConfig(Config parent, FS fs) {
      return new FileBasedConfig(parent, directory.resolve("system.gitconfig").toFile(), fs);
    }

    @Override
    public FileBasedConfig openJGitConfig(Config parent, FS fs) {
      return new FileBasedConfig(parent, directory.resolve("jgit.config").toFile(), fs);
    }
  }
}
