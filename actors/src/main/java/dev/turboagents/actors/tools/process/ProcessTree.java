package dev.turboagents.actors.tools.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A started command and every process it spawned that was seen while it ran. Once a process
 * dies its children are adopted by init and no longer show as descendants of the root, so the
 * runner calls {@link #remember()} while it waits: what it saw can still be killed after the root
 * is gone. A child forked and orphaned between two looks is not seen (Java offers no process
 * groups); a kill right after {@code remember()} narrows that to the instant of the kill.
 */
final class ProcessTree {
  private final ProcessHandle root;
  private final Map<Long, ProcessHandle> seen = new LinkedHashMap<>();

  ProcessTree(ProcessHandle root) {
    this.root = root;
  }

  /** Adds the root's current descendants to those to kill. */
  void remember() {
    root.descendants().forEach(p -> seen.putIfAbsent(p.pid(), p));
  }

  /**
   * Kills the root and every descendant seen or present now, then waits up to {@code grace} for
   * them to end. Returns the pids still alive after that (a process stuck in the kernel).
   */
  List<Long> killAll(Duration grace) {
    remember();
    List<ProcessHandle> all = new ArrayList<>();
    all.add(root);
    all.addAll(seen.values());
    // the root first, so it spawns nothing more, then the rest (ProcessHandle checks the start
    // time, so a pid reused by an unrelated process is never killed)
    all.forEach(ProcessHandle::destroyForcibly);
    return survivors(all, grace);
  }

  /** After the root exited: kills what it left running in the background. */
  List<Long> killLeftovers(Duration grace) {
    remember();
    List<ProcessHandle> left = seen.values().stream().filter(ProcessTree::running).toList();
    left.forEach(ProcessHandle::destroyForcibly);
    return survivors(left, grace);
  }

  private static List<Long> survivors(List<ProcessHandle> killed, Duration grace) {
    // polled: onExit() of a process that is not our child only notices its end after about 2 s
    long deadline = System.nanoTime() + grace.toNanos();
    long pause = 1;
    while (killed.stream().anyMatch(ProcessTree::running) && System.nanoTime() < deadline) {
      try {
        Thread.sleep(pause);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      pause = Math.min(50, pause * 2);
    }
    return killed.stream().filter(ProcessTree::running).map(ProcessHandle::pid).toList();
  }

  /**
   * Alive and not a zombie. Java counts a zombie as alive; a killed grandchild stays one until
   * init reaps it, which in a container whose pid 1 reaps lazily (or never) takes seconds.
   */
  static boolean running(ProcessHandle process) {
    if (!process.isAlive()) {
      return false;
    }
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
      // "pid (comm) S ...": the state follows the last ')' (comm may itself contain one)
      char state = stat.charAt(stat.lastIndexOf(')') + 2);
      return state != 'Z' && state != 'X';
    } catch (IOException | RuntimeException e) {
      return process.isAlive(); // no /proc (macOS), or it ended meanwhile
    }
  }
}
