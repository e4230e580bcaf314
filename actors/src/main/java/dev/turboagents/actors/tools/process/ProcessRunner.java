package dev.turboagents.actors.tools.process;

import dev.turboagents.actors.tools.DirectoryTree;
import dev.turboagents.actors.tools.HeadTailBuffer;
import dev.turboagents.actors.tools.TrimmedText;
import dev.turboagents.config.ToolSettings.CommandSettings;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Runs a configured {@link Command} in a job's checkout and says how it ended: stdin is empty,
 * stdout and stderr are captured together into a {@link HeadTailBuffer}, the environment is
 * {@link ScrubbedEnvironment scrubbed} with a fresh HOME per run, and a run that outlives its
 * timeout (or whose thread is interrupted) has its whole process tree killed. Blocks the calling
 * thread for the length of the run; one runner serves any number of runs at once.
 */
public final class ProcessRunner {
  // how often the running tree is looked at, so children orphaned later can still be killed
  private static final long LOOK_EVERY_MILLIS = 100;

  private final CommandSettings settings;
  private final ScrubbedEnvironment environment;
  private final Path scratch;

  /**
   * @param scratch where each run gets its temporary HOME (e.g. {@code <data-dir>/tmp}); created
   *     when missing
   */
  public ProcessRunner(CommandSettings settings, ScrubbedEnvironment environment, Path scratch) {
    this.settings = settings;
    this.environment = environment;
    this.scratch = scratch;
  }

  public ProcessOutcome run(Command command, Path workingDirectory) {
    if (!Files.isDirectory(workingDirectory)) {
      return new ProcessOutcome.CouldNotStart("the working directory " + workingDirectory + " does not exist");
    }
    Path home;
    try {
      home = Files.createTempDirectory(Files.createDirectories(scratch), "run-");
    } catch (IOException e) {
      return new ProcessOutcome.CouldNotStart("no temporary HOME under " + scratch + ": " + e.getMessage());
    }
    try {
      return runIn(command, workingDirectory, home);
    } finally {
      try {
        DirectoryTree.delete(home);
      } catch (IOException e) {
        // best effort: a run that made its HOME undeletable leaves it under scratch, and the outcome stands
      }
    }
  }

  private ProcessOutcome runIn(Command command, Path workingDirectory, Path home) {
    ProcessBuilder builder = new ProcessBuilder(command.argv())
        .directory(workingDirectory.toFile())
        .redirectErrorStream(true)
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    builder.environment().clear();
    builder.environment().putAll(environment.forRun(home));
    HeadTailBuffer output = new HeadTailBuffer(
        (int) Math.min(Integer.MAX_VALUE, settings.outputHeadBytes()), (int) Math.min(Integer.MAX_VALUE, settings.outputTailBytes()));
    long started = System.nanoTime();
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      return new ProcessOutcome.CouldNotStart(e.getMessage());
    }
    Thread reader = Thread.ofVirtual().name("output of " + command.name()).start(() -> copy(process.getInputStream(), output));
    ProcessTree tree = new ProcessTree(process.toHandle());
    long deadline = started + command.timeout().toNanos();
    try {
      while (!process.waitFor(Math.min(LOOK_EVERY_MILLIS, remainingMillis(deadline)), TimeUnit.MILLISECONDS)) {
        tree.remember();
        if (System.nanoTime() >= deadline) {
          tree.killAll(settings.exitGrace());
          return new ProcessOutcome.TimedOut(command.timeout(), drain(reader, output), since(started));
        }
      }
    } catch (InterruptedException e) {
      tree.killAll(settings.exitGrace());
      TrimmedText text = drain(reader, output);
      Thread.currentThread().interrupt();
      return new ProcessOutcome.Cancelled(text, since(started));
    }
    tree.killLeftovers(settings.exitGrace());
    TrimmedText text = drain(reader, output);
    Duration took = since(started);
    int exit = process.exitValue();
    return exit == 0 ? new ProcessOutcome.Passed(text, took) : new ProcessOutcome.Failed(exit, text, took);
  }

  /** The output once the pipe is closed, or what there is after the grace (a holder we did not see). */
  private TrimmedText drain(Thread reader, HeadTailBuffer output) {
    try {
      reader.join(settings.exitGrace());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return output.text();
  }

  private static void copy(InputStream in, HeadTailBuffer out) {
    try (in) {
      in.transferTo(out);
    } catch (IOException e) {
      // the pipe broke (the process was killed): what arrived is kept
    }
  }

  private static long remainingMillis(long deadline) {
    return Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
  }

  private static Duration since(long started) {
    return Duration.ofNanos(System.nanoTime() - started);
  }
}
