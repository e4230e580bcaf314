package dev.turboagents.actors.tools.process;

import dev.turboagents.config.ToolSettings.CommandSettings;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A command the daemon may run: only ever built from configuration (there is no shell tool), so
 * a model can neither choose nor extend the argument vector.
 *
 * @param name what it is, for messages ("tests", "lint")
 * @param argv the program and its arguments; a configured command line is {@code [/bin/sh, -c, line]}
 * @param timeout after this long the whole process tree is killed
 */
public record Command(String name, List<String> argv, Duration timeout) {

  public Command {
    argv = List.copyOf(argv);
    if (argv.isEmpty()) {
      throw new IllegalArgumentException("a command needs a program to run");
    }
  }

  /** The configured test command ({@code turbo-agents.tools.test-command}), if there is one. */
  public static Optional<Command> tests(CommandSettings settings) {
    return settings.test().map(argv -> new Command("tests", argv, settings.testTimeout()));
  }

  /** The configured lint command ({@code turbo-agents.tools.lint-command}), if there is one. */
  public static Optional<Command> lint(CommandSettings settings) {
    return settings.lint().map(argv -> new Command("lint", argv, settings.lintTimeout()));
  }
}
