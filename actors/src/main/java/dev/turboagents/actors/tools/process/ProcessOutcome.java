package dev.turboagents.actors.tools.process;

import dev.turboagents.actors.tools.TrimmedText;
import java.time.Duration;

/** How a run of a configured command ended; {@code output} is stdout and stderr interleaved, trimmed. */
public sealed interface ProcessOutcome {

  /** Exit code 0. */
  record Passed(TrimmedText output, Duration took) implements ProcessOutcome {}

  /** Any other exit code (128 + n when a signal n ended it). */
  record Failed(int exitCode, TrimmedText output, Duration took) implements ProcessOutcome {}

  /** Still running after {@code limit}: the whole process tree was killed. */
  record TimedOut(Duration limit, TrimmedText output, Duration took) implements ProcessOutcome {}

  /** The thread waiting for it was interrupted (the job was cancelled): the whole tree was killed. */
  record Cancelled(TrimmedText output, Duration took) implements ProcessOutcome {}

  /** Nothing ran: the program or the working directory is missing, or the system refused. */
  record CouldNotStart(String reason) implements ProcessOutcome {}
}
