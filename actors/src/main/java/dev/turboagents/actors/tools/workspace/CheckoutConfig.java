package dev.turboagents.actors.tools.workspace;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import org.eclipse.jgit.errors.ConfigInvalidException;
import org.eclipse.jgit.lib.Config;
import org.eclipse.jgit.storage.file.FileBasedConfig;
import org.eclipse.jgit.util.FS;

/**
 * The git configuration of a job's checkout, made harmless before every use. The file tools
 * cannot reach .git, but the test command runs code the agent wrote, and that code can write
 * .git/config: a hooksPath, a clean/smudge filter or an include there would make JGit run a
 * program inside the daemon at the next commit. So only the sections a clone needs are kept,
 * hooks point at an empty directory and signing is off.
 */
final class CheckoutConfig {
  private static final Set<String> KEPT = Set.of("core", "extensions", "remote", "branch");

  private CheckoutConfig() {}

  /** Rewrites {@code <gitDir>/config}; open the repository after this, so it reads the result. */
  static void disarm(Path gitDir) throws IOException {
    FileBasedConfig config = new FileBasedConfig(gitDir.resolve("config").toFile(), FS.DETECTED);
    try {
      config.load();
    } catch (ConfigInvalidException e) {
      throw new IOException("the checkout's .git/config is invalid: " + e.getMessage(), e);
    }
    for (String section : Set.copyOf(config.getSections())) {
      if (!KEPT.contains(section.toLowerCase(Locale.ROOT))) {
        for (String subsection : Set.copyOf(config.getSubsections(section))) {
          config.unsetSection(section, subsection);
        }
        config.unsetSection(section, null);
      }
    }
    config.setString("core", null, "hooksPath", noHooks(gitDir).toString());
    config.setBoolean("commit", null, "gpgSign", false);
    config.save();
  }

  /**
   * Fails unless {@code config} (as a repository read it, includes resolved) is what
   * {@link #disarm} wrote: something rewrote it in between.
   */
  static void check(Config config, Path gitDir) throws IOException {
    boolean harmless = config.getSubsections("filter").isEmpty()
        && config.getSubsections("includeIf").isEmpty()
        && config.getString("include", null, "path") == null
        && noHooks(gitDir).toString().equals(config.getString("core", null, "hooksPath"));
    if (!harmless) {
      throw new IOException("the checkout's .git/config changed under it (filters, includes or hooks)");
    }
  }

  private static Path noHooks(Path gitDir) throws IOException {
    return Files.createDirectories(gitDir.resolve("no-hooks"));
  }
}
