package dev.turboagents.config;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValueType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What the code agent's tools may do: the git workspace they work on ({@code turbo-agents.workspace}),
 * the file limits and the configured commands ({@code turbo-agents.tools}). Keys documented in
 * reference.conf.
 */
public record ToolSettings(WorkspaceSettings workspace, FileLimits files, CommandSettings commands,
    CoverageSettings coverage) {

  /**
   * What the review agent's check_tests_coverage runs and reads.
   *
   * @param command argv of the coverage command; empty = none configured
   * @param report the report the command writes, relative to the checkout; empty = none configured
   * @param format jacoco, cobertura or lcov; empty = told from the report itself ("auto")
   */
  public record CoverageSettings(Optional<List<String>> command, Duration timeout, Optional<String> report,
      Optional<String> format) {
    public static final List<String> FORMATS = List.of("auto", "jacoco", "cobertura", "lcov");
  }

  /**
   * @param path the user's git repository; empty = no workspace, code jobs are refused
   * @param mainBranch the branch checkouts start from; empty = "main", else "master"
   * @param recentCommits commits of the main branch shown as "Recent Changes"
   * @param maxDiffBytes longest diff handed to a model
   */
  public record WorkspaceSettings(Optional<Path> path, Optional<String> mainBranch, String authorName, String authorEmail,
      int recentCommits, long maxDiffBytes) {}

  /** Limits of read_file, write_file, the patch edit and list_files. */
  public record FileLimits(long maxFileBytes, int maxListEntries) {}

  /**
   * @param test argv of the test command; empty = none configured
   * @param lint argv of the lint command; empty = none configured
   * @param outputHeadBytes first bytes of a command's output kept
   * @param outputTailBytes last bytes of a command's output kept
   * @param exitGrace after a command exits or is killed, how long to wait for its processes to end and its output to arrive
   * @param environmentAllowList the daemon's environment variables a command may see, beyond PATH, LANG, HOME, TMPDIR
   */
  public record CommandSettings(Optional<List<String>> test, Duration testTimeout, Optional<List<String>> lint,
      Duration lintTimeout, long outputHeadBytes, long outputTailBytes, Duration exitGrace,
      List<String> environmentAllowList) {}

  private static final String W = "turbo-agents.workspace.";
  private static final String T = "turbo-agents.tools.";

  static ToolSettings read(SettingsReader r) {
    String path = r.string(W + "path");
    String main = r.string(W + "main-branch");
    return new ToolSettings(
        new WorkspaceSettings(
            path.isEmpty() ? Optional.empty() : Optional.of(r.path(W + "path")),
            main.isEmpty() ? Optional.empty() : Optional.of(main),
            r.nonEmpty(W + "author-name"),
            r.nonEmpty(W + "author-email"),
            r.intIn(W + "recent-commits", 0, 1000),
            r.positiveBytes(W + "max-diff-size")),
        new FileLimits(r.positiveBytes(T + "max-file-size"), r.intIn(T + "max-list-entries", 1, 1_000_000)),
        new CommandSettings(
            command(r, T + "test-command"),
            r.positiveDuration(T + "test-timeout"),
            command(r, T + "lint-command"),
            r.positiveDuration(T + "lint-timeout"),
            r.positiveBytes(T + "output-head"),
            r.positiveBytes(T + "output-tail"),
            r.positiveDuration(T + "exit-grace"),
            variableNames(r, T + "environment-allow-list")),
        coverage(r));
  }

  private static CoverageSettings coverage(SettingsReader r) {
    String report = r.string(T + "coverage-report");
    String format = r.string(T + "coverage-format");
    if (!CoverageSettings.FORMATS.contains(format)) {
      throw new InvalidSettingException(T + "coverage-format", "must be one of " + CoverageSettings.FORMATS + ", was '" + format + "'");
    }
    if (report.startsWith("/") || java.util.Arrays.asList(report.split("[/\\\\]")).contains("..")) {
      throw new InvalidSettingException(T + "coverage-report", "must be a path inside the checkout (relative, no '..'), was '" + report + "'");
    }
    return new CoverageSettings(command(r, T + "coverage-command"), r.positiveDuration(T + "coverage-timeout"),
        report.isEmpty() ? Optional.empty() : Optional.of(report),
        format.equals("auto") ? Optional.empty() : Optional.of(format));
  }

  /**
   * A configured command as an argument vector: a list is taken as it is; a string is handed to
   * {@code /bin/sh -c}, which is acceptable only because it comes from configuration and never from
   * a model or a file.
   */
  private static Optional<List<String>> command(SettingsReader r, String key) {
    try {
      if (r.config().getValue(key).valueType() == ConfigValueType.LIST) {
        List<String> argv = List.copyOf(r.config().getStringList(key));
        if (argv.stream().anyMatch(String::isEmpty)) {
          throw new InvalidSettingException(key, "must not contain empty arguments, was " + argv);
        }
        return argv.isEmpty() ? Optional.empty() : Optional.of(argv);
      }
    } catch (ConfigException.Missing e) {
      throw new InvalidSettingException(key, "is missing");
    } catch (ConfigException.WrongType e) {
      throw new InvalidSettingException(key, "must be a command line or a list of arguments");
    }
    String line = r.string(key);
    return line.isEmpty() ? Optional.empty() : Optional.of(List.of("/bin/sh", "-c", line));
  }

  private static List<String> variableNames(SettingsReader r, String key) {
    List<String> names;
    try {
      names = List.copyOf(r.config().getStringList(key));
    } catch (ConfigException.Missing e) {
      throw new InvalidSettingException(key, "is missing");
    } catch (ConfigException.WrongType e) {
      throw new InvalidSettingException(key, "must be a list of environment variable names such as [JAVA_HOME]");
    }
    for (String name : names) {
      if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
        throw new InvalidSettingException(key, "'" + name + "' is not an environment variable name");
      }
    }
    return names;
  }
}
