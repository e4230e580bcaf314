package dev.turboagents.actors.tools;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The tool calls running now, by job, with the threads that run them: a cancelled job's calls are
 * interrupted at once (a command's process tree is killed, {@code ProcessRunner}), not left to
 * their timeout. A thread is only ever interrupted while it runs that job's call.
 */
final class RunningToolCalls {
  private record Running(String tool, Thread thread) {}

  private final Map<String, List<Running>> byJob = new HashMap<>();

  synchronized void started(String jobId, String tool) {
    byJob.computeIfAbsent(jobId, id -> new ArrayList<>()).add(new Running(tool, Thread.currentThread()));
  }

  /** The calling thread's call of {@code jobId} is over; an interrupt meant for it is cleared. */
  synchronized void ended(String jobId) {
    List<Running> calls = byJob.get(jobId);
    if (calls != null) {
      calls.removeIf(r -> r.thread() == Thread.currentThread());
      if (calls.isEmpty()) {
        byJob.remove(jobId);
      }
    }
    // under the lock: no interrupt of this call can come after it, so the pool's thread goes back clean
    Thread.interrupted();
  }

  /** Interrupts every running call of {@code jobId}; returns the names of their tools. */
  synchronized List<String> interrupt(String jobId) {
    List<Running> calls = byJob.getOrDefault(jobId, List.of());
    calls.forEach(r -> r.thread().interrupt());
    return calls.stream().map(Running::tool).toList();
  }
}
