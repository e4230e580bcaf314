package dev.turboagents.actors.tools.process;

import dev.turboagents.config.ToolSettings.CommandSettings;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A command the daemon may run. The only public ways to get one read it from configuration
 * ({@link #tests}, {@link #lint}): there is no shell tool, and a model can neither choose nor
 * extend an argument vector.
 */
public final class Command {
  private final String name;
  private final List<String> argv;
  private final Duration timeout;

  private Command(String name, List<String> argv, Duration timeout) {
    if (argv.isEmpty()) {
      throw new IllegalArgumentException("a command needs a program to run");
    }
    this.name = name;
    this.argv = List.copyOf(argv);
    this.timeout = timeout;
  }

  /** The configured test command ({@code turbo-agents.tools.test-command}), if there is one. */
  public static Optional<Command> tests(CommandSettings settings) {
    return settings.test().map(argv -> new Command("tests", argv, settings.testTimeout()));
  }

  /** The configured lint command ({@code turbo-agents.tools.lint-command}), if there is one. */
  public static Optional<Command> lint(CommandSettings settings) {
    return settings.lint().map(argv -> new Command("lint", argv, settings.lintTimeout()));
  }

  /** The configured coverage command ({@code turbo-agents.tools.coverage-command}), if there is one. */
  public static Optional<Command> coverage(dev.turboagents.config.ToolSettings.CoverageSettings settings) {
    return settings.command().map(argv -> new Command("coverage", argv, settings.timeout()));
  }

  /** For tests of the runner itself. */
  static Command of(String name, List<String> argv, Duration timeout) {
    return new Command(name, argv, timeout);
  }

  /** What it is, for messages: "tests", "lint". */
  public String name() {
    return name;
  }

  /** The program and its arguments; a configured command line is {@code [/bin/sh, -c, line]}. */
  public List<String> argv() {
    return argv;
  }

  /** After this long the whole process tree is killed. */
  public Duration timeout() {
    return timeout;
  }

  @Override
  public String toString() {
    return name + " " + argv;
  }
}
